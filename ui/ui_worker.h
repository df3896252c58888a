/*
 * The worker inside the TUI: a thread that claims and runs jobs (the ones
 * queued here and any others) beside the loop, and writes a byte to its
 * wake-up descriptor for every event so the loop redraws. Only the loop
 * touches ncurses; the worker never prints.
 */
#ifndef CERTDECK_UI_WORKER_H
#define CERTDECK_UI_WORKER_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "err.h"
#include "worker.h"

/* The worker thread and what it tells the loop. Zeroed before the start. */
struct ui_worker {
	pthread_t thread;
	int started;
	volatile sig_atomic_t stop;
	int wake[2];		/* [1] for the worker, [0] polled by the loop */
	char *store_path;
	char claimer[128];	/* "host:pid:" of our claims */
	struct worker_opts opts;
	struct worker_stats stats;
	struct err e;
	int rc;
	atomic_int ended;	/* worker_run returned (rc, e are set before) */
	int reported;
};

/*
 * Starts the worker on the store at store_path (copied); its audit rows
 * name actor (borrowed: it must outlive the worker). Returns 0, or -1
 * with e filled (ui_worker_stop still cleans up).
 */
int ui_worker_start(struct ui_worker *w, const char *store_path, const char *actor,
    struct err *e);

/* Stops the worker between steps, waits for it and frees what it holds. */
void ui_worker_stop(struct ui_worker *w);

/* The descriptor that is readable after a worker event, or -1 when none runs. */
int ui_worker_fd(const struct ui_worker *w);

/*
 * Drains the wake-up bytes. Returns the message of the error the worker
 * ended with the first time it is seen (borrowed from w), else NULL.
 */
const char *ui_worker_drain(struct ui_worker *w);

/* 1 when claimed_by (a job's claimer, may be NULL) is this worker. */
int ui_worker_claimed(const struct ui_worker *w, const char *claimed_by);

#endif
