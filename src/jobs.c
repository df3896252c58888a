#include "config.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "check.h"
#include "i18n.h"
#include "issue.h"
#include "jobs.h"
#include "notify.h"
#include "renew.h"
#include "revoke.h"
#include "est_enroll.h"
#include "scep_enroll.h"
#include "deploy.h"
#include "fileio.h"
#include "store_acme.h"
#include "store_cert.h"
#include "store_deploy.h"
#include "store_endpoint.h"
#include "testhook.h"

/* ---- params ---- */

static cJSON *
params_of(const struct job_row *j)
{
	cJSON *p = j->params != NULL ? cJSON_Parse(j->params) : NULL;

	if (!cJSON_IsObject(p)) {
		cJSON_Delete(p);
		p = cJSON_CreateObject();
	}
	return p;
}

static long long
param_int(const cJSON *p, const char *k, long long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, k);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

static int
param_bool(const cJSON *p, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, k));
}

static const char *
param_str(const cJSON *p, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- progress ---- */

static void
progress(void *arg, int step, int steps, const char *msg)
{
	struct job_ctx *ctx = arg;
	struct err ignore;

	err_clear(&ignore);
	/*
	 * One transaction for both rows: half the locking. (The lease is
	 * the worker's heartbeat's business, not progress's.)
	 */
	int own = store_begin(ctx->st, &ignore) == 0;	/* else inside a caller's */

	if (store_job_progress(ctx->st, ctx->job, step, steps, msg, &ignore) != 0 ||
	    store_event_add(ctx->st, ctx->job->id, "info", step, steps, msg, ctx->actor,
	    &ignore) != 0 || (own && store_commit(ctx->st, &ignore) != 0)) {
		if (own)
			store_rollback(ctx->st);
	}
	if (ctx->on_event != NULL)
		ctx->on_event(ctx->arg, ctx->job->id, step, steps, msg);
}

static int
should_stop(void *arg)
{
	struct job_ctx *ctx = arg;
	struct err ignore;

	if (ctx->stop != NULL && *ctx->stop)
		return 1;
	/* Cancelled, or taken over by another worker after our lease ran out. */
	return store_job_cancelled(ctx->st, ctx->job->id, &ignore) == 1 ||
	    store_job_lost(ctx->st, ctx->job, &ignore) == 1;
}

static void
say(struct job_ctx *ctx, int step, int steps, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
say(struct job_ctx *ctx, int step, int steps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	progress(ctx, step, steps, msg);
}

/* ---- kinds ---- */

static int
run_issue(struct job_ctx *ctx, int64_t order_id, int64_t *result_id, struct err *e)
{
	struct issue_progress p = { progress, should_stop, ctx, ctx->stop };

	return issue_order_run(ctx->st, order_id, &p, ctx->cache, result_id, e);
}

/* Deploys cert_id to its targets, if it has any. Returns 0 or -1. */
static int deploy_new(struct job_ctx *ctx, int64_t cert_id, struct err *e);

/*
 * Gives cert_id the target described by params' "deploy" object
 * ({"fullchain": PATH, "key": PATH, "reload": [ARGV...]}, each optional)
 * unless it has targets already: a rerun after a failed deploy must not
 * add it twice. Returns 0 or -1.
 */
static int
add_deploy_param(struct job_ctx *ctx, const cJSON *spec, int64_t cert_id, struct err *e)
{
	struct deploy_target t = { 0 }, **have = NULL;
	const cJSON *reload = cJSON_GetObjectItemCaseSensitive(spec, "reload"), *it;
	size_t n = 0, i = 0;
	int64_t id;
	int rc = -1;

	if (store_deploy_list(ctx->st, cert_id, &have, &n, e) != 0)
		return -1;
	deploy_target_list_free(have, n);
	if (n > 0)
		return 0;
	t.cert_id = cert_id;
	t.fullchain_path = (char *)param_str(spec, "fullchain");
	t.key_path = (char *)param_str(spec, "key");
	t.mode = DEPLOY_MODE_DEFAULT;
	t.key_mode = DEPLOY_KEY_MODE_DEFAULT;
	t.reload_timeout = DEPLOY_RELOAD_TIMEOUT_DEFAULT;
	if (t.fullchain_path == NULL && t.key_path == NULL)
		return err_set(e, ERR_USAGE, "%s", _("the deploy target names no file"));
	if (cJSON_IsArray(reload) && cJSON_GetArraySize(reload) > 0) {
		t.reload_argv = calloc((size_t)cJSON_GetArraySize(reload) + 1,
		    sizeof(*t.reload_argv));
		if (t.reload_argv == NULL)
			return err_nomem(e);
		cJSON_ArrayForEach(it, reload) {
			if (!cJSON_IsString(it)) {
				err_set(e, ERR_USAGE, "%s", _("the reload command must be "
				    "a list of strings"));
				goto out;
			}
			t.reload_argv[i++] = it->valuestring;
		}
	}
	if (store_deploy_add(ctx->st, &t, &id, e) != 0)
		goto out;
	say(ctx, 6, 6, _("added deploy target #%lld to certificate #%lld"), (long long)id,
	    (long long)cert_id);
	rc = 0;
out:
	free(t.reload_argv);
	return rc;
}

/*
 * The order's certificate; with a "deploy" object in the params (the
 * TUI's new-certificate form), also a deploy target for it, installed
 * at once.
 */
static int
job_issue(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	cJSON *p = params_of(ctx->job);
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(p, "deploy");
	int rc = -1;

	if (run_issue(ctx, ctx->job->target_id, result_id, e) != 0)
		goto out;
	if (cJSON_IsObject(spec)) {
		if (add_deploy_param(ctx, spec, *result_id, e) != 0) {
			err_prefix(e, _("certificate #%lld is stored, but its deploy target "
			    "was not added"), (long long)*result_id);
			goto out;
		}
		if (deploy_new(ctx, *result_id, e) != 0)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(p);
	return rc;
}

static int
deploy_new(struct job_ctx *ctx, int64_t cert_id, struct err *e)
{
	struct deploy_target **targets = NULL;
	struct deploy_report rep = { 0 };
	size_t n = 0;
	int rc;

	if (store_deploy_list(ctx->st, cert_id, &targets, &n, e) != 0)
		return -1;
	deploy_target_list_free(targets, n);
	if (n == 0)
		return 0;
	say(ctx, 6, 6, _("deploying certificate #%lld to %zu target(s)"), (long long)cert_id, n);
	rc = deploy_run(ctx->st, cert_id, 0, ctx->actor, &rep, e);
	if (rc != 0 && rep.n_failed > 0) {
		size_t i;

		for (i = 0; i < rep.n && rep.results[i].ok; i++)
			;
		err_set(e, ERR_IO, _("deploying certificate #%lld failed for %zu of %zu "
		    "target(s): %s"), (long long)cert_id, rep.n_failed, rep.n,
		    i < rep.n ? rep.results[i].message : "");
	}
	deploy_report_clear(&rep);
	return rc;
}

static int
job_deploy(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	*result_id = ctx->job->target_id;
	return deploy_new(ctx, ctx->job->target_id, e);
}

/*
 * Probes the target certificate's endpoints and records the verdicts.
 * Idempotent: a rerun probes again and records what it sees then.
 */
static int
job_check(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	struct check_opts o = { .expiring_days = CHECK_EXPIRING_DAYS_DEFAULT };
	struct endpoint_row **list = NULL;
	size_t n = 0, i, good = 0;
	int rc;

	*result_id = ctx->job->target_id;
	if (store_endpoint_list(ctx->st, ctx->job->target_id, &list, &n, e) != 0)
		return -1;
	if (n == 0)
		return err_set(e, ERR_INPUT, _("certificate #%lld has no endpoints "
		    "('certdeck endpoint add' adds one)"), (long long)ctx->job->target_id);
	say(ctx, 1, 2, ngettext_("probing %zu endpoint", "probing %zu endpoints", n), n);
	rc = check_run(ctx->st, list, n, &o, e);
	if (rc == 0) {
		for (i = 0; i < n; i++)
			good += list[i]->has_state && list[i]->state == EP_OK;
		say(ctx, 2, 2, _("%zu of %zu endpoints ok"), good, n);
	}
	endpoint_list_free(list, n);
	return rc;
}

/* The run of an enrolment protocol: scep_enroll_run or est_enroll_run. */
typedef int (*enroll_fn)(struct store *, const struct job_row *, int64_t, int,
    const struct enroll_progress *, int64_t *, struct err *);

/* An enrolment job (SCEP or EST): the certificate, then its deploy target if asked. */
static int
job_enroll(struct job_ctx *ctx, enroll_fn run, int64_t *result_id, struct err *e)
{
	struct enroll_progress p = { progress, ctx };
	cJSON *params = params_of(ctx->job);
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(params, "deploy");
	int rc = -1;

	if (run(ctx->st, ctx->job, 0, 0, &p, result_id, e) != 0)
		goto out;
	if (cJSON_IsObject(spec)) {
		if (add_deploy_param(ctx, spec, *result_id, e) != 0) {
			err_prefix(e, _("certificate #%lld is stored, but its deploy target "
			    "was not added"), (long long)*result_id);
			goto out;
		}
		if (deploy_new(ctx, *result_id, e) != 0)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(params);
	return rc;
}

static int
job_scep_enroll(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	return job_enroll(ctx, scep_enroll_run, result_id, e);
}

static int
job_est_enroll(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	return job_enroll(ctx, est_enroll_run, result_id, e);
}

/*
 * A SCEP certificate's renewal: a new SCEP request (scep_enroll_run
 * records its key and certificate in the job's params), then the same
 * link and deployment as an ACME renewal.
 */
static int
renew_enrolled(struct job_ctx *ctx, const struct cert_row *old, int reuse_key,
    int64_t *result_id, struct err *e)
{
	int est = strcmp(old->source, EST_SOURCE) == 0;
	enroll_fn run = est ? est_enroll_run : scep_enroll_run;
	struct enroll_progress p = { progress, ctx };

	if (old->status == CERT_REPLACED && old->replaced_by > 0) {
		*result_id = old->replaced_by;	/* renewed already */
		return 0;
	}
	say(ctx, 0, 4, _("renewing certificate #%lld (%s) over %s"), (long long)old->id,
	    old->name, est ? "EST" : "SCEP");
	if (run(ctx->st, ctx->job, old->id, reuse_key, &p, result_id, e) != 0 ||
	    renew_link(ctx->st, old->id, *result_id, e) != 0 ||
	    deploy_new(ctx, *result_id, e) != 0)
		return -1;
	return 0;
}

/*
 * renew and rotate-key: the new order is recorded in the job's params in
 * the same commit that creates it, so a rerun finishes that order rather
 * than placing a second one.
 */
static int
renew_common(struct job_ctx *ctx, int rotate, int64_t *result_id, struct err *e)
{
	cJSON *p = params_of(ctx->job);
	struct cert_row *old = NULL;
	int64_t order_id = param_int(p, "order_id", 0);
	char *text = NULL;
	int rc = -1;

	if (store_cert_get(ctx->st, ctx->job->target_id, &old, e) != 0)
		goto out;
	if (old->source != NULL && (strcmp(old->source, SCEP_SOURCE) == 0 ||
	    strcmp(old->source, EST_SOURCE) == 0)) {
		if (rotate) {
			err_set(e, ERR_USAGE, _("a %s certificate gets a new key by renewal: use "
			    "'certdeck renew --force ID'"), strcmp(old->source, EST_SOURCE) == 0 ?
			    "EST" : "SCEP");
			goto out;
		}
		rc = renew_enrolled(ctx, old, param_bool(p, "reuse_key"), result_id, e);
		goto out;
	}
	if (order_id == 0 && old->status == CERT_REPLACED && old->replaced_by > 0) {
		/* Renewed already (by another job or process): nothing to do. */
		*result_id = old->replaced_by;
		rc = 0;
		goto out;
	}
	if (order_id == 0) {
		if (store_begin(ctx->st, e) != 0)
			goto out;
		if (renew_create_order(ctx->st, old->id, !rotate && param_bool(p, "reuse_key"),
		    &order_id, e) != 0)
			goto rollback;
		cJSON_DeleteItemFromObjectCaseSensitive(p, "order_id");
		cJSON_AddNumberToObject(p, "order_id", (double)order_id);
		text = cJSON_PrintUnformatted(p);
		if (text == NULL || store_job_set_params(ctx->st, ctx->job, text, e) != 0 ||
		    store_commit(ctx->st, e) != 0)
			goto rollback;
		testhook_crash("renew-order");
		say(ctx, 0, 6, _("renewing certificate #%lld (%s) with order #%lld"),
		    (long long)old->id, old->name, (long long)order_id);
	}
	if (run_issue(ctx, order_id, result_id, e) != 0)
		goto out;
	if (old->status != CERT_REPLACED && renew_link(ctx->st, old->id, *result_id, e) != 0)
		goto out;
	if (deploy_new(ctx, *result_id, e) != 0)
		goto out;
	if (rotate && param_bool(p, "revoke_old")) {
		if (revoke_cert(ctx->st, old->id, 0, REVOKE_SUPERSEDED, 0, e) != 0) {
			err_prefix(e, _("the new certificate #%lld is stored, but revoking the old "
			    "one failed"), (long long)*result_id);
			goto out;
		}
		say(ctx, 6, 6, _("old certificate #%lld revoked (superseded)"), (long long)old->id);
	}
	rc = 0;
	goto out;
rollback:
	store_rollback(ctx->st);
out:
	free(text);
	cJSON_Delete(p);
	cert_row_free(old);
	return rc;
}

static int
job_renew(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	return renew_common(ctx, 0, result_id, e);
}

static int
job_rotate_key(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	return renew_common(ctx, 1, result_id, e);
}

int
jobs_revoke_refused(const struct cert_row *c, struct err *e)
{
	if (c->source != NULL && strcmp(c->source, SCEP_SOURCE) == 0) {
		err_set(e, ERR_USAGE, _("certificate #%lld came from a SCEP CA, and SCEP has no "
		    "revocation operation: revoke it at the CA itself (its serial is %s)"),
		    (long long)c->id, c->serial != NULL ? c->serial : "?");
		return 1;
	}
	if (c->source != NULL && strcmp(c->source, EST_SOURCE) == 0) {
		err_set(e, ERR_USAGE, _("certificate #%lld came from an EST server, and EST has "
		    "no revocation operation: revoke it at the CA itself (its serial is %s)"),
		    (long long)c->id, c->serial != NULL ? c->serial : "?");
		return 1;
	}
	return 0;
}

static int
job_revoke(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	cJSON *p;
	struct cert_row *c = NULL;
	int rc;

	if (store_cert_get(ctx->st, ctx->job->target_id, &c, e) == 0 &&
	    jobs_revoke_refused(c, e) == 1) {
		cert_row_free(c);
		return -1;
	}
	cert_row_free(c);
	err_clear(e);
	p = params_of(ctx->job);
	say(ctx, 1, 1, _("revoking certificate #%lld"), (long long)ctx->job->target_id);
	rc = revoke_cert(ctx->st, ctx->job->target_id, param_int(p, "account_id", 0),
	    (enum revoke_reason)param_int(p, "reason", 0), param_bool(p, "use_cert_key"), e);
	cJSON_Delete(p);
	*result_id = ctx->job->target_id;
	return rc;
}

static int
job_account_rollover(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	cJSON *p = params_of(ctx->job);
	int rc;

	say(ctx, 1, 1, _("rolling over the key of account #%lld"),
	    (long long)ctx->job->target_id);
	rc = account_rollover(ctx->st, ctx->job->target_id, param_str(p, "key_type"), e);
	cJSON_Delete(p);
	*result_id = ctx->job->target_id;
	return rc;
}

static int
job_account_deactivate(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	say(ctx, 1, 1, _("deactivating account #%lld"), (long long)ctx->job->target_id);
	*result_id = ctx->job->target_id;
	return account_deactivate(ctx->st, ctx->job->target_id, e);
}

/* ---- account-new, account-update ---- */

#define CA_BUNDLE_MAX (1024 * 1024)

struct strv {
	char **v;
	size_t n;
};

static void
strv_clear(struct strv *s)
{
	while (s->n > 0)
		free(s->v[--s->n]);
	free(s->v);
	s->v = NULL;
}

/*
 * params' "contacts" through account_contacts_normalise (a missing list
 * is an empty one). Returns 0 or -1.
 */
static int
param_contacts(const cJSON *p, struct strv *out, struct err *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(p, "contacts"), *it;
	int n = cJSON_GetArraySize(arr);
	const char **in;
	size_t k = 0;
	int rc;

	out->n = 0;
	out->v = NULL;
	if ((in = calloc(n > 0 ? (size_t)n : 1, sizeof(*in))) == NULL)
		return err_nomem(e);
	cJSON_ArrayForEach(it, arr)
		in[k++] = cJSON_GetStringValue(it);
	rc = account_contacts_normalise(in, k, &out->v, e);
	free(in);
	if (rc == 0)
		out->n = k;
	return rc;
}

struct ca_lookup {
	const char *url;
	int64_t ca_id;
};

static int
ca_lookup_one(const struct account_row *r, void *arg)
{
	struct ca_lookup *l = arg;

	if (r->ca_url == NULL || strcmp(r->ca_url, l->url) != 0)
		return 0;
	l->ca_id = r->ca_id;
	return 1;
}

/*
 * The CA bundle for url: the file named in the params, else the one stored
 * for that CA by an earlier account, else NULL (the system's roots).
 * Returns 0 and *out (the caller's), or -1.
 */
static int
ca_bundle_for(struct store *st, const char *url, const char *path, char **out,
    struct err *e)
{
	struct ca_lookup l = { url, 0 };
	struct ca_row *ca = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if (path != NULL && *path != '\0')
		return fileio_read(path, CA_BUNDLE_MAX, out, &len, e);
	if ((rc = store_account_list(st, ca_lookup_one, &l, e)) < 0)
		return -1;
	if (rc == 0 || l.ca_id == 0)
		return 0;
	if ((rc = store_ca_get(st, l.ca_id, &ca, e)) < 0)
		return -1;
	if (rc == 0 && ca->ca_bundle_pem != NULL && (*out = strdup(ca->ca_bundle_pem)) == NULL)
		rc = err_nomem(e);
	ca_row_free(ca);
	return rc < 0 ? -1 : 0;
}

/* Drops the EAB HMAC key from the job's params: it is needed only to register. */
static void
forget_hmac(struct job_ctx *ctx, cJSON *p)
{
	struct err ignore;
	char *text;

	if (cJSON_GetObjectItemCaseSensitive(p, "eab_hmac_key") == NULL)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(p, "eab_hmac_key");
	if ((text = cJSON_PrintUnformatted(p)) != NULL)
		store_job_set_params(ctx->st, ctx->job, text, &ignore);
	free(text);
}

struct pending_note {
	struct job_ctx *ctx;
	cJSON *params;
};

/* Notes the pending account in the job's params, in the transaction that makes it. */
static int
remember_pending(void *arg, int64_t id, struct err *e)
{
	struct pending_note *pn = arg;
	char *text;
	int rc;

	cJSON_DeleteItemFromObjectCaseSensitive(pn->params, "pending_account");
	if (cJSON_AddNumberToObject(pn->params, "pending_account", (double)id) == NULL ||
	    (text = cJSON_PrintUnformatted(pn->params)) == NULL)
		return err_nomem(e);
	rc = store_job_set_params(pn->ctx->st, pn->ctx->job, text, e);
	free(text);
	return rc;
}

static int
job_account_new(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	cJSON *p = params_of(ctx->job), *pending;
	struct account_create_params ap = { 0 };
	struct pending_note note;
	struct strv c = { 0 };
	char *bundle = NULL;
	int rc = -1;

	ap.server_url = param_str(p, "server");
	if (ap.server_url == NULL || *ap.server_url == '\0') {
		err_set(e, ERR_USAGE, "%s", _("a new account needs the CA's directory URL"));
		goto out;
	}
	if (param_contacts(p, &c, e) != 0 ||
	    ca_bundle_for(ctx->st, account_server_url(ap.server_url),
	    param_str(p, "ca_bundle"), &bundle, e) != 0)
		goto out;
	ap.ca_bundle_pem = bundle;
	ap.contacts = (const char *const *)c.v;
	ap.n_contacts = c.n;
	ap.agree_tos = param_bool(p, "agree_tos");
	ap.key_type = param_str(p, "key_type");
	ap.eab_kid = param_str(p, "eab_kid");
	ap.eab_hmac_key = param_str(p, "eab_hmac_key");
	/* The HMAC key is a secret: no message names it, only that EAB is used. */
	say(ctx, 1, 2, ap.eab_kid != NULL ? _("registering a new account with %s "
	    "(external account binding)") : _("registering a new account with %s"),
	    account_server_url(ap.server_url));
	/* A retry (or a resumed crash) registers the same key: never a second account. */
	pending = cJSON_GetObjectItemCaseSensitive(p, "pending_account");
	if (cJSON_IsNumber(pending) && pending->valuedouble > 0)
		ap.resume_id = (int64_t)pending->valuedouble;
	note.ctx = ctx;
	note.params = p;
	ap.on_pending = remember_pending;
	ap.on_pending_arg = &note;
	if (account_create(ctx->st, &ap, result_id, e) != 0)
		goto out;
	say(ctx, 2, 2, _("account #%lld registered"), (long long)*result_id);
	rc = 0;
out:
	if (rc == 0 || !e->retryable)
		forget_hmac(ctx, p);
	free(bundle);
	strv_clear(&c);
	cJSON_Delete(p);
	return rc;
}

static int
job_account_update(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	cJSON *p = params_of(ctx->job);
	struct strv c = { 0 };
	int rc = -1;

	*result_id = ctx->job->target_id;
	if (param_contacts(p, &c, e) != 0)
		goto out;
	if (c.n == 0)
		say(ctx, 1, 1, _("removing the contacts of account #%lld"),
		    (long long)ctx->job->target_id);
	else
		say(ctx, 1, 1, _("setting the contacts of account #%lld to %zu address(es)"),
		    (long long)ctx->job->target_id, c.n);
	/* A non-NULL empty list sends "contact": [] (remove them all). */
	rc = account_update_contacts(ctx->st, ctx->job->target_id,
	    (const char *const *)c.v, c.n, e);
out:
	strv_clear(&c);
	cJSON_Delete(p);
	return rc;
}

/* Delivers one notification (src/notify.c); a failure to deliver is retried. */
static int
job_notify(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	*result_id = 0;
	return notify_job(ctx->st, ctx->job->target_id, ctx->job->params, e);
}

static const struct {
	const char *kind;
	int (*run)(struct job_ctx *, int64_t *, struct err *);
	int on_cert;	/* the target is a certificate, of no use after its notAfter */
} kinds[] = {
	{ JOB_ISSUE, job_issue, 0 },
	{ JOB_RENEW, job_renew, 1 },
	{ JOB_ROTATE_KEY, job_rotate_key, 1 },
	{ JOB_REVOKE, job_revoke, 1 },
	{ JOB_ACCOUNT_ROLLOVER, job_account_rollover, 0 },
	{ JOB_ACCOUNT_DEACTIVATE, job_account_deactivate, 0 },
	{ JOB_ACCOUNT_NEW, job_account_new, 0 },
	{ JOB_ACCOUNT_UPDATE, job_account_update, 0 },
	{ JOB_DEPLOY, job_deploy, 0 },
	{ JOB_NOTIFY, job_notify, 0 },
	{ JOB_CHECK, job_check, 0 },
	{ JOB_SCEP_ENROLL, job_scep_enroll, 0 },
	{ JOB_EST_ENROLL, job_est_enroll, 0 },
};

int
jobs_retry_deadline(struct store *st, const struct job_row *job, long long *deadline,
    struct err *e)
{
	struct cert_row *c = NULL;
	long long margin;
	size_t i;

	*deadline = 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, job->kind) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]) || !kinds[i].on_cert)
		return 0;
	if (store_cert_get(st, job->target_id, &c, e) != 0)
		return -1;
	/*
	 * A twentieth of the lifetime, between an hour and a day: room to
	 * deploy and reload before the old certificate runs out, even for a
	 * six-day one.
	 */
	margin = (c->not_after - c->not_before) / 20;
	if (margin < 3600)
		margin = 3600;
	if (margin > 86400)
		margin = 86400;
	*deadline = c->not_after - margin;
	cert_row_free(c);
	return 0;
}

int
jobs_kind_known(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return 1;
	return 0;
}

int
jobs_run(struct job_ctx *ctx, int64_t *result_id, struct err *e)
{
	size_t i;

	*result_id = 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, ctx->job->kind) == 0)
			return kinds[i].run(ctx, result_id, e);
	return err_set(e, ERR_USAGE, _("unknown job kind '%s'"), ctx->job->kind);
}
