/*
 * The store: one SQLite database in WAL mode, the single source of truth.
 * Every connection has foreign keys on and a busy timeout; the schema is
 * migrated on open.
 */
#ifndef CERTDECK_STORE_H
#define CERTDECK_STORE_H

#include <stdint.h>

#include "err.h"

struct store;

enum store_flags {
	STORE_CREATE = 1 << 0,	/* create the file (0600) and directory (0700) */
	STORE_READONLY = 1 << 1,
};

/*
 * Resolves the store path: flag (may be NULL) > $CERTDECK_STORE >
 * /var/lib/certdeck/store.db for root > $XDG_DATA_HOME/certdeck/store.db >
 * $HOME/.local/share/certdeck/store.db. Returns a string the caller frees
 * with free(), or NULL when no home can be found (e is filled).
 */
char *store_default_path(const char *flag, struct err *e);

/*
 * Opens (and with STORE_CREATE creates) the store at path, migrating the
 * schema. Refuses a database written by a newer certdeck and a file that
 * is not a SQLite database. Returns 0 and *out (close with store_close),
 * or -1.
 */
int store_open(const char *path, int flags, struct store **out, struct err *e);

/* Closes the store. Accepts NULL. */
void store_close(struct store *st);

/* The path the store was opened with, borrowed. */
const char *store_path(struct store *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return 0 or -1. */
int store_begin(struct store *st, struct err *e);
int store_commit(struct store *st, struct err *e);
void store_rollback(struct store *st);

/*
 * A unit inside the caller's transaction that can be undone alone (one
 * file of a scan within a batch): a savepoint name. store_unit_end
 * releases it, store_unit_undo rolls back to it and releases it. Return
 * 0 or -1 (undo returns nothing).
 */
int store_unit_begin(struct store *st, const char *name, struct err *e);
int store_unit_end(struct store *st, const char *name, struct err *e);
void store_unit_undo(struct store *st, const char *name);

/* 1 when a transaction is open on this connection, else 0. */
int store_in_transaction(struct store *st);

/* Fills e from the connection's last error with a context prefix. Returns -1. */
int store_error(struct store *st, struct err *e, const char *what);

/*
 * Reads PRAGMA data_version, a number that changes when another connection
 * commits. Returns 0 and *out, or -1 (e filled; *out untouched).
 */
int store_data_version(struct store *st, int64_t *out, struct err *e);

/*
 * Calls cb(arg) every ops steps of the statement running on this
 * connection; when cb returns non-zero the statement stops and fails as
 * interrupted. One guard per connection: a new one replaces the old.
 */
void store_set_progress_guard(struct store *st, int ops, int (*cb)(void *),
    void *arg);

/* Removes the progress guard (none is fine). */
void store_clear_progress_guard(struct store *st);

/* Current time in seconds; tests may override it with CERTDECK_NOW. */
long long store_now(void);

#endif
