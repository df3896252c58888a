#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_conf.h"
#include "conf.h"
#include "i18n.h"
#include "notify.h"

/* config check [FILE]: parses FILE (or the file the program would read). */
static int
sub_check(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	const struct conf *c;
	struct conf *own = NULL;
	struct err e;
	int rc;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	if (argc - optind > 1)
		return cli_usage(self, _("unexpected argument '%s'"), argv[optind + 1]);
	err_clear(&e);
	if (argc - optind == 1) {
		if (conf_load(argv[optind], 0, &own, &e) != 0)
			return cli_fail(&e);
		c = own;
	} else if ((rc = cli_conf(cli, &c)) != CLI_OK) {
		return rc;
	}
	/* A channel is checked as `notify add` checks it: the hook runs, the file is private. */
	if (notify_conf_check(c, &e) != 0) {
		conf_free(own);
		return cli_fail(&e);
	}
	if (c == NULL || c->path == NULL)
		printf("%s\n", _("no config file: built-in defaults apply"));
	else
		/* TRANSLATORS: FILE: ok (N [ca] sections, M [names] sections) */
		printf(_("%s: ok (%zu [ca] sections, %zu [names] sections)\n"), c->path,
		    c->n_cas, c->n_names);
	if (c != NULL && c->n_notify > 0)
		printf(ngettext_("%zu notification channel ([notify] section)\n",
		    "%zu notification channels ([notify] sections)\n",
		    (unsigned long)c->n_notify), c->n_notify);
	conf_free(own);
	return CLI_OK;
}

/* Where a value came from, in words (static or buf). */
static const char *
origin(const struct conf *c, const struct cli_settings *s, int k, char *buf, size_t n)
{
	switch (s->from[k]) {
	case CLI_FROM_FLAG:
		return _("flag");
	case CLI_FROM_ENV:
		snprintf(buf, n, "$%s", conf_key_env((enum conf_key)k));
		return buf;
	case CLI_FROM_FILE:
		snprintf(buf, n, "%s:%d", c != NULL && c->path != NULL ? c->path : "?",
		    s->line[k]);
		return buf;
	default:
		return _("built-in");
	}
}

static const char *const origin_word[CLI_FROM_COUNT] = {
	[CLI_FROM_BUILTIN] = "built-in", [CLI_FROM_FILE] = "file",
	[CLI_FROM_ENV] = "environment", [CLI_FROM_FLAG] = "flag",
};

static cJSON *
show_json(const struct conf *c, const struct cli_settings *s)
{
	cJSON *o = cJSON_CreateObject(), *set = cJSON_AddObjectToObject(o, "settings");
	cJSON *cas = cJSON_AddArrayToObject(o, "cas"), *names = cJSON_AddArrayToObject(o, "names");
	char buf[512];
	size_t i, j;
	int k;

	if (c != NULL && c->path != NULL)
		cJSON_AddStringToObject(o, "file", c->path);
	else
		cJSON_AddNullToObject(o, "file");
	for (k = 0; k < CONF_KEY_COUNT; k++) {
		cJSON *v = cJSON_AddObjectToObject(set, conf_key_name((enum conf_key)k));

		if (s->v[k] != NULL)
			cJSON_AddStringToObject(v, "value", s->v[k]);
		else
			cJSON_AddNullToObject(v, "value");
		cJSON_AddStringToObject(v, "from", origin_word[s->from[k]]);
		if (s->from[k] != CLI_FROM_BUILTIN)
			cJSON_AddStringToObject(v, "where", origin(c, s, k, buf, sizeof(buf)));
	}
	for (i = 0; c != NULL && i < c->n_cas; i++) {
		cJSON *a = cJSON_CreateObject();

		cJSON_AddStringToObject(a, "name", c->cas[i].name);
		if (c->cas[i].directory != NULL)
			cJSON_AddStringToObject(a, "directory", c->cas[i].directory);
		else
			cJSON_AddNullToObject(a, "directory");
		if (c->cas[i].scep != NULL)
			cJSON_AddStringToObject(a, "scep", c->cas[i].scep);
		if (c->cas[i].est != NULL)
			cJSON_AddStringToObject(a, "est", c->cas[i].est);
		if (c->cas[i].ca_fingerprint != NULL)
			cJSON_AddStringToObject(a, "ca_fingerprint", c->cas[i].ca_fingerprint);
		if (c->cas[i].challenge_file != NULL)
			cJSON_AddStringToObject(a, "challenge_file", c->cas[i].challenge_file);
		if (c->cas[i].est_user != NULL)
			cJSON_AddStringToObject(a, "est_user", c->cas[i].est_user);
		if (c->cas[i].est_password_file != NULL)
			cJSON_AddStringToObject(a, "est_password_file", c->cas[i].est_password_file);
		if (c->cas[i].est_label != NULL)
			cJSON_AddStringToObject(a, "est_label", c->cas[i].est_label);
		if (c->cas[i].ca_bundle != NULL)
			cJSON_AddStringToObject(a, "ca_bundle", c->cas[i].ca_bundle);
		if (c->cas[i].eab_kid != NULL)
			cJSON_AddStringToObject(a, "eab_kid", c->cas[i].eab_kid);
		if (c->cas[i].eab_hmac_key_file != NULL)
			cJSON_AddStringToObject(a, "eab_hmac_key_file", c->cas[i].eab_hmac_key_file);
		cJSON_AddNumberToObject(a, "line", c->cas[i].line);
		cJSON_AddItemToArray(cas, a);
	}
	for (i = 0; c != NULL && i < c->n_names; i++) {
		cJSON *a = cJSON_CreateObject(), *p = cJSON_AddArrayToObject(a, "patterns");

		for (j = 0; j < c->names[i].n_patterns; j++)
			cJSON_AddItemToArray(p, cJSON_CreateString(c->names[i].patterns[j]));
		cJSON_AddNumberToObject(a, "line", c->names[i].section_line);
		cJSON_AddBoolToObject(a, "applies", s->names == &c->names[i]);
		cJSON_AddItemToArray(names, a);
	}
	return o;
}

static void
show_text(const struct conf *c, const struct cli_settings *s)
{
	char buf[512];
	size_t i, j;
	int k;

	if (c != NULL && c->path != NULL)
		printf(_("Config file: %s\n"), c->path);
	else
		printf("%s\n", _("Config file: none"));
	for (k = 0; k < CONF_KEY_COUNT; k++)
		printf("  %-16s %-40s %s\n", conf_key_name((enum conf_key)k),
		    s->v[k] != NULL ? s->v[k] : "-", origin(c, s, k, buf, sizeof(buf)));
	for (i = 0; c != NULL && i < c->n_cas; i++)
		printf("[ca %s] %s%s%s%s\n", c->cas[i].name, c->cas[i].directory,
		    c->cas[i].eab_kid != NULL ? " (EAB, key in " : "",
		    c->cas[i].eab_hmac_key_file != NULL ? c->cas[i].eab_hmac_key_file : "",
		    c->cas[i].eab_kid != NULL ? ")" : "");
	for (i = 0; c != NULL && i < c->n_names; i++) {
		printf("[names");
		for (j = 0; j < c->names[i].n_patterns; j++)
			printf(" %s", c->names[i].patterns[j]);
		printf("]%s\n", s->names == &c->names[i] ? _(" (applies)") : "");
	}
}

/* config show [-d NAME]... [--json]: the effective settings and where each came from. */
static int
sub_show(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static int json;
	static const struct option opts[] = {
		{ "json", no_argument, &json, 1 },
		{ "domain", required_argument, NULL, 'd' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	const char **names = NULL;
	size_t n = 0;
	const struct conf *c;
	struct cli_settings s;
	int opt, rc;

	json = 0;
	while ((opt = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		if (opt == 0)
			continue;
		if (opt == 'd') {
			const char **grown = realloc(names, (n + 1) * sizeof(*grown));

			if (grown == NULL) {
				struct err e;

				err_clear(&e);
				err_nomem(&e);
				free(names);
				return cli_fail(&e);
			}
			names = grown;
			names[n++] = optarg;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE) {
			free(names);
			return rc;
		}
	}
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK ||
	    (rc = cli_conf(cli, &c)) != CLI_OK ||
	    (rc = cli_settings(cli, NULL, names, n, &s)) != CLI_OK) {
		free(names);
		return rc;
	}
	if (json)
		cli_print_json(show_json(c, &s));
	else
		show_text(c, &s);
	free(names);
	return CLI_OK;
}

static const struct cmd_entry verb_check = { .name = "check", .exec = sub_check };
static const struct cmd_entry verb_show = { .name = "show", .exec = sub_show };

static const struct cmd_entry *const verbs[] = { &verb_check, &verb_show, NULL };

static const struct cmd_table config_verbs = {
	.unknown = N_("unknown config command '%s'"),
	.entries = verbs,
};

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.args = "check|show ...",
	.summary = N_("check the config file and show the effective settings"),
	.options = N_("  config check [FILE]\n"
	    "      Checks FILE (default: the file certdeck reads) and exits 0 when it\n"
	    "      is valid, else 1 naming the file, line and key.\n"
	    "  config show [-d NAME]... [--json]\n"
	    "      Prints each setting, its value and where it came from (a flag,\n"
	    "      $CERTDECK_* in the environment, FILE:LINE, built-in); with -d, for\n"
	    "      an order of those names ([names] sections).\n"
	    "Precedence: flag > environment > config file > built-in. See certdeck.conf(5).\n"),
	.verbs = &config_verbs,
};
