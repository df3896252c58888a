#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "strfmt.h"
#include "crypto.h"
#include "i18n.h"
#include "import_acmesh.h"
#include "strv.h"
#include "subproc.h"

#define ACMESH_MAX_FILE (1024 * 1024)
#define CA_DEPTH 6
/* acme.sh's markers around a value it saved base64-encoded (B64CONF_START/END). */
#define B64_START "__ACME_BASE64__START_"
#define B64_END "__ACME_BASE64__END_"


/* ---- NAME.conf and ca.conf: KEY='value' lines (acme.sh's _save_conf) ---- */

struct kv {
	char **keys, **values;
	size_t n, nv;
};

static void
kv_clear(struct kv *c)
{
	strv_free(c->keys, c->n);
	strv_free(c->values, c->nv);
	memset(c, 0, sizeof(*c));
}

/* Standard base64 text to a string. Returns it (free()), or NULL. */
static char *
b64_text(const char *in, size_t n)
{
	unsigned char *out;
	int len;

	if (n == 0 || n > 65536 || (out = malloc(n)) == NULL)
		return NULL;
	len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (len < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	while (n > 0 && in[n - 1] == '=' && len > 0) {
		n--;
		len--;
	}
	out[len] = '\0';
	return (char *)out;
}

/*
 * Parses acme.sh's KEY='value' lines into c. Nothing is evaluated: quotes
 * are stripped, a base64-marked value decoded. Returns 0 or -1 (memory).
 */
static int
kv_parse(char *text, struct kv *c)
{
	char *line, *save = NULL, *eq, *v, *end, *val;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '#' || (eq = strchr(line, '=')) == NULL || eq == line)
			continue;
		*eq = '\0';
		v = eq + 1;
		end = v + strlen(v);
		while (end > v && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (end - v >= 2 && (*v == '\'' || *v == '"') && end[-1] == *v) {
			end[-1] = '\0';
			v++;
		}
		if (strncmp(v, B64_START, strlen(B64_START)) == 0 && strlen(v) >=
		    strlen(B64_START) + strlen(B64_END) && strcmp(v + strlen(v) - strlen(B64_END),
		    B64_END) == 0) {
			v += strlen(B64_START);
			val = b64_text(v, strlen(v) - strlen(B64_END));
			if (val == NULL)
				val = strdup("");
		} else {
			val = strdup(v);
		}
		if (strv_push(&c->keys, &c->n, strdup(line)) != 0 ||
		    strv_push(&c->values, &c->nv, val) != 0)
			return -1;
	}
	return 0;
}

/* The last value of key (acme.sh appends and sed-replaces), or NULL. Borrowed. */
static const char *
kv_get(const struct kv *c, const char *key)
{
	size_t i;

	for (i = c->n; i > 0; i--)
		if (strcmp(c->keys[i - 1], key) == 0)
			return c->values[i - 1];
	return NULL;
}

/* A value that says something: not empty and not acme.sh's "no". */
static int
set_value(const char *v)
{
	return v != NULL && *v != '\0' && strcmp(v, "no") != 0;
}

/* Reads and parses rel under root into c. Returns 0, 1 when absent, or -1 (why). */
static int
kv_read(const char *root, const char *rel, struct kv *c, struct err *why)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = import_read_inside(root, rel, ACMESH_MAX_FILE, &text, &len, why)) != 0)
		return r;
	r = kv_parse(text, c) == 0 ? 0 : err_nomem(why);
	free(text);
	return r;
}

/*
 * acme.sh's folder under ca/ for a directory URL: HOST/PATH, the port
 * dropped (_initpath: cut -d : -f 2 ...). Returns text to free(), or NULL.
 */
static char *
ca_ref(const char *url)
{
	const char *h, *hend, *path;
	char *r;

	if (url == NULL || (h = strstr(url, "://")) == NULL)
		return NULL;
	h += 3;
	hend = h + strcspn(h, ":/");
	path = strchr(h, '/');
	if (str_printf(&r, "%.*s/%s", (int)(hend - h), h, path != NULL ? path + 1 : "") < 0)
		return NULL;
	return r;
}

/* ---- accounts: ca/HOST/PATH/{account.key,ca.conf} ---- */

static int
read_account(const char *root, const char *rel, struct import_plan *p, struct err *e)
{
	struct kv conf = { 0 };
	char *path = NULL, *pem = NULL;
	const char *url, *email;
	enum key_type kt;
	struct import_account *a;
	struct err why;
	int rc = -1, r;

	err_clear(&why);
	if (str_printf(&path, "%s/ca.conf", rel) < 0)
		return err_nomem(e);
	if ((r = kv_read(root, path, &conf, &why)) != 0) {
		if (r == 1)
			err_set(&why, ERR_INPUT, _("%s: missing"), path);
		goto problem;
	}
	url = kv_get(&conf, "ACCOUNT_URL");
	if (url == NULL || strncmp(url, "https://", 8) != 0) {
		err_set(&why, ERR_INPUT, _("%s: no ACCOUNT_URL"), path);
		goto problem;
	}
	free(path);
	if (str_printf(&path, "%s/account.key", rel) < 0) {
		path = NULL;
		err_nomem(e);
		goto out;
	}
	if (import_account_key(root, path, ACMESH_MAX_FILE, &pem, &kt, &why) != 0)
		goto problem;
	if ((a = import_plan_add_account(p)) == NULL) {
		err_nomem(e);
		goto out;
	}
	/* The ref is HOST/PATH under ca/: what a lineage's Le_API maps to. */
	a->ref = strdup(rel + strlen("ca/"));
	a->url = strdup(url);
	a->key_pem = pem;
	pem = NULL;
	a->key_type = strdup(crypto_key_type_name(kt));
	email = kv_get(&conf, "CA_EMAIL");
	if (set_value(email) && str_printf(&a->contacts_json, "[\"mailto:%s\"]", email) < 0)
		a->contacts_json = NULL;
	if (a->ref == NULL || a->url == NULL || a->key_type == NULL) {
		err_nomem(e);
		goto out;
	}
	/* JSON built by hand above: only when the address needs no escaping. */
	if (a->contacts_json != NULL && strpbrk(email, "\"\\") != NULL) {
		free(a->contacts_json);
		a->contacts_json = NULL;
	}
	rc = 0;
	goto out;
problem:
	rc = import_plan_problem(p, _("account %s: %s"), rel, why.msg) == 0 ? 0 : err_nomem(e);
out:
	kv_clear(&conf);
	if (pem != NULL)
		import_wipe_free(pem, strlen(pem));
	free(path);
	return rc;
}

static int
walk_ca(const char *root, const char *rel, int depth, struct import_plan *p, struct err *e)
{
	char **names = NULL, *sub = NULL, *full = NULL;
	size_t n = 0, i;
	struct stat sb;
	int rc, has_key = 0;

	rc = import_list_dir(root, rel, &names, &n, e);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "account.key") == 0)
			has_key = 1;
	rc = has_key && depth > 0 ? read_account(root, rel, p, e) : 0;
	for (i = 0; i < n && rc == 0 && depth < CA_DEPTH; i++) {
		if (str_printf(&sub, "%s/%s", rel, names[i]) < 0) {
			rc = err_nomem(e);
			break;
		}
		if (str_printf(&full, "%s/%s", root, sub) >= 0 && lstat(full, &sb) == 0 &&
		    S_ISDIR(sb.st_mode))
			rc = walk_ca(root, sub, depth + 1, p, e);
		free(full);
		free(sub);
		full = sub = NULL;
	}
	strv_free(names, n);
	return rc;
}

/* ---- certificates ---- */

static int
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? strdup(s) : NULL;
	return s != NULL && *dst == NULL ? -1 : 0;
}

/* The first field of a comma list (acme.sh's _getfield 1), as a new string, or NULL. */
static char *
first_field(const char *v)
{
	return v != NULL ? strndup(v, strcspn(v, ",")) : NULL;
}

static int
parse_port(const char *v, int def, struct import_lineage *l, const char *what)
{
	char *end;
	long n;

	if (!set_value(v))
		return def;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < 1 || n > 65535) {
		import_lineage_note(l, _("%s %s is not a port"), what, v);
		l->mappable = 0;
		return def;
	}
	return (int)n;
}

/* Maps Le_Webroot (the validation method) onto certdeck's challenge settings. */
static int
map_method(const struct kv *c, struct import_lineage *l)
{
	const char *roots = kv_get(c, "Le_Webroot");
	char *first = first_field(roots), *addr = first_field(kv_get(c, "Le_LocalAddress"));
	const char *p;
	int rc = 0;

	if (roots == NULL || first == NULL) {
		import_lineage_note(l, "%s", _("no Le_Webroot: how it was validated is unknown"));
		l->mappable = 0;
		goto out;
	}
	/* One method for all names; acme.sh repeats the last one for the rest. */
	for (p = roots; (p = strchr(p, ',')) != NULL; p++)
		if (p[1] != '\0' && strncmp(p + 1, first, strlen(first)) != 0) {
			import_lineage_note(l, _("its names are validated in different ways (%s): "
			    "certdeck uses one per certificate"), roots);
			l->mappable = 0;
			break;
		}
	if (strcmp(first, "no") == 0) {
		rc = set_str(&l->settings.challenge, "http-01");
		l->settings.http_port = parse_port(kv_get(c, "Le_HTTPPort"), 80, l, "Le_HTTPPort");
		if (rc == 0 && set_value(addr) && strcmp(addr, "0.0.0.0") != 0)
			rc = set_str(&l->settings.http_addr, addr);
	} else if (strcmp(first, "alpn") == 0) {
		rc = set_str(&l->settings.challenge, "tls-alpn-01");
		l->settings.tls_port = parse_port(kv_get(c, "Le_TLSPort"), 443, l, "Le_TLSPort");
		if (rc == 0 && set_value(addr) && strcmp(addr, "0.0.0.0") != 0)
			rc = set_str(&l->settings.tls_addr, addr);
	} else if (first[0] == '/') {
		rc = set_str(&l->settings.challenge, "http-01");
		if (rc == 0)
			rc = set_str(&l->settings.webroot, first);
	} else if (strncmp(first, "dns", 3) == 0) {
		import_lineage_note(l, strcmp(first, "dns") == 0 ? _("manual DNS mode (%s): renew "
		    "it with a dns-01 hook (certdeck issue --challenge dns-01 --dns-hook PROGRAM)") :
		    _("DNS API %s: certdeck has no acme.sh DNS scripts; renew it with a dns-01 "
		    "hook (certdeck issue --challenge dns-01 --dns-hook PROGRAM)"), first);
		l->mappable = 0;
	} else {
		/* stateless, apache, nginx:... */
		import_lineage_note(l, _("validation mode %s: certdeck renews by its own http-01 "
		    "or tls-alpn-01 responder, a webroot or a dns-01 hook"), first);
		l->mappable = 0;
	}
out:
	free(first);
	free(addr);
	return rc;
}

/*
 * Le_ReloadCmd as a program and its arguments, when it is one plainly:
 * words of ordinary characters split at spaces. acme.sh runs it through a
 * shell; certdeck runs no shell lines, so anything else is only noted.
 * Returns a NULL-terminated vector (strv_free with its count), or NULL.
 */
static char **
plain_command(const char *cmd, size_t *n)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_./:=@%+,- ";
	char **v = NULL, *copy, *w, *save = NULL;

	*n = 0;
	if (strspn(cmd, plain) != strlen(cmd) || (copy = strdup(cmd)) == NULL)
		return NULL;
	for (w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		if (strv_push(&v, n, strdup(w)) != 0)
			break;
	free(copy);
	/* strv_push leaves room for nothing: add the terminating NULL. */
	if (*n > 0 && strv_push(&v, n, strdup("")) == 0) {
		free(v[--*n]);
		v[*n] = NULL;
		return v;
	}
	strv_free(v, *n);
	*n = 0;
	return NULL;
}

/* An install path of acme.sh's (--install-cert) that certdeck may write, or NULL. */
static char *
install_path(const struct kv *c, const char *key, struct import_lineage *l)
{
	const char *v = kv_get(c, key);
	size_t n;

	if (!set_value(v))
		return NULL;
	n = strlen(v);
	if (v[0] != '/' || v[n - 1] == '/') {
		import_lineage_note(l, _("%s %s is not an absolute file path: not deployed"), key, v);
		return NULL;
	}
	return strdup(v);
}

/* acme.sh's --install-cert paths and reload command as a deploy target of l. */
static int
map_install(const struct kv *c, struct import_lineage *l)
{
	struct deploy_target *t;
	const char *reload = kv_get(c, "Le_ReloadCmd");
	char **argv = NULL, *prog = NULL;
	size_t n = 0;
	struct err why;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->cert_path = install_path(c, "Le_RealCertPath", l);
	t->chain_path = install_path(c, "Le_RealCACertPath", l);
	t->fullchain_path = install_path(c, "Le_RealFullChainPath", l);
	t->key_path = install_path(c, "Le_RealKeyPath", l);
	t->mode = DEPLOY_MODE_DEFAULT;
	t->key_mode = DEPLOY_KEY_MODE_DEFAULT;
	t->reload_timeout = DEPLOY_RELOAD_TIMEOUT_DEFAULT;
	if (t->cert_path == NULL && t->fullchain_path == NULL) {
		if (set_value(reload))
			import_lineage_note(l, _("Le_ReloadCmd is not carried over: %s"), reload);
		deploy_target_free(t);
		return 0;
	}
	if (set_value(reload)) {
		err_clear(&why);
		argv = plain_command(reload, &n);
		if (argv == NULL) {
			import_lineage_note(l, _("Le_ReloadCmd is a shell command, which certdeck "
			    "does not run: give its program with certdeck deploy add --reload-cmd "
			    "(%s)"), reload);
		} else if (subproc_resolve(argv[0], &prog, &why) != 0) {
			import_lineage_note(l, _("Le_ReloadCmd is not carried over: %s"), why.msg);
			strv_free(argv, n);
			argv = NULL;
		} else {
			free(argv[0]);
			argv[0] = prog;
		}
	}
	t->reload_argv = argv;
	l->deploy = t;
	return 0;
}

static int
map_settings(const struct kv *c, struct import_lineage *l, const char *cur_key_type)
{
	static const char *const hooks[] = { "Le_PreHook", "Le_PostHook", "Le_RenewHook" };
	const char *len = kv_get(c, "Le_Keylength"), *kt = NULL, *v;
	size_t i;

	l->mappable = 1;
	l->settings.http_port = 80;
	l->settings.tls_port = 443;
	l->settings.dns_timeout = 120;
	if (set_str(&l->settings.challenge, "http-01") != 0 || map_method(c, l) != 0)
		return -1;
	if (!set_value(len))
		kt = cur_key_type != NULL ? cur_key_type : "ec256";
	else if (strcmp(len, "ec-256") == 0)
		kt = "ec256";
	else if (strcmp(len, "ec-384") == 0)
		kt = "ec384";
	else if (strcmp(len, "2048") == 0)
		kt = "rsa2048";
	else if (strcmp(len, "3072") == 0)
		kt = "rsa3072";
	else if (strcmp(len, "4096") == 0)
		kt = "rsa4096";
	if (kt == NULL) {
		import_lineage_note(l, _("Le_Keylength %s is not a key certdeck makes"), len);
		l->mappable = 0;
	}
	if (set_str(&l->settings.key_type, kt != NULL ? kt : "ec256") != 0)
		return -1;
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (set_value(v = kv_get(c, hooks[i])))
			import_lineage_note(l, _("%s is not carried over: %s"), hooks[i], v);
	if (set_value(v = kv_get(c, "Le_Preferred_Chain")) &&
	    set_str(&l->settings.preferred_chain, v) != 0)
		return -1;
	if (set_value(v = kv_get(c, "Le_Certificate_Profile")) && set_str(&l->profile, v) != 0)
		return -1;
	if (map_install(c, l) != 0)
		return -1;
	if (set_value(v = kv_get(c, "Le_ChallengeAlias")))
		import_lineage_note(l, _("Le_ChallengeAlias is not carried over: %s"), v);
	v = kv_get(c, "Le_API");
	if (!set_value(v)) {
		import_lineage_note(l, "%s", _("no Le_API: the CA is unknown"));
		l->mappable = 0;
		return 0;
	}
	if (set_str(&l->server_url, v) != 0)
		return -1;
	l->account_ref = ca_ref(v);
	return l->account_ref != NULL ? 0 : -1;
}

/*
 * Reads the certificate folder DIRNAME (NAME or NAME_ecc). Returns 0 (also
 * when it is not one: no NAME.conf), or -1 (memory).
 */
static int
read_domain(const char *root, const char *dirname, struct import_plan *p, struct err *e)
{
	struct kv conf = { 0 };
	char *name = NULL, *rconf = NULL, *rfull = NULL, *rcer = NULL, *rca = NULL, *rkey = NULL;
	char *chain = NULL, *key = NULL, *cer = NULL, *ca = NULL;
	size_t clen = 0, klen = 0, n;
	struct import_lineage *l;
	struct import_version *v;
	struct err why;
	int rc = -1, r;

	err_clear(&why);
	n = strlen(dirname);
	name = n > 4 && strcmp(dirname + n - 4, "_ecc") == 0 ? strndup(dirname, n - 4) :
	    strdup(dirname);
	if (name == NULL || str_printf(&rconf, "%s/%s.conf", dirname, name) < 0)
		goto nomem;
	r = kv_read(root, rconf, &conf, &why);
	if (r == 1) {
		rc = 0;		/* not a certificate folder (ca/, deploy/, dnsapi/, ...) */
		goto out;
	}
	if (r == -1)
		goto problem;
	if (str_printf(&rfull, "%s/fullchain.cer", dirname) < 0 ||
	    str_printf(&rcer, "%s/%s.cer", dirname, name) < 0 ||
	    str_printf(&rca, "%s/ca.cer", dirname) < 0 ||
	    str_printf(&rkey, "%s/%s.key", dirname, name) < 0)
		goto nomem;
	r = import_read_inside(root, rfull, ACMESH_MAX_FILE, &chain, &clen, &why);
	if (r == 1) {
		/* Without fullchain.cer: the certificate and ca.cer. */
		err_clear(&why);
		if (import_read_inside(root, rcer, ACMESH_MAX_FILE, &cer, &clen, &why) != 0)
			goto problem;
		if (import_read_inside(root, rca, ACMESH_MAX_FILE, &ca, &clen, &why) == 0) {
			if (str_printf(&chain, "%s\n%s", cer, ca) < 0) {
				chain = NULL;
				goto nomem;
			}
		} else {
			chain = cer;
			cer = NULL;
		}
		clen = strlen(chain);
	} else if (r == -1) {
		goto problem;
	}
	r = import_read_inside(root, rkey, ACMESH_MAX_FILE, &key, &klen, &why);
	if (r == -1)
		goto problem;
	if ((l = import_plan_add_lineage(p, name)) == NULL ||
	    (v = import_lineage_add_version(l)) == NULL)
		goto nomem;
	if (import_version_load(v, r == 1 ? rcer : rfull, chain, clen, r == 0 ? key : NULL,
	    klen, l->source, &why) != 0) {
		import_plan_drop_lineage(p);
		goto problem;
	}
	if (v->key_pem == NULL)
		import_lineage_note(l, _("%s not found: certdeck can renew it, but not deploy "
		    "the current certificate with its key"), rkey);
	if (map_settings(&conf, l, v->key_type) != 0)
		goto nomem;
	rc = 0;
	goto out;
problem:
	rc = import_plan_problem(p, _("%s: %s"), dirname, why.msg) == 0 ? 0 : err_nomem(e);
	goto out;
nomem:
	rc = err_nomem(e);
out:
	kv_clear(&conf);
	import_wipe_free(key, klen);
	free(chain);
	free(cer);
	free(ca);
	free(name);
	free(rconf);
	free(rfull);
	free(rcer);
	free(rca);
	free(rkey);
	return rc;
}

int
import_acmesh_read(const char *dir, const struct import_opts *o, struct import_plan **out,
    struct err *e)
{
	struct import_plan *p = NULL;
	char root[PATH_MAX], **names = NULL, *full = NULL;
	size_t n = 0, i, j;
	struct stat sb;
	int rc = -1, isdir;

	*out = NULL;
	if (realpath(dir, root) == NULL || stat(root, &sb) != 0)
		return err_set(e, ERR_IO, _("%s: %s"), dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, ERR_INPUT, _("%s: not a directory"), dir);
	if ((p = import_plan_new("acme.sh", dir)) == NULL)
		return err_nomem(e);
	if (import_list_dir(root, ".", &names, &n, e) != 0)
		goto out;
	if (walk_ca(root, "ca", 0, p, e) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "ca") == 0 || names[i][0] == '.')
			continue;
		if (str_printf(&full, "%s/%s", root, names[i]) < 0) {
			err_nomem(e);
			goto out;
		}
		isdir = lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode);
		free(full);
		if (isdir && read_domain(root, names[i], p, e) != 0)
			goto out;
	}
	if (p->n_lineages == 0 && p->n_accounts == 0 && p->n_problems == 0) {
		err_set(e, ERR_INPUT, _("%s: not an acme.sh home (no certificate folder, no ca/)"),
		    dir);
		goto out;
	}
	/* An account's directory URL: a lineage's Le_API that maps to it, else --server's. */
	for (i = 0; i < p->n_accounts; i++) {
		struct import_account *a = &p->accounts[i];
		char *ref;

		for (j = 0; a->server_url == NULL && j < p->n_lineages; j++)
			if (p->lineages[j].account_ref != NULL &&
			    strcmp(p->lineages[j].account_ref, a->ref) == 0 &&
			    set_str(&a->server_url, p->lineages[j].server_url) != 0)
				goto nomem;
		ref = o != NULL && o->server_url != NULL ? ca_ref(o->server_url) : NULL;
		if (a->server_url == NULL && ref != NULL && strcmp(ref, a->ref) == 0 &&
		    set_str(&a->server_url, o->server_url) != 0) {
			free(ref);
			goto nomem;
		}
		free(ref);
		if (a->server_url == NULL && str_printf(&a->server_url, "https://%s", a->ref) < 0) {
			a->server_url = NULL;
			goto nomem;
		}
	}
	for (j = 0; j < p->n_lineages; j++) {
		struct import_lineage *l = &p->lineages[j];

		if (l->account_ref != NULL && import_plan_account(p, l->account_ref) == NULL) {
			import_lineage_note(l, _("no account of acme.sh's for %s was found"),
			    l->server_url);
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
