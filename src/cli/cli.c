#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "store_cert.h"
#include "safetext.h"

static const struct cmd_entry *const commands[] = {
	&cmd_init_entry,
	&cmd_list_entry,
	&cmd_show_entry,
	&cmd_import_entry,
	&cmd_scan_entry,
	&cmd_account_entry,
	&cmd_issue_entry,
	&cmd_enroll_entry,
	&cmd_revoke_entry,
	&cmd_rotate_entry,
	&cmd_renew_entry,
	&cmd_worker_entry,
	&cmd_jobs_entry,
	&cmd_events_entry,
	&cmd_cancel_entry,
	&cmd_deploy_entry,
	&cmd_ui_entry,
	&cmd_config_entry,
	&cmd_ca_entry,
	&cmd_status_entry,
	&cmd_metrics_entry,
	&cmd_notify_entry,
	&cmd_revocation_entry,
	&cmd_probe_entry,
	&cmd_endpoint_entry,
	&cmd_check_entry,
	NULL,
};

const struct cmd_table cli_command_table = {
	.unknown = N_("unknown command '%s'"),
	.entries = commands,
};

void
cli_print_json(cJSON *o)
{
	char *text = o != NULL ? cJSON_Print(o) : NULL, *safe;

	/* Certificate text in strings is escaped for the terminal; the JSON means the same. */
	safe = text != NULL ? safetext_json(text) : NULL;
	if (safe != NULL)
		printf("%s\n", safe);
	free(safe);
	free(text);
	cJSON_Delete(o);
}

/* Prints "certdeck: ", fmt with ap, and a newline to stderr. */
static void
msgv(const char *fmt, va_list ap)
{
	fputs("certdeck: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msgv(fmt, ap);
	va_end(ap);
}

int
cli_fail(const struct err *e)
{
	char msg[sizeof(e->msg)], detail[sizeof(e->problem_detail)];
	char type[sizeof(e->problem_type)];

	/* A CA's or a file's words may carry escape sequences: the one sanitiser. */
	safetext_copy(msg, sizeof(msg), e->msg[0] != '\0' ? e->msg : _("unknown error"));
	cli_msg("%s", msg);
	if (e->problem_detail[0] != '\0') {
		safetext_copy(detail, sizeof(detail), e->problem_detail);
		safetext_copy(type, sizeof(type), e->problem_type);
		/* TRANSLATORS: the CA's own words follow. */
		cli_msg(_("the CA said: %s (%s)"), detail, type);
	}
	return CLI_FAIL;
}

/* Prints the usage error fmt with ap and the hint to run --help. Returns CLI_USAGE. */
static int
usagev(const struct cmd_entry *self, const char *fmt, va_list ap)
{
	msgv(fmt, ap);
	if (self != NULL)
		fprintf(stderr, _("Try 'certdeck %s --help' for more information.\n"),
		    self->name);
	else
		fputs(_("Try 'certdeck --help' for more information.\n"), stderr);
	return CLI_USAGE;
}

int
cli_usage(const struct cmd_entry *self, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = usagev(self, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * The usage error for a name t has not. t->unknown is a literal where the
 * table is, N_()-marked, so xgettext flags it c-format and msgfmt checks
 * that each translation keeps its one %s; the compiler cannot check it
 * here, which is why it goes through a va_list. Returns CLI_USAGE.
 */
static int
unknown_name(const struct cmd_entry *group, const struct cmd_table *t, ...)
{
	va_list ap;
	int rc;

	va_start(ap, t);
	rc = usagev(group, _(t->unknown), ap);
	va_end(ap);
	return rc;
}

const struct cmd_entry *
cli_find(const struct cmd_table *t, const char *name)
{
	const struct cmd_entry *const *c;

	for (c = t->entries; *c != NULL; c++) {
		if (strcmp((*c)->name, name) == 0)
			return *c;
	}
	return NULL;
}

/* cli_dispatch for the verbs of group (NULL at the top level). */
static int
dispatch(struct cli *cli, const struct cmd_entry *group, const struct cmd_table *t,
    int argc, char **argv)
{
	const struct cmd_entry *c = cli_find(t, argv[0]);

	if (c == NULL)
		return unknown_name(group, t, argv[0]);
	/* The command parses its own options; argv[0] is its name. */
	optind = 1;
	if (c->verbs == NULL)
		return c->exec(cli, group != NULL ? group : c, argc, argv);
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		cli_help(c);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	return dispatch(cli, c, c->verbs, argc - 1, argv + 1);
}

int
cli_dispatch(struct cli *cli, const struct cmd_table *t, int argc, char **argv)
{
	return dispatch(cli, NULL, t, argc, argv);
}

void
cli_help(const struct cmd_entry *self)
{
	printf(_("Usage: certdeck %s %s\n"), self->name, self->args);
	printf("%s\n", _(self->summary));
	if (self->options != NULL)
		printf("\n%s", _(self->options));
	printf("\n%s", _("Common options:\n"
	    "      --store PATH   the store database (default: $CERTDECK_STORE, else\n"
	    "                     $XDG_DATA_HOME/certdeck/store.db, or\n"
	    "                     /var/lib/certdeck/store.db for root)\n"
	    "      --config FILE  the config file (default: $CERTDECK_CONFIG, else\n"
	    "                     $XDG_CONFIG_HOME/certdeck/config, or\n"
	    "                     /etc/certdeck/config for root)\n"
	    "      --help         show this help and exit\n"));
}

int
cli_common_option(struct cli *cli, const struct cmd_entry *self, int opt)
{
	switch (opt) {
	case CLI_OPT_STORE:
		cli->store_flag = optarg;
		return CLI_CONTINUE;
	case CLI_OPT_CONFIG:
		cli->config_flag = optarg;
		return CLI_CONTINUE;
	case CLI_OPT_HELP:
		cli_help(self);
		return CLI_OK;
	case '?':
	case ':':
		/* getopt already named the option. */
		return cli_usage(self, "%s", _("invalid option"));
	default:
		return -1;
	}
}

int
cli_open_store(struct cli *cli, int flags, struct store **out)
{
	struct err e;
	char *path;

	err_clear(&e);
	path = store_default_path(cli->store_flag, &e);
	if (path == NULL)
		return cli_fail(&e);
	if (store_open(path, flags, out, &e) != 0) {
		free(path);
		return cli_fail(&e);
	}
	free(path);
	return CLI_OK;
}

int
cli_parse_count(const char *s, int max, int *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

int
cli_parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}

int
cli_options(struct cli *cli, const struct cmd_entry *self, int argc, char **argv,
    const struct option *opts)
{
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 0)
			continue;	/* a flag, set */
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	return CLI_CONTINUE;
}

int
cli_no_operands(const struct cmd_entry *self, int argc, char **argv)
{
	if (optind != argc)
		return cli_usage(self, _("unexpected argument '%s'"), argv[optind]);
	return CLI_OK;
}

int
cli_cert_id_operand(const struct cmd_entry *self, int argc, char **argv, int64_t *id)
{
	if (argc - optind != 1)
		return cli_usage(self, "%s", _("give exactly one certificate ID"));
	if (cli_parse_id(argv[optind], id) != 0)
		return cli_usage(self, _("'%s' is not a certificate ID"), argv[optind]);
	return CLI_OK;
}

int
cli_workers_option(const struct cmd_entry *self, const char *arg, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 64)
		return cli_usage(self, _("--workers takes 1 to 64, not '%s'"), arg);
	*out = (int)v;
	return CLI_CONTINUE;
}

int
cli_cert_get(struct store *st, int64_t id, struct cert_row **out)
{
	struct err e;
	int rc;

	*out = NULL;
	err_clear(&e);
	rc = store_cert_get(st, id, out, &e);
	if (rc == -1)
		return cli_fail(&e);
	if (rc == 1) {
		cli_msg(_("no certificate #%lld"), (long long)id);
		return CLI_FAIL;
	}
	return CLI_OK;
}
