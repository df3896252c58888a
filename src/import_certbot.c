#include "config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "strfmt.h"
#include "crypto.h"
#include "i18n.h"
#include "import_certbot.h"
#include "strv.h"

#define CERTBOT_MAX_FILE (1024 * 1024)
#define ACCOUNT_DEPTH 6		/* accounts/HOST[:PORT]/PATH.../ID */

/* ---- renewal/NAME.conf (configobj: key = value, [section], [[subsection]]) ---- */

struct conf_kv {
	char *section;		/* "" at the top, "renewalparams", "webroot_map" */
	char *key;
	char *value;
};

struct conf {
	struct conf_kv *kv;
	size_t n;
};

static void
conf_clear(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->kv[i].section);
		free(c->kv[i].key);
		free(c->kv[i].value);
	}
	free(c->kv);
	c->kv = NULL;
	c->n = 0;
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	/* configobj quotes values that hold separators. */
	if (end - s >= 2 && (*s == '"' || *s == '\'') && end[-1] == *s) {
		end[-1] = '\0';
		s++;
	}
	return s;
}

/* Parses text into c. Returns 0 or -1 (out of memory). */
static int
conf_parse(char *text, struct conf *c)
{
	char *line, *save = NULL, *eq, *section = NULL;
	int rc = 0;

	if ((section = strdup("")) == NULL)
		return -1;
	for (line = strtok_r(text, "\n", &save); line != NULL && rc == 0;
	    line = strtok_r(NULL, "\n", &save)) {
		char *l = trim(line);
		struct conf_kv *g;

		if (*l == '#' || *l == '\0')
			continue;
		if (*l == '[') {
			l += strspn(l, "[");
			l[strcspn(l, "]")] = '\0';
			free(section);
			if ((section = strdup(trim(l))) == NULL)
				rc = -1;
			continue;
		}
		if ((eq = strchr(l, '=')) == NULL)
			continue;
		*eq = '\0';
		if ((g = realloc(c->kv, (c->n + 1) * sizeof(*g))) == NULL) {
			rc = -1;
			break;
		}
		c->kv = g;
		g = &c->kv[c->n];
		g->section = strdup(section);
		g->key = strdup(trim(l));
		g->value = strdup(trim(eq + 1));
		c->n++;
		if (g->section == NULL || g->key == NULL || g->value == NULL)
			rc = -1;
	}
	free(section);
	return rc;
}

/* The value of key in section, or NULL. Borrowed. */
static const char *
conf_get(const struct conf *c, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->kv[i].section, section) == 0 && strcmp(c->kv[i].key, key) == 0)
			return c->kv[i].value;
	return NULL;
}

/* ---- settings ---- */

static int
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? strdup(s) : NULL;
	return s != NULL && *dst == NULL ? -1 : 0;
}

/* The key type certbot renews with, in certdeck's names; NULL (and a note) if it has none. */
static const char *
map_key_type(const struct conf *c, const char *current, struct import_lineage *l)
{
	const char *kt = conf_get(c, "renewalparams", "key_type");
	const char *bits = conf_get(c, "renewalparams", "rsa_key_size");
	const char *curve = conf_get(c, "renewalparams", "elliptic_curve");

	if (kt == NULL)
		/* Before certbot 2.0 the key type was not written: keep the current key's. */
		return current != NULL ? current : "rsa2048";
	if (strcmp(kt, "rsa") == 0) {
		if (bits == NULL || strcmp(bits, "2048") == 0)
			return "rsa2048";
		if (strcmp(bits, "3072") == 0)
			return "rsa3072";
		if (strcmp(bits, "4096") == 0)
			return "rsa4096";
		import_lineage_note(l, _("RSA keys of %s bits: certdeck makes 2048, 3072 or 4096"),
		    bits);
		return NULL;
	}
	if (strcmp(kt, "ecdsa") == 0) {
		if (curve == NULL || strcmp(curve, "secp256r1") == 0)
			return "ec256";
		if (strcmp(curve, "secp384r1") == 0)
			return "ec384";
		import_lineage_note(l, _("elliptic curve %s: certdeck makes P-256 or P-384 keys"),
		    curve);
		return NULL;
	}
	import_lineage_note(l, _("key type %s is not one certdeck makes"), kt);
	return NULL;
}

/* The webroot of every name of the lineage, when they all share one. */
static int
map_webroot(const struct conf *c, struct import_lineage *l, const struct cert_row *row)
{
	const char *root = NULL, *w;
	size_t i;

	for (i = 0; i < row->n_sans; i++) {
		w = conf_get(c, "webroot_map", row->sans[i]);
		if (w == NULL) {
			import_lineage_note(l, _("webroot authenticator without a webroot for %s"),
			    row->sans[i]);
			return 0;
		}
		if (root != NULL && strcmp(root, w) != 0) {
			import_lineage_note(l, _("its names use different webroots (%s, %s): "
			    "certdeck uses one webroot per certificate"), root, w);
			return 0;
		}
		root = w;
	}
	if (root == NULL) {
		import_lineage_note(l, "%s", _("webroot authenticator without a webroot"));
		return 0;
	}
	return set_str(&l->settings.webroot, root) == 0 ? 1 : -1;
}

/*
 * Maps renewal/NAME.conf onto certdeck's settings. Sets l->mappable when
 * everything that matters for renewal was carried over. Returns 0 or -1.
 */
static int
map_settings(const struct conf *c, struct import_lineage *l, const struct import_version *cur)
{
	static const char *const hooks[] = { "pre_hook", "post_hook", "renew_hook",
	    "deploy_hook" };
	const char *auth = conf_get(c, "renewalparams", "authenticator");
	const char *port = conf_get(c, "renewalparams", "http01_port");
	const char *addr = conf_get(c, "renewalparams", "http01_address");
	const char *inst = conf_get(c, "renewalparams", "installer");
	const char *v, *kt;
	int ok = 1, r;
	size_t i;

	if (set_str(&l->server_url, conf_get(c, "renewalparams", "server")) != 0 ||
	    set_str(&l->account_ref, conf_get(c, "renewalparams", "account")) != 0 ||
	    set_str(&l->settings.challenge, "http-01") != 0)
		return -1;
	l->settings.http_port = 80;
	l->settings.tls_port = 443;
	l->settings.dns_timeout = 120;
	if (auth == NULL || strcmp(auth, "standalone") == 0) {
		if (port != NULL) {
			char *end;
			long p = strtol(port, &end, 10);

			if (*end != '\0' || p < 1 || p > 65535) {
				import_lineage_note(l, _("http01_port %s is not a port"), port);
				ok = 0;
			} else {
				l->settings.http_port = (int)p;
			}
		}
		if (addr != NULL && *addr != '\0' && set_str(&l->settings.http_addr, addr) != 0)
			return -1;
	} else if (strcmp(auth, "webroot") == 0) {
		if ((r = map_webroot(c, l, cur->row)) < 0)
			return -1;
		ok = ok && r;
	} else if (strncmp(auth, "dns-", 4) == 0) {
		import_lineage_note(l, _("authenticator %s (a DNS plugin): certdeck has no such "
		    "plugin; renew it with a dns-01 hook (certdeck issue --challenge dns-01 "
		    "--dns-hook PROGRAM)"), auth);
		ok = 0;
	} else {
		/* manual, nginx, apache and third-party plugins. */
		import_lineage_note(l, _("authenticator %s: certdeck renews by its own http-01 "
		    "responder, a webroot or a dns-01 hook; issue it anew with one of those"),
		    auth);
		ok = 0;
	}
	if (inst != NULL && strcmp(inst, "None") != 0)
		import_lineage_note(l, _("installer %s: certdeck does not edit the web server's "
		    "configuration; add a deploy target with a reload command"), inst);
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if ((v = conf_get(c, "renewalparams", hooks[i])) != NULL)
			import_lineage_note(l, _("%s is not carried over: %s"), hooks[i], v);
	if ((v = conf_get(c, "renewalparams", "reuse_key")) != NULL && strcmp(v, "True") == 0)
		import_lineage_note(l, "%s", _("reuse_key: certdeck renews with a fresh key of "
		    "the same type"));
	if ((v = conf_get(c, "renewalparams", "must_staple")) != NULL && strcmp(v, "True") == 0)
		import_lineage_note(l, "%s", _("must_staple is not carried over"));
	if ((v = conf_get(c, "renewalparams", "preferred_chain")) != NULL &&
	    set_str(&l->settings.preferred_chain, v) != 0)
		return -1;
	kt = map_key_type(c, cur->key_type, l);
	if (kt == NULL)
		ok = 0;
	if (set_str(&l->settings.key_type, kt != NULL ? kt : "ec256") != 0)
		return -1;
	if (l->server_url == NULL) {
		import_lineage_note(l, "%s", _("no server in its renewal configuration"));
		ok = 0;
	}
	l->mappable = ok;
	return 0;
}

/* ---- accounts ---- */

/* Reads accounts/REL (a directory holding regr.json and private_key.json) into p. */
static int
read_account(const char *root, const char *rel, const char *server_path,
    const char *id, struct import_plan *p, struct err *e)
{
	char *path = NULL, *text = NULL, *pem = NULL;
	size_t len = 0;
	cJSON *regr = NULL;
	const cJSON *uri, *body, *contact;
	EVP_PKEY *key = NULL;
	enum key_type kt;
	struct import_account *a;
	struct err why;
	int rc = -1;

	err_clear(&why);
	if (str_printf(&path, "%s/regr.json", rel) < 0)
		return err_nomem(e);
	if (import_read_inside(root, path, CERTBOT_MAX_FILE, &text, &len, &why) != 0)
		goto problem;
	regr = cJSON_Parse(text);
	uri = cJSON_GetObjectItemCaseSensitive(regr, "uri");
	if (!cJSON_IsString(uri) || strncmp(uri->valuestring, "https://", 8) != 0) {
		err_set(&why, ERR_INPUT, _("%s: no account URL (\"uri\")"), path);
		goto problem;
	}
	free(text);
	text = NULL;
	free(path);
	if (str_printf(&path, "%s/private_key.json", rel) < 0) {
		path = NULL;
		err_nomem(e);
		goto out;
	}
	if (import_read_inside(root, path, CERTBOT_MAX_FILE, &text, &len, &why) != 0)
		goto problem;
	if (crypto_key_from_jwk(text, &key, &why) != 0 || crypto_key_type_of(key, &kt, &why) != 0 ||
	    crypto_key_to_pem(key, &pem, &why) != 0) {
		err_prefix(&why, "%s", path);
		goto problem;
	}
	if ((a = import_plan_add_account(p)) == NULL) {
		err_nomem(e);
		goto out;
	}
	a->ref = strdup(id);
	if (str_printf(&a->server_url, "https://%s", server_path) < 0)
		a->server_url = NULL;
	a->url = strdup(uri->valuestring);
	a->key_pem = pem;
	pem = NULL;
	a->key_type = strdup(crypto_key_type_name(kt));
	body = cJSON_GetObjectItemCaseSensitive(regr, "body");
	contact = cJSON_GetObjectItemCaseSensitive(body, "contact");
	if (cJSON_IsArray(contact))
		a->contacts_json = cJSON_PrintUnformatted(contact);
	if (a->ref == NULL || a->server_url == NULL || a->url == NULL || a->key_type == NULL) {
		err_nomem(e);
		goto out;
	}
	rc = 0;
	goto out;
problem:
	rc = import_plan_problem(p, _("account %s: %s"), id, why.msg) == 0 ? 0 :
	    err_nomem(e);
out:
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	if (pem != NULL) {
		OPENSSL_cleanse(pem, strlen(pem));
		free(pem);
	}
	EVP_PKEY_free(key);
	cJSON_Delete(regr);
	free(path);
	return rc;
}

/*
 * Walks accounts/ for directories holding regr.json: certbot keeps an
 * account at accounts/NETLOC/PATH/ID for the server https://NETLOC/PATH.
 */
static int
walk_accounts(const char *root, const char *rel, int depth, struct import_plan *p,
    struct err *e)
{
	char **names = NULL, *sub = NULL, *file = NULL;
	size_t n = 0, i;
	struct stat sb;
	int rc, has_regr = 0;

	rc = import_list_dir(root, rel, &names, &n, e);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "regr.json") == 0)
			has_regr = 1;
	if (has_regr) {
		const char *slash = strrchr(rel, '/');
		const char *server = strchr(rel, '/');
		char *server_path;

		rc = 0;
		if (slash != NULL && server != NULL && slash > server) {
			server_path = strndup(server + 1, (size_t)(slash - server - 1));
			rc = server_path != NULL ? read_account(root, rel, server_path, slash + 1,
			    p, e) : err_nomem(e);
			free(server_path);
		}
		strv_free(names, n);
		return rc;
	}
	rc = 0;
	for (i = 0; i < n && rc == 0 && depth < ACCOUNT_DEPTH; i++) {
		if (str_printf(&sub, "%s/%s", rel, names[i]) < 0)
			return err_nomem(e);
		if (str_printf(&file, "%s/%s", root, sub) >= 0 && lstat(file, &sb) == 0 &&
		    S_ISDIR(sb.st_mode))
			rc = walk_accounts(root, sub, depth + 1, p, e);
		free(file);
		free(sub);
		file = sub = NULL;
	}
	strv_free(names, n);
	return rc;
}

/* ---- lineages ---- */

/* The number N of a link target ".../certN.pem", or -1. */
static int
archive_number(const char *target, const char *stem)
{
	const char *base = strrchr(target, '/');
	size_t sl = strlen(stem);
	char *end;
	long n;

	base = base != NULL ? base + 1 : target;
	if (strncmp(base, stem, sl) != 0 || !isdigit((unsigned char)base[sl]))
		return -1;
	n = strtol(base + sl, &end, 10);
	if (strcmp(end, ".pem") != 0 || n < 1 || n > 100000)
		return -1;
	return (int)n;
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * Loads one version from fullchain and privkey files. Returns 0, 1 when it
 * could not be read (why says so), or -1 (out of memory).
 */
static int
load_version(const char *root, struct import_lineage *l, int number, const char *fullchain,
    const char *privkey, struct err *why)
{
	struct import_version *v;
	char *chain = NULL, *key = NULL;
	size_t clen = 0, klen = 0;
	int rc = 1, r;

	if ((r = import_read_inside(root, fullchain, CERTBOT_MAX_FILE, &chain, &clen, why)) != 0) {
		if (r == 1)
			err_set(why, ERR_INPUT, _("%s: missing"), fullchain);
		goto out;
	}
	r = import_read_inside(root, privkey, CERTBOT_MAX_FILE, &key, &klen, why);
	if (r == -1)
		goto out;
	if ((v = import_lineage_add_version(l)) == NULL) {
		rc = -1;
		goto out;
	}
	v->number = number;
	if (import_version_load(v, fullchain, chain, clen, r == 0 ? key : NULL, klen,
	    l->source, why) != 0) {
		import_lineage_drop_version(l);
		goto out;
	}
	rc = 0;
out:
	if (key != NULL) {
		OPENSSL_cleanse(key, klen);
		free(key);
	}
	free(chain);
	return rc;
}

/* Reads live/NAME, its archive history and renewal/NAME.conf into a lineage of p. */
static int
read_lineage(const char *root, const char *name, struct import_plan *p, struct err *e)
{
	struct import_lineage *l;
	struct conf conf = { 0 };
	char *rel = NULL, *rel2 = NULL, *text = NULL, link[PATH_MAX];
	char **files = NULL;
	int *nums = NULL;
	size_t n_files = 0, n_nums = 0, i, len = 0;
	int current = -1, rc = -1, r;
	ssize_t ln;
	struct err why;

	err_clear(&why);
	if ((l = import_plan_add_lineage(p, name)) == NULL)
		return err_nomem(e);
	/* live/NAME/cert.pem names the current archive version. */
	if (str_printf(&rel, "%s/live/%s/cert.pem", root, name) < 0)
		return err_nomem(e);
	ln = readlink(rel, link, sizeof(link) - 1);
	free(rel);
	rel = NULL;
	if (ln > 0) {
		link[ln] = '\0';
		current = archive_number(link, "cert");
	}
	/* The history: archive/NAME/certK.pem for K below the current one. */
	if (str_printf(&rel, "archive/%s", name) < 0)
		goto nomem;
	r = import_list_dir(root, rel, &files, &n_files, &why);
	free(rel);
	rel = NULL;
	if (r == -1)
		import_lineage_note(l, "%s", why.msg);
	for (i = 0; i < n_files; i++) {
		int k = archive_number(files[i], "cert");
		int *g;

		if (k < 1 || (current > 0 && k >= current))
			continue;
		if ((g = realloc(nums, (n_nums + 1) * sizeof(*g))) == NULL)
			goto nomem;
		nums = g;
		nums[n_nums++] = k;
	}
	if (n_nums > 1)
		qsort(nums, n_nums, sizeof(*nums), int_cmp);
	for (i = 0; i < n_nums; i++) {
		err_clear(&why);
		if (str_printf(&rel, "archive/%s/fullchain%d.pem", name, nums[i]) < 0 ||
		    str_printf(&rel2, "archive/%s/privkey%d.pem", name, nums[i]) < 0)
			goto nomem;
		r = load_version(root, l, nums[i], rel, rel2, &why);
		if (r == -1)
			goto nomem;
		if (r == 1)
			import_lineage_note(l, _("older version %d not imported: %s"), nums[i],
			    why.msg);
		free(rel);
		free(rel2);
		rel = rel2 = NULL;
	}
	/* The current one, through live/ (whose links must stay inside root). */
	err_clear(&why);
	if (str_printf(&rel, "live/%s/fullchain.pem", name) < 0 ||
	    str_printf(&rel2, "live/%s/privkey.pem", name) < 0)
		goto nomem;
	r = load_version(root, l, current > 0 ? current : 0, rel, rel2, &why);
	if (r == -1)
		goto nomem;
	if (r == 1) {
		/* Without its current certificate the lineage is not imported at all. */
		if (import_plan_problem(p, _("%s: %s"), name, why.msg) != 0)
			goto nomem;
		import_plan_drop_lineage(p);
		rc = 0;
		goto out;
	}
	/*
	 * A tree copied without its links (cp -L) has no archive number for
	 * the current one: drop the history entry that is the current one.
	 */
	if (current <= 0 && l->n_versions > 1 &&
	    strcmp(l->versions[l->n_versions - 2].row->fingerprint,
	    l->versions[l->n_versions - 1].row->fingerprint) == 0) {
		struct import_version last = l->versions[l->n_versions - 1];

		l->versions[l->n_versions - 1] = l->versions[l->n_versions - 2];
		l->versions[l->n_versions - 2] = last;
		import_lineage_drop_version(l);
	}
	if (l->versions[l->n_versions - 1].key_pem == NULL)
		import_lineage_note(l, "%s", _("its private key was not found: certdeck can "
		    "renew it, but not deploy the current certificate with its key"));
	/* renewal/NAME.conf: what certbot renews it with. */
	free(rel);
	if (str_printf(&rel, "renewal/%s.conf", name) < 0) {
		rel = NULL;
		goto nomem;
	}
	err_clear(&why);
	r = import_read_inside(root, rel, CERTBOT_MAX_FILE, &text, &len, &why);
	if (r != 0) {
		import_lineage_note(l, r == 1 ? _("no %s: its renewal settings are unknown") :
		    "%s", r == 1 ? rel : why.msg);
		l->mappable = 0;
	} else if (conf_parse(text, &conf) != 0 ||
	    map_settings(&conf, l, &l->versions[l->n_versions - 1]) != 0) {
		goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	rc = err_nomem(e);
out:
	conf_clear(&conf);
	free(text);
	free(nums);
	strv_free(files, n_files);
	free(rel);
	free(rel2);
	return rc;
}

int
import_certbot_read(const char *dir, const struct import_opts *o, struct import_plan **out,
    struct err *e)
{
	struct import_plan *p = NULL;
	char root[PATH_MAX], **names = NULL;
	size_t n = 0, i;
	struct stat sb;
	int rc = -1, r;

	/* certbot's renewal files name their server: nothing in o is needed. */
	(void)o;
	*out = NULL;
	if (realpath(dir, root) == NULL || stat(root, &sb) != 0)
		return err_set(e, ERR_IO, _("%s: %s"), dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, ERR_INPUT, _("%s: not a directory"), dir);
	if ((p = import_plan_new("certbot", dir)) == NULL)
		return err_nomem(e);
	r = import_list_dir(root, "live", &names, &n, e);
	if (r == -1)
		goto out;
	if (r == 1) {
		err_set(e, ERR_INPUT, _("%s: not a certbot directory (it has no live/)"), dir);
		goto out;
	}
	if (walk_accounts(root, "accounts", 0, p, e) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		char *sub = NULL;
		int isdir;

		if (str_printf(&sub, "%s/live/%s", root, names[i]) < 0)
			goto nomem;
		isdir = lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode);
		free(sub);
		if (isdir && read_lineage(root, names[i], p, e) != 0)
			goto out;
	}
	/* A lineage whose account was not found (or not readable) cannot be adopted. */
	for (i = 0; i < p->n_lineages; i++) {
		struct import_lineage *l = &p->lineages[i];

		if (l->account_ref != NULL && import_plan_account(p, l->account_ref) == NULL) {
			if (import_lineage_note(l, _("its account %s was not found under "
			    "accounts/"), l->account_ref) != 0)
				goto nomem;
			l->mappable = 0;
		}
	}
	*out = p;
	p = NULL;
	rc = 0;
	goto out;
nomem:
	err_nomem(e);
out:
	strv_free(names, n);
	import_plan_free(p);
	return rc;
}
