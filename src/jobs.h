/*
 * Job kinds: one function each. A job is a store row (store_job.h); this
 * module runs one claimed job to its outcome. Each kind is idempotent
 * across restarts: it records what it created (an order, a key) in the
 * job's params before the next step, so a job interrupted by a crash
 * resumes instead of starting over.
 */
#ifndef CERTDECK_JOBS_H
#define CERTDECK_JOBS_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "store.h"
#include "store_job.h"

struct job_ctx {
	struct store *st;
	const struct job_row *job;
	/* Set by a signal handler: stop at the next step boundary. May be NULL. */
	const volatile sig_atomic_t *stop;
	/* Told about every progress step (CLI printing, UI wake-up). May be NULL. */
	void (*on_event)(void *arg, int64_t job_id, int step, int steps, const char *msg);
	void *arg;
	const char *actor;
	/* The running thread's account session cache; may be NULL. */
	struct account_cache *cache;
};

/* Job kinds certdeck runs. */
#define JOB_ISSUE "issue"
#define JOB_RENEW "renew"
#define JOB_REVOKE "revoke"
#define JOB_ROTATE_KEY "rotate-key"
#define JOB_ACCOUNT_ROLLOVER "account-rollover"
#define JOB_ACCOUNT_DEACTIVATE "account-deactivate"
/*
 * account-new: no target; params {"server", "ca_bundle" (a file, optional:
 * else the bundle stored for that CA), "contacts": [...], "key_type",
 * "agree_tos", "eab_kid", "eab_hmac_key"}; result_id is the new account.
 * The HMAC key is dropped from the params once the job has ended.
 * account-update: target the account; params {"contacts": [...]} (empty:
 * remove them all).
 */
#define JOB_ACCOUNT_NEW "account-new"
#define JOB_ACCOUNT_UPDATE "account-update"
#define JOB_DEPLOY "deploy"
/*
 * scep-enroll: no target; params {"scep": {...}} as src/scep_enroll.h
 * describes (the job records "key_id", "pending" and "cert_id" as it goes:
 * a PENDING answer is a retry that polls with CertPoll); result_id
 * is the new certificate. A renew job of a certificate whose source is
 * "scep" renews it over SCEP with the settings of the job that produced it.
 */
#define JOB_SCEP_ENROLL "scep-enroll"
/*
 * check: target a certificate; probes its endpoints now (src/check.c) and
 * records their verdicts; no params. result_id is the certificate.
 */
#define JOB_CHECK "check"
/*
 * est-enroll: the same for EST, params {"est": {...}} as src/est_enroll.h
 * describes; a 202 Accepted is a retry that sends the same request again.
 * A renew job of an "est" certificate renews it over EST (/simplereenroll).
 */
#define JOB_EST_ENROLL "est-enroll"
/* notify: target the channel (notify_channels); params the event JSON (src/notify.c). */
#define JOB_NOTIFY "notify"

struct cert_row;

/*
 * 1 with e filled (ERR_USAGE: what to do instead) when certificate c came
 * from a protocol without a revocation operation (SCEP, EST), else 0.
 * The revoke job and the screen's R both ask it.
 */
int jobs_revoke_refused(const struct cert_row *c, struct err *e);

/* 1 when kind is one of the above. */
int jobs_kind_known(const char *kind);

/*
 * The latest time a retry of job is still of use: for a job on a
 * certificate (renew, rotate-key, revoke), its notAfter less a margin
 * (a twentieth of its lifetime, between an hour and a day); 0 when the
 * kind has no such limit. Returns 0, or -1 when the certificate cannot
 * be read.
 */
int jobs_retry_deadline(struct store *st, const struct job_row *job, long long *deadline,
    struct err *e);

/*
 * Runs the claimed job ctx->job. Returns 0 and *result_id (the
 * certificate it produced, if any), or -1 with e filled (e->retryable:
 * worth running again later).
 */
int jobs_run(struct job_ctx *ctx, int64_t *result_id, struct err *e);

#endif
