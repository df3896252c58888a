#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "schema.h"
#include "store_sql.h"

struct store {
	sqlite3 *db;
	char *path;
	/*
	 * Prepared statements, looked up by SQL text. A statement that is
	 * still being stepped is never handed out twice: a re-entrant caller
	 * gets a second copy, so the cache only ever grows to the number of
	 * distinct queries times the nesting depth.
	 */
	sqlite3_stmt **stmts;
	size_t n_stmts, cap_stmts;
};

/* Returns a + b as a fresh string, or NULL when out of memory. */
static char *
str_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

char *
store_default_path(const char *flag, struct err *e)
{
	const char *v;
	char *s;

	if (flag != NULL && flag[0] != '\0')
		s = strdup(flag);
	else if ((v = getenv("CERTDECK_STORE")) != NULL && v[0] != '\0')
		s = strdup(v);
	else if (geteuid() == 0)
		s = strdup("/var/lib/certdeck/store.db");
	/* The XDG spec says a relative XDG_DATA_HOME is invalid: ignore it. */
	else if ((v = getenv("XDG_DATA_HOME")) != NULL && v[0] == '/')
		s = str_join(v, "/certdeck/store.db");
	else if ((v = getenv("HOME")) != NULL && v[0] != '\0')
		s = str_join(v, "/.local/share/certdeck/store.db");
	else {
		err_set(e, ERR_USAGE, _("cannot find the store: neither "
		    "$CERTDECK_STORE, $XDG_DATA_HOME nor $HOME is set; "
		    "pass --store PATH"));
		return NULL;
	}
	if (s == NULL)
		err_nomem(e);
	return s;
}

/* The directory part of path ("." when there is none), freshly allocated. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	d = malloc((size_t)(slash - path) + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

/* mkdir -p dir; directories it creates get 0700 whatever the umask. */
static int
make_dirs(const char *dir, struct err *e)
{
	char *buf = strdup(dir);
	struct stat sb;
	size_t i, len;
	int rc = -1;

	if (buf == NULL)
		return err_nomem(e);
	len = strlen(buf);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) == 0) {
			if (chmod(buf, 0700) == -1) {
				err_set(e, ERR_IO, _("cannot set the mode of "
				    "directory %s: %s"), buf, strerror(errno));
				goto out;
			}
		} else if (errno != EEXIST) {
			err_set(e, ERR_IO, _("cannot create directory %s: %s"),
			    buf, strerror(errno));
			goto out;
		}
		if (i < len)
			buf[i] = '/';
	}
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		err_set(e, ERR_IO, _("%s is not a directory"), dir);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/*
 * The store holds private keys: its file must be ours, and neither it
 * nor its directory (where SQLite makes the -wal and -shm files) may be
 * writable by anyone else or owned by another user (the directory may be
 * root's). Returns 0 or -1 with a message that names the culprit.
 */
static int
check_owner(const char *path, const char *dir, const struct stat *sb, struct err *e)
{
	struct stat db;
	uid_t me = geteuid();

	if (sb->st_uid != me)
		return err_set(e, ERR_INPUT, _("refusing to open the store %s: it is owned "
		    "by user %lu, not by the user running certdeck (%lu)"), path,
		    (unsigned long)sb->st_uid, (unsigned long)me);
	if ((sb->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return err_set(e, ERR_INPUT, _("refusing to open the store %s: it is "
		    "writable by other users (mode %04o; chmod 600 it)"), path,
		    (unsigned)(sb->st_mode & 07777));
	if (stat(dir, &db) == -1)
		return err_set(e, ERR_IO, _("cannot open %s: %s"), dir, strerror(errno));
	if (db.st_uid != me && db.st_uid != 0)
		return err_set(e, ERR_INPUT, _("refusing to open the store %s: its "
		    "directory %s is owned by user %lu"), path, dir,
		    (unsigned long)db.st_uid);
	if ((db.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return err_set(e, ERR_INPUT, _("refusing to open the store %s: its "
		    "directory %s is writable by other users (mode %04o)"), path, dir,
		    (unsigned)(db.st_mode & 07777));
	return 0;
}

/*
 * Creates the database file ourselves so that it is 0600 from the first
 * byte: SQLite would create it with 0644 & ~umask, and its -wal and -shm
 * files copy the mode of the main file.
 */
static int
create_file(const char *path, const char *dir, struct err *e)
{
	int fd, saved;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 && errno == EEXIST)
		return 0;
	if (fd == -1) {
		saved = errno;
		if (saved == EACCES || saved == EROFS)
			return err_set(e, ERR_IO, _("cannot create %s: "
			    "directory %s is not writable (%s)"), path, dir,
			    strerror(saved));
		return err_set(e, ERR_IO, _("cannot create %s: %s"), path,
		    strerror(saved));
	}
	if (fchmod(fd, 0600) == -1) {
		saved = errno;
		close(fd);
		unlink(path);
		return err_set(e, ERR_IO, _("cannot set the mode of %s: %s"),
		    path, strerror(saved));
	}
	if (close(fd) == -1)
		return err_set(e, ERR_IO, _("cannot create %s: %s"), path,
		    strerror(errno));
	return 0;
}

/* Explains why path cannot be opened as a store; e is filled. */
static int
open_failure(const char *path, const char *dir, sqlite3 *db, int rc,
    struct err *e)
{
	int code = rc & 0xff;

	/*
	 * Reading a WAL database needs PATH-shm; when no other connection
	 * has it open, even a reader must be able to create it.
	 */
	if ((code == SQLITE_READONLY || code == SQLITE_CANTOPEN) &&
	    faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == -1)
		return err_set(e, ERR_IO, _("cannot read %s: directory %s is "
		    "not writable, and SQLite must create %s-shm there while "
		    "no certdeck has the store open"), path, dir, path);
	if (code == SQLITE_NOTADB)
		return err_set(e, ERR_INPUT, _("%s is not a certdeck store "
		    "(not an SQLite database)"), path);
	if (code == SQLITE_CORRUPT)
		return err_set(e, ERR_STORE, _("%s is damaged (%s); restore "
		    "it from a backup"), path, sqlite3_errstr(rc));
	if (code == SQLITE_CANTOPEN && db != NULL &&
	    sqlite3_system_errno(db) != 0)
		return err_set(e, ERR_IO, _("cannot open %s: %s"), path,
		    strerror(sqlite3_system_errno(db)));
	return err_set(e, ERR_STORE, _("cannot open %s: %s"), path,
	    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/* Runs a statement without parameters that returns at most one integer. */
static int
pragma_int(sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (out != NULL)
			*out = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Reads the header and schema, which is where SQLite notices a foreign or
 * damaged file, and refuses a SQLite database that belongs to someone else.
 */
static int
check_file(const char *path, const char *dir, sqlite3 *db, struct err *e)
{
	long long version = 0, app = 0, objects = 0;
	int rc;

	rc = pragma_int(db, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = pragma_int(db, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = pragma_int(db, "SELECT count(*) FROM sqlite_master",
		    &objects);
	if (rc != SQLITE_OK)
		return open_failure(path, dir, db, rc, e);
	if (app != 0 && app != schema_application_id())
		return err_set(e, ERR_INPUT, _("%s is an SQLite database of "
		    "another program, not a certdeck store"), path);
	if (app == 0 && version == 0 && objects > 0)
		return err_set(e, ERR_INPUT, _("%s is an SQLite database but "
		    "not a certdeck store"), path);
	return 0;
}

static int
set_pragmas(const char *path, const char *dir, sqlite3 *db, int readonly,
    struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *mode;
	int rc;

	if (sqlite3_busy_timeout(db, 5000) != SQLITE_OK)
		return open_failure(path, dir, db, sqlite3_errcode(db), e);
	if ((rc = pragma_int(db, "PRAGMA foreign_keys = ON", NULL)) != SQLITE_OK)
		return open_failure(path, dir, db, rc, e);
	/* Deleted content (a job's EAB key, a replaced key) is zeroed, not left in free pages. */
	if ((rc = pragma_int(db, "PRAGMA secure_delete = ON", NULL)) != SQLITE_OK)
		return open_failure(path, dir, db, rc, e);
	if (readonly)
		return 0;
	if ((rc = pragma_int(db, "PRAGMA synchronous = NORMAL", NULL)) !=
	    SQLITE_OK)
		return open_failure(path, dir, db, rc, e);
	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &stmt,
	    NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return open_failure(path, dir, db, rc, e);
	}
	/* On file systems without shared memory SQLite stays in another mode. */
	mode = sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		err_set(e, ERR_STORE, _("%s: cannot switch to WAL mode "
		    "(journal mode stays \"%s\"); is it on a network file "
		    "system?"), path, mode != NULL ? (const char *)mode : "");
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
}

int
store_open(const char *path, int flags, struct store **out, struct err *e)
{
	struct store *st = NULL;
	sqlite3 *db = NULL;
	char *dir = NULL;
	struct stat sb;
	long long version = 0;
	int readonly = (flags & STORE_READONLY) != 0;
	int oflags, rc = -1;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return err_set(e, ERR_USAGE, _("no store path given"));
	if (readonly && (flags & STORE_CREATE))
		return err_set(e, ERR_USAGE, _("cannot create a store "
		    "read-only"));
	if ((dir = dir_of(path)) == NULL)
		return err_nomem(e);

	if (flags & STORE_CREATE) {
		if (make_dirs(dir, e) == -1 || create_file(path, dir, e) == -1)
			goto out;
	}
	if (stat(path, &sb) == -1) {
		if (errno == ENOENT)
			err_set(e, ERR_INPUT, _("no store at %s; run 'certdeck "
			    "init' to create one"), path);
		else
			err_set(e, ERR_IO, _("cannot open %s: %s"), path,
			    strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		err_set(e, ERR_INPUT, _("%s is not a regular file"), path);
		goto out;
	}
	if (check_owner(path, dir, &sb, e) == -1)
		goto out;
	/*
	 * WAL needs to create PATH-wal and PATH-shm beside the database;
	 * without this check SQLite would only say "unable to open database
	 * file" on the first write.
	 */
	if (!readonly && faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS)
	    == -1) {
		err_set(e, ERR_IO, _("cannot use %s: directory %s is not "
		    "writable (%s)"), path, dir, strerror(errno));
		goto out;
	}

	/* No SQLITE_OPEN_CREATE: the file exists, with our mode, by now. */
	oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	rc = sqlite3_open_v2(path, &db, oflags, NULL);
	if (rc != SQLITE_OK) {
		open_failure(path, dir, db, rc, e);
		rc = -1;
		goto out;
	}
	rc = -1;
	sqlite3_extended_result_codes(db, 1);
	/*
	 * Before anything reads the file: another connection (a worker
	 * thread, cron) may hold a lock for a moment, which is no error.
	 */
	sqlite3_busy_timeout(db, 5000);
	/* SQLite quietly falls back to read-only for a write-protected file. */
	if (!readonly && sqlite3_db_readonly(db, "main") == 1) {
		err_set(e, ERR_IO, _("%s is not writable; fix its permissions "
		    "or open it read-only"), path);
		goto out;
	}
	if (check_file(path, dir, db, e) == -1 ||
	    set_pragmas(path, dir, db, readonly, e) == -1)
		goto out;
	if (readonly) {
		if (pragma_int(db, "PRAGMA user_version", &version) !=
		    SQLITE_OK) {
			open_failure(path, dir, db, sqlite3_errcode(db), e);
			goto out;
		}
		if (version > schema_version()) {
			err_set(e, ERR_STORE, _("%s was written by a newer "
			    "certdeck (schema %lld, this program knows %d)"),
			    path, version, schema_version());
			goto out;
		}
		if (version < schema_version()) {
			err_set(e, ERR_STORE, _("%s uses an older schema (%lld, "
			    "this program knows %d); open it once without "
			    "read-only to upgrade it"), path, version,
			    schema_version());
			goto out;
		}
	} else if (schema_migrate(db, e) == -1)
		goto out;

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		err_nomem(e);
		goto out;
	}
	st->db = db;
	db = NULL;
	*out = st;
	st = NULL;
	rc = 0;
out:
	if (st != NULL)
		free(st->path);
	free(st);
	sqlite3_close_v2(db);
	free(dir);
	return rc;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n_stmts; i++)
		sqlite3_finalize(st->stmts[i]);
	free(st->stmts);
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_path(struct store *st)
{
	return st->path;
}

int
store_error(struct store *st, struct err *e, const char *what)
{
	int code = sqlite3_extended_errcode(st->db);

	err_set(e, ERR_STORE, "%s: %s", what, sqlite3_errmsg(st->db));
	if (e != NULL)
		e->retryable = (code & 0xff) == SQLITE_BUSY ||
		    (code & 0xff) == SQLITE_LOCKED;
	return -1;
}

int
store_data_version(struct store *st, int64_t *out, struct err *e)
{
	sqlite3_stmt *s = store_stmt(st, "PRAGMA data_version", e);

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_error(st, e, "data_version");
		sqlite3_reset(s);
		return -1;
	}
	*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

void
store_set_progress_guard(struct store *st, int ops, int (*cb)(void *),
    void *arg)
{
	sqlite3_progress_handler(st->db, ops, cb, arg);
}

void
store_clear_progress_guard(struct store *st)
{
	sqlite3_progress_handler(st->db, 0, NULL, NULL);
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql, struct err *e)
{
	sqlite3_stmt *stmt = NULL, **grown;
	const char *have;
	size_t i, cap;

	for (i = 0; i < st->n_stmts; i++) {
		stmt = st->stmts[i];
		if (sqlite3_stmt_busy(stmt))
			continue;
		have = sqlite3_sql(stmt);
		if (have == sql || strcmp(have, sql) == 0) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return stmt;
		}
	}
	if (st->n_stmts == st->cap_stmts) {
		cap = st->cap_stmts ? st->cap_stmts * 2 : 32;
		grown = realloc(st->stmts, cap * sizeof(*grown));
		if (grown == NULL) {
			err_nomem(e);
			return NULL;
		}
		st->stmts = grown;
		st->cap_stmts = cap;
	}
	stmt = NULL;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &stmt, NULL) != SQLITE_OK) {
		store_error(st, e, _("cannot prepare a query"));
		sqlite3_finalize(stmt);
		return NULL;
	}
	st->stmts[st->n_stmts++] = stmt;
	return stmt;
}

/* Runs one of the fixed transaction-control statements. */
static int
exec_cached(struct store *st, const char *sql, struct err *e, const char *what)
{
	sqlite3_stmt *stmt = store_stmt(st, sql, e);
	int rc;

	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		store_error(st, e, what);
		sqlite3_reset(stmt);
		return -1;
	}
	sqlite3_reset(stmt);
	return 0;
}

int
store_begin(struct store *st, struct err *e)
{
	return exec_cached(st, "BEGIN IMMEDIATE", e,
	    _("cannot start a transaction"));
}

int
store_commit(struct store *st, struct err *e)
{
	return exec_cached(st, "COMMIT", e, _("cannot commit"));
}

void
store_rollback(struct store *st)
{
	/* SQLite may already have rolled back on its own (SQLITE_FULL...). */
	if (st == NULL || sqlite3_get_autocommit(st->db))
		return;
	exec_cached(st, "ROLLBACK", NULL, "rollback");
}

long long
store_now(void)
{
#if defined(CERTDECK_TEST_HOOKS) && !defined(CERTDECK_TEST_HOOKS_OFF)
	/* The tests' clock; a build without --enable-test-hooks ignores it. */
	const char *v = getenv("CERTDECK_NOW");
	char *end;
	long long t;

	if (v != NULL && v[0] != '\0') {
		errno = 0;
		t = strtoll(v, &end, 10);
		if (errno == 0 && *end == '\0')
			return t;
	}
#endif
	return (long long)time(NULL);
}
