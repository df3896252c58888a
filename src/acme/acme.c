#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme.h"
#include "base64url.h"
#include "i18n.h"
#include "jws.h"
#include "strv.h"
#include "timefmt.h"

#define NONCE_POOL 8
#define TOKEN_MAX 256

struct acme_client {
	struct http *http;
	char *ca_bundle_pem;	/* kept for forks */
	char *directory_url;
	char *directory_json;
	struct acme_directory dir;
	char *nonces[NONCE_POOL];
	int n_nonces;
	int nonce_retries;
	EVP_PKEY *key;		/* borrowed */
	char *kid;
};

/* ---- small JSON helpers ---- */

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *
jdup(const cJSON *o, const char *k)
{
	const char *s = jstr(o, k);

	return s != NULL ? strdup(s) : NULL;
}

/* Copies a JSON array of strings. Returns 0, or -1 when a member is not a string. */
static int
jstrv(const cJSON *arr, char ***out, size_t *n)
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

int
acme_parse_time(const char *s, long long *out)
{
	return timefmt_parse_rfc3339(s, out);
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
		type = jstr(doc, "type");
		detail = jstr(doc, "detail");
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
		const char *v = jstr(id, "value"), *d = jstr(it, "detail");

		len = strlen(e->problem_detail);
		snprintf(e->problem_detail + len, sizeof(e->problem_detail) - len, "; %s: %s",
		    v != NULL ? v : "?", d != NULL ? d : (jstr(it, "type") ? jstr(it, "type") : "?"));
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
	d->new_nonce = jdup(doc, "newNonce");
	d->new_account = jdup(doc, "newAccount");
	d->new_order = jdup(doc, "newOrder");
	d->new_authz = jdup(doc, "newAuthz");
	d->revoke_cert = jdup(doc, "revokeCert");
	d->key_change = jdup(doc, "keyChange");
	d->renewal_info = jdup(doc, "renewalInfo");
	if (d->new_nonce == NULL || d->new_account == NULL || d->new_order == NULL) {
		err_set(e, ERR_PROTO, _("%s: the directory lacks newNonce, newAccount or newOrder"),
		    c->directory_url);
		goto out;
	}
	meta = cJSON_GetObjectItemCaseSensitive(doc, "meta");
	if (cJSON_IsObject(meta)) {
		d->terms_of_service = jdup(meta, "termsOfService");
		d->website = jdup(meta, "website");
		d->external_account_required = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(meta, "externalAccountRequired"));
		if (jstrv(cJSON_GetObjectItemCaseSensitive(meta, "caaIdentities"),
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
	err_set(e, ERR_IO, "%s", _("out of memory"));
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
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	c->nonce_retries = 20;	/* 50% rejection loses 1 request in 2 million */
	c->directory_url = strdup(directory_url);
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
	free(c);
}

int
acme_client_fork(struct acme_client *parent, struct acme_client **out, struct err *e)
{
	struct acme_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	c->nonce_retries = parent->nonce_retries;
	c->key = parent->key;
	if ((c->directory_url = strdup(parent->directory_url)) == NULL ||
	    (c->directory_json = strdup(parent->directory_json)) == NULL ||
	    (parent->ca_bundle_pem != NULL &&
	    (c->ca_bundle_pem = strdup(parent->ca_bundle_pem)) == NULL) ||
	    (parent->kid != NULL && (c->kid = strdup(parent->kid)) == NULL)) {
		acme_client_free(c);
		return err_set(e, ERR_IO, "%s", _("out of memory"));
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
		return err_set(e, ERR_IO, "%s", _("out of memory"));
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
	if (c->n_nonces == NONCE_POOL) {
		/* Drop the oldest: a fresh nonce is least likely to have expired. */
		free(c->nonces[0]);
		memmove(c->nonces, c->nonces + 1, (NONCE_POOL - 1) * sizeof(char *));
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
	if (http_request(c->http, "HEAD", c->dir.new_nonce, NULL, NULL, 0, &r, e) != 0)
		return NULL;
	if (r->replay_nonce == NULL)
		err_set(e, ERR_PROTO, _("%s: no Replay-Nonce in the answer"), c->dir.new_nonce);
	else if ((n = strdup(r->replay_nonce)) == NULL)
		err_set(e, ERR_IO, "%s", _("out of memory"));
	http_response_free(r);
	return n;
}

/* ---- signed requests ---- */

/* POST signed by key; kid NULL embeds the jwk. */
static int
post_signed(struct acme_client *c, EVP_PKEY *key, const char *kid, const char *url,
    const char *payload, struct http_response **out, struct err *e)
{
	struct http_response *r = NULL;
	char *nonce, *body;
	int attempt, rc;

	if (key == NULL)
		return err_set(e, ERR_USAGE, "%s", _("no account key to sign with"));
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
	return post_signed(c, c->key, use_jwk ? NULL : c->kid, url, payload, out, e);
}

static int
parse_json_body(const struct http_response *r, const char *url, cJSON **json, struct err *e)
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
	if (parse_json_body(r, url, json, e) != 0) {
		http_response_free(r);
		return -1;
	}
	if (resp != NULL)
		*resp = r;
	else
		http_response_free(r);
	return 0;
}

/* Serialises o (consumed). Returns text to free(), or NULL. */
static char *
payload_of(cJSON *o)
{
	char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}

/* ---- accounts ---- */

void
acme_account_free(struct acme_account *a)
{
	if (a == NULL)
		return;
	free(a->url);
	free(a->status);
	strv_free(a->contacts, a->n_contacts);
	free(a->orders);
	free(a);
}

static int
account_from(const cJSON *doc, const char *url, struct acme_account **out, struct err *e)
{
	struct acme_account *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	a->url = url != NULL ? strdup(url) : NULL;
	a->status = jdup(doc, "status");
	a->orders = jdup(doc, "orders");
	if (jstrv(cJSON_GetObjectItemCaseSensitive(doc, "contact"), &a->contacts,
	    &a->n_contacts) != 0 || a->status == NULL) {
		acme_account_free(a);
		return err_set(e, ERR_PROTO, "%s", _("the account object is malformed"));
	}
	*out = a;
	return 0;
}

static cJSON *
contacts_array(const char *const *contacts, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(contacts[i]));
	return a;
}

int
acme_account_new(struct acme_client *c, const struct acme_account_params *p,
    struct acme_account **out, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *o = cJSON_CreateObject(), *doc = NULL, *eab = NULL;
	char *payload;
	int rc = -1;

	if (o == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	if (p->only_return_existing) {
		cJSON_AddBoolToObject(o, "onlyReturnExisting", 1);
	} else {
		if (p->agree_tos)
			cJSON_AddBoolToObject(o, "termsOfServiceAgreed", 1);
		if (p->n_contacts > 0)
			cJSON_AddItemToObject(o, "contact", contacts_array(p->contacts, p->n_contacts));
		if (p->eab_kid != NULL) {
			if (jws_eab(c->key, p->eab_kid, p->eab_hmac_key, c->dir.new_account, &eab,
			    e) != 0) {
				cJSON_Delete(o);
				return -1;
			}
			cJSON_AddItemToObject(o, "externalAccountBinding", eab);
		}
	}
	if ((payload = payload_of(o)) == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	if (acme_post_json(c, c->dir.new_account, payload, 1, &r, &doc, e) != 0)
		goto out;
	if (r->location == NULL) {
		err_set(e, ERR_PROTO, "%s", _("the CA gave no account URL (Location)"));
		goto out;
	}
	if (account_from(doc, r->location, out, e) != 0)
		goto out;
	free(c->kid);
	c->kid = strdup(r->location);
	rc = 0;
out:
	free(payload);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

int
acme_account_update(struct acme_client *c, const char *const *contacts, size_t n_contacts,
    struct acme_account **out, struct err *e)
{
	cJSON *o = cJSON_CreateObject(), *doc = NULL;
	char *payload;
	int rc;

	if (o != NULL && contacts != NULL)
		cJSON_AddItemToObject(o, "contact", contacts_array(contacts, n_contacts));
	if ((payload = payload_of(o)) == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	rc = acme_post_json(c, c->kid, payload, 0, NULL, &doc, e);
	free(payload);
	if (rc == 0)
		rc = account_from(doc, c->kid, out, e);
	cJSON_Delete(doc);
	return rc;
}

int
acme_account_deactivate(struct acme_client *c, struct err *e)
{
	cJSON *doc = NULL;
	const char *status;
	int rc;

	rc = acme_post_json(c, c->kid, "{\"status\":\"deactivated\"}", 0, NULL, &doc, e);
	if (rc == 0 && ((status = jstr(doc, "status")) == NULL ||
	    strcmp(status, "deactivated") != 0))
		rc = err_set(e, ERR_PROTO, "%s", _("the CA did not deactivate the account"));
	cJSON_Delete(doc);
	return rc;
}

int
acme_account_key_change(struct acme_client *c, EVP_PKEY *new_key, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *o = cJSON_CreateObject(), *old_jwk = NULL;
	char *payload = NULL, *inner = NULL;
	int rc = -1;

	if (c->dir.key_change == NULL) {
		cJSON_Delete(o);
		return err_set(e, ERR_PROTO, "%s", _("this CA does not support key changes"));
	}
	if (o == NULL || jws_jwk(c->key, &old_jwk, e) != 0)
		goto out;
	cJSON_AddStringToObject(o, "account", c->kid);
	cJSON_AddItemToObject(o, "oldKey", old_jwk);
	payload = payload_of(o);
	o = NULL;
	/* The inner JWS: signed by the new key, with its jwk, no nonce. */
	if (payload == NULL || jws_sign(new_key, NULL, NULL, c->dir.key_change, payload,
	    &inner, e) != 0)
		goto out;
	if (acme_post(c, c->dir.key_change, inner, 0, &r, e) != 0)
		goto out;
	c->key = new_key;
	rc = 0;
out:
	cJSON_Delete(o);
	free(payload);
	free(inner);
	http_response_free(r);
	return rc;
}

/* ---- identifiers ---- */

void
acme_identifiers_free(struct acme_identifier *ids, size_t n)
{
	size_t i;

	for (i = 0; ids != NULL && i < n; i++) {
		free(ids[i].type);
		free(ids[i].value);
	}
	free(ids);
}

/* 1 when name is a plausible DNS name (with an optional leading "*."). */
static int
dns_name_ok(const char *name)
{
	const char *p = name;
	size_t label = 0;

	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	if (*p == '\0' || strlen(name) > 253)
		return 0;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/* 1 when id is a dns name (no wildcard prefix: RFC 8555 7.1.4) or an IP address. */
static int
identifier_ok(const struct acme_identifier *id)
{
	unsigned char buf[16];

	if (id->type == NULL || id->value == NULL)
		return 0;
	if (strcmp(id->type, "dns") == 0)
		return strncmp(id->value, "*.", 2) != 0 && dns_name_ok(id->value);
	if (strcmp(id->type, "ip") == 0)
		return inet_pton(AF_INET, id->value, buf) == 1 ||
		    inet_pton(AF_INET6, id->value, buf) == 1;
	return 0;
}

int
acme_identifiers_from_names(const char *const *names, size_t n,
    struct acme_identifier **out, struct err *e)
{
	struct acme_identifier *ids;
	unsigned char buf[16];
	size_t i, j;

	ids = calloc(n + 1, sizeof(*ids));
	if (ids == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	for (i = 0; i < n; i++) {
		const char *name = names[i];

		if (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1) {
			ids[i].type = strdup("ip");
			ids[i].value = strdup(name);
		} else if (dns_name_ok(name)) {
			ids[i].type = strdup("dns");
			ids[i].value = strdup(name);
			for (j = 0; ids[i].value != NULL && ids[i].value[j] != '\0'; j++)
				ids[i].value[j] = (char)tolower((unsigned char)ids[i].value[j]);
		} else {
			acme_identifiers_free(ids, n);
			return err_set(e, ERR_USAGE, _("'%s' is not a DNS name or IP address"), name);
		}
		if (ids[i].type == NULL || ids[i].value == NULL) {
			acme_identifiers_free(ids, n);
			return err_set(e, ERR_IO, "%s", _("out of memory"));
		}
	}
	*out = ids;
	return 0;
}

/* ---- orders ---- */

void
acme_order_free(struct acme_order *o)
{
	if (o == NULL)
		return;
	free(o->url);
	free(o->status);
	free(o->expires);
	acme_identifiers_free(o->identifiers, o->n_identifiers);
	strv_free(o->authorizations, o->n_authorizations);
	free(o->finalize);
	free(o->certificate);
	free(o->profile);
	cJSON_Delete(o->error);
	free(o);
}

static int
order_from(const cJSON *doc, const char *url, const struct http_response *r,
    struct acme_order **out, struct err *e)
{
	struct acme_order *o = calloc(1, sizeof(*o));
	const cJSON *ids, *it, *err;
	size_t i = 0;

	if (o == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	o->url = url != NULL ? strdup(url) : NULL;
	o->status = jdup(doc, "status");
	o->expires = jdup(doc, "expires");
	o->finalize = jdup(doc, "finalize");
	o->certificate = jdup(doc, "certificate");
	o->profile = jdup(doc, "profile");
	o->retry_after = r != NULL ? r->retry_after : -1;
	err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (cJSON_IsObject(err))
		o->error = cJSON_Duplicate(err, 1);
	ids = cJSON_GetObjectItemCaseSensitive(doc, "identifiers");
	if (cJSON_IsArray(ids)) {
		o->identifiers = calloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof(*o->identifiers));
		cJSON_ArrayForEach(it, ids) {
			if (o->identifiers == NULL)
				break;
			o->identifiers[i].type = jdup(it, "type");
			o->identifiers[i].value = jdup(it, "value");
			i++;
		}
		o->n_identifiers = i;
	}
	if (o->status == NULL || o->finalize == NULL ||
	    jstrv(cJSON_GetObjectItemCaseSensitive(doc, "authorizations"), &o->authorizations,
	    &o->n_authorizations) != 0) {
		acme_order_free(o);
		return err_set(e, ERR_PROTO, _("%s: the order object is malformed"),
		    url != NULL ? url : "newOrder");
	}
	*out = o;
	return 0;
}

static int ari_cert_id_ok(const char *id);

/* Appends s to buf (size n) with anything but printable ASCII shown as '?'. */
static void
append_printable(char *buf, size_t n, const char *s)
{
	size_t len = strlen(buf);

	for (; *s != '\0' && len + 1 < n; s++)
		buf[len++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	buf[len] = '\0';
}

/*
 * A profile is asked for by name: refuse one the CA does not advertise
 * before anything is sent, naming those it does (the CA's names are shown
 * printable-only: they are its data, going to a terminal).
 */
static int
check_profile(const struct acme_directory *d, const char *profile, struct err *e)
{
	char list[512] = "";
	size_t i;

	if (d->n_profiles == 0)
		return err_set(e, ERR_USAGE, _("this CA offers no profiles (asked for '%s')"),
		    profile);
	for (i = 0; i < d->n_profiles; i++) {
		if (strcmp(d->profiles[i], profile) == 0)
			return 0;
	}
	for (i = 0; i < d->n_profiles; i++) {
		if (i > 0)
			append_printable(list, sizeof(list), ", ");
		append_printable(list, sizeof(list), d->profiles[i]);
	}
	return err_set(e, ERR_USAGE, _("this CA has no profile '%s'; it offers: %s"), profile,
	    list);
}

int
acme_order_new(struct acme_client *c, const struct acme_identifier *ids, size_t n,
    const char *profile, const char *replaces, struct acme_order **out, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *o = cJSON_CreateObject(), *arr, *it, *doc = NULL;
	char *payload;
	size_t i;
	int rc = -1;

	if (o == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	arr = cJSON_AddArrayToObject(o, "identifiers");
	for (i = 0; arr != NULL && i < n; i++) {
		it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "type", ids[i].type);
		cJSON_AddStringToObject(it, "value", ids[i].value);
		cJSON_AddItemToArray(arr, it);
	}
	if (profile != NULL) {
		if (check_profile(&c->dir, profile, e) != 0) {
			cJSON_Delete(o);
			return -1;
		}
		cJSON_AddStringToObject(o, "profile", profile);
	}
	/* replaces only where ARI exists: other CAs may reject the unknown field. */
	if (replaces != NULL && c->dir.renewal_info != NULL) {
		if (!ari_cert_id_ok(replaces)) {
			cJSON_Delete(o);
			return err_set(e, ERR_USAGE, "%s", _("malformed ARI certificate ID"));
		}
		cJSON_AddStringToObject(o, "replaces", replaces);
	}
	if ((payload = payload_of(o)) == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	if (acme_post_json(c, c->dir.new_order, payload, 0, &r, &doc, e) != 0)
		goto out;
	if (r->location == NULL) {
		err_set(e, ERR_PROTO, "%s", _("the CA gave no order URL (Location)"));
		goto out;
	}
	rc = order_from(doc, r->location, r, out, e);
out:
	free(payload);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

int
acme_order_get(struct acme_client *c, const char *url, struct acme_order **out,
    struct err *e)
{
	struct http_response *r = NULL;
	cJSON *doc = NULL;
	int rc;

	rc = acme_post_json(c, url, NULL, 0, &r, &doc, e);
	if (rc == 0)
		rc = order_from(doc, url, r, out, e);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

int
acme_order_finalize(struct acme_client *c, const struct acme_order *o,
    const unsigned char *csr_der, size_t csr_len, struct acme_order **out, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *p = cJSON_CreateObject(), *doc = NULL;
	char *csr = base64url_encode(csr_der, csr_len), *payload;
	int rc = -1;

	if (p != NULL && csr != NULL)
		cJSON_AddStringToObject(p, "csr", csr);
	free(csr);
	if ((payload = payload_of(p)) == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	if (acme_post_json(c, o->finalize, payload, 0, &r, &doc, e) == 0)
		rc = order_from(doc, o->url, r, out, e);
	free(payload);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

/* ---- authorizations ---- */

void
acme_authz_free(struct acme_authz *a)
{
	size_t i;

	if (a == NULL)
		return;
	free(a->url);
	free(a->identifier.type);
	free(a->identifier.value);
	free(a->status);
	free(a->expires);
	for (i = 0; i < a->n_challenges; i++) {
		free(a->challenges[i].type);
		free(a->challenges[i].url);
		free(a->challenges[i].status);
		free(a->challenges[i].token);
		cJSON_Delete(a->challenges[i].error);
	}
	free(a->challenges);
	free(a);
}

int
acme_authz_get(struct acme_client *c, const char *url, struct acme_authz **out,
    struct err *e)
{
	struct http_response *r = NULL;
	struct acme_authz *a = NULL;
	cJSON *doc = NULL, *chs, *it, *id, *er;
	size_t i = 0;
	int rc = -1;

	if (acme_post_json(c, url, NULL, 0, &r, &doc, e) != 0)
		return -1;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		err_set(e, ERR_IO, "%s", _("out of memory"));
		goto out;
	}
	a->url = strdup(url);
	a->status = jdup(doc, "status");
	a->expires = jdup(doc, "expires");
	a->wildcard = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "wildcard"));
	a->retry_after = r->retry_after;
	id = cJSON_GetObjectItemCaseSensitive(doc, "identifier");
	a->identifier.type = jdup(id, "type");
	a->identifier.value = jdup(id, "value");
	chs = cJSON_GetObjectItemCaseSensitive(doc, "challenges");
	if (a->status == NULL || a->identifier.value == NULL || !cJSON_IsArray(chs)) {
		err_set(e, ERR_PROTO, _("%s: the authorization object is malformed"), url);
		goto out;
	}
	/* Like the token, the CA's identifier becomes a record name and a hook argument. */
	if (!identifier_ok(&a->identifier)) {
		err_set(e, ERR_PROTO, _("%s: the CA sent an authorization for a malformed "
		    "identifier; refusing it"), url);
		goto out;
	}
	a->challenges = calloc((size_t)cJSON_GetArraySize(chs) + 1, sizeof(*a->challenges));
	if (a->challenges == NULL) {
		err_set(e, ERR_IO, "%s", _("out of memory"));
		goto out;
	}
	cJSON_ArrayForEach(it, chs) {
		struct acme_challenge *ch = &a->challenges[i];

		ch->type = jdup(it, "type");
		ch->url = jdup(it, "url");
		ch->status = jdup(it, "status");
		ch->token = jdup(it, "token");
		er = cJSON_GetObjectItemCaseSensitive(it, "error");
		if (cJSON_IsObject(er))
			ch->error = cJSON_Duplicate(er, 1);
		a->n_challenges = ++i;
		if (ch->type == NULL || ch->url == NULL || ch->status == NULL) {
			err_set(e, ERR_PROTO, _("%s: a challenge object is malformed"), url);
			goto out;
		}
		/* The CA's token will become a file name, a record, a hook argument. */
		if (ch->token != NULL && !base64url_is_token(ch->token, TOKEN_MAX)) {
			err_set(e, ERR_PROTO, _("%s: the CA sent a challenge token that is not "
			    "base64url; refusing it"), a->identifier.value);
			goto out;
		}
	}
	*out = a;
	a = NULL;
	rc = 0;
out:
	acme_authz_free(a);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

const struct acme_challenge *
acme_authz_challenge(const struct acme_authz *a, const char *type)
{
	size_t i;

	for (i = 0; i < a->n_challenges; i++) {
		if (strcmp(a->challenges[i].type, type) == 0 && a->challenges[i].token != NULL)
			return &a->challenges[i];
	}
	return NULL;
}

int
acme_challenge_respond(struct acme_client *c, const char *url, struct err *e)
{
	struct http_response *r = NULL;
	int rc = acme_post(c, url, "{}", 0, &r, e);

	http_response_free(r);
	return rc;
}

int
acme_authz_deactivate(struct acme_client *c, const char *url, struct err *e)
{
	struct http_response *r = NULL;
	int rc = acme_post(c, url, "{\"status\":\"deactivated\"}", 0, &r, e);

	http_response_free(r);
	return rc;
}

/* ---- certificates ---- */

int
acme_cert_download(struct acme_client *c, const char *url, char **pem, char ***alternates,
    size_t *n_alternates, struct err *e)
{
	struct http_response *r = NULL;
	size_t i;

	*alternates = NULL;
	*n_alternates = 0;
	if (acme_post(c, url, NULL, 0, &r, e) != 0)
		return -1;
	if (r->body == NULL || strstr(r->body, "-----BEGIN CERTIFICATE-----") == NULL) {
		http_response_free(r);
		return err_set(e, ERR_PROTO, _("%s: the answer is not a PEM certificate chain"), url);
	}
	*pem = r->body;
	r->body = NULL;
	if (r->n_links_alternate > 0) {
		*alternates = calloc(r->n_links_alternate, sizeof(char *));
		for (i = 0; *alternates != NULL && i < r->n_links_alternate; i++)
			if (((*alternates)[i] = strdup(r->links_alternate[i])) != NULL)
				(*n_alternates)++;
	}
	http_response_free(r);
	return 0;
}

int
acme_revoke(struct acme_client *c, const unsigned char *cert_der, size_t der_len,
    int reason, EVP_PKEY *cert_key, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *o = cJSON_CreateObject();
	char *der = base64url_encode(cert_der, der_len), *payload;
	int rc;

	if (c->dir.revoke_cert == NULL) {
		cJSON_Delete(o);
		free(der);
		return err_set(e, ERR_PROTO, "%s", _("this CA has no revokeCert endpoint"));
	}
	if (o != NULL && der != NULL) {
		cJSON_AddStringToObject(o, "certificate", der);
		cJSON_AddNumberToObject(o, "reason", reason);
	}
	free(der);
	if ((payload = payload_of(o)) == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	if (cert_key != NULL)
		rc = post_signed(c, cert_key, NULL, c->dir.revoke_cert, payload, &r, e);
	else
		rc = acme_post(c, c->dir.revoke_cert, payload, 0, &r, e);
	free(payload);
	http_response_free(r);
	return rc;
}

/* ---- ARI ---- */

int
acme_ari_cert_id(const unsigned char *aki, size_t aki_len, const unsigned char *serial,
    size_t serial_len, char **out, struct err *e)
{
	char *a, *s;
	size_t n;

	if (aki == NULL || aki_len == 0 || serial == NULL || serial_len == 0)
		return err_set(e, ERR_INPUT, "%s",
		    _("the certificate has no authority key identifier or serial"));
	a = base64url_encode(aki, aki_len);
	s = base64url_encode(serial, serial_len);
	if (a == NULL || s == NULL) {
		free(a);
		free(s);
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	}
	n = strlen(a) + strlen(s) + 2;
	if ((*out = malloc(n)) != NULL)
		snprintf(*out, n, "%s.%s", a, s);
	free(a);
	free(s);
	return *out != NULL ? 0 : err_set(e, ERR_IO, "%s", _("out of memory"));
}

/*
 * 1 for "B64.B64": exactly one dot between two non-empty base64url parts.
 * The ID becomes a path segment, so "../" or a second "/" must not pass.
 */
static int
ari_cert_id_ok(const char *id)
{
	const char *dot = strchr(id, '.');
	size_t i;

	if (dot == NULL || dot == id || dot[1] == '\0' || strlen(id) > 1024 ||
	    strchr(dot + 1, '.') != NULL)
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		if (id + i != dot && !isalnum((unsigned char)id[i]) && id[i] != '-' &&
		    id[i] != '_')
			return 0;
	}
	return 1;
}

int
acme_renewal_info_get(struct acme_client *c, const char *cert_id,
    struct acme_renewal_info *out, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *doc = NULL, *win;
	char *url;
	size_t n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	if (c->dir.renewal_info == NULL)
		return 1;
	if (!ari_cert_id_ok(cert_id))
		return err_set(e, ERR_USAGE, "%s", _("malformed ARI certificate ID"));
	n = strlen(c->dir.renewal_info) + strlen(cert_id) + 2;
	if ((url = malloc(n)) == NULL)
		return err_set(e, ERR_IO, "%s", _("out of memory"));
	snprintf(url, n, "%s%s%s", c->dir.renewal_info,
	    c->dir.renewal_info[strlen(c->dir.renewal_info) - 1] == '/' ? "" : "/", cert_id);
	if (http_request(c->http, "GET", url, NULL, NULL, 0, &r, e) != 0)
		goto out;
	if (r->status != 200) {
		acme_problem_to_err(r, url, e);
		goto out;
	}
	if (parse_json_body(r, url, &doc, e) != 0)
		goto out;
	win = cJSON_GetObjectItemCaseSensitive(doc, "suggestedWindow");
	if (timefmt_parse_rfc3339(jstr(win, "start"), &out->window_start) != 0 ||
	    timefmt_parse_rfc3339(jstr(win, "end"), &out->window_end) != 0 ||
	    out->window_end < out->window_start) {
		err_set(e, ERR_PROTO, _("%s: no valid suggestedWindow"), url);
		goto out;
	}
	out->explanation_url = jdup(doc, "explanationURL");
	out->retry_after = r->retry_after;
	rc = 0;
out:
	free(url);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}
