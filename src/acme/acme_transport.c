/*
 * The ACME transport (RFC 8555 sections 6 and 7.1-7.2): the client and
 * its directory, the nonce pool, signed POSTs and POST-as-GET with the
 * badNonce retry, problem documents. The resources built on it (accounts,
 * orders, authorizations, certificates, ARI) are acme.c.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "acme_priv.h"
#include "i18n.h"
#include "jws.h"
#include "strv.h"
#include "url_origin.h"

/* ---- small JSON helpers ---- */

const char *
acme_jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *
acme_jdup(const cJSON *o, const char *k)
{
	const char *s = acme_jstr(o, k);

	return s != NULL ? strdup(s) : NULL;
}

int
acme_jstrv(const cJSON *arr, char ***out, size_t *n)
{
	const cJSON *it;
	size_t i = 0, cnt;

	*out = NULL;
	*n = 0;
	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr))
		return -1;
	cnt = (size_t)cJSON_GetArraySize(arr);
	*out = calloc(cnt + 1, sizeof(**out));
	if (*out == NULL)
		return -1;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || ((*out)[i] = strdup(it->valuestring)) == NULL) {
			strv_free(*out, i);
			*out = NULL;
			return -1;
		}
		i++;
	}
	*n = i;
	return 0;
}

/* ---- problems ---- */

int
acme_problem_to_err(const struct http_response *r, const char *url, struct err *e)
{
	cJSON *doc = NULL, *subs, *it;
	const char *type = NULL, *detail = NULL;
	size_t len;

	if (r->body != NULL && r->body_len > 0)
		doc = cJSON_Parse(r->body);
	if (cJSON_IsObject(doc)) {
		type = acme_jstr(doc, "type");
		detail = acme_jstr(doc, "detail");
	}
	if (e == NULL)
		goto out;
	err_set(e, ERR_ACME, _("%s answered HTTP %ld"), url, r->status);
	e->http_status = (int)r->status;
	e->retry_after = r->retry_after;
	if (type != NULL)
		snprintf(e->problem_type, sizeof(e->problem_type), "%s", type);
	if (detail != NULL)
		snprintf(e->problem_detail, sizeof(e->problem_detail), "%s", detail);
	else if (doc == NULL)
		snprintf(e->problem_detail, sizeof(e->problem_detail), "%s",
		    _("no problem document"));
	subs = cJSON_GetObjectItemCaseSensitive(doc, "subproblems");
	if (!cJSON_IsArray(subs))
		subs = NULL;
	cJSON_ArrayForEach(it, subs) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "identifier");
		const char *v = acme_jstr(id, "value"), *d = acme_jstr(it, "detail");

		len = strlen(e->problem_detail);
		snprintf(e->problem_detail + len, sizeof(e->problem_detail) - len, "; %s: %s",
		    v != NULL ? v : "?", d != NULL ? d : (acme_jstr(it, "type") ? acme_jstr(it, "type") : "?"));
	}
	e->retryable = r->status >= 500 || r->status == 429 ||
	    (type != NULL && (strstr(type, ":rateLimited") != NULL ||
	    strstr(type, ":serverInternal") != NULL));
out:
	cJSON_Delete(doc);
	return -1;
}

static int
is_bad_nonce(const struct err *e)
{
	return strcmp(e->problem_type, "urn:ietf:params:acme:error:badNonce") == 0;
}

/* ---- the CA's URLs ---- */

int
acme_url_check(const struct acme_client *c, const char *url, const char *what,
    struct err *e)
{
	char *origin = NULL;
	size_t i;
	int ok;

	if (url_origin(url, &origin, e) != 0) {
		err_set(e, ERR_PROTO, _("%s: the CA handed out '%s' (%s), which is not an "
		    "absolute https URL; refusing it"), c->directory_url, url != NULL ? url : "",
		    what);
		e->retryable = 0;
		return -1;
	}
	ok = c->origin != NULL && strcmp(origin, c->origin) == 0;
	for (i = 0; !ok && i < c->n_allowed; i++)
		ok = strcmp(origin, c->allowed[i]) == 0;
	free(origin);
	if (ok)
		return 0;
	err_set(e, ERR_PROTO, _("%s: the CA handed out %s (%s), which is not on the "
	    "directory's origin %s nor on one allowed for this CA (account new "
	    "--allow-origin); refusing it"), c->directory_url, url, what,
	    c->origin != NULL ? c->origin : "?");
	e->retryable = 0;
	return -1;
}

int
acme_client_allow_origin(struct acme_client *c, const char *url, struct err *e)
{
	char *origin;

	if (url_origin(url, &origin, e) != 0)
		return -1;
	if (strv_push(&c->allowed, &c->n_allowed, origin) != 0)
		return err_nomem(e);	/* origin freed */
	return 0;
}

/*
 * Takes a directory URL member: an absolute https URL (its origin is
 * checked when it is used), else absent. Returns a copy (free()), or NULL.
 */
static char *
dir_url(const cJSON *doc, const char *k)
{
	const char *s = acme_jstr(doc, k);
	char *origin = NULL;

	if (s == NULL || url_origin(s, &origin, NULL) != 0)
		return NULL;
	free(origin);
	return strdup(s);
}

/* ---- client ---- */

static void
directory_clear(struct acme_directory *d)
{
	free(d->new_nonce);
	free(d->new_account);
	free(d->new_order);
	free(d->new_authz);
	free(d->revoke_cert);
	free(d->key_change);
	free(d->renewal_info);
	free(d->terms_of_service);
	free(d->website);
	strv_free(d->caa_identities, d->n_caa_identities);
	strv_free(d->profiles, d->n_profiles);
	strv_free(d->profile_descriptions, d->n_profiles);
	memset(d, 0, sizeof(*d));
}

static int
parse_directory(struct acme_client *c, const char *body, struct err *e)
{
	struct acme_directory *d = &c->dir;
	cJSON *doc = cJSON_Parse(body), *meta, *profiles, *it;
	size_t i = 0;
	int rc = -1;

	if (!cJSON_IsObject(doc)) {
		err_set(e, ERR_PROTO, _("%s: the directory is not a JSON object"), c->directory_url);
		goto out;
	}
	/* An empty or malformed URL is as good as none (renewalInfo: no ARI). */
	d->new_nonce = dir_url(doc, "newNonce");
	d->new_account = dir_url(doc, "newAccount");
	d->new_order = dir_url(doc, "newOrder");
	d->new_authz = dir_url(doc, "newAuthz");
	d->revoke_cert = dir_url(doc, "revokeCert");
	d->key_change = dir_url(doc, "keyChange");
	d->renewal_info = dir_url(doc, "renewalInfo");
	if (d->new_nonce == NULL || d->new_account == NULL || d->new_order == NULL) {
		err_set(e, ERR_PROTO, _("%s: the directory lacks newNonce, newAccount or newOrder"),
		    c->directory_url);
		goto out;
	}
	meta = cJSON_GetObjectItemCaseSensitive(doc, "meta");
	if (cJSON_IsObject(meta)) {
		d->terms_of_service = acme_jdup(meta, "termsOfService");
		d->website = acme_jdup(meta, "website");
		d->external_account_required = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(meta, "externalAccountRequired"));
		if (acme_jstrv(cJSON_GetObjectItemCaseSensitive(meta, "caaIdentities"),
		    &d->caa_identities, &d->n_caa_identities) != 0)
			d->caa_identities = NULL, d->n_caa_identities = 0;
		profiles = cJSON_GetObjectItemCaseSensitive(meta, "profiles");
		if (cJSON_IsObject(profiles)) {
			size_t n = (size_t)cJSON_GetArraySize(profiles);

			d->profiles = calloc(n + 1, sizeof(char *));
			d->profile_descriptions = calloc(n + 1, sizeof(char *));
			if (d->profiles == NULL || d->profile_descriptions == NULL)
				goto oom;
			cJSON_ArrayForEach(it, profiles) {
				/* Counted as soon as stored, so a failure frees what exists. */
				d->profiles[i] = strdup(it->string);
				d->profile_descriptions[i] = strdup(cJSON_IsString(it) ?
				    it->valuestring : "");
				d->n_profiles = ++i;
				if (d->profiles[i - 1] == NULL || d->profile_descriptions[i - 1] == NULL)
					goto oom;
			}
		}
	}
	rc = 0;
	goto out;
oom:
	err_nomem(e);
out:
	cJSON_Delete(doc);
	return rc;
}

static int client_connect(const char *directory_url, const char *ca_bundle_pem,
    struct acme_client **out, struct err *e);
static char *take_nonce(struct acme_client *c, struct err *e);
static void keep_nonce_text(struct acme_client *c, char *n);

/* The one prewarmed connection of this process (see acme_client_prewarm). */
static struct {
	pthread_mutex_t lock;
	int pending;		/* a thread was started and not joined */
	pthread_t tid;
	char *url, *bundle;
	struct acme_client *c;	/* the thread's result, or NULL */
	struct err err;		/* why c is NULL */
} warm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *
warm_main(void *arg)
{
	struct acme_client *c = NULL;
	struct err ignore;
	char *n;

	(void)arg;
	err_clear(&warm.err);
	err_clear(&ignore);
	if (client_connect(warm.url, warm.bundle, &c, &warm.err) == 0 &&
	    (n = take_nonce(c, &ignore)) != NULL)
		keep_nonce_text(c, n);
	warm.c = c;	/* read after pthread_join, as warm.err */
	return NULL;
}

void
acme_client_prewarm(const char *directory_url, const char *ca_bundle_pem)
{
	pthread_mutex_lock(&warm.lock);
	if (warm.pending || directory_url == NULL)
		goto out;
	warm.url = strdup(directory_url);
	warm.bundle = ca_bundle_pem != NULL ? strdup(ca_bundle_pem) : NULL;
	warm.c = NULL;
	if (warm.url == NULL || (ca_bundle_pem != NULL && warm.bundle == NULL) ||
	    pthread_create(&warm.tid, NULL, warm_main, NULL) != 0) {
		free(warm.url);
		free(warm.bundle);
		warm.url = warm.bundle = NULL;
		goto out;
	}
	warm.pending = 1;
out:
	pthread_mutex_unlock(&warm.lock);
}

/*
 * Joins the prewarm thread when it is for directory_url and ca_bundle_pem
 * (or, with any, whatever it is for). Returns 0 and *out (its client), -1
 * with e filled when its connection failed (no second try: a CA that does
 * not answer would cost the wait twice), or 1 when it had nothing for this
 * CA (a client for another one is freed).
 */
static int
warm_take(const char *directory_url, const char *ca_bundle_pem, int any,
    struct acme_client **out, struct err *e)
{
	int match, rc = 1;

	*out = NULL;
	pthread_mutex_lock(&warm.lock);
	if (!warm.pending)
		goto out;
	match = strcmp(warm.url, directory_url != NULL ? directory_url : "") == 0 &&
	    ((warm.bundle == NULL && ca_bundle_pem == NULL) ||
	    (warm.bundle != NULL && ca_bundle_pem != NULL &&
	    strcmp(warm.bundle, ca_bundle_pem) == 0));
	if (!match && !any)
		goto out;
	pthread_join(warm.tid, NULL);
	warm.pending = 0;
	if (!match) {
		acme_client_free(warm.c);
	} else if (warm.c != NULL) {
		*out = warm.c;
		rc = 0;
	} else {
		*e = warm.err;
		rc = -1;
	}
	warm.c = NULL;
	free(warm.url);
	free(warm.bundle);
	warm.url = warm.bundle = NULL;
out:
	pthread_mutex_unlock(&warm.lock);
	return rc;
}

void
acme_client_prewarm_end(void)
{
	struct acme_client *c;
	struct err ignore;

	err_clear(&ignore);
	if (warm_take(NULL, NULL, 1, &c, &ignore) == 0)
		acme_client_free(c);
}

int
acme_client_new(const char *directory_url, const char *ca_bundle_pem,
    struct acme_client **out, struct err *e)
{
	int rc = warm_take(directory_url, ca_bundle_pem, 0, out, e);

	if (rc != 1)
		return rc;
	return client_connect(directory_url, ca_bundle_pem, out, e);
}

static int
client_connect(const char *directory_url, const char *ca_bundle_pem,
    struct acme_client **out, struct err *e)
{
	struct acme_client *c;
	struct http_response *r = NULL;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_nomem(e);
	c->nonce_retries = 20;	/* 50% rejection loses 1 request in 2 million */
	c->directory_url = strdup(directory_url);
	/* The directory must be https: everything else the CA says depends on it. */
	if (c->directory_url == NULL ||
	    url_origin(directory_url, &c->origin, e) != 0) {
		if (c->directory_url != NULL)
			err_set(e, ERR_USAGE, _("the ACME directory must be an https:// URL, "
			    "not '%s'"), directory_url);
		else
			err_nomem(e);
		goto fail;
	}
	if (ca_bundle_pem != NULL && (c->ca_bundle_pem = strdup(ca_bundle_pem)) == NULL)
		goto fail;
	if (c->directory_url == NULL || http_new_pem(ca_bundle_pem, &c->http, e) != 0)
		goto fail;
	if (http_request(c->http, "GET", directory_url, NULL, NULL, 0, &r, e) != 0)
		goto fail;
	if (r->status != 200) {
		acme_problem_to_err(r, directory_url, e);
		goto fail;
	}
	if (parse_directory(c, r->body, e) != 0)
		goto fail;
	c->directory_json = strdup(r->body);
	http_response_free(r);
	*out = c;
	return 0;
fail:
	http_response_free(r);
	acme_client_free(c);
	return -1;
}

void
acme_client_free(struct acme_client *c)
{
	if (c == NULL)
		return;
	http_free(c->http);
	free(c->ca_bundle_pem);
	free(c->directory_url);
	free(c->directory_json);
	directory_clear(&c->dir);
	while (c->n_nonces > 0)
		free(c->nonces[--c->n_nonces]);
	free(c->kid);
	free(c->origin);
	strv_free(c->allowed, c->n_allowed);
	free(c);
}

int
acme_client_fork(struct acme_client *parent, struct acme_client **out, struct err *e)
{
	struct acme_client *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL)
		return err_nomem(e);
	c->nonce_retries = parent->nonce_retries;
	c->key = parent->key;
	for (i = 0; i < parent->n_allowed; i++) {
		if (strv_push(&c->allowed, &c->n_allowed, strdup(parent->allowed[i])) != 0) {
			acme_client_free(c);
			return err_nomem(e);
		}
	}
	if ((c->origin = strdup(parent->origin)) == NULL ||
	    (c->directory_url = strdup(parent->directory_url)) == NULL ||
	    (c->directory_json = strdup(parent->directory_json)) == NULL ||
	    (parent->ca_bundle_pem != NULL &&
	    (c->ca_bundle_pem = strdup(parent->ca_bundle_pem)) == NULL) ||
	    (parent->kid != NULL && (c->kid = strdup(parent->kid)) == NULL)) {
		acme_client_free(c);
		return err_nomem(e);
	}
	/* The directory is parsed again from text: no request, no shared state. */
	if (http_new_pem(c->ca_bundle_pem, &c->http, e) != 0 ||
	    parse_directory(c, c->directory_json, e) != 0) {
		acme_client_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

const struct acme_directory *
acme_client_directory(struct acme_client *c)
{
	return &c->dir;
}

const char *
acme_client_directory_json(struct acme_client *c)
{
	return c->directory_json;
}

int
acme_client_set_account(struct acme_client *c, EVP_PKEY *key, const char *kid,
    struct err *e)
{
	char *copy = NULL;

	if (kid != NULL && (copy = strdup(kid)) == NULL)
		return err_nomem(e);
	c->key = key;
	free(c->kid);
	c->kid = copy;
	return 0;
}

void
acme_client_set_nonce_retries(struct acme_client *c, int n)
{
	c->nonce_retries = n < 0 ? 0 : n;
}

/* ---- nonces ---- */

static void
keep_nonce(struct acme_client *c, const struct http_response *r)
{
	char *n;

	if (r == NULL || r->replay_nonce == NULL || (n = strdup(r->replay_nonce)) == NULL)
		return;
	keep_nonce_text(c, n);
}

/* Pools nonce n (taken over). */
static void
keep_nonce_text(struct acme_client *c, char *n)
{
	if (c->n_nonces == ACME_NONCE_POOL) {
		/* Drop the oldest: a fresh nonce is least likely to have expired. */
		free(c->nonces[0]);
		memmove(c->nonces, c->nonces + 1, (ACME_NONCE_POOL - 1) * sizeof(char *));
		c->n_nonces--;
	}
	c->nonces[c->n_nonces++] = n;
}

/* Takes a pooled nonce, or fetches one. Returns a string to free(), or NULL. */
static char *
take_nonce(struct acme_client *c, struct err *e)
{
	struct http_response *r = NULL;
	char *n = NULL;

	if (c->n_nonces > 0)
		return c->nonces[--c->n_nonces];
	if (acme_url_check(c, c->dir.new_nonce, "newNonce", e) != 0)
		return NULL;
	if (http_request(c->http, "HEAD", c->dir.new_nonce, NULL, NULL, 0, &r, e) != 0)
		return NULL;
	if (r->replay_nonce == NULL)
		err_set(e, ERR_PROTO, _("%s: no Replay-Nonce in the answer"), c->dir.new_nonce);
	else if ((n = strdup(r->replay_nonce)) == NULL)
		err_nomem(e);
	http_response_free(r);
	return n;
}

/* ---- signed requests ---- */

int
acme_post_signed(struct acme_client *c, EVP_PKEY *key, const char *kid, const char *url,
    const char *payload, struct http_response **out, struct err *e)
{
	struct http_response *r = NULL;
	char *nonce, *body;
	int attempt, rc;

	if (key == NULL)
		return err_set(e, ERR_USAGE, "%s", _("no account key to sign with"));
	/* The one place every signed request passes: nothing goes off the CA's origin. */
	if (acme_url_check(c, url, _("a request URL"), e) != 0)
		return -1;
	for (attempt = 0;; attempt++) {
		if ((nonce = take_nonce(c, e)) == NULL)
			return -1;
		rc = jws_sign(key, kid, nonce, url, payload, &body, e);
		free(nonce);
		if (rc != 0)
			return -1;
		rc = http_request(c->http, "POST", url, "application/jose+json", body,
		    strlen(body), &r, e);
		free(body);
		if (rc != 0)
			return -1;
		keep_nonce(c, r);
		if (r->status >= 300 && r->status < 400) {
			/* RFC 8555 has no redirects; following one would sign for another URL. */
			err_set(e, ERR_PROTO, _("%s answered HTTP %ld (a redirect) to a signed "
			    "request; refusing it"), url, r->status);
			e->http_status = (int)r->status;
			e->retryable = 0;
			http_response_free(r);
			return -1;
		}
		if (r->status < 400) {
			*out = r;
			return 0;
		}
		acme_problem_to_err(r, url, e);
		http_response_free(r);
		r = NULL;
		/* A rejected nonce is the CA's routine, not an error: retry with a fresh one. */
		if (!is_bad_nonce(e) || attempt >= c->nonce_retries)
			return -1;
		err_clear(e);
	}
}

int
acme_post(struct acme_client *c, const char *url, const char *payload, int use_jwk,
    struct http_response **out, struct err *e)
{
	return acme_post_signed(c, c->key, use_jwk ? NULL : c->kid, url, payload, out, e);
}

int
acme_parse_json_body(const struct http_response *r, const char *url, cJSON **json, struct err *e)
{
	*json = r->body != NULL ? cJSON_Parse(r->body) : NULL;
	if (!cJSON_IsObject(*json)) {
		cJSON_Delete(*json);
		*json = NULL;
		return err_set(e, ERR_PROTO, _("%s: the answer is not a JSON object"), url);
	}
	return 0;
}

int
acme_post_json(struct acme_client *c, const char *url, const char *payload, int use_jwk,
    struct http_response **resp, cJSON **json, struct err *e)
{
	struct http_response *r;

	if (acme_post(c, url, payload, use_jwk, &r, e) != 0)
		return -1;
	if (acme_parse_json_body(r, url, json, e) != 0) {
		http_response_free(r);
		return -1;
	}
	if (resp != NULL)
		*resp = r;
	else
		http_response_free(r);
	return 0;
}
