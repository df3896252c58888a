#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "account.h"
#include "acme.h"
#include "cli.h"
#include "fileio.h"
#include "cli_job.h"
#include "i18n.h"
#include "issue.h"
#include "store_acme.h"

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
	set.http_port = 80;
	set.tls_port = 443;
	set.dns_timeout = 120;
	while ((opt = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': account_flag = optarg; continue;
		case 'd': {
			const char **grown = realloc(names, (n_names + 1) * sizeof(*grown));

			if (grown == NULL)
				goto out;
			names = grown;
			names[n_names++] = optarg;
			continue;
		}
		case 'c': free(set.challenge); set.challenge = strdup(optarg); continue;
		case 'P': free(set.http_addr); set.http_addr = strdup(optarg); continue;
		case 'w': free(set.webroot); set.webroot = strdup(optarg); continue;
		case 'H': free(set.dns_hook); set.dns_hook = strdup(optarg); continue;
		case 'R': free(set.dns_resolvers); set.dns_resolvers = strdup(optarg); continue;
		case 'L': free(set.tls_addr); set.tls_addr = strdup(optarg); continue;
		case 'k': free(set.key_type); set.key_type = strdup(optarg); continue;
		case 'C': free(set.preferred_chain); set.preferred_chain = strdup(optarg); continue;
		case 'f': profile = optarg; continue;
		case 'W': no_wait = 1; continue;
		case 'K': key_path = optarg; continue;
		case 'p': case 't': case 'T':
			if (parse_port(optarg, &port) != 0) {
				rc = cli_usage(self, _("'%s' is not a port number"), optarg);
				goto out;
			}
			if (opt == 'p')
				set.http_port = port;
			else if (opt == 't')
				set.tls_port = port;
			else
				set.dns_timeout = port;
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
	if (set.challenge == NULL)
		set.challenge = strdup(set.dns_hook != NULL ? "dns-01" : "http-01");
	if (set.key_type == NULL)
		set.key_type = strdup("ec256");
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
	    "      --tls-port N         tls-alpn-01 responder port (default 443)\n"
	    "      --tls-addr ADDR      tls-alpn-01 responder address\n"
	    "      --key-type TYPE      ec256 (default), ec384, rsa2048, rsa3072, rsa4096\n"
	    "      --key FILE           use this private key instead of a fresh one\n"
	    "      --profile NAME       a certificate profile the CA offers\n"
	    "      --preferred-chain CN prefer the chain whose root is issued by CN\n"
	    "      --no-wait            queue the job, print its ID and return at once\n"
	    "Progress goes to stderr; the new certificate's ID to stdout. Exit status 75:\n"
	    "the CA asked to wait; the job stays queued for 'certdeck worker'.\n"),
	.exec = cmd_issue_exec,
};
