/*
 * Runs: each completed `certdeck renew` leaves one row, so the dead man's
 * switch can tell when the timer stopped firing.
 */
#ifndef CERTDECK_STORE_RUN_H
#define CERTDECK_STORE_RUN_H

#include <stdint.h>

#include "store.h"

/* The kind of run `certdeck renew` records. */
#define RUN_RENEW "renew"

/* How a run ended: everything done, a job failed, a job waits for a retry. */
enum run_outcome {
	RUN_OK,
	RUN_FAILED,
	RUN_RETRY,
	RUN_OUTCOME_COUNT
};

/* "ok", "failed", "retry"; as stored. */
const char *store_run_outcome_name(enum run_outcome o);

struct run_row {
	int64_t id;
	char kind[32];		/* RUN_RENEW */
	long long started, ended;	/* Unix seconds */
	enum run_outcome outcome;
	int done, failed, deferred;	/* jobs, as the run counted them */
};

/*
 * Records a completed run (r->id is ignored; actor may be NULL). Returns
 * 0 and sets r->id, or -1.
 */
int store_run_add(struct store *st, struct run_row *r, const char *actor, struct err *e);

/*
 * The newest completed run of kind (by end time). Returns 0 and fills
 * *out, 1 when none was ever recorded, or -1.
 */
int store_run_last(struct store *st, const char *kind, struct run_row *out, struct err *e);

#endif
