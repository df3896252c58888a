#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "ca_preset.h"
#include "cli.h"
#include "cli_conf.h"
#include "conf.h"
#include "i18n.h"

static const char *
yes_no(int v)
{
	return v ? _("yes") : _("no");
}

/* ca list [--json]: the built-in presets, then the config file's [ca NAME] sections. */
static int
sub_list(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int json = 0, rc;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 }, CLI_COMMON_OPTIONS, { 0 },
	};
	const struct ca_preset *p;
	const struct conf *c;
	cJSON *a = NULL;
	size_t i;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE ||
	    (rc = cli_no_operands(self, argc, argv)) != CLI_OK ||
	    (rc = cli_conf(cli, &c)) != CLI_OK)
		return rc;
	if (json && (a = cJSON_CreateArray()) == NULL)
		return CLI_FAIL;
	if (!json)
		/* TRANSLATORS: column headings of 'certdeck ca list'. */
		printf("%-20s %-4s %-8s %-4s %-3s %s\n", _("NAME"), _("EAB"), _("PROFILES"),
		    _("ARI"), _("IP"), _("DIRECTORY"));
	for (i = 0; (p = ca_preset_at(i)) != NULL; i++) {
		if (json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", p->name);
			if (p->alias != NULL)
				cJSON_AddStringToObject(o, "alias", p->alias);
			cJSON_AddStringToObject(o, "title", p->title);
			cJSON_AddStringToObject(o, "directory", p->url);
			cJSON_AddStringToObject(o, "source", "preset");
			cJSON_AddBoolToObject(o, "staging", p->staging);
			cJSON_AddBoolToObject(o, "eab", p->eab);
			cJSON_AddBoolToObject(o, "profiles", p->profiles);
			cJSON_AddBoolToObject(o, "ari", p->ari);
			cJSON_AddBoolToObject(o, "ip_identifiers", p->ip);
			cJSON_AddItemToArray(a, o);
		} else {
			printf("%-20s %-4s %-8s %-4s %-3s %s\n", p->name, yes_no(p->eab),
			    yes_no(p->profiles), yes_no(p->ari), yes_no(p->ip), p->url);
		}
	}
	for (i = 0; c != NULL && i < c->n_cas; i++) {
		const struct conf_ca *ca = &c->cas[i];

		if (json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", ca->name);
			if (ca->directory != NULL)
				cJSON_AddStringToObject(o, "directory", ca->directory);
			else
				cJSON_AddNullToObject(o, "directory");
			if (ca->scep != NULL)
				cJSON_AddStringToObject(o, "scep", ca->scep);
			if (ca->est != NULL)
				cJSON_AddStringToObject(o, "est", ca->est);
			cJSON_AddStringToObject(o, "source", "config");
			cJSON_AddBoolToObject(o, "eab", ca->eab_kid != NULL);
			if (ca->ca_bundle != NULL)
				cJSON_AddStringToObject(o, "ca_bundle", ca->ca_bundle);
			cJSON_AddItemToArray(a, o);
		} else {
			/* What a private CA offers is not known without asking it. */
			printf("%-20s %-4s %-8s %-4s %-3s %s%s%s%s%s\n", ca->name,
			    yes_no(ca->eab_kid != NULL), "?", "?", "?",
			    ca->directory != NULL ? ca->directory : "",
			    ca->scep != NULL ? (ca->directory != NULL ? " scep " : "scep ") : "",
			    ca->scep != NULL ? ca->scep : "",
			    ca->est != NULL ? (ca->directory != NULL || ca->scep != NULL ? " est " :
			    "est ") : "", ca->est != NULL ? ca->est : "");
		}
	}
	if (json)
		cli_print_json(a);
	return CLI_OK;
}

static const struct cmd_entry verb_list = { .name = "list", .exec = sub_list };
static const struct cmd_entry *const verbs[] = { &verb_list, NULL };

static const struct cmd_table ca_verbs = {
	.unknown = N_("unknown ca command '%s'"),
	.entries = verbs,
};

const struct cmd_entry cmd_ca_entry = {
	.name = "ca",
	.args = "list [--json]",
	.summary = N_("list the CAs --server NAME accepts"),
	.options = N_("  ca list [--json]\n"
	    "      The built-in presets (directory URL, whether new accounts need EAB,\n"
	    "      and whether the CA offers profiles, ARI and IP identifiers), then\n"
	    "      the config file's [ca NAME] sections. Any of these names works\n"
	    "      wherever a directory URL does (--server NAME, server = NAME).\n"),
	.verbs = &ca_verbs,
};
