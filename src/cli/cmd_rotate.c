#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cli_job.h"
#include "i18n.h"
#include "jobs.h"
#include "store_cert.h"

static int
cmd_rotate_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int rc, revoke_old = 0, no_wait = 0;
	const struct option opts[] = {
		{ "revoke-old", no_argument, &revoke_old, 1 },
		{ "no-wait", no_argument, &no_wait, 1 },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct cert_row *row = NULL;
	int64_t id, result;
	struct store *st;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	/* One message for a missing ID and a malformed one. */
	if (argc - optind != 1 || cli_parse_id(argv[optind], &id) != 0)
		return cli_usage(self, "%s", _("give exactly one certificate ID"));
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	if ((rc = cli_cert_get(st, id, &row)) == CLI_OK && row->status == CERT_REPLACED) {
		cli_msg(_("certificate #%lld was already replaced by #%lld; rotate that one"),
		    (long long)id, (long long)row->replaced_by);
		rc = CLI_FAIL;
	}
	cert_row_free(row);
	if (rc != CLI_OK) {
		store_close(st);
		return rc;
	}
	rc = cli_job_submit(cli, st, JOB_ROTATE_KEY, id,
	    revoke_old ? "{\"revoke_old\":true}" : "{}", no_wait, &result);
	store_close(st);
	if (rc == CLI_OK && !no_wait)
		printf("%lld\n", (long long)result);
	return rc;
}

const struct cmd_entry cmd_rotate_entry = {
	.name = "rotate-key",
	.args = "ID [--revoke-old] [--no-wait]",
	.summary = N_("replace a certificate with one on a fresh key"),
	.options = N_("Renews certificate ID with a new key (same names and settings) and\n"
	    "prints the new certificate's ID.\n"
	    "      --revoke-old  then revoke the old certificate (reason superseded)\n"
	    "      --no-wait     queue the job, print its ID and return at once\n"),
	.exec = cmd_rotate_exec,
};
