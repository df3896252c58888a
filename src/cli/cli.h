/*
 * Shared plumbing for subcommands: the command table entry, exit codes,
 * error printing and store opening. Only the CLI prints; the engine fills
 * struct err and the CLI decides how to say it.
 */
#ifndef CERTDECK_CLI_H
#define CERTDECK_CLI_H

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

enum cli_exit {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
	CLI_TEMPFAIL = 75,	/* sysexits EX_TEMPFAIL: try again later */
};

struct conf;

struct cli {
	const char *store_flag;	/* --store PATH, or NULL */
	const char *config_flag; /* --config FILE, or NULL */
	struct conf *conf;	/* the config file, once cli_conf() loaded it (may be NULL) */
	int conf_loaded;
	int readonly;		/* --readonly before the command (the TUI only) */
	int mouse;		/* --mouse: the TUI takes mouse clicks (opt-in) */
	char actor[128];	/* who runs this, for audit rows (actor_describe, once) */
};

struct cmd_table;

/*
 * One command (a file cmd_<verb>.c holds it). A command group (account,
 * deploy) has verbs instead of an exec; its verbs are entries too, with a
 * name and an exec only: they share the group's help, so their exec gets
 * the group's entry as self.
 */
struct cmd_entry {
	const char *name;
	const char *args;	/* synopsis after the name, untranslated */
	const char *summary;	/* N_()-marked one line */
	const char *options;	/* N_()-marked option help, may be NULL */
	int (*exec)(struct cli *cli, const struct cmd_entry *self, int argc, char **argv);
	const struct cmd_table *verbs;	/* a group's verbs (exec is NULL), else NULL */
};

/* The commands of one level: the top level, or a group's verbs. */
struct cmd_table {
	/* N_()-marked usage error for a name not in the table, with one %s (the name). */
	const char *unknown;
	const struct cmd_entry *const *entries;	/* NULL-terminated, in --help order */
};

/* Options every subcommand accepts; put CLI_COMMON_OPTIONS in each table. */
enum { CLI_OPT_STORE = 0x100, CLI_OPT_HELP, CLI_OPT_CONFIG };
#define CLI_COMMON_OPTIONS \
	{ "store", required_argument, NULL, CLI_OPT_STORE }, \
	{ "config", required_argument, NULL, CLI_OPT_CONFIG }, \
	{ "help", no_argument, NULL, CLI_OPT_HELP }

/*
 * Handles a common option (--store, --config, --help). Returns -1 when opt is not
 * one, else the exit code to return now (CLI_OK after help) or 0x7fff to
 * go on parsing.
 */
#define CLI_CONTINUE 0x7fff
int cli_common_option(struct cli *cli, const struct cmd_entry *self, int opt);

/* Prints o as indented JSON and a newline to stdout, then frees it. Accepts NULL. */
void cli_print_json(cJSON *o);

/* Prints "certdeck: MESSAGE" to stderr. */
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints an engine error (message, then the CA's problem detail). Returns CLI_FAIL. */
int cli_fail(const struct err *e);

/* Prints a usage error and the hint to run --help. Returns CLI_USAGE. */
int cli_usage(const struct cmd_entry *self, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints the command's help to stdout. */
void cli_help(const struct cmd_entry *self);

/*
 * Opens the store named by --store / $CERTDECK_STORE / the default path.
 * Returns CLI_OK and *out (close with store_close), or prints the error
 * and returns CLI_FAIL.
 */
int cli_open_store(struct cli *cli, int flags, struct store **out);

/* Parses a whole number from 0 to max (days, hours). Returns 0 and *out, or -1. */
int cli_parse_count(const char *s, int max, int *out);

/* Parses a positive row id. Returns 0 and *out, or -1. */
int cli_parse_id(const char *s, int64_t *out);

/*
 * Parses argv by opts, where each of the command's own options is a flag
 * (getopt_long sets *flag and returns 0) and the rest are
 * CLI_COMMON_OPTIONS. Returns CLI_CONTINUE with optind at the first
 * operand, or the exit code to return now.
 */
int cli_options(struct cli *cli, const struct cmd_entry *self, int argc, char **argv,
    const struct option *opts);

/* Checks that no operand follows the options. Returns CLI_OK, or CLI_USAGE after saying so. */
int cli_no_operands(const struct cmd_entry *self, int argc, char **argv);

/*
 * Parses the one operand after the options (argv[optind]) as a
 * certificate ID. Returns CLI_OK and *id, or CLI_USAGE after saying why not.
 */
int cli_cert_id_operand(const struct cmd_entry *self, int argc, char **argv, int64_t *id);

/* Parses --workers N (1 to 64). Returns CLI_CONTINUE and *out, or CLI_USAGE after saying why not. */
int cli_workers_option(const struct cmd_entry *self, const char *arg, int *out);

struct cert_row;

/*
 * Loads certificate id from st. Returns CLI_OK and *out (free with
 * cert_row_free), or CLI_FAIL after saying why not (*out is then NULL).
 */
int cli_cert_get(struct store *st, int64_t id, struct cert_row **out);

/* The entry of t named name. Returns it (static, borrowed), or NULL. */
const struct cmd_entry *cli_find(const struct cmd_table *t, const char *name);

/*
 * Runs the command of t that argv[0] names, with argc, argv and optind
 * reset. For a group the verb is argv[1] and its argv starts there; with
 * no verb the group's help goes to stdout and CLI_USAGE is returned,
 * with "--help" the same and CLI_OK. Returns the command's exit code, or
 * CLI_USAGE after t->unknown for a name t does not have.
 */
int cli_dispatch(struct cli *cli, const struct cmd_table *t, int argc, char **argv);

/*
 * The hidden "certdeck __complete WHAT [ARG]" the shell completions call
 * (argv[0] is "__complete"): commands, verbs CMD, ids [PREFIX] (ID, a tab
 * and the name when few match; read-only), servers (preset and [ca]
 * names). Prints one item a line and returns an exit code; never prints
 * errors.
 */
int cli_complete(struct cli *cli, int argc, char **argv);

/* The top-level commands, in the order --help lists them. */
extern const struct cmd_table cli_command_table;

extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_scan_entry;
extern const struct cmd_entry cmd_account_entry;
extern const struct cmd_entry cmd_issue_entry;
extern const struct cmd_entry cmd_enroll_entry;
extern const struct cmd_entry cmd_revoke_entry;
extern const struct cmd_entry cmd_rotate_entry;
extern const struct cmd_entry cmd_renew_entry;
extern const struct cmd_entry cmd_worker_entry;
extern const struct cmd_entry cmd_jobs_entry;
extern const struct cmd_entry cmd_events_entry;
extern const struct cmd_entry cmd_cancel_entry;
extern const struct cmd_entry cmd_deploy_entry;
extern const struct cmd_entry cmd_ui_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_ca_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_metrics_entry;
extern const struct cmd_entry cmd_notify_entry;
extern const struct cmd_entry cmd_revocation_entry;
extern const struct cmd_entry cmd_probe_entry;
extern const struct cmd_entry cmd_endpoint_entry;
extern const struct cmd_entry cmd_check_entry;

#endif
