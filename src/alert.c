#include "config.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "expiry.h"
#include "i18n.h"
#include "store_alert.h"
#include "store_endpoint.h"

static const char *const kind_names[ALERT_KIND_COUNT] = {
	[ALERT_JOB_FAILED] = "job-failed", [ALERT_JOB_RETRYING] = "job-retrying",
	[ALERT_EXPIRING] = "expiring", [ALERT_REVOKED] = "revoked",
	[ALERT_RENEW_STALE] = "renew-stale", [ALERT_CHANNEL_FAILING] = "channel-failing",
	[ALERT_DRIFT_STALE] = "drift-stale", [ALERT_DRIFT_UNKNOWN] = "drift-unknown",
	[ALERT_DRIFT_NAME] = "drift-name-mismatch",
	[ALERT_DRIFT_UNTRUSTED] = "drift-untrusted-chain",
	[ALERT_DRIFT_UNREACHABLE] = "drift-unreachable",
	[ALERT_DRIFT_REVOKED] = "drift-revoked",
};

static const char *const severity_names[ALERT_SEVERITY_COUNT] = {
	[ALERT_OK] = "ok", [ALERT_WARNING] = "warning", [ALERT_CRITICAL] = "critical",
};

const char *
alert_kind_name(enum alert_kind k)
{
	return (unsigned)k < ALERT_KIND_COUNT ? kind_names[k] : "unknown";
}

int
alert_kind_is_drift(enum alert_kind k)
{
	return k >= ALERT_DRIFT_STALE && k <= ALERT_DRIFT_REVOKED;
}

int
alert_kind_parse(const char *name, enum alert_kind *out)
{
	int i;

	for (i = 0; name != NULL && i < ALERT_KIND_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (enum alert_kind)i;
			return 0;
		}
	return -1;
}

const char *
alert_severity_name(enum alert_severity s)
{
	return (unsigned)s < ALERT_SEVERITY_COUNT ? severity_names[s] : "unknown";
}

void
alert_opts_default(struct alert_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->warning_days = 14;
	o->critical_days = 7;
	o->attempts = 3;
	o->stale_hours = 36;
	o->keep = 1000;
}

void
alert_report_clear(struct alert_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].message);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* An evaluation under way. */
struct eval {
	struct store *st;
	const struct alert_opts *o;
	struct alert_report *r;
	size_t cap;
	int oom;
};

/*
 * Counts an alert and keeps it while there is room; message is a
 * translated format. Returns 0, 1 when opts.stop_after are found (the
 * walk stops), or -1 when out of memory (ev->oom set).
 */
static int
add(struct eval *ev, const struct alert *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
add(struct eval *ev, const struct alert *a, const char *fmt, ...)
{
	struct alert_report *r = ev->r;
	struct alert *x;
	char msg[768];
	va_list ap;

	r->count[a->kind]++;
	r->total++;
	r->by_severity[a->severity]++;
	if (a->severity > r->worst)
		r->worst = a->severity;
	if (ev->o->stop_after != 0 && r->total >= ev->o->stop_after) {
		r->stopped = 1;
		return 1;
	}
	if (ev->o->keep != 0 && r->n >= ev->o->keep)
		return 0;
	if (r->n == ev->cap) {
		size_t cap = ev->cap ? ev->cap * 2 : 16;

		if ((x = realloc(r->v, cap * sizeof(*x))) == NULL)
			goto oom;
		r->v = x;
		ev->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x = &r->v[r->n];
	*x = *a;
	x->name = a->name != NULL ? strdup(a->name) : NULL;
	x->message = strdup(msg);
	if ((a->name != NULL && x->name == NULL) || x->message == NULL) {
		free(x->name);
		free(x->message);
		goto oom;
	}
	r->n++;
	return 0;
oom:
	ev->oom = 1;
	return -1;
}

/* The message of a job's last_error document, or "". */
static void
job_error(const char *json, char *out, size_t n)
{
	cJSON *o = json != NULL ? cJSON_Parse(json) : NULL;
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");

	snprintf(out, n, "%s", cJSON_IsString(m) ? m->valuestring : "");
	cJSON_Delete(o);
}

static int
on_job(const struct mon_job *j, void *arg)
{
	struct eval *ev = arg;
	struct alert a = { 0 };
	char why[512];
	const char *name = j->name != NULL ? j->name : "?";

	job_error(j->last_error, why, sizeof(why));
	a.job_id = j->id;
	a.cert_id = j->cert_id;
	a.name = (char *)name;
	a.since = j->updated;
	if (strcmp(j->state, "failed") == 0) {
		a.kind = ALERT_JOB_FAILED;
		a.severity = ALERT_CRITICAL;
		if (strcmp(j->kind, "renew") == 0)
			return add(ev, &a, _("renewal of %s (job #%lld) failed: %s"), name,
			    (long long)j->id, why);
		return add(ev, &a, _("issuance of %s (job #%lld) failed: %s"), name,
		    (long long)j->id, why);
	}
	a.kind = ALERT_JOB_RETRYING;
	a.severity = ALERT_WARNING;
	if (strcmp(j->kind, "renew") == 0)
		return add(ev, &a, _("renewal of %s (job #%lld) failed %d times, retrying: %s"),
		    name, (long long)j->id, j->attempt, why);
	return add(ev, &a, _("issuance of %s (job #%lld) failed %d times, retrying: %s"),
	    name, (long long)j->id, j->attempt, why);
}

static int
eval_jobs(struct eval *ev, struct err *e)
{
	return store_alert_jobs(ev->st, ev->o->attempts, on_job, ev, e);
}

static int
on_expiring(const struct mon_cert *c, void *arg)
{
	struct eval *ev = arg;
	struct alert a = { 0 };
	long long days = expiry_days_left(c->not_after, ev->r->now);
	int threshold = c->alert_days >= 0 ? c->alert_days : ev->o->warning_days;

	a.kind = ALERT_EXPIRING;
	a.cert_id = c->id;
	a.name = (char *)c->name;
	a.not_after = c->not_after;
	a.since = c->not_after - (long long)threshold * 86400;
	a.severity = c->not_after <= ev->r->now || days < ev->o->critical_days ?
	    ALERT_CRITICAL : ALERT_WARNING;
	if (c->not_after <= ev->r->now)
		return add(ev, &a, _("%s (#%lld) has expired"), c->name, (long long)c->id);
	if (c->managed)
		return add(ev, &a, _("%s (#%lld) expires in %lld days and its renewal is "
		    "overdue"), c->name, (long long)c->id, days);
	return add(ev, &a, _("%s (#%lld) expires in %lld days and certdeck does not "
	    "renew it"), c->name, (long long)c->id, days);
}

static int
eval_expiring(struct eval *ev, struct err *e)
{
	return store_alert_expiring(ev->st, ev->r->now, ev->o->warning_days, on_expiring, ev,
	    e);
}

static int
on_revoked(const struct mon_cert *c, void *arg)
{
	struct eval *ev = arg;
	struct alert a = { 0 };

	a.kind = ALERT_REVOKED;
	a.severity = ALERT_CRITICAL;
	a.cert_id = c->id;
	a.name = (char *)c->name;
	a.not_after = c->not_after;
	a.since = c->revoked_at;
	return add(ev, &a, _("%s (#%lld) is revoked"), c->name, (long long)c->id);
}

static int
eval_revoked(struct eval *ev, struct err *e)
{
	return store_alert_revoked(ev->st, ev->r->now, on_revoked, ev, e);
}

int
alert_renew_stale(struct store *st, const struct alert_opts *o, long long now,
    struct alert_stale *out, struct err *e)
{
	long long limit = (long long)o->stale_hours * 3600;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_run_last(st, RUN_RENEW, &out->last_run, e)) == -1)
		return -1;
	out->have_run = rc == 0;
	if (!out->have_run) {
		/* Only a store with certificates to renew needs the timer. */
		if ((rc = store_alert_managed_any(st, e)) == -1)
			return -1;
		out->severity = rc == 1 ? ALERT_WARNING : ALERT_OK;
		return 0;
	}
	out->age = now - out->last_run.ended;
	if (out->age > limit) {
		out->severity = out->age > 2 * limit ? ALERT_CRITICAL : ALERT_WARNING;
		out->since = out->last_run.ended + limit;
	}
	return 0;
}

/* The dead man's switch: `certdeck renew` must complete every stale_hours. */
static int
eval_stale(struct eval *ev, struct err *e)
{
	struct alert_report *r = ev->r;
	struct alert_stale sw;
	struct alert a = { 0 };

	if (alert_renew_stale(ev->st, ev->o, r->now, &sw, e) != 0)
		return -1;
	r->have_run = sw.have_run;
	r->last_run = sw.last_run;
	if (sw.severity == ALERT_OK)
		return 0;
	a.kind = ALERT_RENEW_STALE;
	a.severity = sw.severity;
	a.since = sw.since;
	if (!sw.have_run)
		return add(ev, &a, "%s", _("'certdeck renew' has never completed on this "
		    "store: is its timer or cron job installed?"));
	return add(ev, &a, _("'certdeck renew' last completed %lld hours ago (more than "
	    "%d): is its timer or cron job still running?"), sw.age / 3600,
	    ev->o->stale_hours);
}

static int
on_channel(int64_t id, const char *type, int failures, const char *last, void *arg)
{
	struct eval *ev = arg;
	struct alert a = { 0 };

	a.kind = ALERT_CHANNEL_FAILING;
	a.severity = ALERT_WARNING;
	a.channel_id = id;
	return add(ev, &a, _("notification channel #%lld (%s) failed %d times in a row: %s"),
	    (long long)id, type, failures, last != NULL ? last : "");
}

/* A channel that keeps failing is itself a condition (told through the others). */
static int
eval_channels(struct eval *ev, struct err *e)
{
	return store_alert_channels_failing(ev->st, ev->o->attempts, on_channel, ev, e);
}

static int
on_drift(const struct endpoint_drift *d, void *arg)
{
	struct eval *ev = arg;
	struct alert a = { 0 };
	const char *name = d->sni != NULL ? d->sni : d->host;
	char addr[300];

	snprintf(addr, sizeof(addr), strchr(d->host, ':') != NULL ? "[%s]:%d" : "%s:%d",
	    d->host, d->port);
	a.cert_id = d->cert_id;
	a.endpoint_id = d->id;
	a.name = (char *)name;
	a.since = d->since;
	switch (d->state) {
	case EP_STALE: a.kind = ALERT_DRIFT_STALE; break;
	case EP_UNKNOWN: a.kind = ALERT_DRIFT_UNKNOWN; break;
	case EP_NAME_MISMATCH: a.kind = ALERT_DRIFT_NAME; break;
	case EP_UNTRUSTED: a.kind = ALERT_DRIFT_UNTRUSTED; break;
	case EP_UNREACHABLE: a.kind = ALERT_DRIFT_UNREACHABLE; break;
	case EP_REVOKED: a.kind = ALERT_DRIFT_REVOKED; break;
	default: return 0;
	}
	/*
	 * Stale and unknown still serve a valid certificate for the name;
	 * the others fail the clients now.
	 */
	a.severity = d->state == EP_STALE || d->state == EP_UNKNOWN ? ALERT_WARNING :
	    ALERT_CRITICAL;
	return add(ev, &a, _("endpoint #%lld %s (%s, certificate #%lld) is %s: %s"),
	    (long long)d->id, addr, name, (long long)d->cert_id,
	    store_endpoint_state_name(d->state), d->message != NULL ? d->message : "");
}

/* Drift: what the endpoints served at the last `certdeck check`. */
static int
eval_drift(struct eval *ev, struct err *e)
{
	return store_endpoint_drift(ev->st, on_drift, ev, e);
}

/* The condition sources, in report order. */
static int (*const sources[])(struct eval *, struct err *) = {
	eval_jobs, eval_expiring, eval_revoked, eval_stale, eval_channels, eval_drift,
};

int
alert_evaluate(struct store *st, const struct alert_opts *o, struct alert_report *out,
    struct err *e)
{
	struct eval ev = { .st = st, .o = o, .r = out };
	size_t i;

	memset(out, 0, sizeof(*out));
	out->now = o->now != 0 ? o->now : store_now();
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		int rc = sources[i](&ev, e);

		if (rc == 1 && out->stopped && !ev.oom)
			break;
		if (rc != 0 || ev.oom) {
			if (ev.oom)
				err_nomem(e);
			alert_report_clear(out);
			return -1;
		}
	}
	return 0;
}
