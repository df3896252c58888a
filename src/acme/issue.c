#include "config.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "account.h"
#include "acme.h"
#include "cert_record.h"
#include "crypto.h"
#include "i18n.h"
#include "issue.h"
#include "jobs.h"
#include "jws.h"
#include "solver.h"
#include "solver_pool.h"
#include "store_cert.h"
#include "store_key.h"
#include "testhook.h"
#include "timefmt.h"

enum {
	STEP_ORDER = 1,
	STEP_AUTHZ,
	STEP_VALIDATE,
	STEP_FINALIZE,
	STEP_DOWNLOAD,
	STEP_STORE,
	STEP_COUNT = STEP_STORE
};

/* Polling: start short (a local CA answers in milliseconds), back off to 1 s. */
#define POLL_FIRST_MS 2
#define POLL_MAX_MS 1000
/* A CA that shows no progress for this long is left for a later attempt. */
#define POLL_STALL_S 90
/* A Retry-After longer than this is not waited on in the foreground. */
#define RETRY_AFTER_WAIT_MAX 60
/* A Retry-After longer than this (a day) is refused: the order is given up. */
#define RETRY_AFTER_DEFER_MAX 86400
/* Waits are sliced so a stop request (Ctrl-C, quitting the screen) is seen soon. */
#define WAIT_SLICE_MS 100
/* How far in the future an issued certificate's notBefore may be (clock skew). */
#define ISSUED_SKEW_S 300
/* Connections used at once to fetch and answer an order's authorizations. */
#define ANSWER_THREADS 8

/* ---- settings ---- */

void
issue_settings_clear(struct issue_settings *s)
{
	free(s->challenge);
	free(s->http_addr);
	free(s->webroot);
	free(s->dns_hook);
	free(s->dns_provider);
	free(s->dns_server);
	free(s->tsig_key_file);
	free(s->pdns_url);
	free(s->pdns_api_key_file);
	free(s->pdns_server_id);
	free(s->dns_zone);
	free(s->challenge_alias);
	free(s->dns_resolvers);
	free(s->tls_addr);
	free(s->key_type);
	free(s->preferred_chain);
	memset(s, 0, sizeof(*s));
}

static void
add_opt_str(cJSON *o, const char *k, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
}

char *
issue_settings_to_json(const struct issue_settings *s)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (o == NULL)
		return NULL;
	add_opt_str(o, "challenge", s->challenge);
	add_opt_str(o, "http_addr", s->http_addr);
	if (s->http_port > 0)
		cJSON_AddNumberToObject(o, "http_port", s->http_port);
	add_opt_str(o, "webroot", s->webroot);
	add_opt_str(o, "dns_provider", s->dns_provider);
	add_opt_str(o, "dns_hook", s->dns_hook);
	add_opt_str(o, "dns_server", s->dns_server);
	add_opt_str(o, "tsig_key_file", s->tsig_key_file);
	add_opt_str(o, "pdns_url", s->pdns_url);
	add_opt_str(o, "pdns_api_key_file", s->pdns_api_key_file);
	add_opt_str(o, "pdns_server_id", s->pdns_server_id);
	add_opt_str(o, "dns_zone", s->dns_zone);
	add_opt_str(o, "challenge_alias", s->challenge_alias);
	add_opt_str(o, "dns_resolvers", s->dns_resolvers);
	if (s->dns_timeout > 0)
		cJSON_AddNumberToObject(o, "dns_timeout", s->dns_timeout);
	if (s->dns_hook_timeout > 0)
		cJSON_AddNumberToObject(o, "dns_hook_timeout", s->dns_hook_timeout);
	add_opt_str(o, "tls_addr", s->tls_addr);
	if (s->tls_port > 0)
		cJSON_AddNumberToObject(o, "tls_port", s->tls_port);
	add_opt_str(o, "key_type", s->key_type);
	add_opt_str(o, "preferred_chain", s->preferred_chain);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static char *
json_str_dup(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsString(v) && v->valuestring != NULL)
		return strdup(v->valuestring);
	return dflt != NULL ? strdup(dflt) : NULL;
}

static int
json_int(const cJSON *o, const char *k, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valueint : dflt;
}

int
issue_settings_from_json(const char *json, struct issue_settings *out, struct err *e)
{
	cJSON *o = json != NULL ? cJSON_Parse(json) : cJSON_CreateObject();

	memset(out, 0, sizeof(*out));
	if (o == NULL)
		return err_set(e, ERR_STORE, "%s", _("the order's settings are not valid JSON"));
	out->challenge = json_str_dup(o, "challenge", "http-01");
	out->http_addr = json_str_dup(o, "http_addr", NULL);
	out->http_port = json_int(o, "http_port", 80);
	out->webroot = json_str_dup(o, "webroot", NULL);
	out->dns_provider = json_str_dup(o, "dns_provider", NULL);
	out->dns_hook = json_str_dup(o, "dns_hook", NULL);
	out->dns_server = json_str_dup(o, "dns_server", NULL);
	out->tsig_key_file = json_str_dup(o, "tsig_key_file", NULL);
	out->pdns_url = json_str_dup(o, "pdns_url", NULL);
	out->pdns_api_key_file = json_str_dup(o, "pdns_api_key_file", NULL);
	out->pdns_server_id = json_str_dup(o, "pdns_server_id", NULL);
	out->dns_zone = json_str_dup(o, "dns_zone", NULL);
	out->challenge_alias = json_str_dup(o, "challenge_alias", NULL);
	out->dns_resolvers = json_str_dup(o, "dns_resolvers", NULL);
	out->dns_timeout = json_int(o, "dns_timeout", 120);
	out->dns_hook_timeout = json_int(o, "dns_hook_timeout", 0);
	out->tls_addr = json_str_dup(o, "tls_addr", NULL);
	out->tls_port = json_int(o, "tls_port", 443);
	out->key_type = json_str_dup(o, "key_type", "ec256");
	out->preferred_chain = json_str_dup(o, "preferred_chain", NULL);
	cJSON_Delete(o);
	if (out->challenge == NULL || out->key_type == NULL) {
		issue_settings_clear(out);
		return err_nomem(e);
	}
	return 0;
}

/* ---- order creation ---- */

int
issue_order_create(struct store *st, int64_t account_id, const char *const *names,
    size_t n_names, const char *profile, const char *replaces,
    const struct issue_settings *settings, int64_t *order_id, struct err *e)
{
	struct acme_identifier *ids = NULL;
	struct order_row row = { 0 };
	cJSON *arr = NULL, *it;
	enum key_type kt;
	size_t i;
	int rc = -1;

	if (n_names == 0)
		return err_set(e, ERR_USAGE, "%s", _("no names given"));
	if (crypto_key_type_parse(settings->key_type ? settings->key_type : "ec256", &kt, e) != 0)
		return -1;
	if (acme_identifiers_from_names(names, n_names, &ids, e) != 0)
		return -1;
	if ((arr = cJSON_CreateArray()) == NULL)
		goto oom;
	for (i = 0; i < n_names; i++) {
		if ((it = cJSON_CreateObject()) == NULL)
			goto oom;
		cJSON_AddItemToArray(arr, it);
		cJSON_AddStringToObject(it, "type", ids[i].type);
		cJSON_AddStringToObject(it, "value", ids[i].value);
	}
	row.account_id = account_id;
	row.status = (char *)"new";
	row.profile = (char *)profile;
	row.replaces = (char *)replaces;
	row.identifiers_json = cJSON_PrintUnformatted(arr);
	row.settings_json = issue_settings_to_json(settings);
	if (row.identifiers_json == NULL || row.settings_json == NULL)
		goto oom;
	if (store_order_insert(st, &row, e) != 0)
		goto out;
	*order_id = row.id;
	rc = 0;
	goto out;
oom:
	err_nomem(e);
out:
	free(row.identifiers_json);
	free(row.settings_json);
	cJSON_Delete(arr);
	acme_identifiers_free(ids, n_names);
	return rc;
}

int
issue_key_check(const char *key_pem, struct err *e)
{
	EVP_PKEY *key = NULL;
	enum key_type kt;
	int rc;

	rc = crypto_key_from_pem(key_pem, strlen(key_pem), &key, e) != 0 ||
	    crypto_key_type_of(key, &kt, e) != 0 ? -1 : 0;
	EVP_PKEY_free(key);
	return rc;
}

/*
 * Reads a user's key and writes it back in certdeck's form. Returns 0,
 * *pem (wipe with OPENSSL_cleanse, then free()) and *kt, or -1.
 */
static int
key_normalise(const char *key_pem, char **pem, enum key_type *kt, struct err *e)
{
	EVP_PKEY *key = NULL;
	int rc;

	*pem = NULL;
	rc = crypto_key_from_pem(key_pem, strlen(key_pem), &key, e) != 0 ||
	    crypto_key_type_of(key, kt, e) != 0 || crypto_key_to_pem(key, pem, e) != 0 ? -1 : 0;
	EVP_PKEY_free(key);
	return rc;
}

/*
 * Stores pem (of type kt) and links it to order_id, inside the caller's
 * transaction. Returns 0 or -1.
 */
static int
order_link_key(struct store *st, int64_t order_id, const char *pem, enum key_type kt,
    struct err *e)
{
	struct order_row *o = NULL;
	struct issue_settings set;
	int rc = -1;

	if (store_order_get(st, order_id, &o, e) != 0 ||
	    store_key_insert(st, crypto_key_type_name(kt), pem, &o->key_id, e) != 0)
		goto out;
	/* Renewals keep the key type: make the settings say what this key is. */
	if (issue_settings_from_json(o->settings_json, &set, e) != 0)
		goto out;
	free(set.key_type);
	set.key_type = strdup(crypto_key_type_name(kt));
	free(o->settings_json);
	o->settings_json = issue_settings_to_json(&set);
	issue_settings_clear(&set);
	rc = store_order_update(st, o, e);
out:
	order_row_free(o);
	return rc;
}

/* Wipes and frees a key's PEM text. Accepts NULL. */
static void
pem_free(char *pem)
{
	if (pem != NULL)
		OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
}

int
issue_order_set_key(struct store *st, int64_t order_id, const char *key_pem, struct err *e)
{
	enum key_type kt;
	char *pem = NULL;
	int rc = -1;

	if (key_normalise(key_pem, &pem, &kt, e) != 0 || store_begin(st, e) != 0)
		goto out;
	if (order_link_key(st, order_id, pem, kt, e) != 0 || store_commit(st, e) != 0) {
		store_rollback(st);
		goto out;
	}
	rc = 0;
out:
	pem_free(pem);
	return rc;
}

int
issue_submit(struct store *st, const struct issue_request *req, const char *actor,
    int64_t *order_id, int64_t *job_id, struct err *e)
{
	enum key_type kt;
	char *pem = NULL;
	int64_t oid = 0, jid = 0;
	int rc = -1;

	/* The key is read before the transaction: no lock is held for crypto work. */
	if (req->key_pem != NULL && key_normalise(req->key_pem, &pem, &kt, e) != 0) {
		if (req->key_label != NULL)
			err_prefix(e, "%s", req->key_label);
		goto out;
	}
	if (store_begin(st, e) != 0)
		goto out;
	if (issue_order_create(st, req->account_id, req->names, req->n_names, req->profile,
	    NULL, req->settings, &oid, e) != 0)
		goto rollback;
	if (pem != NULL && order_link_key(st, oid, pem, kt, e) != 0) {
		if (req->key_label != NULL)
			err_prefix(e, "%s", req->key_label);
		goto rollback;
	}
	if (store_job_add(st, JOB_ISSUE, oid, req->params, 0, actor, &jid, e) != 0 ||
	    store_commit(st, e) != 0)
		goto rollback;
	*order_id = oid;
	*job_id = jid;
	rc = 0;
	goto out;
rollback:
	store_rollback(st);
out:
	pem_free(pem);
	return rc;
}

/* ---- running ---- */

struct run {
	struct store *st;
	struct order_row *order;
	struct account_session *acct;
	int acct_borrowed;	/* from a worker's cache: not ours to free */
	struct issue_settings set;
	const struct issue_progress *progress;
	struct acme_identifier *ids;
	size_t n_ids;
	struct solver *solver;
	int journaled;		/* the order's settings list dns-01 records to remove */
	EVP_PKEY *key;		/* the certificate key, once generated or loaded */
	pthread_mutex_t lock;	/* the solver and the answer queue, across threads */
};

static void
say(struct run *r, int step, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(struct run *r, int step, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (r->progress == NULL || r->progress->fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->progress->fn(r->progress->arg, step, STEP_COUNT, msg);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* At a step boundary: does the caller want us to stop here? Fills e if so. */
static int
stop_here(struct run *r, struct err *e)
{
	if (r->progress == NULL || r->progress->should_stop == NULL ||
	    !r->progress->should_stop(r->progress->arg))
		return 0;
	err_set(e, ERR_NONE, "%s", _("stopped between steps; the order resumes from here"));
	e->retryable = 1;
	return 1;
}

/* Saves the order row; a failure here is a store failure. */
static int
save_order(struct run *r, struct err *e)
{
	return store_order_update(r->st, r->order, e);
}

static void
set_str(char **dst, const char *src)
{
	if (src == NULL)
		return;
	free(*dst);
	*dst = strdup(src);
}

/* Copies what the CA said about the order into the row. */
static void
absorb_order(struct run *r, const struct acme_order *o)
{
	long long t;

	set_str(&r->order->url, o->url);
	set_str(&r->order->status, o->status);
	set_str(&r->order->finalize_url, o->finalize);
	set_str(&r->order->certificate_url, o->certificate);
	if (o->expires != NULL && timefmt_parse_rfc3339(o->expires, &t) == 0)
		r->order->expires = t;
	if (o->error != NULL) {
		free(r->order->error_json);
		r->order->error_json = cJSON_PrintUnformatted(o->error);
	}
}

/* Fills e from a problem document held as cJSON (an order's or a challenge's error). */
static int
problem_err(struct err *e, const cJSON *problem, const char *name, const char *what)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(problem, "type");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(problem, "detail");

	err_set(e, ERR_ACME, "%s: %s", name, what);
	if (cJSON_IsString(type))
		snprintf(e->problem_type, sizeof(e->problem_type), "%s", type->valuestring);
	if (cJSON_IsString(detail))
		snprintf(e->problem_detail, sizeof(e->problem_detail), "%s", detail->valuestring);
	e->retryable = 0;
	return -1;
}

static int
make_solver(struct run *r, struct err *e)
{
	const struct issue_settings *set = &r->set;
	struct solver_config sc = {
		.challenge = set->challenge, .http_addr = set->http_addr,
		.http_port = set->http_port, .webroot = set->webroot,
		.dns_provider = set->dns_provider, .dns_server = set->dns_server,
		.tsig_key_file = set->tsig_key_file, .dns_zone = set->dns_zone,
		.challenge_alias = set->challenge_alias,
		.pdns_url = set->pdns_url, .pdns_api_key_file = set->pdns_api_key_file,
		.pdns_server_id = set->pdns_server_id,
		.dns_hook = set->dns_hook, .dns_resolvers = set->dns_resolvers,
		.dns_timeout = set->dns_timeout, .dns_hook_timeout = set->dns_hook_timeout,
		.tls_addr = set->tls_addr,
		.tls_port = set->tls_port,
	};

	return solver_pool_get(&sc, &r->solver, e);
}

/* Stores an authorization and its challenges as the CA described them. */
static int
record_authz(struct run *r, const struct acme_authz *a, struct err *e)
{
	int64_t authz_id;
	size_t i;
	char *errj;

	if (store_authz_put(r->st, r->order->id, a->url, a->identifier.type,
	    a->identifier.value, a->wildcard, a->status, 0, &authz_id, e) != 0)
		return -1;
	for (i = 0; i < a->n_challenges; i++) {
		const struct acme_challenge *c = &a->challenges[i];
		int rc;

		errj = c->error != NULL ? cJSON_PrintUnformatted(c->error) : NULL;
		rc = store_challenge_put(r->st, authz_id, c->type, c->url, c->token,
		    c->status, errj, e);
		free(errj);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* The display name of an authorization: "*.example.com" for wildcards. */
static void
authz_name(const struct acme_authz *a, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", a->wildcard ? "*." : "", a->identifier.value);
}

/*
 * Sleeps ms, in slices after which the caller is asked whether to stop
 * (Ctrl-C, a cancelled job, the screen quitting): a wait of a minute ends
 * within a slice. Returns 0, or 1 with e filled when told to stop.
 */
static int
wait_ms(struct run *r, long ms, struct err *e)
{
	while (ms > 0) {
		long slice = ms > WAIT_SLICE_MS ? WAIT_SLICE_MS : ms;

		sleep_ms(slice);
		ms -= slice;
		if (ms > 0 && stop_here(r, e))
			return 1;
	}
	return 0;
}

/*
 * Waits out a Retry-After (never less than the poll interval: "0" is no
 * licence to hammer the CA), leaves a longer one to a later attempt, and
 * gives up on an absurd one (a CA asking for a year would otherwise stall
 * the job silently until the certificate expires).
 */
static int
wait_or_defer(struct run *r, long retry_after, long *delay_ms, struct err *e)
{
	long ms;

	if (retry_after > RETRY_AFTER_DEFER_MAX) {
		err_set(e, ERR_ACME, _("the CA asked to wait %ld seconds before asking again, "
		    "more than certdeck waits for an order (%d); giving up on it: try again "
		    "later"), retry_after, RETRY_AFTER_DEFER_MAX);
		e->retryable = 0;
		return -1;
	}
	if (retry_after > RETRY_AFTER_WAIT_MAX) {
		err_set(e, ERR_ACME, _("the CA asked to retry in %ld seconds"), retry_after);
		e->retryable = 1;
		e->retry_after = retry_after;
		return -1;
	}
	ms = retry_after > 0 ? retry_after * 1000 : 0;
	if (ms < *delay_ms)
		ms = *delay_ms;
	/* Gentle growth: a local CA decides in milliseconds, a remote one in seconds. */
	*delay_ms = *delay_ms * 3 / 2 + 1 > POLL_MAX_MS ? POLL_MAX_MS : *delay_ms * 3 / 2 + 1;
	return wait_ms(r, ms, e) != 0 ? -1 : 0;
}

struct pending {
	struct acme_authz *authz;
	char ident[300];	/* "*.example.com" for a wildcard */
	struct solver_challenge sc;
	char *token;		/* owned: the authz it came from is replaced while polling */
	char *key_auth;
	char *ch_url;		/* owned: the challenge to answer */
	int ch_pending;		/* the challenge still waits for our answer */
	int ready;		/* prepared: to be presented and answered */
	int presented;
	int failed;		/* err holds why */
	struct err err;
};

/*
 * Withdraws what was presented (one batch when the solver has one) and
 * frees p. Returns 0 when every presented challenge was cleaned up, -1
 * when one was not (the journal in the store keeps it for later).
 */
static int
pending_clear(struct run *r, struct pending *p, size_t n)
{
	struct solver_challenge *batch = NULL;
	struct err ignore, *errs = NULL;
	int *ok = NULL, rc = 0;
	size_t i, k = 0;

	if (r->solver != NULL && r->solver->ops->cleanup_batch != NULL &&
	    (batch = calloc(n + 1, sizeof(*batch))) != NULL &&
	    (ok = calloc(n + 1, sizeof(*ok))) != NULL &&
	    (errs = calloc(n + 1, sizeof(*errs))) != NULL) {
		for (i = 0; i < n; i++)
			if (p[i].presented)
				batch[k++] = p[i].sc;
		if (k > 0 && r->solver->ops->cleanup_batch(r->solver, batch, k, ok, errs) != 0)
			rc = -1;
		for (i = 0; i < n; i++)
			p[i].presented = 0;
	}
	for (i = 0; i < n; i++) {
		if (p[i].presented && r->solver != NULL &&
		    r->solver->ops->cleanup(r->solver, &p[i].sc, &ignore) != 0)
			rc = -1;
		acme_authz_free(p[i].authz);
		free(p[i].token);
		free(p[i].ch_url);
		if (p[i].key_auth != NULL)
			OPENSSL_cleanse(p[i].key_auth, strlen(p[i].key_auth));
		free(p[i].key_auth);
	}
	free(batch);
	free(ok);
	free(errs);
	free(p);
	return rc;
}

/* ---- the cleanup journal ---- */

static int run_solver(struct run *r, struct err *e);

/*
 * dns-01 records outlive a crash: before a solver publishes any, the
 * order's settings get "dns_cleanup", the identifier and token of each
 * challenge (the record and value follow from them and the account key,
 * never a secret), and the list goes again once cleanup succeeded. A run
 * that finds the list left over cleans up first (journal_replay).
 */
static int
journal_write(struct run *r, const struct pending *p, size_t n, struct err *e)
{
	cJSON *o = cJSON_Parse(r->order->settings_json != NULL ? r->order->settings_json : "{}");
	cJSON *list = NULL;
	char *text;
	size_t i;

	if (o == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return err_set(e, ERR_STORE, "%s", _("the order's settings are not valid JSON"));
	}
	cJSON_DeleteItemFromObjectCaseSensitive(o, "dns_cleanup");
	for (i = 0; p != NULL && i < n; i++) {
		cJSON *it;

		if (!p[i].ready)
			continue;
		if (list == NULL && (list = cJSON_AddArrayToObject(o, "dns_cleanup")) == NULL)
			goto oom;
		if ((it = cJSON_CreateObject()) == NULL)
			goto oom;
		cJSON_AddItemToArray(list, it);
		if (cJSON_AddStringToObject(it, "identifier", p[i].ident) == NULL ||
		    cJSON_AddStringToObject(it, "token", p[i].token) == NULL)
			goto oom;
	}
	if ((text = cJSON_PrintUnformatted(o)) == NULL)
		goto oom;
	r->journaled = list != NULL;
	cJSON_Delete(o);
	free(r->order->settings_json);
	r->order->settings_json = text;
	return save_order(r, e);
oom:
	cJSON_Delete(o);
	return err_nomem(e);
}

/*
 * Cleans up the records a run that did not finish left behind (see
 * journal_write). Returns 0 (the journal emptied), or -1 with e filled
 * when a record could not be removed: the journal keeps it, and the
 * order does not go on (a stale value would stay published).
 */
static int
journal_replay(struct run *r, struct err *e)
{
	cJSON *o = r->order->settings_json != NULL ? cJSON_Parse(r->order->settings_json) : NULL;
	const cJSON *list = o != NULL ? cJSON_GetObjectItemCaseSensitive(o, "dns_cleanup") : NULL;
	const cJSON *it;
	struct pending *p = NULL;
	size_t n = 0, k = 0;
	int rc = -1;

	if (!cJSON_IsArray(list) || (n = (size_t)cJSON_GetArraySize(list)) == 0) {
		cJSON_Delete(o);
		return 0;
	}
	if ((p = calloc(n, sizeof(*p))) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (run_solver(r, e) != 0)
		goto out;
	cJSON_ArrayForEach(it, list) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "identifier");
		const cJSON *tok = cJSON_GetObjectItemCaseSensitive(it, "token");

		if (!cJSON_IsString(id) || !cJSON_IsString(tok) || k >= n)
			continue;
		snprintf(p[k].ident, sizeof(p[k].ident), "%s", id->valuestring);
		if ((p[k].token = strdup(tok->valuestring)) == NULL) {
			err_nomem(e);
			goto out;
		}
		if (jws_key_authorization(r->acct->key, p[k].token, &p[k].key_auth, e) != 0)
			goto out;
		p[k].sc.identifier = p[k].ident;
		p[k].sc.token = p[k].token;
		p[k].sc.key_authorization = p[k].key_auth;
		p[k].presented = 1;
		k++;
	}
	say(r, STEP_AUTHZ, _("removing %zu dns-01 record(s) an earlier run left"), k);
	rc = pending_clear(r, p, k);
	p = NULL;
	if (rc != 0) {
		err_set(e, ERR_NET, "%s", _("cannot remove the dns-01 records an earlier run "
		    "left; the order resumes after they are gone"));
		e->retryable = 1;
		goto out;
	}
	rc = journal_write(r, NULL, 0, e);
out:
	if (p != NULL)
		(void)pending_clear(r, p, k);
	cJSON_Delete(o);
	return rc;
}

struct url_list {
	char **urls;
	size_t n;
};

static int
collect_url(const char *url, const char *status, void *arg)
{
	struct url_list *l = arg;
	char **grown = realloc(l->urls, (l->n + 1) * sizeof(*grown));

	(void)status;
	if (grown == NULL)
		return -1;
	l->urls = grown;
	l->urls[l->n] = strdup(url);
	return l->urls[l->n++] == NULL ? -1 : 0;
}

/* Takes the solver for this run, creating it on first use (threads share it). */
static int
run_solver(struct run *r, struct err *e)
{
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	if (r->solver == NULL)
		rc = make_solver(r, e);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/*
 * Decides what one fetched authorization needs: nothing (valid), an error,
 * or its challenge presented and answered (pi->ready, with token, key
 * authorization and pi->sc filled). Runs on the calling thread, before any
 * challenge is presented, so the records a solver will publish can be
 * written to the store first.
 */
static void
prepare_one(struct run *r, struct pending *pi)
{
	const struct acme_challenge *ch;
	struct err *e = &pi->err;

	pi->failed = 1;
	if (pi->authz == NULL)
		return;
	if (strcmp(pi->authz->status, "valid") == 0) {
		pi->failed = 0;
		return;
	}
	if (strcmp(pi->authz->status, "pending") != 0) {
		err_set(e, ERR_ACME, _("%s: the authorization is %s"), pi->ident,
		    pi->authz->status);
		return;
	}
	ch = acme_authz_challenge(pi->authz, r->set.challenge);
	if (ch == NULL) {
		err_set(e, ERR_ACME, _("%s: the CA offers no %s challenge"), pi->ident,
		    r->set.challenge);
		return;
	}
	if (run_solver(r, e) != 0 ||
	    jws_key_authorization(r->acct->key, ch->token, &pi->key_auth, e) != 0)
		return;
	if ((pi->token = strdup(ch->token)) == NULL || (pi->ch_url = strdup(ch->url)) == NULL) {
		err_nomem(e);
		return;
	}
	pi->ch_pending = strcmp(ch->status, "pending") == 0;
	pi->sc.identifier = pi->ident;
	pi->sc.token = pi->token;
	pi->sc.key_authorization = pi->key_auth;
	pi->sc.stop = r->progress != NULL ? r->progress->stop : NULL;
	pi->ready = 1;
	pi->failed = 0;
}

/*
 * Presents (unless a batch did) and answers one prepared challenge. Runs
 * on any thread: touches only *pi, the solver and the client c, never the
 * store.
 */
static void
answer_one(struct run *r, struct acme_client *c, const char *url, struct pending *pi)
{
	struct err *e = &pi->err;

	(void)url;
	if (!pi->ready || pi->failed)
		return;
	pi->failed = 1;
	if (!pi->presented) {
		if (r->solver->ops->present(r->solver, &pi->sc, e) != 0) {
			err_prefix(e, "%s", pi->ident);
			return;
		}
		pi->presented = 1;
	}
	if (pi->ch_pending && acme_challenge_respond(c, pi->ch_url, e) != 0) {
		err_prefix(e, "%s", pi->ident);
		return;
	}
	pi->failed = 0;
}

/* Fetches one authorization into *pi (any thread; never the store). */
static void
fetch_one(struct acme_client *c, const char *url, struct pending *pi)
{
	err_clear(&pi->err);
	pi->failed = 1;
	if (acme_authz_get(c, url, &pi->authz, &pi->err) != 0)
		return;
	authz_name(pi->authz, pi->ident, sizeof(pi->ident));
	pi->failed = 0;
}

/* 1 when the authorization is for one of the order's identifiers. */
static int
authz_asked(const struct run *r, const struct pending *pi)
{
	size_t i;

	for (i = 0; i < r->n_ids; i++) {
		if (strcmp(r->ids[i].type, pi->authz->identifier.type) == 0 &&
		    strcasecmp(r->ids[i].value, pi->ident) == 0)
			return 1;
	}
	return 0;
}

/* Marks every prepared item failed with e (the batch or the journal failed). */
static void
fail_prepared(struct pending *p, size_t n, const struct err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!p[i].ready || p[i].presented)
			continue;
		p[i].err = *e;
		err_prefix(&p[i].err, "%s", p[i].ident);
		p[i].failed = 1;
		p[i].ready = 0;
	}
}

/*
 * On the calling thread, between fetching and answering: decides what each
 * authorization needs, writes the dns-01 cleanup journal to the store and,
 * when the solver presents in batches, presents them all at once.
 */
static void
prepare_all(struct run *r, struct pending *p, size_t n)
{
	struct solver_challenge *batch = NULL;
	struct err e, *errs = NULL;
	size_t i, k = 0, *idx = NULL;
	int *ok = NULL;

	err_clear(&e);
	for (i = 0; i < n; i++) {
		prepare_one(r, &p[i]);
		if (p[i].ready)
			k++;
	}
	if (k == 0 || strcmp(r->set.challenge, "dns-01") != 0)
		return;
	if (journal_write(r, p, n, &e) != 0) {
		fail_prepared(p, n, &e);
		return;
	}
	if (r->solver->ops->present_batch == NULL)
		return;
	batch = calloc(k, sizeof(*batch));
	idx = calloc(k, sizeof(*idx));
	ok = calloc(k, sizeof(*ok));
	errs = calloc(k, sizeof(*errs));
	if (batch == NULL || idx == NULL || ok == NULL || errs == NULL) {
		err_nomem(&e);
		fail_prepared(p, n, &e);
		goto out;
	}
	for (i = 0, k = 0; i < n; i++) {
		if (!p[i].ready)
			continue;
		idx[k] = i;
		batch[k] = p[i].sc;
		/* This thread owns the store: a cancel can be asked about while waiting. */
		if (r->progress != NULL) {
			batch[k].should_stop = r->progress->should_stop;
			batch[k].stop_arg = r->progress->arg;
		}
		k++;
	}
	(void)r->solver->ops->present_batch(r->solver, batch, k, ok, errs);
	for (i = 0; i < k; i++) {
		struct pending *pi = &p[idx[i]];

		if (ok[i]) {
			pi->presented = 1;
			continue;
		}
		pi->err = errs[i];
		err_prefix(&pi->err, "%s", pi->ident);
		pi->failed = 1;
		pi->ready = 0;
	}
out:
	free(batch);
	free(idx);
	free(ok);
	free(errs);
}

struct answer_work {
	struct run *r;
	char **urls;
	struct pending *p;
	size_t n;
	size_t next;		/* the next item to take, under r->lock */
	int fetch;		/* phase: 1 fetch the authorizations, 0 answer them */
};

struct answer_thread_arg {
	struct answer_work *w;
	struct acme_client *client;	/* this thread's connection */
};

static void *
answer_thread(void *arg)
{
	struct answer_thread_arg *ta = arg;
	struct answer_work *w = ta->w;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&w->r->lock);
		i = w->next++;
		pthread_mutex_unlock(&w->r->lock);
		if (i >= w->n)
			break;
		if (w->fetch)
			fetch_one(ta->client, w->urls[i], &w->p[i]);
		else
			answer_one(w->r, ta->client, w->urls[i], &w->p[i]);
	}
	return NULL;
}

/*
 * Answers all authorizations over up to ANSWER_THREADS connections at
 * once: a 50-name order costs a few round trips, not a hundred. Per-item
 * outcomes land in p[i].
 */
static void
answer_all(struct run *r, char **urls, struct pending *p, size_t n)
{
	struct answer_work w = { r, urls, p, n, 0, 1 };
	struct answer_thread_arg ta[ANSWER_THREADS];
	pthread_t tids[ANSWER_THREADS];
	size_t t, i, want = n < ANSWER_THREADS ? n : ANSWER_THREADS, have, started;
	struct err ignore;
	int refused = 0;

	ta[0].w = &w;
	ta[0].client = r->acct->client;
	for (have = 1; have < want; have++) {
		ta[have].w = &w;
		if (acme_client_fork(r->acct->client, &ta[have].client, &ignore) != 0)
			break;
	}
	/*
	 * Two phases: every authorization is fetched and checked before any
	 * challenge is presented, answered or handed to a hook.
	 */
	for (w.fetch = 1; w.fetch >= 0 && !refused; w.fetch--) {
		w.next = 0;
		started = 0;
		/* The calling thread works too, on the session's own connection. */
		for (t = 1; t < have; t++) {
			if (pthread_create(&tids[t], NULL, answer_thread, &ta[t]) != 0)
				break;
			started = t;
		}
		answer_thread(&ta[0]);
		for (t = 1; t <= started; t++)
			pthread_join(tids[t], NULL);
		for (i = 0; w.fetch && i < n; i++) {
			if (p[i].failed) {
				refused = 1;
			} else if (!authz_asked(r, &p[i])) {
				err_set(&p[i].err, ERR_PROTO, _("%s: the CA sent an authorization for %s, "
				    "which the order did not ask for; refusing it"), urls[i], p[i].ident);
				p[i].failed = 1;
				refused = 1;
				/* Not recorded: the CA's word for a name we never asked for. */
				acme_authz_free(p[i].authz);
				p[i].authz = NULL;
			}
		}
		if (w.fetch && !refused)
			prepare_all(r, p, n);
	}
	for (t = 1; t < have; t++)
		acme_client_free(ta[t].client);
}

static int poll_order(struct run *r, const char *while_status, struct err *e);

/* Proves control of every identifier whose authorization is still pending. */
static int
validate(struct run *r, struct err *e)
{
	struct url_list urls = { 0 };
	struct pending *p = NULL;
	const struct acme_challenge *ch;
	size_t i, todo = 0;
	char name[300];
	int rc = -1, lrc;

	lrc = store_authz_list(r->st, r->order->id, collect_url, &urls, e);
	if (lrc != 0) {
		if (lrc > 0)
			err_nomem(e);
		goto out;
	}
	p = calloc(urls.n + 1, sizeof(*p));
	if (p == NULL) {
		err_nomem(e);
		goto out;
	}
	/* Fetch every authorization and answer the pending ones, in parallel. */
	answer_all(r, urls.urls, p, urls.n);
	for (i = 0; i < urls.n; i++) {
		if (p[i].authz != NULL && record_authz(r, p[i].authz, e) != 0)
			goto out;
		if (p[i].failed) {
			*e = p[i].err;
			goto out;
		}
		testhook_crash("authz");
		if (p[i].presented) {
			todo++;
			say(r, STEP_AUTHZ, _("%s: %s challenge answered"), p[i].ident,
			    r->set.challenge);
		} else {
			say(r, STEP_AUTHZ, _("%s: already authorized"), p[i].ident);
		}
	}
	testhook_crash("challenge");
	/*
	 * One request per poll: the order turns "ready" when every
	 * authorization is valid and "invalid" when one fails. Only then
	 * are the authorizations fetched again, to name the failure.
	 */
	if (todo > 0) {
		if (poll_order(r, "pending", e) != 0)
			goto out;
		if (strcmp(r->order->status, "invalid") == 0) {
			for (i = 0; i < urls.n; i++) {
				struct acme_authz *fresh;

				if (!p[i].presented ||
				    acme_authz_get(r->acct->client, urls.urls[i], &fresh, e) != 0)
					continue;
				acme_authz_free(p[i].authz);
				p[i].authz = fresh;
				record_authz(r, fresh, e);
				if (strcmp(fresh->status, "valid") == 0)
					continue;
				authz_name(fresh, name, sizeof(name));
				ch = acme_authz_challenge(fresh, r->set.challenge);
				if (ch != NULL && ch->error != NULL)
					problem_err(e, ch->error, name,
					    _("the CA could not validate the challenge"));
				else
					err_set(e, ERR_ACME, _("%s: the authorization is %s"),
					    name, fresh->status);
				goto out;
			}
			err_set(e, ERR_ACME, "%s", _("the CA marked the order invalid"));
			goto out;
		}
		if (store_order_validated(r->st, r->order->id, r->set.challenge, e) != 0)
			goto out;
		for (i = 0; i < urls.n; i++) {
			if (p[i].presented)
				say(r, STEP_VALIDATE, _("%s: validated"), p[i].ident);
		}
	}
	rc = 0;
out:
	if (p != NULL) {
		struct err je;

		/* Every record gone: the journal goes too; else it keeps them for later. */
		err_clear(&je);
		if (pending_clear(r, p, urls.n) == 0 && r->journaled &&
		    journal_write(r, NULL, 0, &je) != 0 && rc == 0) {
			*e = je;
			rc = -1;
		}
	}
	for (i = 0; i < urls.n; i++)
		free(urls.urls[i]);
	free(urls.urls);
	return rc;
}

/* Polls the order while it is in `while_status`, absorbing each answer. */
static int
poll_order(struct run *r, const char *while_status, struct err *e)
{
	long delay = POLL_FIRST_MS;
	time_t start = time(NULL);
	long stall = testhook_seconds("CERTDECK_TEST_POLL_STALL", POLL_STALL_S);
	struct acme_order *o;

	while (strcmp(r->order->status, while_status) == 0) {
		long retry_after;

		if (time(NULL) - start > stall) {
			err_set(e, ERR_ACME, _("the order stayed %s for %ld seconds"), while_status,
			    stall);
			e->retryable = 1;
			return -1;
		}
		if (acme_order_get(r->acct->client, r->order->url, &o, e) != 0)
			return -1;
		retry_after = o->retry_after;
		absorb_order(r, o);
		acme_order_free(o);
		if (save_order(r, e) != 0)
			return -1;
		if (strcmp(r->order->status, while_status) != 0)
			break;
		if (wait_or_defer(r, retry_after, &delay, e) != 0)
			return -1;
	}
	return 0;
}

/*
 * After a failed validation the CA has usually marked the order invalid:
 * record that, so the store tells the truth. Best effort.
 */
static void
refresh_after_failure(struct run *r)
{
	struct acme_order *o = NULL;
	struct err ignore;

	err_clear(&ignore);
	if (r->order->url == NULL ||
	    acme_order_get(r->acct->client, r->order->url, &o, &ignore) != 0)
		return;
	absorb_order(r, o);
	acme_order_free(o);
	save_order(r, &ignore);
}

/* Forgets the CA's side of the order (URL, authorizations) for a fresh start. */
static int
reset_order(struct run *r, struct err *e)
{
	free(r->order->url);
	free(r->order->finalize_url);
	free(r->order->certificate_url);
	free(r->order->error_json);
	r->order->url = r->order->finalize_url = r->order->certificate_url = NULL;
	r->order->error_json = NULL;
	set_str(&r->order->status, "new");
	if (store_begin(r->st, e) != 0)
		return -1;
	if (store_authz_delete(r->st, r->order->id, e) != 0 || save_order(r, e) != 0 ||
	    store_commit(r->st, e) != 0) {
		store_rollback(r->st);
		return -1;
	}
	return 0;
}

/* Creates the order at the CA, or refreshes the one already created. */
static int
place_order(struct run *r, struct err *e)
{
	struct acme_order *o = NULL;
	int64_t authz_id;
	size_t i;
	int rc = -1;

	if (r->order->url != NULL) {
		if (acme_order_get(r->acct->client, r->order->url, &o, e) != 0)
			return -1;
		absorb_order(r, o);
		acme_order_free(o);
		if (strcmp(r->order->status, "invalid") != 0) {
			say(r, STEP_ORDER, _("resuming order %s (%s)"), r->order->url,
			    r->order->status);
			return save_order(r, e);
		}
		/*
		 * The order died while we were away (our responder went with
		 * the crashed process, or it expired): it cannot be finished,
		 * so this run places a new one for the same names.
		 */
		say(r, STEP_ORDER, _("order %s is invalid; placing a new order"), r->order->url);
		if (reset_order(r, e) != 0)
			return -1;
	}
	if (acme_order_new(r->acct->client, r->ids, r->n_ids, r->order->profile,
	    r->order->replaces, &o, e) != 0)
		return -1;
	/* The order URL and its authorizations are committed together. */
	if (store_begin(r->st, e) != 0)
		goto out;
	absorb_order(r, o);
	if (save_order(r, e) != 0)
		goto rollback;
	for (i = 0; i < o->n_authorizations; i++) {
		if (store_authz_put(r->st, r->order->id, o->authorizations[i], NULL, NULL, 0,
		    "pending", 0, &authz_id, e) != 0)
			goto rollback;
	}
	if (store_commit(r->st, e) != 0)
		goto rollback;
	say(r, STEP_ORDER, _("order created with %zu authorizations"), o->n_authorizations);
	testhook_crash("order");
	rc = 0;
	goto out;
rollback:
	store_rollback(r->st);
out:
	acme_order_free(o);
	return rc;
}

/* Loads the order's certificate key, generating and storing it on first use. */
static int
order_key(struct run *r, EVP_PKEY **key, struct err *e)
{
	char *pem = NULL;
	enum key_type kt;
	int rc = -1, grc;

	/* Decoding a PEM key is slow in OpenSSL 3: keep the one we have. */
	if (r->key != NULL) {
		if (EVP_PKEY_up_ref(r->key) != 1)
			return err_openssl(e, "%s", _("cannot share the key"));
		*key = r->key;
		return 0;
	}

	if (r->order->key_id > 0) {
		grc = crypto_key_load(r->st, r->order->key_id, key, e);
		if (grc == 1)
			err_set(e, ERR_STORE, "%s", _("the order's key is missing from the store"));
		rc = grc == 0 ? 0 : -1;
		goto out;
	}
	if (crypto_key_type_parse(r->set.key_type, &kt, e) != 0 ||
	    crypto_key_generate(kt, key, e) != 0)
		goto out;
	if (crypto_key_to_pem(*key, &pem, e) != 0 ||
	    store_key_insert(r->st, crypto_key_type_name(kt), pem, &r->order->key_id, e) != 0) {
		EVP_PKEY_free(*key);
		*key = NULL;
		goto out;
	}
	rc = 0;
out:
	if (rc == 0 && *key != NULL && EVP_PKEY_up_ref(*key) == 1)
		r->key = *key;
	if (pem != NULL)
		OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	return rc;
}

/* Key and CSR are committed before finalize, so a retry sends the same CSR. */
static int
finalize(struct run *r, struct err *e)
{
	struct acme_order *o = NULL;
	EVP_PKEY *key = NULL;
	const char **names = NULL;
	size_t i;
	int rc = -1;

	if (r->order->csr == NULL) {
		if (store_begin(r->st, e) != 0)
			return -1;
		if (order_key(r, &key, e) != 0)
			goto rollback;
		names = calloc(r->n_ids, sizeof(*names));
		if (names == NULL) {
			err_nomem(e);
			goto rollback;
		}
		for (i = 0; i < r->n_ids; i++)
			names[i] = r->ids[i].value;
		if (crypto_csr_build(key, names, r->n_ids, &r->order->csr, &r->order->csr_len,
		    e) != 0 || save_order(r, e) != 0 || store_commit(r->st, e) != 0)
			goto rollback;
		testhook_crash("csr");
	}
	say(r, STEP_FINALIZE, "%s", _("finalizing"));
	{
		struct acme_order cur = { 0 };

		cur.url = r->order->url;
		cur.finalize = r->order->finalize_url;
		if (acme_order_finalize(r->acct->client, &cur, r->order->csr, r->order->csr_len,
		    &o, e) != 0)
			goto out;
	}
	absorb_order(r, o);
	if (save_order(r, e) != 0)
		goto out;
	testhook_crash("finalize");
	rc = 0;
	goto out;
rollback:
	store_rollback(r->st);
	free(r->order->csr);
	r->order->csr = NULL;
	r->order->csr_len = 0;
out:
	free(names);
	acme_order_free(o);
	EVP_PKEY_free(key);
	return rc;
}

/* 1 when the chain's topmost issuer (or any certificate in it) is named cn. */
static int
chain_matches(const char *pem, const char *cn)
{
	struct cert_info **chain = NULL;
	size_t n = 0, i;
	int match = 0;

	if (crypto_chain_parse(pem, strlen(pem), &chain, &n, NULL) != 0)
		return 0;
	if (n > 0 && chain[n - 1]->issuer_cn != NULL &&
	    strcmp(chain[n - 1]->issuer_cn, cn) == 0)
		match = 1;
	for (i = 0; i < n && !match; i++) {
		if (chain[i]->issuer_cn != NULL && strcmp(chain[i]->issuer_cn, cn) == 0)
			match = 1;
	}
	cert_info_chain_free(chain, n);
	return match;
}

/* The order's identifier values, borrowed from r. Returns 0 and *out (free()), or -1. */
static int
names_of(struct run *r, const char ***out, struct err *e)
{
	size_t i;

	if ((*out = calloc(r->n_ids + 1, sizeof(**out))) == NULL)
		return err_nomem(e);
	for (i = 0; i < r->n_ids; i++)
		(*out)[i] = r->ids[i].value;
	return 0;
}

/*
 * The CA issued something we will not use: the order is over (marked
 * invalid, so no retry downloads it again), nothing is stored. Best effort
 * on the store: the caller's error is the one that counts.
 */
static void
refuse_certificate(struct run *r)
{
	struct err ignore;

	set_str(&r->order->status, "invalid");
	err_clear(&ignore);
	save_order(r, &ignore);
}

/* Downloads the chain (preferring the user's issuer), checks it, stores it. */
static int
download_and_store(struct run *r, int64_t *cert_id, struct err *e)
{
	char *pem = NULL, **alts = NULL, *alt_pem = NULL, **more = NULL;
	size_t n_alts = 0, n_more = 0, i;
	struct cert_row *row = NULL;
	const char **names = NULL;
	EVP_PKEY *key = NULL;
	int rc = -1;

	if (r->order->certificate_url == NULL)
		return err_set(e, ERR_PROTO, "%s", _("the CA gave no certificate URL"));
	say(r, STEP_DOWNLOAD, "%s", _("downloading the certificate"));
	if (acme_cert_download(r->acct->client, r->order->certificate_url, &pem, &alts,
	    &n_alts, e) != 0)
		goto out;
	if (r->set.preferred_chain != NULL && !chain_matches(pem, r->set.preferred_chain)) {
		for (i = 0; i < n_alts; i++) {
			if (acme_cert_download(r->acct->client, alts[i], &alt_pem, &more,
			    &n_more, e) != 0)
				goto out;
			while (n_more > 0)
				free(more[--n_more]);
			free(more);
			more = NULL;
			if (chain_matches(alt_pem, r->set.preferred_chain)) {
				free(pem);
				pem = alt_pem;
				alt_pem = NULL;
				break;
			}
			free(alt_pem);
			alt_pem = NULL;
		}
	}
	testhook_crash("download");
	if (order_key(r, &key, e) != 0)
		goto out;
	if (names_of(r, &names, e) != 0)
		goto out;
	/* What the CA returned is checked before anything is stored or deployed. */
	if (crypto_issued_check(pem, strlen(pem), names, r->n_ids, key, time(NULL),
	    ISSUED_SKEW_S, e) != 0) {
		refuse_certificate(r);
		goto out;
	}
	if (cert_record_from_pem(pem, strlen(pem), &row, e) != 0)
		goto out;
	row->account_id = r->order->account_id;
	row->order_id = r->order->id;
	row->key_id = r->order->key_id;
	row->source = strdup("certdeck");
	/* The certificate and the order's link to it land together. */
	if (store_begin(r->st, e) != 0)
		goto out;
	if (store_cert_insert(r->st, row, cert_id, e) != 0)
		goto rollback;
	r->order->cert_id = *cert_id;
	if (save_order(r, e) != 0 || store_commit(r->st, e) != 0)
		goto rollback;
	say(r, STEP_STORE, _("certificate #%lld stored"), (long long)*cert_id);
	testhook_crash("stored");
	rc = 0;
	goto out;
rollback:
	store_rollback(r->st);
	r->order->cert_id = 0;
out:
	for (i = 0; i < n_alts; i++)
		free(alts[i]);
	free(alts);
	free(pem);
	free(alt_pem);
	free(names);
	cert_row_free(row);
	EVP_PKEY_free(key);
	return rc;
}

static int
parse_identifiers(struct run *r, struct err *e)
{
	cJSON *arr = cJSON_Parse(r->order->identifiers_json), *it;
	size_t i = 0;

	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(arr);
		return err_set(e, ERR_STORE, "%s", _("the order's identifiers are not valid JSON"));
	}
	r->n_ids = (size_t)cJSON_GetArraySize(arr);
	r->ids = calloc(r->n_ids + 1, sizeof(*r->ids));
	cJSON_ArrayForEach(it, arr) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "type");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");

		if (r->ids == NULL || !cJSON_IsString(t) || !cJSON_IsString(v))
			break;
		r->ids[i].type = strdup(t->valuestring);
		r->ids[i].value = strdup(v->valuestring);
		i++;
	}
	cJSON_Delete(arr);
	if (r->ids == NULL || i != r->n_ids)
		return err_set(e, ERR_STORE, "%s", _("the order's identifiers are not valid"));
	return 0;
}

int
issue_order_run(struct store *st, int64_t order_id, const struct issue_progress *p,
    struct account_cache *cache, int64_t *cert_id, struct err *e)
{
	struct run r = { 0 };
	int rc = -1, grc;

	r.st = st;
	r.progress = p;
	pthread_mutex_init(&r.lock, NULL);
	if (store_order_get(st, order_id, &r.order, e) != 0)
		return -1;
	if (r.order->cert_id > 0) {
		*cert_id = r.order->cert_id;
		order_row_free(r.order);
		return 0;
	}
	if (issue_settings_from_json(r.order->settings_json, &r.set, e) != 0 ||
	    parse_identifiers(&r, e) != 0)
		goto out;
	if (cache != NULL) {
		grc = account_cache_get(cache, st, r.order->account_id, &r.acct, e);
		r.acct_borrowed = 1;
	} else {
		grc = account_open(st, r.order->account_id, &r.acct, e);
	}
	if (grc != 0)
		goto out;
	if (journal_replay(&r, e) != 0 || place_order(&r, e) != 0 || stop_here(&r, e))
		goto out;
	if (strcmp(r.order->status, "pending") == 0) {
		if (validate(&r, e) != 0) {
			refresh_after_failure(&r);
			goto out;
		}
		if (poll_order(&r, "pending", e) != 0)
			goto out;
	}
	if (stop_here(&r, e))
		goto out;
	if (strcmp(r.order->status, "ready") == 0 && finalize(&r, e) != 0)
		goto out;
	if (stop_here(&r, e))
		goto out;
	if (poll_order(&r, "processing", e) != 0)
		goto out;
	if (strcmp(r.order->status, "valid") != 0) {
		cJSON *problem = r.order->error_json ? cJSON_Parse(r.order->error_json) : NULL;

		if (problem != NULL)
			problem_err(e, problem, r.ids[0].value, _("the order failed"));
		else
			err_set(e, ERR_ACME, _("%s: the order is %s"), r.ids[0].value,
			    r.order->status);
		cJSON_Delete(problem);
		goto out;
	}
	rc = download_and_store(&r, cert_id, e);
out:
	if (rc != 0 && r.order != NULL && r.order->error_json == NULL &&
	    e->problem_type[0] != '\0') {
		/* Keep the CA's word with the order. */
		cJSON *o = cJSON_CreateObject();

		if (o != NULL) {
			struct err ignore;

			cJSON_AddStringToObject(o, "type", e->problem_type);
			cJSON_AddStringToObject(o, "detail", e->problem_detail);
			r.order->error_json = cJSON_PrintUnformatted(o);
			cJSON_Delete(o);
			store_order_update(st, r.order, &ignore);
		}
	}
	solver_pool_put(r.solver);
	EVP_PKEY_free(r.key);
	if (!r.acct_borrowed)
		account_session_free(r.acct);
	else if (rc != 0 && cache != NULL && e->kind == ERR_NET)
		account_cache_clear(cache);	/* a broken connection: start afresh */
	acme_identifiers_free(r.ids, r.n_ids);
	issue_settings_clear(&r.set);
	order_row_free(r.order);
	pthread_mutex_destroy(&r.lock);
	return rc;
}
