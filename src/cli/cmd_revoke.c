#include "config.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_job.h"
#include "jobs.h"
#include "i18n.h"
#include "revoke.h"
#include "store_cert.h"

static int
cmd_revoke_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "account", required_argument, NULL, 'A' },
		{ "with-cert-key", no_argument, NULL, 'K' },
		{ "with-account-key", no_argument, NULL, 'a' },
		{ "no-wait", no_argument, NULL, 'W' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	enum revoke_reason reason = REVOKE_UNSPECIFIED;
	int opt, rc, key_choice = -1, no_wait = 0;
	int64_t result;
	cJSON *params;
	char *text;
	int64_t id, account_id = 0;
	struct store *st;
	struct err e;

	err_clear(&e);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (revoke_reason_parse(optarg, &reason, &e) != 0)
				return cli_usage(self, "%s", e.msg);
			continue;
		case 'A':
			if (cli_parse_id(optarg, &account_id) != 0)
				return cli_usage(self, _("'%s' is not an account ID"), optarg);
			continue;
		case 'K': key_choice = 1; continue;
		case 'a': key_choice = 0; continue;
		case 'W': no_wait = 1; continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if ((rc = cli_cert_id_operand(self, argc, argv, &id)) != CLI_OK)
		return rc;
	/* A compromised key proves itself: sign with it unless told otherwise. */
	if (key_choice < 0)
		key_choice = reason == REVOKE_KEY_COMPROMISE;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	{
		struct cert_row *row = NULL;

		rc = cli_cert_get(st, id, &row);
		cert_row_free(row);
		if (rc != CLI_OK) {
			store_close(st);
			return rc;
		}
	}
	params = cJSON_CreateObject();
	cJSON_AddNumberToObject(params, "reason", reason);
	cJSON_AddBoolToObject(params, "use_cert_key", key_choice);
	if (account_id > 0)
		cJSON_AddNumberToObject(params, "account_id", (double)account_id);
	text = cJSON_PrintUnformatted(params);
	cJSON_Delete(params);
	rc = cli_job_submit(cli, st, JOB_REVOKE, id, text, no_wait, &result);
	free(text);
	store_close(st);
	if (rc == CLI_OK && !no_wait)
		printf(_("Certificate #%lld revoked.\n"), (long long)id);
	return rc;
}

const struct cmd_entry cmd_revoke_entry = {
	.name = "revoke",
	.args = "ID [--reason REASON] [--with-cert-key|--with-account-key]",
	.summary = N_("revoke a certificate at its CA"),
	.options = N_("      --reason R          unspecified (default), keyCompromise, superseded,\n"
	    "                          cessationOfOperation, affiliationChanged\n"
	    "      --with-cert-key     sign with the certificate's own key (the default\n"
	    "                          for keyCompromise)\n"
	    "      --with-account-key  sign with the account key\n"
	    "      --account ID        the account, for an imported certificate\n"
	    "      --no-wait           queue the job, print its ID and return at once\n"),
	.exec = cmd_revoke_exec,
};
