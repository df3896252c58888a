#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca_preset.h"
#include "cli_conf.h"
#include "i18n.h"
#include "notify.h"
#include "safetext.h"

/* What each setting is when nothing sets it (NULL: none, or a rule the command applies). */
static const char *const builtin[CONF_KEY_COUNT] = {
	[CONF_KEY_TYPE] = "ec256",
	[CONF_CHALLENGE] = "http-01",
	[CONF_HTTP_PORT] = "80",
	[CONF_DNS_TIMEOUT] = "120",
	[CONF_TLS_PORT] = "443",
	[CONF_WORKERS] = "4",
};

const char *
cli_builtin(enum conf_key k)
{
	return k < CONF_KEY_COUNT ? builtin[k] : NULL;
}

/* Loads the config file once. Returns 0 and *out, or -1 (e filled). */
static int
load(struct cli *cli, const struct conf **out, struct err *e)
{
	const char *env = getenv("CERTDECK_CONFIG");
	char *path = NULL;
	int must_exist;

	if (cli->conf_loaded) {
		*out = cli->conf;
		return 0;
	}
	/* A file named by flag or environment must exist; the default one may not. */
	must_exist = cli->config_flag != NULL || (env != NULL && env[0] != '\0');
	if (cli->config_flag != NULL)
		path = strdup(cli->config_flag);
	else
		path = conf_default_path();
	if (path != NULL && conf_load(path, !must_exist, &cli->conf, e) != 0) {
		free(path);
		return -1;
	}
	free(path);
	cli->conf_loaded = 1;
	*out = cli->conf;
	return 0;
}

int
cli_conf(struct cli *cli, const struct conf **out)
{
	struct err e;

	err_clear(&e);
	if (load(cli, out, &e) != 0)
		return cli_fail(&e);
	return CLI_OK;
}

int
cli_notify_sync(struct cli *cli, struct store *st, int warn_only)
{
	const struct conf *c;
	struct err e;

	err_clear(&e);
	if (load(cli, &c, &e) == 0 && notify_conf_sync(st, c, &e) == 0)
		return CLI_OK;
	if (!warn_only)
		return cli_fail(&e);
	cli_msg(_("the config file's notification channels were not updated: %s"),
	    safetext(e.msg));
	return CLI_OK;
}

int
cli_conf_quiet(struct cli *cli, const struct conf **out)
{
	struct err e;

	err_clear(&e);
	return load(cli, out, &e) == 0 ? CLI_OK : CLI_FAIL;
}

int
cli_settings(struct cli *cli, const char *const flags[CONF_KEY_COUNT],
    const char *const *names, size_t n, struct cli_settings *out)
{
	const struct conf *c;
	const struct conf_names *ns;
	struct err e;
	int k, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = cli_conf(cli, &c)) != CLI_OK)
		return rc;
	ns = conf_names_match(c, names, n);
	out->names = ns;
	for (k = 0; k < CONF_KEY_COUNT; k++) {
		const char *env = getenv(conf_key_env((enum conf_key)k));

		if (flags != NULL && flags[k] != NULL) {
			out->v[k] = flags[k];
			out->from[k] = CLI_FROM_FLAG;
		} else if (env != NULL && env[0] != '\0') {
			err_clear(&e);
			if (conf_value_check(c, (enum conf_key)k, env, &e) != 0) {
				err_prefix(&e, "$%s", conf_key_env((enum conf_key)k));
				return cli_fail(&e);
			}
			out->v[k] = env;
			out->from[k] = CLI_FROM_ENV;
		} else if (ns != NULL && ns->value[k] != NULL) {
			out->v[k] = ns->value[k];
			out->from[k] = CLI_FROM_FILE;
			out->line[k] = ns->line[k];
		} else if (c != NULL && c->value[k] != NULL) {
			out->v[k] = c->value[k];
			out->from[k] = CLI_FROM_FILE;
			out->line[k] = c->line[k];
		} else {
			out->v[k] = builtin[k];
			out->from[k] = CLI_FROM_BUILTIN;
		}
	}
	return CLI_OK;
}

int
cli_server(struct cli *cli, const char *name_or_url, struct cli_server *out)
{
	const struct conf *c;
	const struct conf_ca *ca;
	const struct ca_preset *p;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = cli_conf(cli, &c)) != CLI_OK)
		return rc;
	if ((ca = conf_ca_find(c, name_or_url)) != NULL) {
		if (ca->directory == NULL) {
			cli_msg(_("[ca %s] has no ACME directory (it is for enroll --scep or --est)"),
			    ca->name);
			return CLI_USAGE;
		}
		out->url = ca->directory;
		out->ca_bundle = ca->ca_bundle;
		out->eab_kid = ca->eab_kid;
		out->eab_hmac_key_file = ca->eab_hmac_key_file;
		return CLI_OK;
	}
	if ((p = ca_preset_find(name_or_url)) != NULL) {
		out->url = p->url;
		return CLI_OK;
	}
	if (strstr(name_or_url, "://") == NULL) {
		cli_msg(_("'%s' is neither a CA preset ('certdeck ca list'), a [ca] section of "
		    "the config file nor a URL"), name_or_url);
		return CLI_FAIL;
	}
	out->url = name_or_url;
	return CLI_OK;
}

void
cli_conf_free(struct cli *cli)
{
	conf_free(cli->conf);
	cli->conf = NULL;
	cli->conf_loaded = 0;
}
