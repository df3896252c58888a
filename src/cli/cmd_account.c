#include "config.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "cli_conf.h"
#include "cli_job.h"
#include "cli_list.h"
#include "jobs.h"
#include "fileio.h"
#include "i18n.h"
#include "strv.h"
#include "timefmt.h"
#include "safetext.h"

#define CA_BUNDLE_MAX (1024 * 1024)

/* The --email values as given, then as account_contacts_normalise makes them. */
struct contacts {
	const char **v;
	size_t n;
	char **uris;
};

static int
contacts_add(struct contacts *c, const char *email)
{
	const char **grown = realloc(c->v, (c->n + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	c->v = grown;
	c->v[c->n++] = email;
	return 0;
}

/* Normalises the collected values into c->uris. Returns CLI_OK or an exit code. */
static int
contacts_finish(const struct cmd_entry *self, struct contacts *c)
{
	struct err e;

	err_clear(&e);
	if (account_contacts_normalise(c->v, c->n, &c->uris, &e) == 0)
		return CLI_OK;
	return e.kind == ERR_USAGE ? cli_usage(self, "%s", e.msg) : cli_fail(&e);
}

static void
contacts_free(struct contacts *c)
{
	strv_free(c->uris, c->n);
	free(c->v);
	c->uris = NULL;
	c->v = NULL;
	c->n = 0;
}

#define EAB_KEY_MAX 4096

/*
 * Reads the EAB HMAC key from path ("-": standard input), without the
 * white space around it. Returns 0 and *out (the caller's: cleanse and
 * free it), or -1.
 */
static int
eab_key_read(const char *path, char **out, struct err *e)
{
	char *buf = NULL;
	size_t len = 0, start = 0;
	ssize_t n;

	*out = NULL;
	if (strcmp(path, "-") != 0) {
		if (fileio_read(path, EAB_KEY_MAX, &buf, &len, e) != 0)
			return -1;
	} else {
		if ((buf = malloc(EAB_KEY_MAX + 1)) == NULL)
			return err_nomem(e);
		while (len < EAB_KEY_MAX && ((n = read(STDIN_FILENO, buf + len,
		    EAB_KEY_MAX - len)) > 0 || (n < 0 && errno == EINTR)))
			if (n > 0)
				len += (size_t)n;
		buf[len] = '\0';
	}
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]) != NULL)
		buf[--len] = '\0';
	while (start < len && strchr(" \t\r\n", buf[start]) != NULL)
		start++;
	memmove(buf, buf + start, len - start + 1);
	if (buf[0] == '\0' || strpbrk(buf, " \t\r\n") != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return err_set(e, ERR_USAGE, _("%s: expected the EAB HMAC key (one base64url "
		    "word)"), strcmp(path, "-") == 0 ? _("standard input") : path);
	}
	*out = buf;
	return 0;
}

static int
sub_new(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "email", required_argument, NULL, 'm' },
		{ "agree-tos", no_argument, NULL, 'a' },
		{ "ca-bundle", required_argument, NULL, 'c' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "eab-kid", required_argument, NULL, 'K' },
		{ "eab-hmac-key", required_argument, NULL, 'H' },
		{ "eab-hmac-key-file", required_argument, NULL, 'F' },
		{ "allow-origin", required_argument, NULL, 'O' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct account_create_params p = { 0 };
	struct contacts c = { 0 };
	const char *flag[CONF_KEY_COUNT] = { 0 };
	struct cli_settings cs;
	struct cli_server srv;
	const char *bundle_path = NULL, *hmac_path = NULL;
	char *bundle = NULL, *hmac = NULL;
	const char *origins[8];
	size_t blen;
	struct store *st = NULL;
	int opt, rc;
	int64_t id;
	struct err e;

	err_clear(&e);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': flag[CONF_SERVER] = optarg; continue;
		case 'a': p.agree_tos = 1; continue;
		case 'c': flag[CONF_CA_BUNDLE] = optarg; continue;
		case 'k': p.key_type = optarg; continue;
		case 'K': p.eab_kid = optarg; continue;
		case 'H':
			/*
			 * Kept for old scripts: the key is in the process list
			 * until we blank it here, and in the shell's history.
			 */
			free(hmac);
			if ((hmac = strdup(optarg)) == NULL) {
				err_nomem(&e);
				rc = cli_fail(&e);
				goto out;
			}
			OPENSSL_cleanse(optarg, strlen(optarg));
			cli_msg("%s", _("warning: --eab-hmac-key puts the key where other users "
			    "can see it (the process list); use --eab-hmac-key-file FILE, or - "
			    "for standard input"));
			continue;
		case 'F': hmac_path = optarg; continue;
		case 'O':
			if (p.n_allowed_origins == sizeof(origins) / sizeof(origins[0])) {
				rc = cli_usage(self, "%s", _("at most 8 --allow-origin"));
				goto out;
			}
			origins[p.n_allowed_origins++] = optarg;
			p.allowed_origins = origins;
			continue;
		case 'm':
			if (contacts_add(&c, optarg) != 0) {
				err_nomem(&e);
				rc = cli_fail(&e);
				goto out;
			}
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE) {
			goto out;
		}
	}
	rc = CLI_USAGE;
	if (optind != argc) {
		cli_usage(self, _("unexpected argument '%s'"), argv[optind]);
		goto out;
	}
	if (hmac != NULL && hmac_path != NULL) {
		cli_usage(self, "%s", _("give --eab-hmac-key-file or --eab-hmac-key, not both"));
		goto out;
	}
	rc = CLI_FAIL;
	if (cli_settings(cli, flag, NULL, 0, &cs) != CLI_OK)
		goto out;
	rc = CLI_USAGE;
	if (cs.v[CONF_SERVER] == NULL) {
		cli_usage(self, "%s", _("--server URL|NAME is required (a preset from "
		    "'certdeck ca list', a [ca NAME] of the config file or a directory URL)"));
		goto out;
	}
	rc = CLI_FAIL;
	if (cli_server(cli, cs.v[CONF_SERVER], &srv) != CLI_OK)
		goto out;
	p.server_url = srv.url;
	/* Flag and environment first, then the [ca] section, then [defaults]. */
	bundle_path = cs.v[CONF_CA_BUNDLE];
	if (srv.ca_bundle != NULL && cs.from[CONF_CA_BUNDLE] != CLI_FROM_FLAG &&
	    cs.from[CONF_CA_BUNDLE] != CLI_FROM_ENV)
		bundle_path = srv.ca_bundle;
	if (c.n == 0 && cs.v[CONF_EMAIL] != NULL && contacts_add(&c, cs.v[CONF_EMAIL]) != 0) {
		err_nomem(&e);
		cli_fail(&e);
		goto out;
	}
	/* EAB from the [ca] section: the key is read from its file, never the config. */
	if (p.eab_kid == NULL && hmac == NULL && hmac_path == NULL && srv.eab_kid != NULL) {
		p.eab_kid = srv.eab_kid;
		hmac_path = srv.eab_hmac_key_file;
	}
	if ((rc = contacts_finish(self, &c)) != CLI_OK)
		goto out;
	rc = CLI_FAIL;
	if (hmac_path != NULL && eab_key_read(hmac_path, &hmac, &e) != 0) {
		rc = e.kind == ERR_USAGE ? cli_usage(self, "%s", e.msg) : cli_fail(&e);
		goto out;
	}
	p.eab_hmac_key = hmac;
	if (bundle_path != NULL) {
		if (fileio_read(bundle_path, CA_BUNDLE_MAX, &bundle, &blen, &e) != 0) {
			cli_fail(&e);
			goto out;
		}
		p.ca_bundle_pem = bundle;
	}
	p.contacts = (const char *const *)c.uris;
	p.n_contacts = c.n;
	if (cli_open_store(cli, STORE_CREATE, &st) != CLI_OK)
		goto out;
	fprintf(stderr, _("Registering an account with %s...\n"),
	    account_server_url(p.server_url));
	if (account_create(st, &p, &id, &e) != 0) {
		rc = e.kind == ERR_USAGE ? cli_usage(self, "%s", e.msg) : cli_fail(&e);
		goto out;
	}
	printf("%lld\n", (long long)id);
	rc = CLI_OK;
out:
	store_close(st);
	free(bundle);
	if (hmac != NULL)
		OPENSSL_cleanse(hmac, strlen(hmac));
	free(hmac);
	contacts_free(&c);
	return rc;
}

static int
sub_recover(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "ca-bundle", required_argument, NULL, 'c' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	const char *server = NULL, *key_path = NULL, *bundle_path = NULL;
	char *bundle = NULL, *key = NULL;
	size_t len = 0, klen = 0;
	struct store *st = NULL;
	int opt, rc;
	int64_t id;
	struct err e;

	err_clear(&e);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': server = optarg; continue;
		case 'k': key_path = optarg; continue;
		case 'c': bundle_path = optarg; continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if (server == NULL || key_path == NULL)
		return cli_usage(self, "%s", _("recover needs --server URL and --key FILE"));
	rc = CLI_FAIL;
	{
		struct cli_server srv;

		if (cli_server(cli, server, &srv) != CLI_OK)
			return CLI_FAIL;
		server = srv.url;
		if (bundle_path == NULL)
			bundle_path = srv.ca_bundle;
	}
	if ((bundle_path != NULL && fileio_read(bundle_path, CA_BUNDLE_MAX, &bundle, &len,
	    &e) != 0) || fileio_read(key_path, CA_BUNDLE_MAX, &key, &klen, &e) != 0) {
		cli_fail(&e);
		goto out;
	}
	if (cli_open_store(cli, STORE_CREATE, &st) != CLI_OK)
		goto out;
	if (account_recover(st, server, bundle, key, &id, &e) != 0) {
		cli_fail(&e);
		goto out;
	}
	printf("%lld\n", (long long)id);
	rc = CLI_OK;
out:
	if (key != NULL)
		OPENSSL_cleanse(key, klen);
	free(key);
	free(bundle);
	store_close(st);
	return rc;
}

/* The JSON form of an account (a struct account_row), for list and show. */
static cJSON *
account_json(const void *row, void *arg)
{
	const struct account_row *r = row;
	cJSON *o = cJSON_CreateObject(), *c;
	char t[40];

	(void)arg;
	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "server", r->ca_url);
	if (r->url != NULL)
		cJSON_AddStringToObject(o, "url", r->url);
	else
		cJSON_AddNullToObject(o, "url");
	cJSON_AddStringToObject(o, "status", r->status);
	c = r->contacts_json != NULL ? cJSON_Parse(r->contacts_json) : NULL;
	cJSON_AddItemToObject(o, "contacts", c != NULL ? c : cJSON_CreateArray());
	cJSON_AddStringToObject(o, "key_type", r->key_type != NULL ? r->key_type : "");
	cJSON_AddBoolToObject(o, "rollover_in_progress", r->old_key_id > 0);
	timefmt_rfc3339(r->created, t, sizeof(t));
	cJSON_AddStringToObject(o, "created", t);
	return o;
}

static void
account_text(const void *row, long i, void *arg)
{
	const struct account_row *r = row;
	char *contacts = NULL;
	cJSON *c;

	(void)i;
	(void)arg;
	c = r->contacts_json != NULL ? cJSON_Parse(r->contacts_json) : NULL;
	if (cJSON_IsArray(c) && cJSON_GetArraySize(c) > 0 &&
	    cJSON_IsString(cJSON_GetArrayItem(c, 0)))
		contacts = strdup(cJSON_GetArrayItem(c, 0)->valuestring);
	cJSON_Delete(c);
	printf("%4lld  %-12s %-8s %-30s %s\n", (long long)r->id, safetext(r->status),
	    r->key_type != NULL ? safetext(r->key_type) : "-",
	    contacts != NULL ? safetext(contacts) : "-", safetext(r->ca_url));
	free(contacts);
}

static void
heading(void)
{
	/* TRANSLATORS: column headings of 'certdeck account list'. */
	printf("%4s  %-12s %-8s %-30s %s\n", _("ID"), _("STATUS"), _("KEY"),
	    _("CONTACT"), _("SERVER"));
}

static int
one_account(const struct account_row *r, void *l)
{
	return cli_list_row(l, r);
}

static int
load(struct store *st, struct cli_list *l, struct err *e)
{
	return store_account_list(st, one_account, l, e);
}

static const struct cli_list_ops account_list = {
	.load = load, .json = account_json, .text = account_text, .heading = heading,
};

static int
sub_list(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int json = 0, rc;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 }, CLI_COMMON_OPTIONS, { 0 },
	};

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	return cli_list_run(cli, &account_list, NULL, json);
}

/* Parses "ID" after the subcommand's options. Returns CLI_OK or an exit code. */
static int
one_id(const struct cmd_entry *self, int argc, char **argv, int64_t *id)
{
	if (argc - optind != 1)
		return cli_usage(self, "%s", _("give exactly one account ID"));
	if (cli_parse_id(argv[optind], id) != 0)
		return cli_usage(self, _("'%s' is not an account ID"), argv[optind]);
	return CLI_OK;
}

/* Loads account id from st. Returns CLI_OK and *out, or CLI_FAIL after saying why not. */
static int
load_account(struct store *st, int64_t id, struct account_row **out)
{
	struct err e;
	int rc;

	err_clear(&e);
	rc = store_account_get(st, id, out, &e);
	if (rc < 0)
		return cli_fail(&e);
	if (rc == 1) {
		cli_msg(_("no account #%lld"), (long long)id);
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int
sub_show(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int json = 0, rc;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 }, CLI_COMMON_OPTIONS, { 0 },
	};
	struct account_row *r = NULL;
	struct store *st;
	int64_t id;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE ||
	    (rc = one_id(self, argc, argv, &id)) != CLI_OK ||
	    (rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	rc = load_account(st, id, &r);
	store_close(st);
	if (rc != CLI_OK)
		return rc;
	/* The JSON is built only when asked for. */
	if (json) {
		cli_print_json(account_json(r, NULL));
	} else {
		printf(_("Account #%lld\n"), (long long)r->id);
		printf("  %-10s %s\n", _("Server:"), safetext(r->ca_url));
		printf("  %-10s %s\n", _("URL:"), r->url != NULL ? safetext(r->url) : "-");
		printf("  %-10s %s\n", _("Status:"), safetext(r->status));
		printf("  %-10s %s\n", _("Key:"), r->key_type != NULL ? safetext(r->key_type) : "-");
		printf("  %-10s %s\n", _("Contacts:"), r->contacts_json != NULL ?
		    safetext(r->contacts_json) : "[]");
	}
	account_row_free(r);
	return CLI_OK;
}

/*
 * update / deactivate / rollover share their shape: options, one ID, one
 * call; argv[0] names the action.
 */
static int
sub_action(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "email", required_argument, NULL, 'm' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "no-wait", no_argument, NULL, 'W' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct contacts c = { 0 };
	const char *key_type = NULL;
	struct store *st = NULL;
	int opt, rc, r, no_wait = 0;
	int64_t id, result;
	struct account_row *row = NULL;
	const char *action = argv[0];
	struct err e;

	err_clear(&e);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'm') {
			if (contacts_add(&c, optarg) != 0) {
				err_nomem(&e);
				rc = cli_fail(&e);
				goto out;
			}
			continue;
		}
		if (opt == 'k') {
			key_type = optarg;
			continue;
		}
		if (opt == 'W') {
			no_wait = 1;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			goto out;
	}
	if ((rc = one_id(self, argc, argv, &id)) != CLI_OK)
		goto out;
	if (strcmp(action, "update") == 0 && c.n == 0) {
		rc = cli_usage(self, "%s", _("update needs at least one --email"));
		goto out;
	}
	if ((rc = contacts_finish(self, &c)) != CLI_OK)
		goto out;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		goto out;
	rc = load_account(st, id, &row);
	account_row_free(row);
	if (rc != CLI_OK)
		goto out;
	if (strcmp(action, "update") == 0) {
		r = account_update_contacts(st, id, (const char *const *)c.uris, c.n, &e);
		rc = r == 0 ? CLI_OK : cli_fail(&e);
	} else if (strcmp(action, "deactivate") == 0) {
		rc = cli_job_submit(cli, st, JOB_ACCOUNT_DEACTIVATE, id, NULL, no_wait, &result);
	} else {
		cJSON *p = cJSON_CreateObject();
		char *text;

		if (key_type != NULL)
			cJSON_AddStringToObject(p, "key_type", key_type);
		text = cJSON_PrintUnformatted(p);
		cJSON_Delete(p);
		rc = cli_job_submit(cli, st, JOB_ACCOUNT_ROLLOVER, id, text, no_wait, &result);
		free(text);
	}
	if (rc == CLI_OK && !no_wait)
		fprintf(stderr, _("Account #%lld: %s done.\n"), (long long)id, action);
out:
	store_close(st);
	contacts_free(&c);
	return rc;
}

static const struct cmd_entry verb_new = { .name = "new", .exec = sub_new };
static const struct cmd_entry verb_recover = { .name = "recover", .exec = sub_recover };
static const struct cmd_entry verb_list = { .name = "list", .exec = sub_list };
static const struct cmd_entry verb_show = { .name = "show", .exec = sub_show };
static const struct cmd_entry verb_update = { .name = "update", .exec = sub_action };
static const struct cmd_entry verb_deactivate = { .name = "deactivate", .exec = sub_action };
static const struct cmd_entry verb_rollover = { .name = "rollover", .exec = sub_action };

static const struct cmd_entry *const verbs[] = {
	&verb_new, &verb_recover, &verb_list, &verb_show, &verb_update, &verb_deactivate,
	&verb_rollover, NULL,
};

static const struct cmd_table account_verbs = {
	.unknown = N_("unknown account command '%s'"),
	.entries = verbs,
};

const struct cmd_entry cmd_account_entry = {
	.name = "account",
	.args = "new|recover|list|show|update|deactivate|rollover ...",
	.summary = N_("manage ACME accounts"),
	.options = N_("  account new --server URL|NAME --email ADDR --agree-tos [--ca-bundle FILE]\n"
	    "              [--key-type ec256|ec384|rsa2048|rsa3072|rsa4096]\n"
	    "              [--eab-kid KID --eab-hmac-key-file FILE|-] [--allow-origin URL...]\n"
	    "      FILE (- for standard input) holds the CA's EAB HMAC key; the older\n"
	    "      --eab-hmac-key KEY still works but shows the key in the process list.\n"
	    "      NAME is a preset ('certdeck ca list') or a [ca NAME] of the config\n"
	    "      file, which may give the CA bundle and EAB (eab-hmac-key-file).\n"
	    "      --server, --ca-bundle and --email default to the config file.\n"
	    "      Prints the new account's ID. Every URL the CA hands out must be\n"
	    "      https on the directory's origin; --allow-origin URL allows one\n"
	    "      more origin for this CA (for a CA that splits its hosts).\n"
	    "  account recover --server URL|NAME --key FILE [--ca-bundle FILE]\n"
	    "      Finds the account of an existing account key (made by another\n"
	    "      client) and stores it. Prints its ID.\n"
	    "  account list [--json]\n"
	    "  account show ID [--json]\n"
	    "  account update ID --email ADDR [--email ADDR...]\n"
	    "  account deactivate ID [--no-wait]\n"
	    "  account rollover ID [--key-type TYPE] [--no-wait]   replace the account key\n"),
	.verbs = &account_verbs,
};
