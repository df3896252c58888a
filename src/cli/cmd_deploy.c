#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_job.h"
#include "cli_list.h"
#include "jobs.h"
#include "deploy.h"
#include "i18n.h"
#include "subproc.h"
#include "store_cert.h"
#include "store_deploy.h"
#include "timefmt.h"
#include "safetext.h"

#define RELOAD_TIMEOUT_MAX 86400	/* a day */

/* Parses an octal permission mode ("0640", "640"). Returns 0 and *out, or -1. */
static int
parse_mode(const char *s, int *out)
{
	int v = 0;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 4)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -1;
		v = v * 8 + (s[i] - '0');
	}
	if (v > 0777)
		return -1;
	*out = v;
	return 0;
}

static int
parse_seconds(const char *s, int *out)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > RELOAD_TIMEOUT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * Where --reload-cmd stands in argv (the rest is its argv), or argc. Skips
 * the values of options that take one, so "--owner --reload-cmd" is not
 * misread.
 */
static int
find_reload_cmd(int argc, char **argv)
{
	static const char *const with_value[] = { "--cert", "--chain", "--fullchain",
	    "--key", "--combined", "--owner", "--group", "--mode", "--key-mode",
	    "--reload-timeout", "--store" };
	size_t k;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--reload-cmd") == 0)
			return i;
		for (k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
			if (strcmp(argv[i], with_value[k]) == 0) {
				i++;
				break;
			}
	}
	return argc;
}

static int
count_certs(const char *pem)
{
	const char *p = pem;
	int n = 0;

	while ((p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL) {
		n++;
		p++;
	}
	return n;
}

static int
check_path(const struct cmd_entry *self, const char *opt, const char *path)
{
	size_t n = strlen(path);

	if (path[0] != '/' || path[n - 1] == '/')
		return cli_usage(self, _("%s needs an absolute file path, not '%s'"), opt,
		    path);
	return CLI_OK;
}

static int
sub_add(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "chain", required_argument, NULL, 'C' },
		{ "fullchain", required_argument, NULL, 'f' },
		{ "key", required_argument, NULL, 'k' },
		{ "combined", required_argument, NULL, 'b' },
		{ "owner", required_argument, NULL, 'o' },
		{ "group", required_argument, NULL, 'g' },
		{ "mode", required_argument, NULL, 'm' },
		{ "key-mode", required_argument, NULL, 'M' },
		{ "reload-timeout", required_argument, NULL, 't' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct deploy_target t = { 0 };
	struct cert_row *cert = NULL;
	struct store *st = NULL;
	const char *paths[DEPLOY_FILE_COUNT] = { NULL };
	static const char *const path_opts[DEPLOY_FILE_COUNT] = { "--cert", "--chain",
	    "--fullchain", "--key", "--combined" };
	int opt, rc, split, n_paths = 0, i, j;
	char *prog = NULL;
	int64_t id;
	uid_t uid;
	gid_t gid;
	struct err e;

	t.mode = DEPLOY_MODE_DEFAULT;
	t.key_mode = DEPLOY_KEY_MODE_DEFAULT;
	t.reload_timeout = DEPLOY_RELOAD_TIMEOUT_DEFAULT;
	split = find_reload_cmd(argc, argv);
	if (split < argc) {
		if (split + 1 == argc)
			return cli_usage(self, "%s", _("--reload-cmd needs a command"));
		t.reload_argv = argv + split + 1;
	}
	while ((opt = getopt_long(split, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': paths[DEPLOY_FILE_CERT] = optarg; continue;
		case 'C': paths[DEPLOY_FILE_CHAIN] = optarg; continue;
		case 'f': paths[DEPLOY_FILE_FULLCHAIN] = optarg; continue;
		case 'k': paths[DEPLOY_FILE_KEY] = optarg; continue;
		case 'b': paths[DEPLOY_FILE_COMBINED] = optarg; continue;
		case 'o': t.owner = optarg; continue;
		case 'g': t.group = optarg; continue;
		case 'm':
			if (parse_mode(optarg, &t.mode) != 0)
				return cli_usage(self, _("--mode takes an octal mode from 0 "
				    "to 0777, not '%s'"), optarg);
			continue;
		case 'M':
			if (parse_mode(optarg, &t.key_mode) != 0)
				return cli_usage(self, _("--key-mode takes an octal mode from "
				    "0 to 0777, not '%s'"), optarg);
			continue;
		case 't':
			if (parse_seconds(optarg, &t.reload_timeout) != 0)
				return cli_usage(self, _("--reload-timeout takes seconds from "
				    "1 to %d, not '%s'"), RELOAD_TIMEOUT_MAX, optarg);
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if ((rc = cli_cert_id_operand(self, split, argv, &id)) != CLI_OK)
		return rc;
	for (i = 0; i < DEPLOY_FILE_COUNT; i++) {
		if (paths[i] == NULL)
			continue;
		if ((rc = check_path(self, path_opts[i], paths[i])) != CLI_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (paths[j] != NULL && strcmp(paths[i], paths[j]) == 0)
				return cli_usage(self, _("%s and %s name the same file"),
				    path_opts[j], path_opts[i]);
		n_paths++;
	}
	if (n_paths == 0)
		return cli_usage(self, "%s", _("name at least one file: --fullchain, "
		    "--key, --cert, --chain or --combined"));
	if ((t.owner != NULL && t.owner[0] == '\0') || (t.group != NULL && t.group[0] == '\0'))
		return cli_usage(self, "%s", _("--owner and --group take a name"));
	t.cert_id = id;
	t.cert_path = (char *)paths[DEPLOY_FILE_CERT];
	t.chain_path = (char *)paths[DEPLOY_FILE_CHAIN];
	t.fullchain_path = (char *)paths[DEPLOY_FILE_FULLCHAIN];
	t.key_path = (char *)paths[DEPLOY_FILE_KEY];
	t.combined_path = (char *)paths[DEPLOY_FILE_COMBINED];

	err_clear(&e);
	/* A typo in a user name should show now, not at 3 a.m. at renewal. */
	if (deploy_resolve_owner(t.owner, t.group, &uid, &gid, &e) != 0)
		return cli_fail(&e);
	/* Stored as the absolute path it resolves to now, and only if safe to run. */
	if (t.reload_argv != NULL) {
		if (subproc_resolve(t.reload_argv[0], &prog, &e) != 0)
			return cli_fail(&e);
		t.reload_argv[0] = prog;
	}
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		goto out;
	if ((rc = cli_cert_get(st, id, &cert)) != CLI_OK)
		goto out;
	rc = CLI_FAIL;
	if ((t.key_path != NULL || t.combined_path != NULL) && cert->key_id == 0) {
		cli_msg(_("the private key of certificate #%lld is not in the store, so "
		    "--key and --combined cannot be deployed; import the certificate "
		    "with its key"), (long long)id);
		goto out;
	}
	if (t.chain_path != NULL && count_certs(cert->pem_chain) < 2) {
		cli_msg(_("certificate #%lld has no chain after the leaf; --chain would "
		    "be empty"), (long long)id);
		goto out;
	}
	if (store_deploy_add(st, &t, &id, &e) != 0) {
		cli_fail(&e);
		goto out;
	}
	printf("%lld\n", (long long)id);
	rc = CLI_OK;
out:
	cert_row_free(cert);
	store_close(st);
	free(prog);
	return rc;
}

static void
mode_text(int mode, char *buf, size_t n)
{
	snprintf(buf, n, "%04o", (unsigned)mode);
}

static cJSON *
target_json(const void *row, void *arg)
{
	const struct deploy_target *t = row;
	cJSON *o = cJSON_CreateObject(), *a;
	char buf[40];
	size_t i;

	(void)arg;
	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)t->id);
	cJSON_AddNumberToObject(o, "cert_id", (double)t->cert_id);
#define ADD_OPT_STRING(name, v) \
	((v) != NULL ? cJSON_AddStringToObject(o, name, v) : cJSON_AddNullToObject(o, name))
	ADD_OPT_STRING("cert", t->cert_path);
	ADD_OPT_STRING("chain", t->chain_path);
	ADD_OPT_STRING("fullchain", t->fullchain_path);
	ADD_OPT_STRING("key", t->key_path);
	ADD_OPT_STRING("combined", t->combined_path);
	ADD_OPT_STRING("owner", t->owner);
	ADD_OPT_STRING("group", t->group);
	mode_text(t->mode, buf, sizeof(buf));
	cJSON_AddStringToObject(o, "mode", buf);
	mode_text(t->key_mode, buf, sizeof(buf));
	cJSON_AddStringToObject(o, "key_mode", buf);
	if (t->reload_argv != NULL) {
		a = cJSON_AddArrayToObject(o, "reload_cmd");
		for (i = 0; a != NULL && t->reload_argv[i] != NULL; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(t->reload_argv[i]));
	} else {
		cJSON_AddNullToObject(o, "reload_cmd");
	}
	cJSON_AddNumberToObject(o, "reload_timeout", t->reload_timeout);
	if (t->last_run != 0) {
		timefmt_rfc3339(t->last_run, buf, sizeof(buf));
		cJSON_AddStringToObject(o, "last_run", buf);
	} else {
		cJSON_AddNullToObject(o, "last_run");
	}
	ADD_OPT_STRING("last_status", t->last_status);
	ADD_OPT_STRING("last_message", t->last_message);
#undef ADD_OPT_STRING
	timefmt_rfc3339(t->created, buf, sizeof(buf));
	cJSON_AddStringToObject(o, "created", buf);
	return o;
}

/* A target's paragraph; a blank line stands between two. */
static void
target_text(const void *row, long n, void *arg)
{
	static const char *const labels[DEPLOY_FILE_COUNT] = { "cert", "chain",
	    "fullchain", "key", "combined" };
	const struct deploy_target *t = row;
	const int *all = arg;
	const char *paths[DEPLOY_FILE_COUNT];
	char m[8], km[8], when[40];
	size_t i;

	if (n > 0)
		putchar('\n');
	paths[0] = t->cert_path;
	paths[1] = t->chain_path;
	paths[2] = t->fullchain_path;
	paths[3] = t->key_path;
	paths[4] = t->combined_path;
	if (*all)
		printf(_("Target #%lld of certificate #%lld\n"), (long long)t->id,
		    (long long)t->cert_id);
	else
		printf(_("Target #%lld\n"), (long long)t->id);
	for (i = 0; i < DEPLOY_FILE_COUNT; i++)
		if (paths[i] != NULL)
			printf("  %-14s %s\n", labels[i], paths[i]);
	mode_text(t->mode, m, sizeof(m));
	mode_text(t->key_mode, km, sizeof(km));
	printf("  %-14s %s:%s\n", _("Owner:"), t->owner != NULL ? t->owner : "-",
	    t->group != NULL ? t->group : "-");
	printf("  %-14s %s, %s %s\n", _("Mode:"), m, _("key"), km);
	if (t->reload_argv != NULL) {
		printf("  %-14s", _("Reload:"));
		for (i = 0; t->reload_argv[i] != NULL; i++)
			printf(" %s", t->reload_argv[i]);
		printf(_(" (killed after %d s)\n"), t->reload_timeout);
	}
	if (t->last_run != 0) {
		timefmt_utc(t->last_run, 1, when, sizeof(when));
		printf("  %-14s %s, %s\n", _("Last run:"), when,
		    strcmp(t->last_status != NULL ? t->last_status : "", "ok") == 0 ?
		    _("ok") : _("failed"));
		if (t->last_message != NULL)
			printf("  %-14s %s\n", "", safetext(t->last_message));
	} else {
		printf("  %-14s %s\n", _("Last run:"), _("never"));
	}
}

static const struct cli_list_ops target_list = { .json = target_json, .text = target_text };

static int
sub_list(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int json = 0, rc;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 }, CLI_COMMON_OPTIONS, { 0 },
	};
	struct deploy_target **list = NULL;
	struct cert_row *cert = NULL;
	struct store *st = NULL;
	struct cli_list l;
	size_t n = 0, i;
	int64_t id = 0;
	int all;
	struct err e;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	/* Without an ID: every certificate's targets, as a sysadmin first asks. */
	all = argc == optind;
	if ((!all && (rc = cli_cert_id_operand(self, argc, argv, &id)) != CLI_OK) ||
	    (rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	if (!all && (rc = cli_cert_get(st, id, &cert)) != CLI_OK)
		goto out;
	err_clear(&e);
	if (store_deploy_list(st, id, &list, &n, &e) != 0) {
		rc = cli_fail(&e);
		goto out;
	}
	if (!json && n == 0) {
		if (all)
			printf("%s\n", _("No deploy targets: 'certdeck deploy add ID ...' "
			    "adds one."));
		else
			printf(_("Certificate #%lld has no deploy targets.\n"), (long long)id);
		goto out;
	}
	cli_list_begin(&l, &target_list, &all, json);
	for (i = 0; rc == 0 && i < n; i++)
		rc = cli_list_row(&l, list[i]);
	rc = cli_list_end(&l, rc, &e);
out:
	deploy_target_list_free(list, n);
	cert_row_free(cert);
	store_close(st);
	return rc;
}

static int
sub_run(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "no-wait", no_argument, NULL, 'W' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct deploy_report rep = { NULL, 0, 0 };
	struct store *st = NULL;
	int64_t id, target = 0, result;
	int opt, rc, no_wait = 0;
	size_t i;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 't') {
			if (cli_parse_id(optarg, &target) != 0)
				return cli_usage(self, _("'%s' is not a deploy target ID"),
				    optarg);
			continue;
		}
		if (opt == 'W') {
			no_wait = 1;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if ((rc = cli_cert_id_operand(self, argc, argv, &id)) != CLI_OK)
		return rc;
	if (no_wait && target != 0)
		return cli_usage(self, "%s", _("--no-wait deploys to every target; "
		    "leave out --target"));
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	if (no_wait) {
		/* A deploy job, for a worker to run (all of the certificate's targets). */
		rc = cli_job_submit(cli, st, JOB_DEPLOY, id, NULL, 1, &result);
		store_close(st);
		return rc;
	}
	err_clear(&e);
	rc = deploy_run(st, id, target, cli->actor, &rep, &e);
	store_close(st);
	for (i = 0; i < rep.n; i++) {
		if (rep.results[i].ok)
			printf(_("target #%lld: ok: %s\n"), (long long)rep.results[i].target_id,
			    safetext(rep.results[i].message));
		else
			cli_msg(_("target #%lld: failed: %s"),
			    (long long)rep.results[i].target_id, safetext(rep.results[i].message));
	}
	if (rc == 0 && rep.n == 0)
		printf(_("Certificate #%lld has no deploy targets.\n"), (long long)id);
	if (rc != 0 && rep.n == 0)
		cli_fail(&e);
	deploy_report_clear(&rep);
	return rc == 0 ? CLI_OK : CLI_FAIL;
}

static int
sub_remove(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	struct store *st = NULL;
	int64_t id, target;
	int rc;
	struct err e;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	if (argc - optind != 2)
		return cli_usage(self, "%s", _("give a certificate ID and a deploy "
		    "target ID"));
	if (cli_parse_id(argv[optind], &id) != 0)
		return cli_usage(self, _("'%s' is not a certificate ID"), argv[optind]);
	if (cli_parse_id(argv[optind + 1], &target) != 0)
		return cli_usage(self, _("'%s' is not a deploy target ID"),
		    argv[optind + 1]);
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	rc = store_deploy_remove(st, id, target, &e);
	store_close(st);
	if (rc == -1)
		return cli_fail(&e);
	if (rc == 1) {
		cli_msg(_("certificate #%lld has no deploy target #%lld"), (long long)id,
		    (long long)target);
		return CLI_FAIL;
	}
	/* The files stay where they are: they may be serving right now. */
	printf(_("Removed deploy target #%lld (its files were left in place).\n"),
	    (long long)target);
	return CLI_OK;
}

static const struct cmd_entry verb_add = { .name = "add", .exec = sub_add };
static const struct cmd_entry verb_list = { .name = "list", .exec = sub_list };
static const struct cmd_entry verb_run = { .name = "run", .exec = sub_run };
static const struct cmd_entry verb_remove = { .name = "remove", .exec = sub_remove };

static const struct cmd_entry *const verbs[] = {
	&verb_add, &verb_list, &verb_run, &verb_remove, NULL,
};

static const struct cmd_table deploy_verbs = {
	.unknown = N_("unknown deploy command '%s'"),
	.entries = verbs,
};

const struct cmd_entry cmd_deploy_entry = {
	.name = "deploy",
	.args = "add|list|run|remove ...",
	.summary = N_("install certificates and keys as files, then reload a service"),
	.options = N_("  deploy add ID [--fullchain PATH] [--key PATH] [--cert PATH]\n"
	    "             [--chain PATH] [--combined PATH] [--owner USER] [--group GROUP]\n"
	    "             [--mode 0644] [--key-mode 0600] [--reload-timeout SECONDS]\n"
	    "             [--reload-cmd PROGRAM ARG...]\n"
	    "      Adds a target to certificate ID and prints its ID. Paths are\n"
	    "      absolute; at least one is needed. cert is the leaf, chain the\n"
	    "      certificates after it, fullchain both, combined the key followed by\n"
	    "      the full chain. --mode applies to certificate files, --key-mode\n"
	    "      to key and combined. Everything after --reload-cmd is the command\n"
	    "      run (without a shell) after the files are written; it must come\n"
	    "      last. It gets CERTDECK_CERT_ID, CERTDECK_DOMAINS, CERTDECK_CERT,\n"
	    "      CERTDECK_CHAIN, CERTDECK_FULLCHAIN, CERTDECK_KEY and\n"
	    "      CERTDECK_COMBINED and is killed after --reload-timeout (60) s.\n"
	    "  deploy list [ID] [--json]     the targets of certificate ID, or\n"
	    "                                of every certificate\n"
	    "  deploy run ID [--target N]    write the files and reload, for all\n"
	    "                                targets or target N; each file is\n"
	    "                                replaced atomically; --no-wait\n"
	    "                                queues a job for 'certdeck worker'\n"
	    "  deploy remove ID TARGET       forget a target (its files stay)\n"
	    "Renewal copies a certificate's targets to its successor.\n"),
	.verbs = &deploy_verbs,
};
