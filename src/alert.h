/*
 * The conditions someone must hear about, evaluated from the store: a job
 * that failed, a certificate about to expire with no renewal scheduled, a
 * revoked one, and the dead man's switch (`certdeck renew` stopped
 * completing). `certdeck status`, `certdeck metrics` and the end of every
 * renew run read the same report.
 */
#ifndef CERTDECK_ALERT_H
#define CERTDECK_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"
#include "store_run.h"

enum alert_kind {
	ALERT_JOB_FAILED,	/* an issuance or renewal failed for good */
	ALERT_JOB_RETRYING,	/* ... or still fails after opts.attempts tries */
	ALERT_EXPIRING,		/* expires within its threshold, no renewal scheduled */
	ALERT_REVOKED,		/* revoked while still within its validity */
	ALERT_RENEW_STALE,	/* dead man's switch: no renew run completed lately */
	ALERT_CHANNEL_FAILING,	/* a notification channel failed its last 3 deliveries or more */
	/*
	 * Drift: what an endpoint served at its last `certdeck check` (one
	 * condition per endpoint; stale and unknown are warnings, the rest
	 * critical: clients fail on them).
	 */
	ALERT_DRIFT_STALE,	/* an older certificate of the lineage: renewed, not deployed */
	ALERT_DRIFT_UNKNOWN,	/* a certificate of no lineage of the endpoint's own */
	ALERT_DRIFT_NAME,	/* not valid for the endpoint's name */
	ALERT_DRIFT_UNTRUSTED,	/* a chain that does not verify */
	ALERT_DRIFT_UNREACHABLE, /* no connection, STARTTLS or handshake */
	ALERT_DRIFT_REVOKED,	/* the served certificate is revoked */
	ALERT_KIND_COUNT
};

/*
 * "job-failed", "job-retrying", "expiring", "revoked", "renew-stale",
 * "channel-failing", "drift-stale", "drift-unknown", "drift-name-mismatch",
 * "drift-untrusted-chain", "drift-unreachable", "drift-revoked"; untranslated
 * (JSON, metrics).
 */
const char *alert_kind_name(enum alert_kind k);

enum alert_severity {
	ALERT_OK,
	ALERT_WARNING,
	ALERT_CRITICAL,
	ALERT_SEVERITY_COUNT
};

/* "ok", "warning", "critical"; untranslated. */
const char *alert_severity_name(enum alert_severity s);

struct alert {
	enum alert_kind kind;
	enum alert_severity severity;
	int64_t cert_id;	/* 0 when the condition is not about one certificate */
	int64_t job_id;		/* 0 when not about a job */
	int64_t channel_id;	/* the notification channel, 0 when not about one */
	int64_t endpoint_id;	/* the endpoint (drift), 0 when not about one */
	char *name;		/* the certificate's (or order's) name, or NULL */
	long long not_after;	/* the certificate's expiry, 0 when none */
	long long since;	/* when the condition began, 0 when unknown */
	char *message;		/* translated, one line */
};

struct alert_opts {
	long long now;		/* 0: store_now() */
	int warning_days;	/* expiring within this (a certificate's own threshold wins) */
	int critical_days;	/* critical within this, or once expired */
	int attempts;		/* a queued job failing this many times counts */
	int stale_hours;	/* dead man's switch: warning past this, critical past twice it */
	size_t keep;		/* alerts kept in the list (counts cover all); 0: all */
	/*
	 * Stop once this many are found (the report is then marked
	 * stopped and its counts are lower bounds); 0: find them all. A
	 * count on the screen needs no more than it can show.
	 */
	size_t stop_after;
};

/* 1 when k is one of the drift kinds (its subject is an endpoint). */
int alert_kind_is_drift(enum alert_kind k);

/* The kind named name ("drift-stale"). Returns 0 and *out, or -1. */
int alert_kind_parse(const char *name, enum alert_kind *out);

/* Fills o with the defaults: 14 and 7 days, 3 attempts, 36 hours, keep 1000. */
void alert_opts_default(struct alert_opts *o);

struct alert_report {
	struct alert *v;	/* the first opts.keep alerts, by kind then as found */
	size_t n;
	size_t count[ALERT_KIND_COUNT];	/* all of them */
	size_t total;
	size_t by_severity[ALERT_SEVERITY_COUNT];
	enum alert_severity worst;	/* ALERT_OK when nothing to say */
	int have_run;		/* a renew run was ever recorded */
	struct run_row last_run;	/* the newest, when have_run */
	long long now;		/* the time it was evaluated at */
	int stopped;		/* opts.stop_after were found: there may be more */
};

/* The dead man's switch, as alert_renew_stale finds it. */
struct alert_stale {
	enum alert_severity severity;	/* ALERT_OK when renew runs are on time */
	int have_run;		/* a renew run was ever recorded */
	struct run_row last_run;	/* the newest, when have_run */
	long long age;		/* seconds since it ended, when have_run */
	long long since;	/* when it became overdue, 0 when never run */
};

/*
 * The one rule for the dead man's switch (status, the conditions, the
 * screen): `certdeck renew` must complete every o->stale_hours; past
 * that a warning, past twice that critical; a store with certificates to
 * renew that never saw a run is a warning. Fills *out at now. Returns 0
 * or -1.
 */
int alert_renew_stale(struct store *st, const struct alert_opts *o, long long now,
    struct alert_stale *out, struct err *e);

/*
 * Evaluates every condition at o->now. Returns 0 and fills *out (release
 * with alert_report_clear), or -1 (out is left empty).
 */
int alert_evaluate(struct store *st, const struct alert_opts *o, struct alert_report *out,
    struct err *e);

/* Frees the alerts and empties r. Accepts an empty report. */
void alert_report_clear(struct alert_report *r);

#endif
