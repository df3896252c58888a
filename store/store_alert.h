/*
 * The queries behind monitoring (src/alert.c, status, metrics). Each walks
 * an index so that a store with nothing to say answers at once, whatever
 * its size; rows handed to callbacks are borrowed for the call. CA
 * certificates (kind 'ca': a scanned trust store holds hundreds) are
 * kept out of all of them: nobody renews a root, its expiry is no alert.
 */
#ifndef CERTDECK_STORE_ALERT_H
#define CERTDECK_STORE_ALERT_H

#include <stdint.h>

#include "store.h"

/* A certificate as monitoring sees it. */
struct mon_cert {
	int64_t id;
	const char *name;	/* primary name */
	const char *subject;	/* RFC 2253 DN, or NULL */
	const char *issuer_cn;	/* or NULL */
	const char *serial;	/* lower-case hex, or NULL */
	const char *status;	/* "valid", "revoked", "failed" */
	long long not_before, not_after;
	long long renew_at;	/* 0 when unknown */
	int managed;		/* issued through an order: certdeck renews it */
	int alert_days;		/* its own expiry threshold, -1 for the default */
	long long revoked_at;	/* 0 when not revoked */
	int revocation_reason;	/* RFC 5280 code, -1 when none */
	/* The last renewal of or into it: "done", "failed", or NULL for none. */
	const char *last_renewal;
	long long last_renewal_at;	/* when that job ended, 0 for none */
};

/*
 * Calls cb for every valid certificate whose expiry threshold (its own
 * alert_days, else default_days) has been reached at now (expired ones
 * included) and that has no renewal scheduled before it expires: not
 * renewed by certdeck, or due already with no untried renewal job queued.
 * Soonest expiry first. Returns 0, cb's non-zero value, or -1.
 */
int store_alert_expiring(struct store *st, long long now, int default_days,
    int (*cb)(const struct mon_cert *c, void *arg), void *arg, struct err *e);

/*
 * Calls cb for every current certificate that is revoked and would still
 * be valid at now. Returns 0, cb's non-zero value, or -1.
 */
int store_alert_revoked(struct store *st, long long now,
    int (*cb)(const struct mon_cert *c, void *arg), void *arg, struct err *e);

/* A job monitoring reports (store_alert_jobs). */
struct mon_job {
	int64_t id;
	const char *kind;	/* "issue", "renew" */
	const char *state;	/* "failed", or "queued" for one still retrying */
	int attempt;
	const char *last_error;	/* JSON {kind, message, ...}, or NULL */
	long long updated;
	int64_t cert_id;	/* the certificate it renews, 0 for an issuance */
	const char *name;	/* that certificate's, or the order's first identifier */
};

/*
 * Calls cb for each issuance or renewal job that failed for good and was
 * not superseded (the certificate it renews is still current; no later
 * issuance for the same names succeeded), and each one still queued after
 * failing `attempts` times or more. Returns 0, cb's non-zero value, or -1.
 */
int store_alert_jobs(struct store *st, int attempts,
    int (*cb)(const struct mon_job *j, void *arg), void *arg, struct err *e);

/* The headline numbers of `certdeck status`. */
struct mon_summary {
	long certificates;	/* current ones (valid, revoked, failed) */
	int64_t next_id;	/* the valid one that expires next (after now), 0 for none */
	char next_name[256];
	long long next_not_after;
};

/* Fills *out at now. Returns 0 or -1. */
int store_alert_summary(struct store *st, long long now, struct mon_summary *out,
    struct err *e);

/*
 * Calls cb for every current certificate (valid, revoked or failed) by
 * id, with its last renewal filled in. Returns 0, cb's non-zero value, or -1.
 */
int store_alert_certs(struct store *st, int (*cb)(const struct mon_cert *c, void *arg),
    void *arg, struct err *e);

/*
 * Calls cb with each (kind, state, count) of the jobs table. Returns 0,
 * cb's non-zero value, or -1.
 */
int store_alert_job_counts(struct store *st,
    int (*cb)(const char *kind, const char *state, long n, void *arg), void *arg,
    struct err *e);

/*
 * Calls cb for each notification channel whose last `failures` deliveries
 * or more failed (last: its last message, borrowed). Returns 0, cb's
 * non-zero value, or -1.
 */
int store_alert_channels_failing(struct store *st, int failures,
    int (*cb)(int64_t id, const char *type, int failures, const char *last, void *arg),
    void *arg, struct err *e);

/*
 * Counts the failed jobs (as the Jobs screen lists them), at most max (the
 * walk stops there: a count on the screen). Returns 0 and *n, or -1.
 */
int store_alert_failed_jobs(struct store *st, long max, long *n, struct err *e);

/*
 * 1 when some certificate is renewed by certdeck (has an order, or came
 * over SCEP), 0 if none, -1 on error.
 */
int store_alert_managed_any(struct store *st, struct err *e);

/* Sets certificate id's own expiry threshold (days < 0: back to the default). Returns 0, 1 when there is no such certificate, or -1. */
int store_cert_set_alert_days(struct store *st, int64_t id, int days, struct err *e);

#endif
