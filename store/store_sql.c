#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_sql.h"

char *
store_col_text(sqlite3_stmt *s, int i, int *oom)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	char *copy;

	if (t == NULL)
		return NULL;
	if ((copy = strdup((const char *)t)) == NULL && oom != NULL)
		*oom = 1;
	return copy;
}

int
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return v != NULL ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) :
	    sqlite3_bind_null(s, i);
}

int
store_bind_id(sqlite3_stmt *s, int i, int64_t v)
{
	return v > 0 ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

int
store_step_row(struct store *st, sqlite3_stmt *s, const char *what, struct err *e)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 1 : store_error(st, e, what);
}

int
store_step_done(struct store *st, sqlite3_stmt *s, const char *what, struct err *e)
{
	int rc = sqlite3_step(s);

	/* Drop the bindings too: the statement outlives the caller's buffers. */
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : store_error(st, e, what);
}

int
store_exec_id_now(struct store *st, const char *sql, int64_t id, const char *what,
    struct err *e)
{
	sqlite3_stmt *s = store_stmt(st, sql, e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, store_now());
	return store_step_done(st, s, what, e);
}

int
store_fetch(struct store *st, sqlite3_stmt *s, void *(*from)(sqlite3_stmt *s), void **out,
    const char *what, struct err *e)
{
	int rc;

	*out = NULL;
	if ((rc = store_step_row(st, s, what, e)) != 0)
		return rc;
	*out = from(s);
	sqlite3_reset(s);
	return *out != NULL ? 0 : err_nomem(e);
}

/* Runs one transaction-control statement built from verb and name. */
static int
nest_exec(struct store *st, const char *verb, const char *name, const char *what,
    struct err *e)
{
	char sql[96];
	sqlite3_stmt *s;

	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	if ((s = store_stmt(st, sql, e)) == NULL)
		return -1;
	return store_step_done(st, s, what, e);
}

int
store_unit_begin(struct store *st, const char *name, struct err *e)
{
	return nest_exec(st, "SAVEPOINT", name, _("cannot start a savepoint"), e);
}

int
store_unit_end(struct store *st, const char *name, struct err *e)
{
	return nest_exec(st, "RELEASE", name, _("cannot release a savepoint"), e);
}

void
store_unit_undo(struct store *st, const char *name)
{
	if (sqlite3_get_autocommit(store_db(st)))
		return;
	nest_exec(st, "ROLLBACK TO", name, "rollback", NULL);
	nest_exec(st, "RELEASE", name, "rollback", NULL);
}

int
store_in_transaction(struct store *st)
{
	return !sqlite3_get_autocommit(store_db(st));
}

int
store_nest_begin(struct store *st, const char *name, int *own, struct err *e)
{
	*own = sqlite3_get_autocommit(store_db(st));
	if (*own)
		return store_begin(st, e);
	return nest_exec(st, "SAVEPOINT", name, _("cannot start a savepoint"), e);
}

int
store_nest_end(struct store *st, const char *name, int own, struct err *e)
{
	if (own)
		return store_commit(st, e);
	return nest_exec(st, "RELEASE", name, _("cannot release a savepoint"), e);
}

void
store_nest_undo(struct store *st, const char *name, int own)
{
	if (own) {
		store_rollback(st);
	} else if (!sqlite3_get_autocommit(store_db(st))) {
		nest_exec(st, "ROLLBACK TO", name, "rollback", NULL);
		nest_exec(st, "RELEASE", name, "rollback", NULL);
	}
}
