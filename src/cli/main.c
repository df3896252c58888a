#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actor.h"
#include "cli.h"
#include "cli_conf.h"
#include "i18n.h"

/*
 * Before anything else: the process holds private keys, so no core file
 * and no ptrace or /proc/PID/mem by other processes of the same user
 * (PR_SET_DUMPABLE 0), and whatever certdeck creates without an explicit
 * mode is for its user alone (files it means to share get fchmod).
 */
static void
harden(void)
{
	struct rlimit no_core = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)umask(077);
}

static void
usage(FILE *f)
{
	const struct cmd_entry *const *c;

	fprintf(f, "%s", _("Usage: certdeck [--store PATH] [--config FILE] [--readonly] [--mouse]\n"
	    "       certdeck [--store PATH] [--config FILE] COMMAND [ARGS...]\n"
	    "A certificate manager for the terminal: ACME accounts, orders and\n"
	    "certificates kept in one local store. Without a command, on a\n"
	    "terminal, it opens the interactive view ('certdeck ui').\n\n"
	    "Commands:\n"));
	for (c = cli_command_table.entries; *c != NULL; c++)
		fprintf(f, "  %-10s %s\n", (*c)->name, _((*c)->summary));
	fprintf(f, "%s", _("\nOptions:\n"
	    "      --store PATH   the store database\n"
	    "      --config FILE  the config file\n"
	    "      --readonly     open the interactive view read-only\n"
	    "      --mouse        let the interactive view take mouse clicks\n"
	    "      --help         show this help and exit\n"
	    "      --version      show the version and exit\n"
	    "\nRun 'certdeck COMMAND --help' for a command's options.\n"));
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const struct cmd_entry *cmd;
	int i, rc;

	harden();
	setlocale(LC_ALL, "");
	actor_describe(cli.actor, sizeof(cli.actor));
#ifdef ENABLE_NLS
	/*
	 * CERTDECK_LOCALEDIR points at catalogues not installed yet (the
	 * tests use the build tree's); it only changes which messages show.
	 */
	{
		const char *dir = getenv("CERTDECK_LOCALEDIR");

		bindtextdomain(PACKAGE, dir != NULL && dir[0] != '\0' ? dir :
		    LOCALEDIR);
	}
	textdomain(PACKAGE);
#endif
	/* Global options stand before the command. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("certdeck %s\n", VERSION);
			return CLI_OK;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
			cli.store_flag = argv[++i];
		} else if (strncmp(argv[i], "--store=", 8) == 0) {
			cli.store_flag = argv[i] + 8;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			cli.config_flag = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			cli.config_flag = argv[i] + 9;
		} else if (strcmp(argv[i], "--readonly") == 0) {
			cli.readonly = 1;
		} else if (strcmp(argv[i], "--mouse") == 0) {
			cli.mouse = 1;
		} else {
			return cli_usage(NULL, _("unknown option '%s'"), argv[i]);
		}
	}
	if (i >= argc) {
		/* No command: the interactive view, when there is a terminal. */
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
			static char ui_name[] = "ui";
			char *ui_argv[] = { ui_name, NULL };

			rc = cli_dispatch(&cli, &cli_command_table, 1, ui_argv);
			cli_conf_free(&cli);
			return rc;
		}
		usage(stderr);
		return CLI_USAGE;
	}
	/* Shell completion: hidden, never listed by --help. */
	if (strcmp(argv[i], "__complete") == 0) {
		rc = cli_complete(&cli, argc - i, argv + i);
		cli_conf_free(&cli);
		return rc;
	}
	/* An unknown command is named first (by cli_dispatch). */
	cmd = cli_find(&cli_command_table, argv[i]);
	if (cli.readonly && cmd != NULL && cmd != &cmd_ui_entry)
		return cli_usage(NULL, _("--readonly applies to the interactive "
		    "view only, not to '%s'"), argv[i]);
	if (cli.mouse && cmd != NULL && cmd != &cmd_ui_entry)
		return cli_usage(NULL, _("--mouse applies to the interactive "
		    "view only, not to '%s'"), argv[i]);
	rc = cli_dispatch(&cli, &cli_command_table, argc - i, argv + i);
	cli_conf_free(&cli);
	return rc;
}
