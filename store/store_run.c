#include "config.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "store_run.h"
#include "store_sql.h"

static const char *const outcome_names[RUN_OUTCOME_COUNT] = {
	[RUN_OK] = "ok", [RUN_FAILED] = "failed", [RUN_RETRY] = "retry",
};

const char *
store_run_outcome_name(enum run_outcome o)
{
	return (unsigned)o < RUN_OUTCOME_COUNT ? outcome_names[o] : "failed";
}

static enum run_outcome
outcome_parse(const unsigned char *s)
{
	int i;

	for (i = 0; s != NULL && i < RUN_OUTCOME_COUNT; i++)
		if (strcmp((const char *)s, outcome_names[i]) == 0)
			return (enum run_outcome)i;
	return RUN_FAILED;
}

int
store_run_add(struct store *st, struct run_row *r, const char *actor, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT INTO runs (kind, started, ended, outcome, done, failed, "
	    "deferred, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, r->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, r->started);
	sqlite3_bind_int64(s, 3, r->ended);
	sqlite3_bind_text(s, 4, store_run_outcome_name(r->outcome), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, r->done);
	sqlite3_bind_int(s, 6, r->failed);
	sqlite3_bind_int(s, 7, r->deferred);
	store_bind_text(s, 8, actor);
	if (store_step_done(st, s, _("recording a run"), e) != 0)
		return -1;
	r->id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
store_run_last(struct store *st, const char *kind, struct run_row *out, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	s = store_stmt(st, "SELECT id, kind, started, ended, outcome, done, failed, deferred "
	    "FROM runs WHERE kind = ?1 ORDER BY ended DESC, id DESC LIMIT 1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	if ((rc = store_step_row(st, s, _("reading the last run"), e)) != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(s, 0);
	snprintf(out->kind, sizeof(out->kind), "%s", (const char *)sqlite3_column_text(s, 1));
	out->started = sqlite3_column_int64(s, 2);
	out->ended = sqlite3_column_int64(s, 3);
	out->outcome = outcome_parse(sqlite3_column_text(s, 4));
	out->done = sqlite3_column_int(s, 5);
	out->failed = sqlite3_column_int(s, 6);
	out->deferred = sqlite3_column_int(s, 7);
	sqlite3_reset(s);
	return 0;
}
