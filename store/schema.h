/* Ordered schema migrations tracked by PRAGMA user_version. */
#ifndef CERTDECK_SCHEMA_H
#define CERTDECK_SCHEMA_H

#include <sqlite3.h>

#include "err.h"

/* The schema version this program writes. */
int schema_version(void);

/*
 * Brings db up to schema_version(), one transaction per step. Returns 0,
 * or -1 when a step fails (that step is rolled back) or when the database
 * is newer than this program.
 */
int schema_migrate(sqlite3 *db, struct err *e);

/* The PRAGMA application_id that marks a file as a certdeck store. */
int schema_application_id(void);

/*
 * Test-only: brings db up to the given step (not beyond it), so that tests
 * can build an old database and check that opening it upgrades it.
 * Returns 0 or -1 like schema_migrate.
 */
int schema_migrate_to(sqlite3 *db, int version, struct err *e);

#endif
