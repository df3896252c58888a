/*
 * The one place the program takes settings from: a flag, else the
 * environment ($CERTDECK_KEY_TYPE...), else the config file ([names] for
 * the order's names, then [defaults]), else the built-in default.
 */
#ifndef CERTDECK_CLI_CONF_H
#define CERTDECK_CLI_CONF_H

#include <stddef.h>

#include "cli.h"
#include "conf.h"

enum cli_origin {
	CLI_FROM_BUILTIN,
	CLI_FROM_FILE,
	CLI_FROM_ENV,
	CLI_FROM_FLAG,
	CLI_FROM_COUNT
};

/* Effective settings: each value is borrowed (from argv, the environment, cli->conf). */
struct cli_settings {
	const char *v[CONF_KEY_COUNT];	/* NULL: no value (the built-in is "none") */
	enum cli_origin from[CONF_KEY_COUNT];
	int line[CONF_KEY_COUNT];	/* the file's line, for CLI_FROM_FILE */
	const struct conf_names *names;	/* the [names] section that applied, or NULL */
};

/*
 * Loads the config file once (--config FILE, else conf_default_path();
 * only a --config or $CERTDECK_CONFIG file must exist). Returns CLI_OK
 * and *out (borrowed from cli; may be NULL), or CLI_FAIL after printing
 * the file, line and key that is wrong.
 */
int cli_conf(struct cli *cli, const struct conf **out);

/*
 * Brings st's channels to the config file's [notify] sections
 * (notify_conf_sync). A bad section fails the command (CLI_FAIL, said),
 * or with warn_only is said as a warning and the command goes on with the
 * channels as they were (renew: a broken channel must not stop renewals).
 */
int cli_notify_sync(struct cli *cli, struct store *st, int warn_only);

/* cli_conf without a word on stderr (for shell completion). Returns CLI_OK or CLI_FAIL. */
int cli_conf_quiet(struct cli *cli, const struct conf **out);

/*
 * Resolves every setting: flags[k] (NULL when not given), else
 * conf_key_env(k), else the config's [names] section matching all of
 * names (n may be 0), else its [defaults], else the built-in. An
 * environment value is checked as the file's would be. Returns CLI_OK and
 * *out, or CLI_FAIL after saying what is wrong.
 */
int cli_settings(struct cli *cli, const char *const flags[CONF_KEY_COUNT],
    const char *const *names, size_t n, struct cli_settings *out);

/* The built-in default of k, or NULL for none. Returns a static string. */
const char *cli_builtin(enum conf_key k);

/* A --server value resolved: a [ca NAME] of the config, a preset or a URL. */
struct cli_server {
	const char *url;		/* directory URL */
	const char *ca_bundle;		/* path from a [ca] section, or NULL */
	const char *eab_kid;		/* from a [ca] section, or NULL */
	const char *eab_hmac_key_file;	/* from a [ca] section, or NULL */
};

/*
 * Resolves name_or_url (a [ca NAME] section wins over a preset of the
 * same name; there cannot be one: the parser refuses it). Returns CLI_OK
 * and *out (borrowed), or CLI_FAIL after saying why.
 */
int cli_server(struct cli *cli, const char *name_or_url, struct cli_server *out);

/* Frees what cli_conf loaded. */
void cli_conf_free(struct cli *cli);

#endif
