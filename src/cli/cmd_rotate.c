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
	static const struct option opts[] = {
		{ "revoke-old", no_argument, NULL, 'r' },
		{ "no-wait", no_argument, NULL, 'W' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct cert_row *row = NULL;
	int opt, rc, revoke_old = 0, no_wait = 0, g;
	int64_t id, result;
	struct store *st;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'r') {
			revoke_old = 1;
			continue;
		}
		if (opt == 'W') {
			no_wait = 1;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if (argc - optind != 1 || cli_parse_id(argv[optind], &id) != 0)
		return cli_usage(self, "%s", _("give exactly one certificate ID"));
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	g = store_cert_get(st, id, &row, &e);
	if (g == 0 && row->status == CERT_REPLACED) {
		cli_msg(_("certificate #%lld was already replaced by #%lld; rotate that one"),
		    (long long)id, (long long)row->replaced_by);
		cert_row_free(row);
		store_close(st);
		return CLI_FAIL;
	}
	cert_row_free(row);
	if (g != 0) {
		store_close(st);
		if (g < 0)
			return cli_fail(&e);
		cli_msg(_("no certificate #%lld"), (long long)id);
		return CLI_FAIL;
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
