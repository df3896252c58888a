#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_sql.h"
#include "store_location.h"

int
store_location_put(struct store *st, const struct cert_location *loc, struct err *e)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, "INSERT INTO cert_locations (cert_id, path, mtime, inode,"
	    " size, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (path, cert_id)"
	    " DO UPDATE SET mtime = excluded.mtime, inode = excluded.inode,"
	    " size = excluded.size, seen_at = excluded.seen_at", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, loc->cert_id);
	store_bind_text(stmt, 2, loc->path);
	sqlite3_bind_int64(stmt, 3, loc->mtime_ns);
	sqlite3_bind_int64(stmt, 4, loc->inode);
	sqlite3_bind_int64(stmt, 5, loc->size);
	sqlite3_bind_int64(stmt, 6, loc->seen_at);
	return store_step_done(st, stmt, _("cannot record where the certificate was found"), e);
}

int
store_location_remove_path(struct store *st, const char *path, struct err *e)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, "DELETE FROM cert_locations WHERE path = ?1", e);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, path);
	return store_step_done(st, stmt, _("cannot forget a certificate's location"), e);
}

int
store_location_touch(struct store *st, const char *path, long long seen_at, struct err *e)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, "UPDATE cert_locations SET seen_at = ?2 WHERE path = ?1", e);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, path);
	sqlite3_bind_int64(stmt, 2, seen_at);
	return store_step_done(st, stmt, _("cannot record where the certificate was found"), e);
}

char *
store_location_prefix_end(const char *prefix)
{
	size_t n = strlen(prefix);
	char *end;

	if ((end = strdup(prefix)) == NULL)
		return NULL;
	while (n > 0 && (unsigned char)end[n - 1] == 0xff)
		n--;
	end[n] = '\0';
	if (n > 0)
		end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	return end;
}

/* Steps stmt, calling cb for each row (columns: cert_id, path, mtime, inode, size, seen_at). */
static int
walk(struct store *st, sqlite3_stmt *stmt,
    int (*cb)(const struct cert_location *loc, void *arg), void *arg, struct err *e)
{
	struct cert_location loc;
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		loc.cert_id = sqlite3_column_int64(stmt, 0);
		loc.path = (const char *)sqlite3_column_text(stmt, 1);
		loc.mtime_ns = sqlite3_column_int64(stmt, 2);
		loc.inode = sqlite3_column_int64(stmt, 3);
		loc.size = sqlite3_column_int64(stmt, 4);
		loc.seen_at = sqlite3_column_int64(stmt, 5);
		if (loc.path == NULL) {
			sqlite3_reset(stmt);
			return err_nomem(e);
		}
		if ((rc = cb(&loc, arg)) != 0) {
			sqlite3_reset(stmt);
			return rc;
		}
	}
	if (rc != SQLITE_DONE) {
		rc = store_error(st, e, _("cannot read certificate locations"));
		sqlite3_reset(stmt);
		return rc;
	}
	sqlite3_reset(stmt);
	return 0;
}

int
store_location_list_prefix(struct store *st, const char *prefix,
    int (*cb)(const struct cert_location *loc, void *arg), void *arg, struct err *e)
{
	sqlite3_stmt *stmt;
	char *end;
	int rc;

	if ((end = store_location_prefix_end(prefix)) == NULL)
		return err_nomem(e);
	stmt = store_stmt(st, "SELECT cert_id, path, mtime, inode, size, seen_at"
	    " FROM cert_locations WHERE path >= ?1 AND (?2 = '' OR path < ?2)"
	    " ORDER BY path, cert_id", e);
	if (stmt == NULL) {
		free(end);
		return -1;
	}
	store_bind_text(stmt, 1, prefix);
	store_bind_text(stmt, 2, end);
	rc = walk(st, stmt, cb, arg, e);
	free(end);
	return rc;
}

int
store_location_list_cert(struct store *st, int64_t cert_id,
    int (*cb)(const struct cert_location *loc, void *arg), void *arg, struct err *e)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, "SELECT cert_id, path, mtime, inode, size, seen_at"
	    " FROM cert_locations WHERE cert_id = ?1 ORDER BY path", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, cert_id);
	return walk(st, stmt, cb, arg, e);
}
