#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "strfmt.h"
#include "ca_preset.h"
#include "crypto.h"
#include "i18n.h"
#include "import_lego.h"
#include "strv.h"

#define LEGO_MAX_FILE (1024 * 1024)


/* "https://host:port/path" as lego names its folder: "host_port". Returns text to free(), or NULL. */
static char *
lego_server_dir(const char *url)
{
	const char *h, *end;
	char *d, *c;

	if (url == NULL || (h = strstr(url, "://")) == NULL)
		return NULL;
	h += 3;
	end = h + strcspn(h, "/?#");
	if ((d = strndup(h, (size_t)(end - h))) == NULL)
		return NULL;
	for (c = d; *c != '\0'; c++)
		if (*c == ':')
			*c = '_';
	return d;
}

/* The directory URL for lego's folder name dir: --server's, or a preset's; NULL if unknown. */
static char *
server_for(const char *dir, const struct import_opts *o)
{
	const struct ca_preset *pr;
	char *d;
	size_t i;
	int match;

	if (o != NULL && o->server_url != NULL) {
		d = lego_server_dir(o->server_url);
		match = d != NULL && strcmp(d, dir) == 0;
		free(d);
		if (match)
			return strdup(o->server_url);
	}
	for (i = 0; (pr = ca_preset_at(i)) != NULL; i++) {
		d = lego_server_dir(pr->url);
		match = d != NULL && strcmp(d, dir) == 0;
		free(d);
		if (match)
			return strdup(pr->url);
	}
	return NULL;
}

/* Reads accounts/SERVER/EMAIL into p. Problems become lines of p; returns 0 or -1 (memory). */
static int
read_account(const char *root, const char *server_dir, const char *email,
    const struct import_opts *o, struct import_plan *p, struct err *e)
{
	char *rel = NULL, *text = NULL, *pem = NULL, *server = NULL;
	size_t len = 0;
	cJSON *acct = NULL;
	const cJSON *reg, *uri, *contact;
	enum key_type kt;
	struct import_account *a;
	struct err why;
	int rc = -1, r;

	err_clear(&why);
	if (str_printf(&rel, "accounts/%s/%s/account.json", server_dir, email) < 0)
		return err_nomem(e);
	if ((r = import_read_inside(root, rel, LEGO_MAX_FILE, &text, &len, &why)) != 0) {
		if (r == 1) {
			rc = 0;		/* not an account folder */
			goto out;
		}
		goto problem;
	}
	acct = cJSON_Parse(text);
	reg = cJSON_GetObjectItemCaseSensitive(acct, "registration");
	uri = cJSON_GetObjectItemCaseSensitive(reg, "uri");
	if (!cJSON_IsString(uri) || strncmp(uri->valuestring, "https://", 8) != 0) {
		err_set(&why, ERR_INPUT, _("%s: no account URL (registration.uri)"), rel);
		goto problem;
	}
	free(rel);
	if (str_printf(&rel, "accounts/%s/%s/keys/%s.key", server_dir, email, email) < 0) {
		rel = NULL;
		err_nomem(e);
		goto out;
	}
	if (import_account_key(root, rel, LEGO_MAX_FILE, &pem, &kt, &why) != 0)
		goto problem;
	if ((server = server_for(server_dir, o)) == NULL) {
		err_set(&why, ERR_USAGE, _("lego keeps only the CA's host (%s), not its directory "
		    "URL: give it with --server URL"), server_dir);
		goto problem;
	}
	if ((a = import_plan_add_account(p)) == NULL) {
		err_nomem(e);
		goto out;
	}
	a->ref = strdup(email);
	a->server_url = server;
	server = NULL;
	a->url = strdup(uri->valuestring);
	a->key_pem = pem;
	pem = NULL;
	a->key_type = strdup(crypto_key_type_name(kt));
	contact = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reg, "body"),
	    "contact");
	if (cJSON_IsArray(contact))
		a->contacts_json = cJSON_PrintUnformatted(contact);
	if (a->ref == NULL || a->url == NULL || a->key_type == NULL) {
		err_nomem(e);
		goto out;
	}
	rc = 0;
	goto out;
problem:
	rc = import_plan_problem(p, _("account %s: %s"), email, why.msg) == 0 ? 0 : err_nomem(e);
out:
	free(text);
	if (pem != NULL)
		import_wipe_free(pem, strlen(pem));
	free(server);
	cJSON_Delete(acct);
	free(rel);
	return rc;
}

static int
read_accounts(const char *root, const struct import_opts *o, struct import_plan *p,
    struct err *e)
{
	char **servers = NULL, **emails = NULL, *rel = NULL;
	size_t ns = 0, ne = 0, i, j;
	int rc = 0, r;

	r = import_list_dir(root, "accounts", &servers, &ns, e);
	if (r != 0)
		return r == 1 ? 0 : -1;
	for (i = 0; i < ns && rc == 0; i++) {
		struct err why;

		err_clear(&why);
		if (str_printf(&rel, "accounts/%s", servers[i]) < 0) {
			rc = err_nomem(e);
			break;
		}
		r = import_list_dir(root, rel, &emails, &ne, &why);
		free(rel);
		rel = NULL;
		if (r == -1 && import_plan_problem(p, "%s", why.msg) != 0)
			rc = err_nomem(e);
		for (j = 0; j < ne && rc == 0; j++)
			rc = read_account(root, servers[i], emails[j], o, p, e);
		strv_free(emails, ne);
		emails = NULL;
		ne = 0;
	}
	strv_free(servers, ns);
	return rc;
}

/* The lineage's settings: lego keeps none, so http-01 on port 80 and the key's type. */
static int
default_settings(struct import_lineage *l, const struct import_plan *p)
{
	const struct import_version *cur = &l->versions[l->n_versions - 1];
	enum key_type kt;

	l->settings.challenge = strdup("http-01");
	l->settings.http_port = 80;
	l->settings.tls_port = 443;
	l->settings.dns_timeout = 120;
	l->mappable = 1;
	if (cur->key_type != NULL && crypto_key_type_parse(cur->key_type, &kt, NULL) == 0) {
		l->settings.key_type = strdup(cur->key_type);
	} else {
		l->settings.key_type = strdup("ec256");
		import_lineage_note(l, _("key type %s is not one certdeck makes"),
		    cur->key_type != NULL ? cur->key_type : "?");
		l->mappable = 0;
	}
	if (l->settings.challenge == NULL || l->settings.key_type == NULL)
		return -1;
	import_lineage_note(l, "%s", _("lego keeps no challenge settings (they are on its "
	    "command line): certdeck renews by http-01 as --http-addr, --http-port and "
	    "--webroot say (port 80 without them)"));
	/* lego does not record which account a certificate belongs to: the only one. */
	if (p->n_accounts == 1) {
		l->account_ref = strdup(p->accounts[0].ref);
		l->server_url = strdup(p->accounts[0].server_url);
		if (l->account_ref == NULL || l->server_url == NULL)
			return -1;
	} else {
		import_lineage_note(l, p->n_accounts == 0 ? _("no lego account was imported") :
		    _("lego has several accounts and does not record which one this is"));
		l->mappable = 0;
	}
	return 0;
}

/* Reads certificates/BASE.{crt,issuer.crt,key} into a lineage of p. */
static int
read_certificate(const char *root, const char *base, struct import_plan *p, struct err *e)
{
	char *crt = NULL, *issuer = NULL, *key = NULL, *chain = NULL, *name = NULL;
	char *rel = NULL, *rel_i = NULL, *rel_k = NULL, *c;
	const char *b;
	size_t clen = 0, ilen = 0, klen = 0;
	struct import_lineage *l;
	struct import_version *v;
	struct err why;
	int rc = -1, r;

	err_clear(&why);
	if (str_printf(&rel, "certificates/%s.crt", base) < 0 ||
	    str_printf(&rel_i, "certificates/%s.issuer.crt", base) < 0 ||
	    str_printf(&rel_k, "certificates/%s.key", base) < 0 || (name = strdup(base)) == NULL)
		goto nomem;
	/* lego writes "*.example.com" as "_.example.com". */
	if (strncmp(name, "_.", 2) == 0)
		name[0] = '*';
	if (import_read_inside(root, rel, LEGO_MAX_FILE, &crt, &clen, &why) != 0)
		goto problem;
	r = import_read_inside(root, rel_k, LEGO_MAX_FILE, &key, &klen, &why);
	if (r == -1)
		goto problem;
	/* A certificate without its issuer (lego --no-bundle): append NAME.issuer.crt. */
	chain = crt;
	b = strstr(crt, "-----BEGIN CERTIFICATE-----");
	if (b != NULL && strstr(b + 1, "-----BEGIN CERTIFICATE-----") == NULL &&
	    import_read_inside(root, rel_i, LEGO_MAX_FILE, &issuer, &ilen, &why) == 0) {
		if (str_printf(&c, "%s%s%s", crt, crt[clen - 1] == '\n' ? "" : "\n", issuer) < 0)
			goto nomem;
		chain = c;
	}
	if ((l = import_plan_add_lineage(p, name)) == NULL || (v = import_lineage_add_version(l)) ==
	    NULL)
		goto nomem;
	if (import_version_load(v, rel, chain, strlen(chain), r == 0 ? key : NULL, klen,
	    l->source, &why) != 0) {
		import_plan_drop_lineage(p);
		goto problem;
	}
	if (v->key_pem == NULL)
		import_lineage_note(l, _("%s not found: certdeck can renew it, but not deploy "
		    "the current certificate with its key"), rel_k);
	if (default_settings(l, p) != 0)
		goto nomem;
	rc = 0;
	goto out;
problem:
	rc = import_plan_problem(p, _("%s: %s"), base, why.msg) == 0 ? 0 : err_nomem(e);
	goto out;
nomem:
	rc = err_nomem(e);
out:
	if (chain != crt)
		free(chain);
	free(crt);
	free(issuer);
	import_wipe_free(key, klen);
	free(name);
	free(rel);
	free(rel_i);
	free(rel_k);
	return rc;
}

int
import_lego_read(const char *dir, const struct import_opts *o, struct import_plan **out,
    struct err *e)
{
	struct import_plan *p = NULL;
	char root[PATH_MAX], **names = NULL;
	size_t n = 0, i, sl;
	struct stat sb;
	int rc = -1, r;

	*out = NULL;
	if (realpath(dir, root) == NULL || stat(root, &sb) != 0)
		return err_set(e, ERR_IO, _("%s: %s"), dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, ERR_INPUT, _("%s: not a directory"), dir);
	if ((p = import_plan_new("lego", dir)) == NULL)
		return err_nomem(e);
	r = import_list_dir(root, "certificates", &names, &n, e);
	if (r == -1)
		goto out;
	if (r == 1) {
		err_set(e, ERR_INPUT, _("%s: not a lego directory (it has no certificates/)"), dir);
		goto out;
	}
	/* Accounts first: a certificate takes the only account of the directory. */
	if (read_accounts(root, o, p, e) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		sl = strlen(names[i]);
		if (sl <= 4 || strcmp(names[i] + sl - 4, ".crt") != 0 ||
		    (sl > 11 && strcmp(names[i] + sl - 11, ".issuer.crt") == 0))
			continue;
		names[i][sl - 4] = '\0';
		if (read_certificate(root, names[i], p, e) != 0)
			goto out;
	}
	*out = p;
	p = NULL;
	rc = 0;
out:
	strv_free(names, n);
	import_plan_free(p);
	return rc;
}
