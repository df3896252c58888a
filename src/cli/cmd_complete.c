#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca_preset.h"
#include "cli.h"
#include "cli_conf.h"
#include "conf.h"
#include "i18n.h"
#include "store_cert_ids.h"

/* With more matches than this, IDs are printed without names (no row reads). */
#define NAMES_MAX 200

static int
print_id(int64_t id, const char *name, void *arg)
{
	(void)arg;
	if (name != NULL) {
		char clean[256];
		size_t i;

		/* One line per ID: a name's tabs and control characters would break it. */
		for (i = 0; name[i] != '\0' && i + 1 < sizeof(clean); i++)
			clean[i] = (unsigned char)name[i] < 0x20 ? '?' : name[i];
		clean[i] = '\0';
		printf("%lld\t%s\n", (long long)id, clean);
	} else {
		printf("%lld\n", (long long)id);
	}
	return 0;
}

/* The names of t, each with its summary after a tab when it has one. */
static void
print_table(const struct cmd_table *t)
{
	const struct cmd_entry *const *c;

	for (c = t->entries; *c != NULL; c++) {
		if ((*c)->summary != NULL)
			printf("%s\t%s\n", (*c)->name, _((*c)->summary));
		else
			printf("%s\n", (*c)->name);
	}
}

int
cli_complete(struct cli *cli, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (strcmp(what, "commands") == 0) {
		print_table(&cli_command_table);
	} else if (strcmp(what, "verbs") == 0 && argc > 2) {
		const struct cmd_entry *c = cli_find(&cli_command_table, argv[2]);

		if (c != NULL && c->verbs != NULL)
			print_table(c->verbs);
	} else if (strcmp(what, "ids") == 0) {
		struct store *st;
		struct err e;
		int rc;

		/* Completion says nothing when there is no store: no errors on the terminal. */
		err_clear(&e);
		{
			char *path = store_default_path(cli->store_flag, &e);

			if (path == NULL)
				return CLI_FAIL;
			rc = store_open(path, STORE_READONLY, &st, &e);
			free(path);
			if (rc != 0)
				return CLI_FAIL;
		}
		rc = store_cert_ids(st, argc > 2 ? argv[2] : "", NAMES_MAX, print_id, NULL, &e);
		store_close(st);
		return rc == 0 ? CLI_OK : CLI_FAIL;
	} else if (strcmp(what, "servers") == 0) {
		const struct ca_preset *p;
		const struct conf *c = NULL;
		size_t i;

		for (i = 0; (p = ca_preset_at(i)) != NULL; i++)
			printf("%s\t%s\n", p->name, p->title);
		/* A broken config file is for 'config check' to report, not Tab. */
		if (cli_conf_quiet(cli, &c) == CLI_OK)
			for (i = 0; c != NULL && i < c->n_cas; i++)
				printf("%s\t%s\n", c->cas[i].name, c->cas[i].directory != NULL ?
				    c->cas[i].directory : c->cas[i].scep != NULL ? c->cas[i].scep :
				    c->cas[i].est);
	} else {
		return CLI_USAGE;
	}
	return CLI_OK;
}
