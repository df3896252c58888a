/* `certdeck ui` (and `certdeck` alone on a terminal): the interactive view. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cli_conf.h"
#include "i18n.h"
#include "ui.h"

/* Opens the store and runs the TUI on it. Returns an exit status. */
static int
run_ui(struct cli *cli, int readonly)
{
	struct ui_options opt = { .readonly = readonly, .mouse = cli->mouse,
		.actor = cli->actor };
	struct store *st;
	struct err e;
	int rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_msg("%s", _("the interactive interface needs a terminal; "
		    "see 'certdeck --help' for the commands"));
		return CLI_FAIL;
	}
	if ((rc = cli_open_store(cli, readonly ? STORE_READONLY : 0, &st)) !=
	    CLI_OK)
		return rc;
	if (!readonly)
		cli_notify_sync(cli, st, 1);
	err_clear(&e);
	rc = ui_run(st, &opt, &e);
	store_close(st);
	if (e.kind != ERR_NONE)
		return cli_fail(&e);
	return rc;
}

static int
cmd_ui_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "readonly", no_argument, NULL, 'r' },
		{ "mouse", no_argument, NULL, 'm' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	int opt, rc, readonly = cli->readonly;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'r') {
			readonly = 1;
			continue;
		}
		if (opt == 'm') {
			cli->mouse = 1;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return cli_usage(self, _("unexpected argument '%s'"), argv[optind]);
	return run_ui(cli, readonly);
}

const struct cmd_entry cmd_ui_entry = {
	.name = "ui",
	.args = "[--readonly] [--mouse]",
	.summary = N_("browse the store interactively (the default on a terminal)"),
	.options = N_("      --readonly  open the store read-only\n"
	    "      --mouse     take mouse clicks: select, open, scroll, tabs,\n"
	    "                  F-keys (off by default: the terminal selects text)\n"),
	.exec = cmd_ui_exec,
};
