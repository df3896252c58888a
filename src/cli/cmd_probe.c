#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_endpoint.h"
#include "i18n.h"
#include "probe.h"
#include "safetext.h"
#include "timefmt.h"

/* The longest a probe may take, --timeout's upper bound (seconds). */
#define MAX_TIMEOUT 600

static cJSON *
result_json(const struct probe_opts *o, const struct probe_result *r)
{
	cJSON *j = cJSON_CreateObject(), *names;
	char t[40];
	size_t i;

	cJSON_AddStringToObject(j, "host", o->host);
	cJSON_AddNumberToObject(j, "port", o->port);
	if (o->sni != NULL)
		cJSON_AddStringToObject(j, "sni", o->sni);
	else
		cJSON_AddNullToObject(j, "sni");
	if (o->starttls != PROBE_TLS)
		cJSON_AddStringToObject(j, "starttls", probe_starttls_name(o->starttls));
	else
		cJSON_AddNullToObject(j, "starttls");
	cJSON_AddStringToObject(j, "fingerprint", r->fingerprint);
	cJSON_AddStringToObject(j, "subject", r->subject != NULL ? r->subject : "");
	cJSON_AddStringToObject(j, "issuer", r->issuer != NULL ? r->issuer : "");
	names = cJSON_AddArrayToObject(j, "names");
	for (i = 0; i < r->n_names; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(r->names[i]));
	timefmt_rfc3339(r->not_before, t, sizeof(t));
	cJSON_AddStringToObject(j, "not_before", t);
	timefmt_rfc3339(r->not_after, t, sizeof(t));
	cJSON_AddStringToObject(j, "not_after", t);
	cJSON_AddNumberToObject(j, "chain_length", (double)r->chain_len);
	cJSON_AddBoolToObject(j, "chain_verified", r->chain_ok);
	if (!r->chain_ok)
		cJSON_AddStringToObject(j, "verify_error", r->verify_error);
	cJSON_AddStringToObject(j, "checked_name", r->checked_name);
	cJSON_AddBoolToObject(j, "name_matches", r->name_ok);
	cJSON_AddStringToObject(j, "protocol", r->protocol);
	cJSON_AddStringToObject(j, "cipher", r->cipher);
	return j;
}

static void
result_text(const struct probe_opts *o, const struct probe_result *r)
{
	char t[40];
	size_t i;

	if (o->sni != NULL)
		printf("  %-12s %s:%d (%s %s)\n", _("Endpoint:"), safetext(o->host), o->port,
		    _("server name"), safetext(o->sni));
	else
		printf("  %-12s %s:%d\n", _("Endpoint:"), safetext(o->host), o->port);
	if (o->starttls != PROBE_TLS)
		printf("  %-12s %s\n", _("STARTTLS:"), probe_starttls_name(o->starttls));
	printf("  %-12s %s\n", _("SHA-256:"), r->fingerprint);
	printf("  %-12s %s\n", _("Subject:"), r->subject != NULL ? safetext(r->subject) : "-");
	for (i = 0; i < r->n_names; i++)
		printf("  %-12s %s\n", i == 0 ? _("Names:") : "", safetext(r->names[i]));
	printf("  %-12s %s\n", _("Issuer:"), r->issuer != NULL ? safetext(r->issuer) : "-");
	timefmt_utc(r->not_after, 1, t, sizeof(t));
	printf("  %-12s %s\n", _("Not after:"), t);
	if (r->chain_ok)
		printf("  %-12s %s (%zu)\n", _("Chain:"), _("verified"), r->chain_len);
	else
		printf("  %-12s %s: %s (%zu)\n", _("Chain:"), _("not verified"),
		    safetext(r->verify_error), r->chain_len);
	if (r->checked_name[0] != '\0')
		printf("  %-12s %s %s\n", _("Name:"), r->name_ok ? _("valid for") :
		    _("NOT valid for"), safetext(r->checked_name));
	printf("  %-12s %s, %s\n", _("TLS:"), r->protocol, r->cipher);
}

static int
cmd_probe_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	enum { OPT_SNI = 1, OPT_STARTTLS, OPT_CA_BUNDLE, OPT_TIMEOUT };
	const struct option opts[] = {
		{ "sni", required_argument, NULL, OPT_SNI },
		{ "starttls", required_argument, NULL, OPT_STARTTLS },
		{ "ca-bundle", required_argument, NULL, OPT_CA_BUNDLE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "json", no_argument, NULL, 'j' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct probe_opts o = { 0 };
	struct probe_result r;
	const char *starttls = NULL;
	char host[256];
	int opt, rc, json = 0, timeout = 10;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_SNI:
			if (optarg[0] == '\0')
				return cli_usage(self, "%s", _("--sni needs a name"));
			o.sni = optarg;
			break;
		case OPT_STARTTLS:
			starttls = optarg;
			break;
		case OPT_CA_BUNDLE:
			o.ca_bundle = optarg;
			break;
		case OPT_TIMEOUT:
			if (cli_parse_count(optarg, MAX_TIMEOUT, &timeout) != 0 || timeout == 0)
				return cli_usage(self, _("--timeout must be 1 to %d seconds"),
				    MAX_TIMEOUT);
			break;
		case 'j':
			json = 1;
			break;
		default:
			if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
				return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(self, "%s", optind >= argc ? _("probe needs HOST[:PORT]") :
		    _("probe takes one HOST[:PORT]"));
	rc = cli_endpoint_target(self, argv[optind], starttls, &o, host, sizeof(host));
	if (rc != CLI_OK)
		return rc;
	o.timeout_ms = timeout * 1000;
	err_clear(&e);
	if (probe_run(&o, &r, &e) != 0)
		return cli_fail(&e);
	if (json)
		cli_print_json(result_json(&o, &r));
	else
		result_text(&o, &r);
	probe_result_free(&r);
	return CLI_OK;
}

const struct cmd_entry cmd_probe_entry = {
	.name = "probe",
	.args = "HOST[:PORT] [--sni NAME] [--starttls smtp|imap|pop3] [--ca-bundle FILE] [--json]",
	.summary = N_("show the certificate a TLS server serves"),
	.options = N_("      --sni NAME        the server name to ask for and check (default: HOST)\n"
	    "      --starttls PROTO  upgrade an smtp, imap or pop3 connection to TLS\n"
	    "                        (the port then defaults to 25, 143 or 110)\n"
	    "      --ca-bundle FILE  verify the chain against these CAs, not the system's\n"
	    "      --timeout SEC     give up after SEC seconds (default 10)\n"
	    "      --json            the result as a JSON object\n"),
	.exec = cmd_probe_exec,
};
