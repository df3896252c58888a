#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "i18n.h"
#include "store_job.h"

static int
cmd_cancel_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	struct store *st;
	int rc;
	int64_t id;
	struct err e;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	if (argc - optind != 1 || cli_parse_id(argv[optind], &id) != 0)
		return cli_usage(self, "%s", _("give exactly one job ID"));
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	rc = store_job_cancel(st, id, &e);
	store_close(st);
	if (rc < 0)
		return cli_fail(&e);
	if (rc == 1) {
		cli_msg(_("job #%lld is not queued or running"), (long long)id);
		return CLI_FAIL;
	}
	printf(_("Job #%lld cancelled (a running job stops at its next step).\n"), (long long)id);
	return CLI_OK;
}

const struct cmd_entry cmd_cancel_entry = {
	.name = "cancel",
	.args = "JOB",
	.summary = N_("cancel a queued or running job"),
	.options = NULL,
	.exec = cmd_cancel_exec,
};
