#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_endpoint.h"
#include "i18n.h"
#include "safetext.h"
#include "store_cert.h"
#include "store_endpoint.h"
#include "timefmt.h"

static int
sub_add(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	enum { OPT_SNI = 1, OPT_STARTTLS };
	const struct option opts[] = {
		{ "sni", required_argument, NULL, OPT_SNI },
		{ "starttls", required_argument, NULL, OPT_STARTTLS },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct endpoint_row r = { 0 };
	struct probe_opts o = { 0 };
	const char *starttls = NULL, *sni = NULL;
	struct cert_row *cert = NULL;
	struct store *st;
	char host[256], addr[300];
	int opt, rc;
	int64_t id;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_SNI:
			if (optarg[0] == '\0')
				return cli_usage(self, "%s", _("--sni needs a name"));
			sni = optarg;
			break;
		case OPT_STARTTLS:
			starttls = optarg;
			break;
		default:
			if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
				return rc;
		}
	}
	if (argc - optind != 2)
		return cli_usage(self, "%s", _("give a certificate ID and HOST[:PORT]"));
	if (cli_parse_id(argv[optind], &r.cert_id) != 0)
		return cli_usage(self, _("'%s' is not a certificate ID"), argv[optind]);
	rc = cli_endpoint_target(self, argv[optind + 1], starttls, &o, host, sizeof(host));
	if (rc != CLI_OK)
		return rc;
	r.host = host;
	r.port = o.port;
	r.sni = (char *)sni;
	r.starttls = o.starttls != PROBE_TLS ? (char *)probe_starttls_name(o.starttls) : NULL;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	if ((rc = cli_cert_get(st, r.cert_id, &cert)) != CLI_OK) {
		store_close(st);
		return rc;
	}
	cert_row_free(cert);
	err_clear(&e);
	rc = store_endpoint_add(st, &r, &id, &e);
	store_close(st);
	if (rc != 0)
		return cli_fail(&e);
	printf("%lld\n", (long long)id);
	cli_msg(_("endpoint #%lld: %s%s%s for certificate #%lld"), (long long)id,
	    cli_endpoint_address(host, r.port, addr, sizeof(addr)),
	    sni != NULL ? _(" with server name ") : "", sni != NULL ? safetext(sni) : "",
	    (long long)r.cert_id);
	return CLI_OK;
}

static void
print_row(const struct endpoint_row *r)
{
	char addr[300], when[40] = "-";
	const char *state = "-";

	if (r->checked > 0 && r->has_state) {
		timefmt_utc(r->checked, 0, when, sizeof(when));
		state = store_endpoint_state_name(r->state);
	}
	printf("%-5lld %-5lld %-28s %-20s %-15s %s\n", (long long)r->id, (long long)r->cert_id,
	    safetext(cli_endpoint_address(r->host, r->port, addr, sizeof(addr))),
	    r->sni != NULL ? safetext(r->sni) : "-", state, when);
	if (r->message != NULL)
		printf("      %s\n", safetext(r->message));
}

static int
sub_list(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int json = 0, rc;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 }, CLI_COMMON_OPTIONS, { 0 },
	};
	struct endpoint_row **list = NULL;
	struct store *st;
	size_t n = 0, i;
	struct err e;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE ||
	    (rc = cli_no_operands(self, argc, argv)) != CLI_OK ||
	    (rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	rc = store_endpoint_list(st, 0, &list, &n, &e);
	store_close(st);
	if (rc != 0)
		return cli_fail(&e);
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, cli_endpoint_json(list[i]));
		cli_print_json(arr);
	} else if (n == 0) {
		cli_msg("%s", _("no endpoints (add one with 'certdeck endpoint add')"));
	} else {
		printf("%-5s %-5s %-28s %-20s %-15s %s\n", _("ID"), _("CERT"), _("ENDPOINT"),
		    _("SERVER NAME"), _("STATE"), _("CHECKED"));
		for (i = 0; i < n; i++)
			print_row(list[i]);
	}
	endpoint_list_free(list, n);
	return CLI_OK;
}

static int
sub_remove(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	struct store *st;
	int64_t id;
	int rc;
	struct err e;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	if (argc - optind != 1)
		return cli_usage(self, "%s", _("give one endpoint ID"));
	if (cli_parse_id(argv[optind], &id) != 0)
		return cli_usage(self, _("'%s' is not an endpoint ID"), argv[optind]);
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	rc = store_endpoint_remove(st, id, &e);
	store_close(st);
	if (rc != 0)
		return cli_fail(&e);
	cli_msg(_("endpoint #%lld removed"), (long long)id);
	return CLI_OK;
}

static const struct cmd_entry verb_add = { .name = "add", .exec = sub_add };
static const struct cmd_entry verb_list = { .name = "list", .exec = sub_list };
static const struct cmd_entry verb_remove = { .name = "remove", .exec = sub_remove };

static const struct cmd_entry *const verbs[] = { &verb_add, &verb_list, &verb_remove, NULL };

static const struct cmd_table endpoint_verbs = {
	.unknown = N_("unknown endpoint command '%s'"),
	.entries = verbs,
};

const struct cmd_entry cmd_endpoint_entry = {
	.name = "endpoint",
	.args = "add|list|remove ...",
	.summary = N_("where certificates are served, for 'certdeck check'"),
	.options = N_("  endpoint add ID HOST[:PORT] [--sni NAME] [--starttls smtp|imap|pop3]\n"
	    "      Says that certificate ID (or its renewal) should be served at\n"
	    "      HOST:PORT (default 443, or 25, 143, 110 with --starttls) for\n"
	    "      the server name NAME (default HOST); prints the endpoint's ID.\n"
	    "  endpoint list [--json]        the endpoints and their last check\n"
	    "  endpoint remove ID            forget an endpoint\n"),
	.verbs = &endpoint_verbs,
};
