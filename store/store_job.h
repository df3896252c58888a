/*
 * Jobs and events. A job is a row: any worker (in the TUI, `certdeck
 * worker`, `certdeck renew` from cron) claims it atomically, runs it and
 * writes the outcome; events are its progress and the audit log.
 */
#ifndef CERTDECK_STORE_JOB_H
#define CERTDECK_STORE_JOB_H

#include <stdint.h>

#include "store.h"

enum job_state {
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_DONE,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB_STATE_COUNT
};

/* The state's untranslated name ("queued", "done", ...), a static string. */
const char *store_job_state_name(enum job_state s);

struct job_row {
	int64_t id;
	char *kind;		/* "issue", "renew", "revoke", ... */
	int64_t target_id;	/* order, certificate or account, by kind */
	char *params;		/* JSON object text, or NULL */
	enum job_state state;
	int attempt;
	long long run_after;
	int step, steps;
	char *progress;
	char *last_error;	/* JSON {kind, message, problem_type, problem_detail} */
	char *claimed_by;
	char *actor;
	int64_t result_id;	/* e.g. the certificate a job produced */
	long long created, updated;
};

/* Frees a job row and its strings. Accepts NULL. */
void job_row_free(struct job_row *j);

/*
 * Queues a job runnable from run_after (0: now). params may be NULL.
 * Returns 0 and *id, or -1.
 */
int store_job_add(struct store *st, const char *kind, int64_t target_id,
    const char *params, long long run_after, const char *actor, int64_t *id,
    struct err *e);

/*
 * The params member that holds a secret (the EAB HMAC key of an
 * account-new job): removed from the params when the job ends, whichever
 * way (done, failed, retries exhausted, cancelled).
 */
#define JOB_PARAM_SECRET "eab_hmac_key"

/*
 * Claims the next runnable job (or exactly job `only` when > 0) for
 * claimer, with a lease of `lease` seconds: one UPDATE, so two processes
 * never claim the same job. Runnable: queued and due, or running with an
 * expired lease (its worker stopped renewing it). The row's claimed_by and
 * attempt name the claim; the functions below that take a job_row act only
 * while that claim still holds the job. Returns 0 and *out, 1 when nothing
 * is runnable, or -1.
 */
int store_job_claim(struct store *st, const char *claimer, int64_t only, long long lease,
    struct job_row **out, struct err *e);

/*
 * Extends the lease of claimed job to now + lease seconds. Returns 0, 1
 * when the claim no longer holds the job (taken over, or ended), or -1.
 */
int store_job_renew(struct store *st, const struct job_row *job, long long lease,
    struct err *e);

/* Returns 1 when another claim has taken the job over (or it is gone), 0 if not, -1. */
int store_job_lost(struct store *st, const struct job_row *job, struct err *e);

/* Progress of a job this claim holds (nothing if it lost it). Returns 0 or -1. */
int store_job_progress(struct store *st, const struct job_row *job, int step, int steps,
    const char *msg, struct err *e);

/*
 * Replaces the params of a job this claim holds (e.g. the order a renewal
 * created). Returns 0, or -1 (also when the job was taken over).
 */
int store_job_set_params(struct store *st, const struct job_row *job, const char *params,
    struct err *e);

/*
 * Ends a run of a job this claim holds, in one statement that checks the
 * claim: JOB_DONE (result_id may be 0), JOB_FAILED (error_json), or
 * JOB_QUEUED again at run_after for a retry. Returns 0, 1 when the claim
 * had lost the job (nothing changed), or -1.
 */
int store_job_finish(struct store *st, const struct job_row *job, enum job_state state,
    int64_t result_id, const char *error_json, long long run_after, struct err *e);

/*
 * Puts back a job this claim holds without counting the attempt
 * (shutdown). Returns 0, 1 when it no longer held it, or -1.
 */
int store_job_release(struct store *st, const struct job_row *job, struct err *e);

/*
 * Cancels a queued (or, cooperatively, running) job and drops
 * JOB_PARAM_SECRET from its params. Returns 0, 1 if it had ended, or -1.
 */
int store_job_cancel(struct store *st, int64_t id, struct err *e);

/* Returns 1 when job id was asked to stop (cancelled), 0 if not, -1 on error. */
int store_job_cancelled(struct store *st, int64_t id, struct err *e);

/* Fetches one. Returns 0 and *out, 1 when absent, or -1. */
int store_job_get(struct store *st, int64_t id, struct job_row **out, struct err *e);

/*
 * Lists jobs newest first; active_only keeps queued and running. cb gets
 * borrowed rows. Returns 0, cb's non-zero value, or -1.
 */
int store_job_list(struct store *st, int active_only,
    int (*cb)(const struct job_row *, void *), void *arg, struct err *e);

/* 1 when a queued or running job of kind for target exists, 0 if not, -1 on error. */
int store_job_pending(struct store *st, const char *kind, int64_t target_id, struct err *e);

/*
 * The newest done job that produced result_id and whose params have a
 * value at json_path (an SQLite JSON path such as "$.scep"): where the
 * settings a certificate was made with are kept. Returns 0 and *id, 1
 * when there is none, or -1.
 */
int store_job_producer(struct store *st, int64_t result_id, const char *json_path,
    int64_t *id, struct err *e);

/* Earliest run_after among queued jobs; 0 when none. Returns 0 or -1. */
int store_job_next_run(struct store *st, long long *when, struct err *e);

struct event_row {
	int64_t id;
	long long time;
	int64_t job_id;
	const char *level;	/* "info", "warn", "error" */
	int step, steps;
	const char *message;
	const char *actor;
};

/* Appends an event. Returns 0 or -1. */
int store_event_add(struct store *st, int64_t job_id, const char *level, int step,
    int steps, const char *message, const char *actor, struct err *e);

/*
 * Lists events oldest first (job_id > 0: that job's only; limit 0: all;
 * otherwise the newest `limit`). Rows are borrowed. Returns 0, cb's value, or -1.
 */
int store_event_list(struct store *st, int64_t job_id, int limit,
    int (*cb)(const struct event_row *, void *), void *arg, struct err *e);

/*
 * The newest `limit` events (limit >= 1), newest first, of the jobs about
 * certificate cert_id: those that targeted it (renew, rotate-key, revoke,
 * deploy) and those that produced it (result_id: issue, renew, ...).
 * Rows are borrowed. Returns 0, cb's non-zero value, or -1.
 */
int store_event_list_cert(struct store *st, int64_t cert_id, int limit,
    int (*cb)(const struct event_row *, void *), void *arg, struct err *e);

#endif
