/*
 * certdeck import --from CLIENT [DIR]: takes over another ACME client's
 * certificates, history and accounts (the readers are src/import_*.c;
 * this file parses options and reports). cmd_import.c hands over to it
 * when --from is given.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strfmt.h"
#include "cli.h"
#include "cmd_import_client.h"
#include "fileio.h"
#include "i18n.h"
#include "import_acmesh.h"
#include "import_certbot.h"
#include "import_lego.h"
#include "import_plan.h"
#include "safetext.h"
#include "timefmt.h"

#define CA_BUNDLE_MAX (1024 * 1024)

struct client {
	const char *name;
	const char *default_dir;
	int (*read)(const char *dir, const struct import_opts *o, struct import_plan **out,
	    struct err *e);
	/* How to stop the other client from renewing too (translated at use). */
	const char *stop_hint;
};

static const struct client clients[] = {
	{ "certbot", "/etc/letsencrypt", import_certbot_read,
	    N_("certbot still renews these itself: switch its timer off with\n"
	    "  systemctl disable --now certbot.timer\n"
	    "(or remove the certbot line from /etc/cron.d/certbot where cron runs it).\n"
	    "certdeck did not change any of certbot's files, and does not write its live/\n"
	    "files: point your servers at files certdeck installs\n"
	    "(certdeck deploy add ID --fullchain FILE --key FILE --reload-cmd ...).\n") },
	{ "lego", ".lego", import_lego_read,
	    N_("lego renews only when something runs \"lego renew\": remove that cron job or\n"
	    "systemd timer (crontab -l; systemctl list-timers).\n"
	    "certdeck did not change any of lego's files.\n") },
	{ "acme.sh", "~/.acme.sh", import_acmesh_read,
	    N_("acme.sh still renews these from its cron job: remove it with\n"
	    "  acme.sh --uninstall-cronjob\n"
	    "(or delete the \"acme.sh --cron\" line from crontab -e).\n"
	    "certdeck did not change any of acme.sh's files.\n") },
};

static const struct client *
client_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(clients) / sizeof(clients[0]); i++)
		if (strcmp(clients[i].name, name) == 0)
			return &clients[i];
	return NULL;
}

static cJSON *
settings_json(const struct issue_settings *s)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "challenge", s->challenge != NULL ? s->challenge : "http-01");
	if (s->webroot != NULL)
		cJSON_AddStringToObject(o, "webroot", s->webroot);
	else if (s->challenge != NULL && strcmp(s->challenge, "tls-alpn-01") == 0)
		cJSON_AddNumberToObject(o, "tls_port", s->tls_port);
	else
		cJSON_AddNumberToObject(o, "http_port", s->http_port);
	if (s->tls_addr != NULL)
		cJSON_AddStringToObject(o, "tls_addr", s->tls_addr);
	if (s->http_addr != NULL)
		cJSON_AddStringToObject(o, "http_addr", s->http_addr);
	if (s->key_type != NULL)
		cJSON_AddStringToObject(o, "key_type", s->key_type);
	if (s->preferred_chain != NULL)
		cJSON_AddStringToObject(o, "preferred_chain", s->preferred_chain);
	return o;
}

static cJSON *
deploy_json(const struct deploy_target *t)
{
	cJSON *o, *a;
	size_t i;

	if (t == NULL)
		return cJSON_CreateNull();
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (t->cert_path != NULL)
		cJSON_AddStringToObject(o, "cert", t->cert_path);
	if (t->chain_path != NULL)
		cJSON_AddStringToObject(o, "chain", t->chain_path);
	if (t->fullchain_path != NULL)
		cJSON_AddStringToObject(o, "fullchain", t->fullchain_path);
	if (t->key_path != NULL)
		cJSON_AddStringToObject(o, "key", t->key_path);
	if (t->reload_argv != NULL && (a = cJSON_AddArrayToObject(o, "reload")) != NULL)
		for (i = 0; t->reload_argv[i] != NULL; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(t->reload_argv[i]));
	return o;
}

static cJSON *
strv_json(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static void
add_id(cJSON *o, const char *name, int64_t id)
{
	if (id > 0)
		cJSON_AddNumberToObject(o, name, (double)id);
	else
		cJSON_AddNullToObject(o, name);
}

static cJSON *
plan_json(const struct import_plan *p, int dry_run, int adopt)
{
	cJSON *o = cJSON_CreateObject(), *accts, *lins;
	char date[32];
	size_t i, j;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "from", p->source);
	cJSON_AddStringToObject(o, "dir", p->dir);
	cJSON_AddBoolToObject(o, "dry_run", dry_run);
	cJSON_AddBoolToObject(o, "adopt", adopt);
	accts = cJSON_AddArrayToObject(o, "accounts");
	for (i = 0; accts != NULL && i < p->n_accounts; i++) {
		const struct import_account *a = &p->accounts[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddItemToArray(accts, x);
		cJSON_AddStringToObject(x, "ref", a->ref);
		cJSON_AddStringToObject(x, "server", a->server_url);
		cJSON_AddStringToObject(x, "url", a->url);
		cJSON_AddStringToObject(x, "key_type", a->key_type);
		add_id(x, "id", a->id);
		cJSON_AddBoolToObject(x, "existed", a->existed);
	}
	lins = cJSON_AddArrayToObject(o, "lineages");
	for (i = 0; lins != NULL && i < p->n_lineages; i++) {
		const struct import_lineage *l = &p->lineages[i];
		cJSON *x = cJSON_CreateObject(), *vs;

		cJSON_AddItemToArray(lins, x);
		cJSON_AddStringToObject(x, "name", l->name);
		cJSON_AddStringToObject(x, "source", l->source);
		if (l->server_url != NULL)
			cJSON_AddStringToObject(x, "server", l->server_url);
		if (l->account_ref != NULL)
			cJSON_AddStringToObject(x, "account", l->account_ref);
		add_id(x, "account_id", l->account_id);
		cJSON_AddBoolToObject(x, "mappable", l->mappable);
		cJSON_AddItemToObject(x, "settings", settings_json(&l->settings));
		cJSON_AddItemToObject(x, "deploy", deploy_json(l->deploy));
		cJSON_AddBoolToObject(x, "adopted", l->adopted);
		add_id(x, "order_id", l->order_id);
		cJSON_AddItemToObject(x, "notes", strv_json(l->notes, l->n_notes));
		vs = cJSON_AddArrayToObject(x, "versions");
		for (j = 0; vs != NULL && j < l->n_versions; j++) {
			const struct import_version *v = &l->versions[j];
			cJSON *y = cJSON_CreateObject();

			cJSON_AddItemToArray(vs, y);
			if (v->number > 0)
				cJSON_AddNumberToObject(y, "number", v->number);
			cJSON_AddStringToObject(y, "file", v->label);
			cJSON_AddBoolToObject(y, "current", j + 1 == l->n_versions);
			cJSON_AddStringToObject(y, "fingerprint", v->row->fingerprint);
			cJSON_AddStringToObject(y, "serial", v->row->serial);
			timefmt_utc(v->row->not_after, 0, date, sizeof(date));
			cJSON_AddStringToObject(y, "not_after", date);
			cJSON_AddBoolToObject(y, "with_key", v->key_pem != NULL);
			add_id(y, "id", v->id);
			cJSON_AddBoolToObject(y, "existed", v->existed);
		}
	}
	cJSON_AddItemToObject(o, "problems", strv_json(p->problems, p->n_problems));
	return o;
}

static void
settings_text(const struct issue_settings *s, const char *server)
{
	if (s->challenge != NULL && strcmp(s->challenge, "tls-alpn-01") == 0)
		/* TRANSLATORS: port, key type, CA directory URL. */
		printf(_("  renews by tls-alpn-01 on port %d, key %s, at %s\n"), s->tls_port,
		    safetext(s->key_type), safetext(server));
	else if (s->webroot != NULL)
		/* TRANSLATORS: webroot path, key type, CA directory URL. */
		printf(_("  renews by http-01 in webroot %s, key %s, at %s\n"),
		    safetext(s->webroot), safetext(s->key_type), safetext(server));
	else
		/* TRANSLATORS: port, key type, CA directory URL. */
		printf(_("  renews by http-01 on port %d, key %s, at %s\n"), s->http_port,
		    safetext(s->key_type), safetext(server));
}

static void
plan_text(const struct import_plan *p, int dry_run, int adopt)
{
	char date[32];
	size_t i, j;

	for (i = 0; i < p->n_accounts; i++) {
		const struct import_account *a = &p->accounts[i];

		if (dry_run && !a->existed)
			printf(_("Account %s at %s: would import %s (%s key)\n"), safetext(a->ref),
			    safetext(a->server_url), safetext(a->url), safetext(a->key_type));
		else if (a->existed)
			printf(_("Account %s at %s: already stored as account #%lld\n"),
			    safetext(a->ref), safetext(a->server_url), (long long)a->id);
		else
			printf(_("Account %s at %s: imported as account #%lld (%s)\n"),
			    safetext(a->ref), safetext(a->server_url), (long long)a->id,
			    safetext(a->url));
	}
	for (i = 0; i < p->n_lineages; i++) {
		const struct import_lineage *l = &p->lineages[i];

		/* TRANSLATORS: name, source client, number of certificates. */
		printf(_("%s (from %s): %zu certificate(s)\n"), safetext(l->name), l->source,
		    l->n_versions);
		for (j = 0; j < l->n_versions; j++) {
			const struct import_version *v = &l->versions[j];
			const char *what = j + 1 == l->n_versions ? _("current") : _("history");

			timefmt_utc(v->row->not_after, 0, date, sizeof(date));
			if (dry_run && !v->existed)
				printf(_("  %s %s: would import, expires %s%s\n"), what,
				    safetext(v->label), date, v->key_pem != NULL ?
				    _(" (with its key)") : "");
			else
				printf(_("  %s %s: %s #%lld, expires %s%s\n"), what,
				    safetext(v->label), v->existed ? _("already stored as") :
				    _("imported as"), (long long)v->id, date,
				    v->key_pem != NULL ? _(" (with its key)") : "");
		}
		settings_text(&l->settings, l->server_url != NULL ? l->server_url : "-");
		if (l->deploy != NULL) {
			const struct deploy_target *t = l->deploy;
			const char *paths[4] = { t->cert_path, t->chain_path, t->fullchain_path,
			    t->key_path };

			printf("%s", _("  installs to:"));
			for (j = 0; j < 4; j++)
				if (paths[j] != NULL)
					printf(" %s", safetext(paths[j]));
			printf("\n");
			if (t->reload_argv != NULL) {
				printf("%s", _("  then runs:"));
				for (j = 0; t->reload_argv[j] != NULL; j++)
					printf(" %s", safetext(t->reload_argv[j]));
				printf("\n");
			}
		}
		for (j = 0; j < l->n_notes; j++)
			printf(_("  note: %s\n"), safetext(l->notes[j]));
		if (adopt && !dry_run)
			printf(l->adopted ? _("  adopted: certdeck renews it from now on "
			    "(order #%lld)\n") : _("  not adopted: certdeck cannot renew it as "
			    "it was renewed (see above)\n"), (long long)l->order_id);
		else if (adopt && l->adopted)
			printf(_("  adopted already (order #%lld)\n"), (long long)l->order_id);
		else if (adopt)
			printf("%s", l->mappable && l->account_ref != NULL ?
			    _("  would be adopted: certdeck would renew it\n") :
			    _("  would not be adopted (see above)\n"));
	}
	for (i = 0; i < p->n_problems; i++)
		printf(_("Not imported: %s\n"), safetext(p->problems[i]));
}

int
cmd_import_client(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	enum { OPT_CA_BUNDLE = 0x200, OPT_SERVER, OPT_HTTP_ADDR, OPT_HTTP_PORT, OPT_WEBROOT };
	static int dry_run, adopt, json;
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, &dry_run, 1 },
		{ "adopt", no_argument, &adopt, 1 },
		{ "json", no_argument, &json, 1 },
		{ "ca-bundle", required_argument, NULL, OPT_CA_BUNDLE },
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "http-addr", required_argument, NULL, OPT_HTTP_ADDR },
		{ "http-port", required_argument, NULL, OPT_HTTP_PORT },
		{ "webroot", required_argument, NULL, OPT_WEBROOT },
		CLI_COMMON_OPTIONS, { 0 },
	};
	const struct client *c = NULL;
	const char *from = NULL, *bundle_path = NULL, *dir, *http_addr = NULL, *webroot = NULL;
	struct import_opts io = { 0 };
	int http_port = 0;
	struct import_plan *plan = NULL;
	struct store *st = NULL;
	char *bundle = NULL, *home_dir = NULL;
	size_t blen = 0, i, adopted = 0;
	struct err e;
	int opt, rc;

	dry_run = adopt = json = 0;
	while ((opt = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (opt == 0)
			continue;
		if (opt == 'f') {
			from = optarg;
			continue;
		}
		if (opt == OPT_CA_BUNDLE) {
			bundle_path = optarg;
			continue;
		}
		if (opt == OPT_SERVER) {
			io.server_url = optarg;
			continue;
		}
		if (opt == OPT_HTTP_ADDR) {
			http_addr = optarg;
			continue;
		}
		if (opt == OPT_HTTP_PORT) {
			if (cli_parse_count(optarg, 65535, &http_port) != 0 || http_port < 1)
				return cli_usage(self, _("--http-port takes a port, not %s"), optarg);
			continue;
		}
		if (opt == OPT_WEBROOT) {
			webroot = optarg;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if (from == NULL || (c = client_find(from)) == NULL)
		return cli_usage(self, _("--from takes certbot, lego or acme.sh, not %s"), from != NULL ? from : "");
	if (argc - optind > 1)
		return cli_usage(self, "%s", _("--from takes one directory"));
	err_clear(&e);
	dir = optind < argc ? argv[optind] : c->default_dir;
	if (strncmp(dir, "~/", 2) == 0) {
		const char *home = getenv("HOME");

		if (home == NULL || *home == '\0')
			return cli_usage(self, "%s", _("HOME is not set: give the directory"));
		if (str_printf(&home_dir, "%s/%s", home, dir + 2) < 0) {
			err_nomem(&e);
			return cli_fail(&e);
		}
		dir = home_dir;
	}
	rc = CLI_FAIL;
	if (bundle_path != NULL && fileio_read(bundle_path, CA_BUNDLE_MAX, &bundle, &blen, &e) != 0) {
		cli_fail(&e);
		goto out;
	}
	if (c->read(dir, &io, &plan, &e) != 0) {
		cli_fail(&e);
		goto out;
	}
	if ((http_addr != NULL || http_port > 0 || webroot != NULL) &&
	    import_plan_set_http(plan, http_addr, http_port, webroot) != 0) {
		err_nomem(&e);
		cli_fail(&e);
		goto out;
	}
	if (dry_run) {
		/* Say what is stored already, if there is a store; create none. */
		char *path = store_default_path(cli->store_flag, &e);

		if (path != NULL && access(path, F_OK) == 0 &&
		    store_open(path, STORE_READONLY, &st, &e) == 0 &&
		    import_plan_check(st, plan, &e) != 0) {
			free(path);
			cli_fail(&e);
			goto out;
		}
		free(path);
		err_clear(&e);
	} else {
		if (cli_open_store(cli, STORE_CREATE, &st) != CLI_OK)
			goto out;
		if (import_plan_apply(st, plan, adopt, bundle, &e) != 0) {
			cli_fail(&e);
			cli_msg("%s", _("nothing was imported"));
			goto out;
		}
	}
	for (i = 0; i < plan->n_lineages; i++)
		adopted += plan->lineages[i].adopted;
	if (json)
		cli_print_json(plan_json(plan, dry_run, adopt));
	else
		plan_text(plan, dry_run, adopt);
	if (adopt && adopted > 0)
		/* On stderr with --json, so the JSON stays one document. */
		fprintf(json ? stderr : stdout, "%s", _(c->stop_hint));
	rc = CLI_OK;
out:
	free(bundle);
	free(home_dir);
	import_plan_free(plan);
	store_close(st);
	return rc;
}
