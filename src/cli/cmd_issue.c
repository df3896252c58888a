#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "account.h"
#include "acme.h"
#include "cli.h"
#include "cli_conf.h"
#include "fileio.h"
#include "cli_job.h"
#include "i18n.h"
#include "issue.h"
#include "store_acme.h"
#include "solver.h"
#include "subproc.h"
#include "tsig_key.h"

#define DNS_HOOK_TIMEOUT_MAX 3600	/* seconds */
/* Long options without a short letter: after cli.h's CLI_OPT_* codes. */
enum { OPT_PDNS_URL = 0x200, OPT_PDNS_KEY, OPT_PDNS_ID };

static int
parse_port(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

/* *slot = a copy of v (NULL stays NULL). Returns 0, or -1 out of memory. */
static int
dup_setting(char **slot, const char *v)
{
	free(*slot);
	*slot = v != NULL ? strdup(v) : NULL;
	return v != NULL && *slot == NULL ? -1 : 0;
}

/* Resolves --account, or the only valid account. Returns CLI_OK or an exit code. */
static int
pick_account(struct store *st, const char *flag, int64_t *id)
{
	struct err e;
	int rc;

	if (flag != NULL) {
		if (cli_parse_id(flag, id) != 0)
			return cli_usage(NULL, _("'%s' is not an account ID"), flag);
		return CLI_OK;
	}
	err_clear(&e);
	rc = store_account_default(st, id, &e);
	if (rc < 0)
		return cli_fail(&e);
	if (rc == 1) {
		cli_msg("%s", _("no account yet: create one with 'certdeck account new'"));
		return CLI_FAIL;
	}
	if (rc == 2) {
		cli_msg("%s", _("several accounts exist: choose one with --account ID"));
		return CLI_USAGE;
	}
	return CLI_OK;
}

/*
 * --dns rfc2136: the settings it needs are there, and the key file is
 * usable now (not only when the worker runs); the order keeps the file's
 * absolute path, never the secret. Returns CLI_OK or an exit code.
 */
static int
check_rfc2136(const struct cmd_entry *self, struct issue_settings *set)
{
	struct tsig_key key;
	struct err e;
	char *abs;

	if (set->dns_provider != NULL && strcmp(set->dns_provider, "pdns") == 0) {
		if (set->dns_server != NULL || set->tsig_key_file != NULL)
			return cli_usage(self, "%s", _("--dns-server and --tsig-key-file go with "
			    "--dns rfc2136"));
		return CLI_OK;
	}
	if (set->dns_provider == NULL || strcmp(set->dns_provider, "rfc2136") != 0) {
		if (set->dns_server != NULL || set->tsig_key_file != NULL || set->dns_zone != NULL ||
		    set->challenge_alias != NULL)
			return cli_usage(self, "%s", _("--dns-server, --tsig-key-file, --dns-zone "
			    "and --challenge-alias go with --dns rfc2136 or pdns"));
		return CLI_OK;
	}
	if (strcmp(set->challenge, "dns-01") != 0)
		return cli_usage(self, "%s", _("--dns rfc2136 goes with --challenge dns-01"));
	if (set->dns_hook != NULL)
		return cli_usage(self, "%s", _("--dns rfc2136 and --dns-hook exclude each other"));
	if (set->dns_server == NULL)
		return cli_usage(self, "%s", _("--dns rfc2136 needs --dns-server HOST[:PORT]"));
	if (set->tsig_key_file == NULL)
		return cli_usage(self, "%s", _("--dns rfc2136 needs --tsig-key-file FILE"));
	err_clear(&e);
	if (tsig_key_load(set->tsig_key_file, &key, &e) != 0)
		return cli_fail(&e);
	tsig_key_clear(&key);
	/* The worker may run elsewhere: the order keeps the absolute path. */
	if ((abs = realpath(set->tsig_key_file, NULL)) == NULL) {
		err_set(&e, ERR_INPUT, _("cannot read the TSIG key file %s: %s"),
		    set->tsig_key_file, strerror(errno));
		return cli_fail(&e);
	}
	free(set->tsig_key_file);
	set->tsig_key_file = abs;
	return CLI_OK;
}

/*
 * --dns pdns: URL and key file are there and the key file is usable now;
 * the order keeps the file's absolute path, never the key. Returns
 * CLI_OK or an exit code.
 */
static int
check_pdns(const struct cmd_entry *self, struct issue_settings *set)
{
	struct err e;
	char *abs, *key;

	if (set->dns_provider == NULL || strcmp(set->dns_provider, "pdns") != 0) {
		if (set->pdns_url != NULL || set->pdns_api_key_file != NULL ||
		    set->pdns_server_id != NULL)
			return cli_usage(self, "%s", _("--pdns-url, --pdns-api-key-file and "
			    "--pdns-server-id go with --dns pdns"));
		return CLI_OK;
	}
	if (strcmp(set->challenge, "dns-01") != 0)
		return cli_usage(self, "%s", _("--dns pdns goes with --challenge dns-01"));
	if (set->dns_hook != NULL)
		return cli_usage(self, "%s", _("--dns pdns and --dns-hook exclude each other"));
	if (set->pdns_url == NULL || (strncmp(set->pdns_url, "http://", 7) != 0 &&
	    strncmp(set->pdns_url, "https://", 8) != 0))
		return cli_usage(self, "%s", _("--dns pdns needs --pdns-url http[s]://HOST:PORT"));
	if (set->pdns_api_key_file == NULL)
		return cli_usage(self, "%s", _("--dns pdns needs --pdns-api-key-file FILE"));
	err_clear(&e);
	if (solver_pdns_key_load(set->pdns_api_key_file, &key, &e) != 0)
		return cli_fail(&e);
	OPENSSL_cleanse(key, strlen(key));
	free(key);
	if ((abs = realpath(set->pdns_api_key_file, NULL)) == NULL) {
		err_set(&e, ERR_INPUT, _("cannot read the PowerDNS API key file %s: %s"),
		    set->pdns_api_key_file, strerror(errno));
		return cli_fail(&e);
	}
	free(set->pdns_api_key_file);
	set->pdns_api_key_file = abs;
	return CLI_OK;
}

static int
cmd_issue_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "account", required_argument, NULL, 'A' },
		{ "domain", required_argument, NULL, 'd' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "http-port", required_argument, NULL, 'p' },
		{ "http-addr", required_argument, NULL, 'P' },
		{ "webroot", required_argument, NULL, 'w' },
		{ "dns-hook", required_argument, NULL, 'H' },
		{ "dns-resolver", required_argument, NULL, 'R' },
		{ "dns-timeout", required_argument, NULL, 'T' },
		{ "dns-hook-timeout", required_argument, NULL, 'O' },
		{ "dns", required_argument, NULL, 'D' },
		{ "dns-server", required_argument, NULL, 'S' },
		{ "tsig-key-file", required_argument, NULL, 'Y' },
		{ "dns-zone", required_argument, NULL, 'Z' },
		{ "challenge-alias", required_argument, NULL, 'X' },
		{ "pdns-url", required_argument, NULL, OPT_PDNS_URL },
		{ "pdns-api-key-file", required_argument, NULL, OPT_PDNS_KEY },
		{ "pdns-server-id", required_argument, NULL, OPT_PDNS_ID },
		{ "tls-port", required_argument, NULL, 't' },
		{ "tls-addr", required_argument, NULL, 'L' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "profile", required_argument, NULL, 'f' },
		{ "preferred-chain", required_argument, NULL, 'C' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "key", required_argument, NULL, 'K' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct issue_settings set = { 0 };
	const char *flag[CONF_KEY_COUNT] = { 0 };
	struct cli_settings cs;
	int no_wait = 0;
	const char *key_path = NULL;
	char *key_pem = NULL;
	size_t key_len = 0;
	const char *account_flag = NULL, *profile = NULL;
	const char **names = NULL;
	size_t n_names = 0;
	struct store *st = NULL;
	int opt, rc = CLI_USAGE, port;
	int64_t account_id, order_id, job_id, cert_id;
	struct issue_request req = { 0 };
	struct err e;

	err_clear(&e);
	while ((opt = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': flag[CONF_ACCOUNT] = optarg; continue;
		case 'd': {
			const char **grown = realloc(names, (n_names + 1) * sizeof(*grown));

			if (grown == NULL)
				goto out;
			names = grown;
			names[n_names++] = optarg;
			continue;
		}
		case 'c': flag[CONF_CHALLENGE] = optarg; continue;
		case 'P': flag[CONF_HTTP_ADDR] = optarg; continue;
		case 'w': flag[CONF_WEBROOT] = optarg; continue;
		case 'H': flag[CONF_DNS_HOOK] = optarg; continue;
		case 'R': flag[CONF_DNS_RESOLVER] = optarg; continue;
		case 'D': flag[CONF_DNS] = optarg; continue;
		case 'S': flag[CONF_DNS_SERVER] = optarg; continue;
		case 'Y': flag[CONF_TSIG_KEY_FILE] = optarg; continue;
		case 'Z': flag[CONF_DNS_ZONE] = optarg; continue;
		case 'X': flag[CONF_CHALLENGE_ALIAS] = optarg; continue;
		case OPT_PDNS_URL: flag[CONF_PDNS_URL] = optarg; continue;
		case OPT_PDNS_KEY: flag[CONF_PDNS_API_KEY_FILE] = optarg; continue;
		case OPT_PDNS_ID: flag[CONF_PDNS_SERVER_ID] = optarg; continue;
		case 'L': flag[CONF_TLS_ADDR] = optarg; continue;
		case 'k': flag[CONF_KEY_TYPE] = optarg; continue;
		case 'C': flag[CONF_PREFERRED_CHAIN] = optarg; continue;
		case 'f': flag[CONF_PROFILE] = optarg; continue;
		case 'W': no_wait = 1; continue;
		case 'K': key_path = optarg; continue;
		case 'O': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || v < 1 ||
			    v > DNS_HOOK_TIMEOUT_MAX) {
				rc = cli_usage(self, _("--dns-hook-timeout takes seconds from 1 "
				    "to %d, not '%s'"), DNS_HOOK_TIMEOUT_MAX, optarg);
				goto out;
			}
			set.dns_hook_timeout = (int)v;
			continue;
		}
		case 'p': case 't': case 'T':
			if (parse_port(optarg, &port) != 0) {
				rc = cli_usage(self, _("'%s' is not a port number"), optarg);
				goto out;
			}
			flag[opt == 'p' ? CONF_HTTP_PORT : opt == 't' ? CONF_TLS_PORT :
			    CONF_DNS_TIMEOUT] = optarg;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			goto out;
		rc = CLI_USAGE;
	}
	if (optind != argc) {
		rc = cli_usage(self, _("unexpected argument '%s' (names go after -d)"), argv[optind]);
		goto out;
	}
	if (n_names == 0) {
		rc = cli_usage(self, "%s", _("give at least one name with -d NAME"));
		goto out;
	}
	/* Flag, environment, the config's [names] and [defaults], built-in: one place. */
	if ((rc = cli_settings(cli, flag, names, n_names, &cs)) != CLI_OK)
		goto out;
	rc = CLI_FAIL;
	account_flag = cs.v[CONF_ACCOUNT];
	profile = cs.v[CONF_PROFILE];
	/* Without a challenge type set anywhere, a dns-hook or --dns means dns-01. */
	if (cs.from[CONF_CHALLENGE] == CLI_FROM_BUILTIN &&
	    (cs.v[CONF_DNS_HOOK] != NULL || cs.v[CONF_DNS] != NULL))
		cs.v[CONF_CHALLENGE] = "dns-01";
	if (dup_setting(&set.challenge, cs.v[CONF_CHALLENGE]) != 0 ||
	    dup_setting(&set.http_addr, cs.v[CONF_HTTP_ADDR]) != 0 ||
	    dup_setting(&set.webroot, cs.v[CONF_WEBROOT]) != 0 ||
	    dup_setting(&set.dns_hook, cs.v[CONF_DNS_HOOK]) != 0 ||
	    dup_setting(&set.dns_resolvers, cs.v[CONF_DNS_RESOLVER]) != 0 ||
	    dup_setting(&set.dns_provider, cs.v[CONF_DNS]) != 0 ||
	    dup_setting(&set.dns_server, cs.v[CONF_DNS_SERVER]) != 0 ||
	    dup_setting(&set.tsig_key_file, cs.v[CONF_TSIG_KEY_FILE]) != 0 ||
	    dup_setting(&set.dns_zone, cs.v[CONF_DNS_ZONE]) != 0 ||
	    dup_setting(&set.challenge_alias, cs.v[CONF_CHALLENGE_ALIAS]) != 0 ||
	    dup_setting(&set.pdns_url, cs.v[CONF_PDNS_URL]) != 0 ||
	    dup_setting(&set.pdns_api_key_file, cs.v[CONF_PDNS_API_KEY_FILE]) != 0 ||
	    dup_setting(&set.pdns_server_id, cs.v[CONF_PDNS_SERVER_ID]) != 0 ||
	    dup_setting(&set.tls_addr, cs.v[CONF_TLS_ADDR]) != 0 ||
	    dup_setting(&set.key_type, cs.v[CONF_KEY_TYPE]) != 0 ||
	    dup_setting(&set.preferred_chain, cs.v[CONF_PREFERRED_CHAIN]) != 0) {
		err_nomem(&e);
		rc = cli_fail(&e);
		goto out;
	}
	/* Checked as ports by the flag parser or the config: these cannot fail. */
	parse_port(cs.v[CONF_HTTP_PORT], &set.http_port);
	parse_port(cs.v[CONF_TLS_PORT], &set.tls_port);
	parse_port(cs.v[CONF_DNS_TIMEOUT], &set.dns_timeout);
	/* The hook is stored as the absolute path it resolves to now, if safe. */
	if (set.dns_hook != NULL) {
		char *abs;

		if (subproc_resolve(set.dns_hook, &abs, &e) != 0) {
			rc = cli_fail(&e);
			goto out;
		}
		free(set.dns_hook);
		set.dns_hook = abs;
	}
	if ((rc = check_rfc2136(self, &set)) != CLI_OK || (rc = check_pdns(self, &set)) != CLI_OK)
		goto out;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		goto out;
	if ((rc = pick_account(st, account_flag, &account_id)) != CLI_OK)
		goto out;
	/* The TLS handshake and directory fetch overlap with the store work below. */
	if (!no_wait)
		account_prewarm(st, account_id);
	rc = CLI_FAIL;
	/* A key that will not do is refused before an order exists for it. */
	if (key_path != NULL &&
	    (fileio_read(key_path, 1024 * 1024, &key_pem, &key_len, &e) != 0 ||
	    issue_key_check(key_pem, &e) != 0)) {
		err_prefix(&e, "%s", key_path);
		rc = cli_fail(&e);
		goto out;
	}
	req.account_id = account_id;
	req.names = names;
	req.n_names = n_names;
	req.profile = profile;
	req.settings = &set;
	req.key_pem = key_pem;
	req.key_label = key_path;
	if (issue_submit(st, &req, cli->actor, &order_id, &job_id, &e) != 0) {
		rc = e.kind == ERR_USAGE ? cli_usage(self, "%s", e.msg) : cli_fail(&e);
		goto out;
	}
	if (no_wait) {
		printf("%lld\n", (long long)job_id);
		rc = CLI_OK;
		goto out;
	}
	rc = cli_job_foreground(cli, st, job_id, &cert_id);
	if (rc == CLI_OK)
		printf("%lld\n", (long long)cert_id);
	else if (rc == CLI_FAIL)
		cli_msg(_("order #%lld is kept in the store"), (long long)order_id);
out:
	acme_client_prewarm_end();
	store_close(st);
	issue_settings_clear(&set);
	free(names);
	if (key_pem != NULL)
		OPENSSL_cleanse(key_pem, key_len);
	free(key_pem);
	return rc;
}

const struct cmd_entry cmd_issue_entry = {
	.name = "issue",
	.args = "[--account ID] -d NAME [-d NAME...] [OPTIONS]",
	.summary = N_("get a certificate from the CA"),
	.options = N_("  -d, --domain NAME        a DNS name, *.wildcard (dns-01) or an IP address\n"
	    "      --account ID         the account (default: the only valid one)\n"
	    "      --challenge TYPE     http-01 (default), dns-01 or tls-alpn-01\n"
	    "      --http-port N        http-01 responder port (default 80)\n"
	    "      --http-addr ADDR     http-01 responder address (default all)\n"
	    "      --webroot DIR        http-01 by writing files under DIR instead\n"
	    "      --dns-hook PROG      dns-01: runs PROG add|del RECORD VALUE (three\n"
	    "                           operands, never options: VALUE may begin with\n"
	    "                           '-'; also in $CERTDECK_VALUE)\n"
	    "      --dns-resolver H:P   dns-01: wait until H:P serves the record\n"
	    "      --dns-timeout S      dns-01: how long to wait (default 120)\n"
	    "      --dns-hook-timeout S dns-01: kill the hook after S seconds (default 60)\n"
	    "      --dns rfc2136        dns-01 by RFC 2136 updates signed with TSIG\n"
	    "      --dns-server H[:P]   rfc2136: the server that takes the updates\n"
	    "      --tsig-key-file FILE rfc2136: the key, as tsig-keygen writes it (0600)\n"
	    "      --dns-zone ZONE      rfc2136: the zone (default: found by SOA lookup)\n"
	    "      --dns pdns           dns-01 through the PowerDNS HTTP API\n"
	    "      --pdns-url URL       pdns: the API, e.g. http://127.0.0.1:8081\n"
	    "      --pdns-api-key-file F pdns: the X-API-Key, one line (0600)\n"
	    "      --pdns-server-id ID  pdns: the server id (default: localhost)\n"
	    "      --challenge-alias Z  rfc2136: records at _acme-challenge.Z (default:\n"
	    "                           where _acme-challenge.NAME's CNAMEs lead)\n"
	    "      --tls-port N         tls-alpn-01 responder port (default 443)\n"
	    "      --tls-addr ADDR      tls-alpn-01 responder address\n"
	    "      --key-type TYPE      ec256 (default), ec384, rsa2048, rsa3072, rsa4096\n"
	    "      --key FILE           use this private key instead of a fresh one\n"
	    "      --profile NAME       a certificate profile the CA offers\n"
	    "      --preferred-chain CN prefer the chain whose root is issued by CN\n"
	    "      --no-wait            queue the job, print its ID and return at once\n"
	    "Unset options come from $CERTDECK_* variables, then the config file's\n"
	    "[names PATTERN] section matching every name, then its [defaults].\n"
	    "Progress goes to stderr; the new certificate's ID to stdout. Exit status 75:\n"
	    "the CA asked to wait; the job stays queued for 'certdeck worker'.\n"),
	.exec = cmd_issue_exec,
};
