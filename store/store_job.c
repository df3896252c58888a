#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_sql.h"
#include "store_job.h"

static const char *const state_names[JOB_STATE_COUNT] = {
	[JOB_QUEUED] = "queued", [JOB_RUNNING] = "running", [JOB_DONE] = "done",
	[JOB_FAILED] = "failed", [JOB_CANCELLED] = "cancelled",
};

const char *
store_job_state_name(enum job_state s)
{
	return (unsigned)s < JOB_STATE_COUNT ? state_names[s] : "unknown";
}

static enum job_state
state_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < JOB_STATE_COUNT; i++)
		if (strcmp(s, state_names[i]) == 0)
			return (enum job_state)i;
	return JOB_FAILED;
}

void
job_row_free(struct job_row *j)
{
	if (j == NULL)
		return;
	free(j->kind);
	free(j->params);
	free(j->progress);
	free(j->last_error);
	free(j->claimed_by);
	free(j->actor);
	free(j);
}

#define JOB_COLUMNS "id, kind, target_id, params, state, attempt, run_after, step, " \
	"steps, progress, last_error, claimed_by, actor, result_id, created, updated"

/* A row of JOB_COLUMNS as a struct job_row (job_row_free), or NULL. */
static void *
job_from(sqlite3_stmt *s)
{
	struct job_row *j = calloc(1, sizeof(*j));
	char *state;

	if (j == NULL)
		return NULL;
	j->id = sqlite3_column_int64(s, 0);
	j->kind = store_col_text(s, 1, NULL);
	j->target_id = sqlite3_column_int64(s, 2);
	j->params = store_col_text(s, 3, NULL);
	state = store_col_text(s, 4, NULL);
	j->state = state_parse(state);
	free(state);
	j->attempt = sqlite3_column_int(s, 5);
	j->run_after = sqlite3_column_int64(s, 6);
	j->step = sqlite3_column_int(s, 7);
	j->steps = sqlite3_column_int(s, 8);
	j->progress = store_col_text(s, 9, NULL);
	j->last_error = store_col_text(s, 10, NULL);
	j->claimed_by = store_col_text(s, 11, NULL);
	j->actor = store_col_text(s, 12, NULL);
	j->result_id = sqlite3_column_int64(s, 13);
	j->created = sqlite3_column_int64(s, 14);
	j->updated = sqlite3_column_int64(s, 15);
	if (j->kind == NULL) {
		job_row_free(j);
		return NULL;
	}
	return j;
}

int
store_job_add(struct store *st, const char *kind, int64_t target_id, const char *params,
    long long run_after, const char *actor, int64_t *id, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT INTO jobs (kind, target_id, params, state, run_after, actor, "
	    "created, updated) VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?6)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, target_id);
	store_bind_text(s, 3, params);
	sqlite3_bind_int64(s, 4, run_after);
	store_bind_text(s, 5, actor);
	sqlite3_bind_int64(s, 6, store_now());
	if (store_step_done(st, s, _("queuing a job"), e) != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

/* A job another claim may take: queued and due, or running on an expired lease. */
#define CLAIMABLE "((state = 'queued' AND run_after <= ?2) OR " \
	"(state = 'running' AND coalesce(lease_until, 0) < ?2))"

int
store_job_claim(struct store *st, const char *claimer, int64_t only, long long lease,
    struct job_row **out, struct err *e)
{
	sqlite3_stmt *s;
	long long now = store_now();
	int rc;

	/*
	 * One statement: SQLite's single writer makes the claim atomic across
	 * processes. A running job whose lease has run out is taken over: its
	 * worker stopped renewing it (it died, or lost the store), and the job
	 * resumes from its last committed step. The attempt counts up on every
	 * claim, so (claimed_by, attempt) names this claim alone.
	 */
	s = store_stmt(st, "UPDATE jobs SET state = 'running', claimed_by = ?1, claimed_at = ?2, "
	    "lease_until = ?2 + ?4, attempt = attempt + 1, updated = ?2 WHERE id = (SELECT id "
	    "FROM jobs WHERE " CLAIMABLE " AND (?3 = 0 OR id = ?3) ORDER BY run_after, id "
	    "LIMIT 1) AND " CLAIMABLE " RETURNING " JOB_COLUMNS, e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, claimer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, only);
	sqlite3_bind_int64(s, 4, lease > 0 ? lease : 1);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = job_from(s);
		/* Step to the end so the UPDATE commits before we return. */
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			job_row_free(*out);
			return store_error(st, e, _("claiming a job"));
		}
		return *out != NULL ? 0 : err_nomem(e);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 1 : store_error(st, e, _("claiming a job"));
}

/* The claim test every write of a running job carries: ?1 id, ?2 claimer, ?3 attempt. */
#define HELD "id = ?1 AND claimed_by = ?2 AND attempt = ?3"

static void
bind_held(sqlite3_stmt *s, const struct job_row *job)
{
	sqlite3_bind_int64(s, 1, job->id);
	store_bind_text(s, 2, job->claimed_by);
	sqlite3_bind_int(s, 3, job->attempt);
}

/* Steps s (an UPDATE ... WHERE HELD); returns 0, 1 when no row matched, or -1. */
static int
held_done(struct store *st, sqlite3_stmt *s, const char *what, struct err *e)
{
	if (store_step_done(st, s, what, e) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) > 0 ? 0 : 1;
}

int
store_job_renew(struct store *st, const struct job_row *job, long long lease, struct err *e)
{
	sqlite3_stmt *s;

	/* A job cancelled while it runs is still this worker's until it stops. */
	s = store_stmt(st, "UPDATE jobs SET lease_until = ?4 + ?5 WHERE " HELD
	    " AND state IN ('running', 'cancelled')", e);
	if (s == NULL)
		return -1;
	bind_held(s, job);
	sqlite3_bind_int64(s, 4, store_now());
	sqlite3_bind_int64(s, 5, lease > 0 ? lease : 1);
	return held_done(st, s, _("renewing a job's lease"), e);
}

int
store_job_lost(struct store *st, const struct job_row *job, struct err *e)
{
	sqlite3_stmt *s;
	int rc, lost = 1;

	s = store_stmt(st, "SELECT NOT (" HELD ") FROM jobs WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	bind_held(s, job);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		lost = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("reading a job"));
	return lost;
}

int
store_job_progress(struct store *st, const struct job_row *job, int step, int steps,
    const char *msg, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE jobs SET step = ?4, steps = ?5, progress = ?6, updated = ?7 "
	    "WHERE " HELD, e);
	if (s == NULL)
		return -1;
	bind_held(s, job);
	sqlite3_bind_int(s, 4, step);
	sqlite3_bind_int(s, 5, steps);
	store_bind_text(s, 6, msg);
	sqlite3_bind_int64(s, 7, store_now());
	return held_done(st, s, _("recording job progress"), e) < 0 ? -1 : 0;
}

int
store_job_set_params(struct store *st, const struct job_row *job, const char *params,
    struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	s = store_stmt(st, "UPDATE jobs SET params = ?4, updated = ?5 WHERE " HELD, e);
	if (s == NULL)
		return -1;
	bind_held(s, job);
	store_bind_text(s, 4, params);
	sqlite3_bind_int64(s, 5, store_now());
	if ((rc = held_done(st, s, _("updating a job"), e)) == 1)
		return err_set(e, ERR_STORE, _("job #%lld was taken over by another worker "
		    "(this one's lease ran out)"), (long long)job->id);
	return rc;
}

/*
 * The params without the members that live only while a job may still
 * run (JOB_PARAM_SECRET), for a job in state ?N (a terminal state).
 */
#define PARAMS_ENDED(n) "params = CASE WHEN " n " IN ('done', 'failed', 'cancelled') " \
	"AND json_valid(params) THEN json_remove(params, '$." JOB_PARAM_SECRET "') " \
	"ELSE params END"

int
store_job_finish(struct store *st, const struct job_row *job, enum job_state state,
    int64_t result_id, const char *error_json, long long run_after, struct err *e)
{
	sqlite3_stmt *s;

	/*
	 * A job cancelled while it ran stays cancelled. Only the claim that
	 * holds the job may end it: a worker whose lease ran out and was
	 * taken over changes nothing here.
	 */
	s = store_stmt(st, "UPDATE jobs SET state = CASE WHEN state = 'cancelled' THEN state "
	    "ELSE ?4 END, " PARAMS_ENDED("(CASE WHEN state = 'cancelled' THEN state ELSE ?4 END)")
	    ", result_id = ?5, last_error = ?6, run_after = ?7, claimed_by = NULL, "
	    "lease_until = NULL, updated = ?8 WHERE " HELD " AND state IN ('running', "
	    "'cancelled')", e);
	if (s == NULL)
		return -1;
	bind_held(s, job);
	sqlite3_bind_text(s, 4, store_job_state_name(state), -1, SQLITE_STATIC);
	if (result_id > 0)
		sqlite3_bind_int64(s, 5, result_id);
	else
		sqlite3_bind_null(s, 5);
	store_bind_text(s, 6, error_json);
	sqlite3_bind_int64(s, 7, run_after);
	sqlite3_bind_int64(s, 8, store_now());
	return held_done(st, s, _("finishing a job"), e);
}

int
store_job_release(struct store *st, const struct job_row *job, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE jobs SET state = 'queued', attempt = max(attempt - 1, 0), "
	    "claimed_by = NULL, lease_until = NULL, updated = ?4 WHERE " HELD
	    " AND state = 'running'", e);
	if (s == NULL)
		return -1;
	bind_held(s, job);
	sqlite3_bind_int64(s, 4, store_now());
	return held_done(st, s, _("releasing a job"), e);
}

int
store_job_cancel(struct store *st, int64_t id, struct err *e)
{
	/* A running job's worker holds its own copy of the params until it stops. */
	if (store_exec_id_now(st, "UPDATE jobs SET state = 'cancelled', "
	    PARAMS_ENDED("'cancelled'") ", updated = ?2 WHERE id = ?1 AND "
	    "state IN ('queued', 'running')", id, _("cancelling a job"), e) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) == 1 ? 0 : 1;
}

int
store_job_cancelled(struct store *st, int64_t id, struct err *e)
{
	sqlite3_stmt *s;
	int rc, cancelled = 0;

	s = store_stmt(st, "SELECT state = 'cancelled' FROM jobs WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		cancelled = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("reading a job"));
	return cancelled;
}

int
store_job_get(struct store *st, int64_t id, struct job_row **out, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	void *row;

	s = store_stmt(st, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = store_fetch(st, s, job_from, &row, _("reading a job"), e);
	if (rc == 1)
		err_set(e, ERR_USAGE, _("no job #%lld"), (long long)id);
	*out = row;
	return rc;
}

int
store_job_list(struct store *st, int active_only, int (*cb)(const struct job_row *, void *),
    void *arg, struct err *e)
{
	struct job_row *j;
	sqlite3_stmt *s;
	int rc, ret = 0;

	s = store_stmt(st, "SELECT " JOB_COLUMNS " FROM jobs WHERE ?1 = 0 OR state IN "
	    "('queued', 'running') ORDER BY id DESC", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, active_only);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((j = job_from(s)) == NULL) {
			sqlite3_reset(s);
			return err_nomem(e);
		}
		ret = cb(j, arg);
		job_row_free(j);
		if (ret != 0)
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("listing jobs"));
	return ret;
}

int
store_job_pending(struct store *st, const char *kind, int64_t target_id, struct err *e)
{
	sqlite3_stmt *s;
	int rc, found;

	s = store_stmt(st, "SELECT 1 FROM jobs WHERE kind = ?1 AND target_id = ?2 AND "
	    "state IN ('queued', 'running') LIMIT 1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, target_id);
	rc = sqlite3_step(s);
	found = rc == SQLITE_ROW;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("looking up jobs"));
	return found;
}

int
store_job_producer(struct store *st, int64_t result_id, const char *json_path,
    int64_t *id, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	s = store_stmt(st, "SELECT id FROM jobs WHERE result_id = ?1 AND state = 'done' AND "
	    "json_valid(params) AND json_extract(params, ?2) IS NOT NULL "
	    "ORDER BY id DESC LIMIT 1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, result_id);
	sqlite3_bind_text(s, 2, json_path, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("looking up jobs"));
	return rc == SQLITE_ROW ? 0 : 1;
}

int
store_job_next_run(struct store *st, long long *when, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	s = store_stmt(st, "SELECT min(run_after) FROM jobs WHERE state = 'queued'", e);
	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	*when = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_error(st, e, _("looking up jobs"));
}

int
store_event_add(struct store *st, int64_t job_id, const char *level, int step, int steps,
    const char *message, const char *actor, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT INTO events (time, job_id, level, step, steps, message, actor) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, store_now());
	if (job_id > 0)
		sqlite3_bind_int64(s, 2, job_id);
	else
		sqlite3_bind_null(s, 2);
	store_bind_text(s, 3, level);
	sqlite3_bind_int(s, 4, step);
	sqlite3_bind_int(s, 5, steps);
	sqlite3_bind_text(s, 6, message, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 7, actor);
	return store_step_done(st, s, _("recording an event"), e);
}

/* Runs s (columns as in event_rows) and hands each row to cb; resets s. */
static int
event_rows(struct store *st, sqlite3_stmt *s, int (*cb)(const struct event_row *, void *),
    void *arg, struct err *e)
{
	struct event_row ev;
	int rc, ret = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ev.id = sqlite3_column_int64(s, 0);
		ev.time = sqlite3_column_int64(s, 1);
		ev.job_id = sqlite3_column_int64(s, 2);
		ev.level = (const char *)sqlite3_column_text(s, 3);
		ev.step = sqlite3_column_int(s, 4);
		ev.steps = sqlite3_column_int(s, 5);
		ev.message = (const char *)sqlite3_column_text(s, 6);
		ev.actor = (const char *)sqlite3_column_text(s, 7);
		if ((ret = cb(&ev, arg)) != 0)
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("listing events"));
	return ret;
}

int
store_event_list(struct store *st, int64_t job_id, int limit,
    int (*cb)(const struct event_row *, void *), void *arg, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "SELECT * FROM (SELECT id, time, job_id, level, step, steps, message, "
	    "actor FROM events WHERE ?1 = 0 OR job_id = ?1 ORDER BY id DESC LIMIT ?2) "
	    "ORDER BY id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : -1);
	return event_rows(st, s, cb, arg, e);
}

int
store_event_list_cert(struct store *st, int64_t cert_id, int limit,
    int (*cb)(const struct event_row *, void *), void *arg, struct err *e)
{
	sqlite3_stmt *s;

	/*
	 * target_id is a certificate only for these kinds (an issue job
	 * targets an order, account jobs an account); result_id likewise.
	 * The jobs come first (jobs_target, jobs_result), then each one's
	 * events by events_job; events outside any job that name the
	 * certificate come by events_cert: a few rows, whatever the size of
	 * the log.
	 */
	s = store_stmt(st, "WITH j(id) AS ("
	    "SELECT id FROM jobs WHERE kind IN ('renew', 'rotate-key', 'revoke', 'deploy')"
	    " AND target_id = ?1"
	    " UNION SELECT id FROM jobs WHERE result_id = ?1"
	    " AND kind IN ('issue', 'renew', 'rotate-key', 'revoke', 'deploy')) "
	    "SELECT * FROM ("
	    "SELECT e.id, e.time, e.job_id, e.level, e.step, e.steps, e.message, e.actor"
	    " FROM j CROSS JOIN events e ON e.job_id = j.id"
	    " UNION ALL SELECT id, time, job_id, level, step, steps, message, actor"
	    " FROM events WHERE cert_id = ?1 AND job_id IS NULL) "
	    "ORDER BY id DESC LIMIT ?2", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cert_id);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : 1);
	return event_rows(st, s, cb, arg, e);
}
