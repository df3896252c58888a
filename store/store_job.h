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
 * Claims the next runnable job (or exactly job `only` when > 0) for
 * claimer: one UPDATE, so two processes never claim the same job.
 * Returns 0 and *out, 1 when nothing is runnable, or -1.
 */
int store_job_claim(struct store *st, const char *claimer, int64_t only,
    struct job_row **out, struct err *e);

/* Progress of a running job (also its heartbeat). Returns 0 or -1. */
int store_job_progress(struct store *st, int64_t id, int step, int steps,
    const char *msg, struct err *e);

/* Replaces a job's params (e.g. the order a renewal created). Returns 0 or -1. */
int store_job_set_params(struct store *st, int64_t id, const char *params, struct err *e);

/*
 * Ends a run: JOB_DONE (result_id may be 0), JOB_FAILED (error_json), or
 * JOB_QUEUED again at run_after for a retry. Returns 0 or -1.
 */
int store_job_finish(struct store *st, int64_t id, enum job_state state,
    int64_t result_id, const char *error_json, long long run_after, struct err *e);

/* Puts back a claimed job without counting the attempt (shutdown). Returns 0 or -1. */
int store_job_release(struct store *st, int64_t id, struct err *e);

/* Cancels a queued (or, cooperatively, running) job. Returns 0, 1 if it had ended, or -1. */
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

/*
 * Requeues running jobs whose claimer is gone: on this host, a process
 * that no longer exists; anywhere, no heartbeat for stale_after seconds.
 * Returns the number requeued, or -1.
 */
int store_job_reclaim(struct store *st, const char *host, long long stale_after,
    struct err *e);

/* 1 when a queued or running job of kind for target exists, 0 if not, -1 on error. */
int store_job_pending(struct store *st, const char *kind, int64_t target_id, struct err *e);

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
