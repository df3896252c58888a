/*
 * Store-private: the connection, its statement cache, and the small
 * helpers every store_*.c module uses around prepared statements. Only
 * files in store/ include this (all SQL lives there).
 */
#ifndef CERTDECK_STORE_SQL_H
#define CERTDECK_STORE_SQL_H

#include <sqlite3.h>
#include <stdint.h>

#include "store.h"

/* The underlying connection, borrowed. */
sqlite3 *store_db(struct store *st);

/*
 * Prepares (once per connection, then reuses) a statement. Returns the
 * statement, reset and with bindings cleared, or NULL (e filled). The
 * statement is owned by the store.
 */
sqlite3_stmt *store_stmt(struct store *st, const char *sql, struct err *e);

/*
 * A copy of a text column (free()), NULL for SQL NULL. When the copy
 * fails, returns NULL and sets *oom (oom may be NULL).
 */
char *store_col_text(sqlite3_stmt *s, int i, int *oom);

/* Binds text (copied by SQLite), or NULL. Returns SQLite's code. */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);

/* Binds a row id, or NULL for 0 ("none"). Returns SQLite's code. */
int store_bind_id(sqlite3_stmt *s, int i, int64_t v);

/*
 * Steps a query expected to return at most one row. Returns 0 with s on
 * the row (the caller reads it, then resets s), 1 when there is none, or
 * -1 naming what failed (s is reset in both of those cases).
 */
int store_step_row(struct store *st, sqlite3_stmt *s, const char *what, struct err *e);

/*
 * Steps a write to completion, resets it and clears its bindings. Returns
 * 0, or -1 naming what failed.
 */
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what, struct err *e);

/* Runs the write sql with ?1 = id and ?2 = store_now(). Returns 0, or -1 naming what failed. */
int store_exec_id_now(struct store *st, const char *sql, int64_t id, const char *what,
    struct err *e);

/*
 * Steps s (parameters bound) for at most one row and builds *out from it
 * with from (which returns NULL when out of memory). Returns 0 and *out,
 * 1 when there is no row (e untouched: the caller says what is missing),
 * or -1. s is reset.
 */
int store_fetch(struct store *st, sqlite3_stmt *s, void *(*from)(sqlite3_stmt *s), void **out,
    const char *what, struct err *e);

/*
 * A unit of work that nests: its own transaction when none is open
 * (*own = 1), else the savepoint name inside the caller's. Returns 0 or -1.
 */
int store_nest_begin(struct store *st, const char *name, int *own, struct err *e);

/* Commits (own) or releases the savepoint name. Returns 0 or -1. */
int store_nest_end(struct store *st, const char *name, int own, struct err *e);

/* Undoes the unit: rolls back (own), or back to and out of the savepoint name. */
void store_nest_undo(struct store *st, const char *name, int own);

#endif
