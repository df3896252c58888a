#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"

static int
cmd_init_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	struct store *st;
	int rc, existed;
	char *path;
	struct err e;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	if (optind != argc)
		return cli_usage(self, "%s", _("'init' takes no arguments"));
	err_clear(&e);
	if ((path = store_default_path(cli->store_flag, &e)) == NULL)
		return cli_fail(&e);
	existed = access(path, F_OK) == 0;
	if (store_open(path, STORE_CREATE, &st, &e) != 0) {
		free(path);
		return cli_fail(&e);
	}
	if (existed)
		printf(_("Store %s is ready (it already existed).\n"), path);
	else
		printf(_("Created store %s.\n"), path);
	store_close(st);
	free(path);
	return CLI_OK;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.args = "",
	.summary = N_("create the store (safe to run again)"),
	.options = NULL,
	.exec = cmd_init_exec,
};
