/*
 * The worker: threads that claim jobs from the store and run them, each
 * with its own store connection and HTTP handles. Used by `certdeck
 * worker`, `certdeck renew`, foreground commands and the TUI. Never
 * touches the terminal: it reports through callbacks and a wake-up byte.
 */
#ifndef CERTDECK_WORKER_H
#define CERTDECK_WORKER_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "store_job.h"

/* Retries: this many attempts in all, then the job fails for good. */
#define WORKER_MAX_ATTEMPTS 10

struct worker_opts {
	const char *store_path;
	/*
	 * With only_job: run the job in the calling thread on this open
	 * connection (the caller's; not closed) instead of a thread with its
	 * own: a foreground command then pays for one store open, not two.
	 */
	struct store *store;
	const char *actor;		/* who runs it, for audit rows (the program's) */
	int threads;			/* at least 1 */
	int once;			/* run what is runnable now, then return */
	int64_t only_job;		/* > 0: run just this job, once */
	const volatile sig_atomic_t *stop; /* set by SIGTERM/SIGINT; may be NULL */
	int wake_fd;			/* gets one byte per event; -1 for none */
	/* Called from worker threads; must be thread-safe. May be NULL. */
	void (*on_event)(void *arg, int64_t job_id, int step, int steps, const char *msg);
	/*
	 * A run ended: state is where the job went, e what went wrong (or
	 * NULL); JOB_RUNNING: another worker took the job over after this
	 * one's lease ran out, and this run's outcome was dropped.
	 */
	void (*on_done)(void *arg, const struct job_row *job, enum job_state state,
	    int64_t result_id, long long run_after, const struct err *e);
	void *arg;
};

struct worker_stats {
	int done;		/* succeeded */
	int failed;		/* failed for good */
	int deferred;		/* requeued for a later retry */
	int interrupted;	/* put back by a stop request */
};

/* Host name used in claimer ids ("host:pid:thread:token"). */
const char *worker_host(void);

/*
 * Runs until stopped (or, with once/only_job, until nothing runnable is
 * left). Returns 0 and fills *stats, or -1 when the store cannot be
 * opened.
 */
int worker_run(const struct worker_opts *o, struct worker_stats *stats, struct err *e);

/* The delay before retry number attempt (1-based), honouring the CA's retry_after. */
long worker_retry_delay(int attempt, long retry_after);

#endif
