#include "config.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "strfmt.h"
#include "cert_record.h"
#include "crypto.h"
#include "i18n.h"
#include "import_plan.h"
#include "store_acme.h"
#include "store_key.h"
#include "strv.h"

static void
wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

struct import_plan *
import_plan_new(const char *source, const char *dir)
{
	struct import_plan *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->source = source;
	if ((p->dir = strdup(dir)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

static void
version_clear(struct import_version *v)
{
	free(v->label);
	cert_row_free(v->row);
	wipe_free(v->key_pem);
	free(v->key_type);
	memset(v, 0, sizeof(*v));
}

static void
lineage_clear(struct import_lineage *l)
{
	size_t j;

	for (j = 0; j < l->n_versions; j++)
		version_clear(&l->versions[j]);
	free(l->versions);
	free(l->name);
	free(l->server_url);
	free(l->account_ref);
	free(l->profile);
	deploy_target_free(l->deploy);
	issue_settings_clear(&l->settings);
	strv_free(l->notes, l->n_notes);
	memset(l, 0, sizeof(*l));
}

void
import_lineage_drop_version(struct import_lineage *l)
{
	if (l->n_versions > 0)
		version_clear(&l->versions[--l->n_versions]);
}

void
import_plan_drop_lineage(struct import_plan *p)
{
	if (p->n_lineages > 0)
		lineage_clear(&p->lineages[--p->n_lineages]);
}

void
import_plan_free(struct import_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_lineages; i++)
		lineage_clear(&p->lineages[i]);
	free(p->lineages);
	for (i = 0; i < p->n_accounts; i++) {
		struct import_account *a = &p->accounts[i];

		free(a->ref);
		free(a->server_url);
		free(a->url);
		free(a->contacts_json);
		wipe_free(a->key_pem);
		free(a->key_type);
	}
	free(p->accounts);
	strv_free(p->problems, p->n_problems);
	free(p->dir);
	free(p);
}

/* Grows *v (of *n elements of size sz) by one zeroed element. Returns it, or NULL. */
static void *
grow(void **v, size_t *n, size_t sz)
{
	char *g = realloc(*v, (*n + 1) * sz);

	if (g == NULL)
		return NULL;
	memset(g + *n * sz, 0, sz);
	*v = g;
	return g + (*n)++ * sz;
}

struct import_lineage *
import_plan_add_lineage(struct import_plan *p, const char *name)
{
	struct import_lineage *l;
	char *copy = strdup(name);

	if (copy == NULL)
		return NULL;
	l = grow((void **)&p->lineages, &p->n_lineages, sizeof(*l));
	if (l == NULL) {
		free(copy);
		return NULL;
	}
	l->name = copy;
	l->source = p->source;
	return l;
}

struct import_account *
import_plan_add_account(struct import_plan *p)
{
	return grow((void **)&p->accounts, &p->n_accounts, sizeof(struct import_account));
}

struct import_version *
import_lineage_add_version(struct import_lineage *l)
{
	return grow((void **)&l->versions, &l->n_versions, sizeof(struct import_version));
}

static int vpush(char ***v, size_t *n, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int
vpush(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (str_vprintf(&s, fmt, ap) < 0)
		return -1;
	return strv_push(v, n, s);
}

int
import_lineage_note(struct import_lineage *l, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpush(&l->notes, &l->n_notes, fmt, ap);
	va_end(ap);
	return rc;
}

int
import_plan_problem(struct import_plan *p, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpush(&p->problems, &p->n_problems, fmt, ap);
	va_end(ap);
	return rc;
}

struct import_account *
import_plan_account(struct import_plan *p, const char *ref)
{
	size_t i;

	for (i = 0; ref != NULL && i < p->n_accounts; i++)
		if (p->accounts[i].ref != NULL && strcmp(p->accounts[i].ref, ref) == 0)
			return &p->accounts[i];
	return NULL;
}

int
import_version_load(struct import_version *v, const char *label, const char *chain_pem,
    size_t chain_len, const char *key_pem, size_t key_len, const char *source,
    struct err *e)
{
	EVP_PKEY *key = NULL;
	enum key_type kt;
	int m, rc = -1;

	if ((v->label = strdup(label)) == NULL)
		return err_nomem(e);
	if (cert_record_from_pem(chain_pem, chain_len, &v->row, e) != 0)
		return err_prefix(e, "%s", label);
	if ((v->row->source = strdup(source)) == NULL)
		return err_nomem(e);
	if (key_pem == NULL)
		return 0;
	if (crypto_key_from_pem(key_pem, key_len, &key, e) != 0) {
		err_prefix(e, "%s", label);
		goto out;
	}
	m = crypto_cert_matches_key(v->row->pem_chain, strlen(v->row->pem_chain), key, e);
	if (m <= 0) {
		if (m == 0)
			err_set(e, ERR_INPUT, _("%s: the private key does not belong to the "
			    "certificate"), label);
		goto out;
	}
	if (crypto_key_to_pem(key, &v->key_pem, e) != 0)
		goto out;
	v->key_type = strdup(crypto_key_type_of(key, &kt, NULL) == 0 ?
	    crypto_key_type_name(kt) : v->row->key_type != NULL ? v->row->key_type : "unknown");
	if (v->key_type == NULL) {
		err_nomem(e);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(key);
	return rc;
}

int
import_read_inside(const char *root, const char *rel, size_t max, char **out, size_t *len,
    struct err *e)
{
	char *path = NULL, real[PATH_MAX];
	size_t rlen = strlen(root), got = 0;
	struct stat sb;
	ssize_t n;
	char *buf = NULL;
	int fd = -1, rc = -1;

	*out = NULL;
	if (str_printf(&path, "%s/%s", root, rel) < 0)
		return err_nomem(e);
	if (realpath(path, real) == NULL) {
		if (errno == ENOENT) {
			free(path);
			return 1;
		}
		err_set(e, ERR_IO, _("%s: %s"), rel, strerror(errno));
		goto out;
	}
	/* The link may lead anywhere: only what stays under root is read. */
	if (strncmp(real, root, rlen) != 0 || (real[rlen] != '/' && strcmp(root, "/") != 0)) {
		err_set(e, ERR_INPUT, _("%s: leads out of %s (to %s); not read"), rel, root, real);
		goto out;
	}
	if ((fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0 ||
	    fstat(fd, &sb) != 0) {
		err_set(e, ERR_IO, _("%s: %s"), rel, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		err_set(e, ERR_INPUT, _("%s: not a regular file"), rel);
		goto out;
	}
	if ((size_t)sb.st_size > max) {
		err_set(e, ERR_INPUT, _("%s: larger than %zu bytes"), rel, max);
		goto out;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		err_nomem(e);
		goto out;
	}
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
import_list_dir(const char *root, const char *rel, char ***names, size_t *n, struct err *e)
{
	char *path = NULL, real[PATH_MAX];
	size_t rlen = strlen(root);
	struct dirent *d;
	DIR *dir = NULL;
	int rc = -1;

	*names = NULL;
	*n = 0;
	if (str_printf(&path, "%s/%s", root, rel) < 0)
		return err_nomem(e);
	if (realpath(path, real) == NULL) {
		rc = errno == ENOENT ? 1 : err_set(e, ERR_IO, _("%s: %s"), rel, strerror(errno));
		goto out;
	}
	if (strncmp(real, root, rlen) != 0 || (real[rlen] != '/' && real[rlen] != '\0')) {
		err_set(e, ERR_INPUT, _("%s: leads out of %s (to %s); not read"), rel, root, real);
		goto out;
	}
	if ((dir = opendir(real)) == NULL) {
		err_set(e, ERR_IO, _("%s: %s"), rel, strerror(errno));
		goto out;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (strv_push(names, n, strdup(d->d_name)) != 0) {
			err_nomem(e);
			goto out;
		}
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), name_cmp);
	rc = 0;
out:
	if (rc != 0) {
		strv_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	if (dir != NULL)
		closedir(dir);
	free(path);
	return rc;
}

int
import_plan_set_http(struct import_plan *p, const char *addr, int port, const char *webroot)
{
	size_t i;

	for (i = 0; i < p->n_lineages; i++) {
		struct issue_settings *s = &p->lineages[i].settings;

		if (s->challenge != NULL && strcmp(s->challenge, "http-01") != 0)
			continue;
		if (addr != NULL) {
			free(s->http_addr);
			if ((s->http_addr = strdup(addr)) == NULL)
				return -1;
		}
		if (port > 0)
			s->http_port = port;
		if (webroot != NULL) {
			free(s->webroot);
			if ((s->webroot = strdup(webroot)) == NULL)
				return -1;
		}
	}
	return 0;
}

/* ---- applying a plan ---- */

struct account_find {
	const char *url;
	int64_t id;
};

static int
account_by_url(const struct account_row *r, void *arg)
{
	struct account_find *f = arg;

	if (r->url != NULL && strcmp(r->url, f->url) == 0) {
		f->id = r->id;
		return 1;
	}
	return 0;
}

static int
apply_account(struct store *st, struct import_account *a, const char *ca_bundle_pem,
    struct err *e)
{
	struct account_find f = { a->url, 0 };
	struct account_row row = { 0 };
	char empty[] = "[]", valid[] = "valid";

	if (store_account_list(st, account_by_url, &f, e) == -1)
		return -1;
	if (f.id > 0) {
		a->id = f.id;
		a->existed = 1;
		return 0;
	}
	if (store_ca_ensure(st, a->server_url, NULL, ca_bundle_pem, &row.ca_id, e) != 0 ||
	    store_key_insert(st, a->key_type, a->key_pem, &row.key_id, e) != 0)
		return -1;
	row.url = a->url;
	row.contacts_json = a->contacts_json != NULL ? a->contacts_json : empty;
	row.status = valid;
	/* The other client agreed to the terms when it registered the account. */
	row.tos_agreed = 1;
	if (store_account_insert(st, &row, e) != 0)
		return -1;
	a->id = row.id;
	return 0;
}

/* The identifiers of a certificate as an order keeps them. Returns JSON text (free()), or NULL. */
static char *
identifiers_json(const struct cert_row *row)
{
	cJSON *a = cJSON_CreateArray(), *o;
	char *text;
	size_t i;

	for (i = 0; a != NULL && i < row->n_sans; i++) {
		int ip = strchr(row->sans[i], ':') != NULL ||
		    strspn(row->sans[i], "0123456789.") == strlen(row->sans[i]);

		if ((o = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(a, o) ||
		    cJSON_AddStringToObject(o, "type", ip ? "ip" : "dns") == NULL ||
		    cJSON_AddStringToObject(o, "value", row->sans[i]) == NULL) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	text = a != NULL ? cJSON_PrintUnformatted(a) : NULL;
	cJSON_Delete(a);
	return text;
}

/* Gives the lineage's current certificate an order of its own, so renewal can copy it. */
static int
adopt_lineage(struct store *st, struct import_lineage *l, struct err *e)
{
	struct import_version *cur = &l->versions[l->n_versions - 1];
	struct cert_row *stored = NULL;
	struct order_row o = { 0 };
	char status[] = "valid";
	int rc = -1;

	if (store_cert_get(st, cur->id, &stored, e) != 0)
		return -1;
	if (stored->order_id > 0 || stored->status != CERT_VALID) {
		/* Adopted before, or certdeck has renewed it since: nothing to do. */
		l->adopted = stored->order_id > 0;
		l->order_id = stored->order_id;
		rc = 0;
		goto out;
	}
	o.account_id = l->account_id;
	o.status = status;
	o.profile = l->profile;
	o.identifiers_json = identifiers_json(stored);
	o.settings_json = issue_settings_to_json(&l->settings);
	o.key_id = stored->key_id;
	o.cert_id = cur->id;
	if (o.identifiers_json == NULL || o.settings_json == NULL) {
		err_nomem(e);
		goto out;
	}
	if (store_order_insert(st, &o, e) != 0 ||
	    store_cert_set_order(st, cur->id, o.id, l->account_id, e) != 0)
		goto out;
	/* Where the client installed the files: certdeck installs the renewals there. */
	if (l->deploy != NULL) {
		int64_t tid;

		l->deploy->cert_id = cur->id;
		if (stored->key_id == 0) {
			free(l->deploy->key_path);
			l->deploy->key_path = NULL;
		}
		if (store_deploy_add(st, l->deploy, &tid, e) != 0)
			goto out;
	}
	l->adopted = 1;
	l->order_id = o.id;
	rc = 0;
out:
	free(o.identifiers_json);
	free(o.settings_json);
	cert_row_free(stored);
	return rc;
}

/* Without --adopt: tells whether an earlier run adopted the lineage. */
static int
report_adopted(struct store *st, struct import_lineage *l, struct err *e)
{
	struct cert_row *stored = NULL;

	if (store_cert_get(st, l->versions[l->n_versions - 1].id, &stored, e) != 0)
		return -1;
	l->adopted = stored->order_id > 0;
	l->order_id = stored->order_id;
	cert_row_free(stored);
	return 0;
}

static int
apply_lineage(struct store *st, struct import_lineage *l, int adopt, struct err *e)
{
	const char *prev_key = NULL;
	int64_t prev_key_id = 0;
	size_t i;

	if (l->n_versions == 0)
		return 0;
	for (i = 0; i < l->n_versions; i++) {
		struct import_version *v = &l->versions[i];
		int rc;

		rc = store_cert_find_fingerprint(st, v->row->fingerprint, &v->id, e);
		if (rc == -1)
			return -1;
		if (rc == 0) {
			v->existed = 1;
			continue;
		}
		if (v->key_pem != NULL) {
			/* A lineage that reuses its key keeps it once. */
			if (prev_key != NULL && strcmp(prev_key, v->key_pem) == 0) {
				v->row->key_id = prev_key_id;
			} else {
				if (store_key_insert(st, v->key_type, v->key_pem, &v->row->key_id,
				    e) != 0)
					return -1;
				prev_key = v->key_pem;
				prev_key_id = v->row->key_id;
			}
		}
		v->row->account_id = l->account_id;
		if (store_cert_insert(st, v->row, &v->id, e) != 0)
			return err_prefix(e, "%s", v->label);
	}
	/* The history: each older certificate was replaced by the next one. */
	for (i = 0; i + 1 < l->n_versions; i++) {
		struct import_version *v = &l->versions[i];
		struct cert_row *stored = NULL;
		int link;

		if (store_cert_get(st, v->id, &stored, e) != 0)
			return -1;
		/* Never relink one certdeck has renewed or that was revoked since. */
		link = stored->status == CERT_VALID && stored->replaced_by == 0 &&
		    v->id != l->versions[i + 1].id;
		cert_row_free(stored);
		if (link && store_cert_mark_replaced(st, v->id, l->versions[i + 1].id, e) != 0)
			return -1;
	}
	if (adopt && l->mappable && l->account_id > 0)
		return adopt_lineage(st, l, e);
	return report_adopted(st, l, e);
}

int
import_plan_check(struct store *st, struct import_plan *p, struct err *e)
{
	size_t i, j;
	int rc;

	for (i = 0; i < p->n_accounts; i++) {
		struct account_find f = { p->accounts[i].url, 0 };

		if (store_account_list(st, account_by_url, &f, e) == -1)
			return -1;
		p->accounts[i].id = f.id;
		p->accounts[i].existed = f.id > 0;
	}
	for (i = 0; i < p->n_lineages; i++) {
		struct import_lineage *l = &p->lineages[i];

		for (j = 0; j < l->n_versions; j++) {
			struct import_version *v = &l->versions[j];

			rc = store_cert_find_fingerprint(st, v->row->fingerprint, &v->id, e);
			if (rc == -1)
				return -1;
			v->existed = rc == 0;
			if (rc != 0)
				v->id = 0;
		}
		if (l->n_versions > 0 && l->versions[l->n_versions - 1].existed &&
		    report_adopted(st, l, e) != 0)
			return -1;
	}
	return 0;
}

int
import_plan_apply(struct store *st, struct import_plan *p, int adopt,
    const char *ca_bundle_pem, struct err *e)
{
	size_t i;

	if (store_begin(st, e) != 0)
		return -1;
	for (i = 0; i < p->n_accounts; i++)
		if (apply_account(st, &p->accounts[i], ca_bundle_pem, e) != 0)
			goto rollback;
	for (i = 0; i < p->n_lineages; i++) {
		struct import_lineage *l = &p->lineages[i];
		const struct import_account *a = import_plan_account(p, l->account_ref);

		l->account_id = a != NULL ? a->id : 0;
		if (apply_lineage(st, l, adopt, e) != 0) {
			err_prefix(e, "%s", l->name);
			goto rollback;
		}
	}
	if (store_commit(st, e) != 0)
		goto rollback;
	return 0;
rollback:
	store_rollback(st);
	for (i = 0; i < p->n_lineages; i++)
		p->lineages[i].adopted = 0;
	return -1;
}

void
import_wipe_free(char *s, size_t len)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, len);
		free(s);
	}
}

int
import_account_key(const char *root, const char *rel, size_t max, char **pem,
    enum key_type *type, struct err *e)
{
	EVP_PKEY *key = NULL;
	char *text = NULL;
	size_t len = 0;
	int r, rc = -1;

	*pem = NULL;
	if ((r = import_read_inside(root, rel, max, &text, &len, e)) != 0) {
		if (r == 1)
			err_set(e, ERR_INPUT, _("%s: missing"), rel);
		return -1;
	}
	if (crypto_key_from_pem(text, len, &key, e) != 0 ||
	    crypto_key_type_of(key, type, e) != 0 || crypto_key_to_pem(key, pem, e) != 0)
		err_prefix(e, "%s", rel);
	else
		rc = 0;
	import_wipe_free(text, len);
	EVP_PKEY_free(key);
	return rc;
}
