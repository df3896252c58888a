#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "schema.h"
#include "store.h"
#include "store_sql.h"
#include "store_acme.h"
#include "store_cert.h"
#include "store_deploy.h"
#include "store_endpoint.h"
#include "store_job.h"
#include "store_key.h"
#include "store_location.h"
#include "tap.h"

#define skip(why) do { \
	tap_n++; \
	printf("ok %d # SKIP %s\n", tap_n, (why)); \
	fflush(stdout); \
} while (0)

static char tmp[64];

/* tmp/name as a fresh string. */
static char *
in_tmp(const char *name)
{
	size_t n = strlen(tmp) + strlen(name) + 2;
	char *s = malloc(n);

	if (s == NULL)
		abort();
	snprintf(s, n, "%s/%s", tmp, name);
	return s;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void
rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
mode_of(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return -1;
	return (int)(sb.st_mode & 07777);
}

/* Runs a one-value query on a raw connection; returns the text or "". */
static void
query_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *stmt = NULL;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

static long long
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	long long v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void
test_default_path(void)
{
	struct err e;
	char *p;

	err_clear(&e);
	p = store_default_path("/x/flag.db", &e);
	is_str(p, "/x/flag.db", "default path: the flag wins");
	free(p);

	setenv("CERTDECK_STORE", "/x/env.db", 1);
	p = store_default_path(NULL, &e);
	is_str(p, "/x/env.db", "default path: $CERTDECK_STORE next");
	free(p);
	p = store_default_path("", &e);
	is_str(p, "/x/env.db", "default path: an empty flag counts as none");
	free(p);
	unsetenv("CERTDECK_STORE");

	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("HOME", "/x/home", 1);
	p = store_default_path(NULL, &e);
	if (geteuid() == 0)
		is_str(p, "/var/lib/certdeck/store.db",
		    "default path: root uses /var/lib/certdeck");
	else
		skip("not root: /var/lib/certdeck is root's store");
	free(p);
	unsetenv("XDG_DATA_HOME");
}

/* The fallbacks for an ordinary user; run_unprivileged drops root first. */
static void
default_path_user(void)
{
	struct err e;
	char *p;

	err_clear(&e);
	unsetenv("CERTDECK_STORE");
	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("HOME", "/x/home", 1);
	p = store_default_path(NULL, &e);
	is_str(p, "/x/data/certdeck/store.db", "default path: $XDG_DATA_HOME");
	free(p);
	setenv("XDG_DATA_HOME", "relative/data", 1);
	p = store_default_path(NULL, &e);
	is_str(p, "/x/home/.local/share/certdeck/store.db",
	    "default path: a relative $XDG_DATA_HOME is ignored for $HOME");
	free(p);
	unsetenv("XDG_DATA_HOME");
	p = store_default_path(NULL, &e);
	is_str(p, "/x/home/.local/share/certdeck/store.db",
	    "default path: $HOME last");
	free(p);
	unsetenv("HOME");
	p = store_default_path(NULL, &e);
	ok(p == NULL && e.msg[0] != '\0', "default path: no home is an error");
	diag("%s", e.msg);
	free(p);
}

static void
test_fresh(void)
{
	struct store *st = NULL;
	struct err e;
	char *dir = in_tmp("fresh"), *sub = in_tmp("fresh/deeper");
	char *path = in_tmp("fresh/deeper/store.db"), *wal, buf[64];
	size_t wl = strlen(path) + 5;
	sqlite3 *db;
	mode_t old;

	err_clear(&e);
	/* A permissive umask must not leak into the modes. */
	old = umask(0);
	ok(store_open(path, STORE_CREATE, &st, &e) == 0, "fresh: create");
	umask(old);
	if (st == NULL) {
		diag("%s", e.msg);
		goto out;
	}
	is_int(mode_of(dir), 0700, "fresh: new parent directory is 0700");
	is_int(mode_of(sub), 0700, "fresh: new directory is 0700");
	is_int(mode_of(path), 0600, "fresh: database file is 0600");
	is_str(store_path(st), path, "fresh: store_path");
	db = store_db(st);
	is_int(query_int(db, "PRAGMA user_version"), schema_version(),
	    "fresh: user_version is the current schema");
	ok(schema_version() >= 2, "fresh: at least two schema steps");
	is_int(query_int(db, "PRAGMA application_id"), schema_application_id(),
	    "fresh: application_id marks the file");
	query_text(db, "PRAGMA journal_mode", buf, sizeof(buf));
	is_str(buf, "wal", "fresh: journal_mode is wal");
	is_int(query_int(db, "PRAGMA foreign_keys"), 1, "fresh: foreign keys on");
	is_int(query_int(db, "PRAGMA busy_timeout"), 5000,
	    "fresh: busy timeout 5000 ms");
	is_int(query_int(db, "PRAGMA synchronous"), 1, "fresh: synchronous NORMAL");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('cas','keys','accounts','orders','authorizations',"
	    "'challenges','certificates','cert_names','jobs','events',"
	    "'cert_names_fts')"), 11, "fresh: all tables exist");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'trigger' AND tbl_name = 'cert_names'"), 3,
	    "fresh: three FTS sync triggers");
	/* Writing creates the -wal file: it must be as private as the store. */
	ok(sqlite3_exec(db, "INSERT INTO keys (type, pem) VALUES ('t', 'p')",
	    NULL, NULL, NULL) == SQLITE_OK, "fresh: a write works");
	wal = malloc(wl);
	snprintf(wal, wl, "%s-wal", path);
	is_int(mode_of(wal), 0600, "fresh: the -wal file is 0600 too");
	free(wal);
	store_close(st);
	st = NULL;

	/* Reopening, with or without STORE_CREATE, keeps data and mode. */
	ok(store_open(path, 0, &st, &e) == 0, "fresh: reopen");
	if (st != NULL) {
		is_int(query_int(store_db(st), "SELECT count(*) FROM keys"), 1,
		    "fresh: data survived");
		store_close(st);
		st = NULL;
	}
	ok(store_open(path, STORE_CREATE, &st, &e) == 0,
	    "fresh: STORE_CREATE on an existing store opens it");
	store_close(st);
	st = NULL;
	ok(store_open(path, STORE_READONLY, &st, &e) == 0, "fresh: read-only open");
	if (st != NULL) {
		ok(sqlite3_exec(store_db(st), "DELETE FROM keys", NULL, NULL,
		    NULL) != SQLITE_OK, "fresh: read-only refuses writes");
		store_close(st);
		st = NULL;
	}
	is_int(mode_of(path), 0600, "fresh: mode unchanged");

	/* The database passes SQLite's own checks. */
	ok(sqlite3_open(path, &db) == SQLITE_OK, "fresh: raw open");
	query_text(db, "PRAGMA integrity_check", buf, sizeof(buf));
	is_str(buf, "ok", "fresh: integrity_check");
	sqlite3_close(db);
out:
	store_close(st);
	free(dir);
	free(sub);
	free(path);
}

struct collect {
	int64_t ids[8192];
	long long not_after[8192];
	int n;
	int stop_after;		/* return 7 after this many rows; 0 never */
	int sans_ok;		/* every row had its sans in order */
};

static int
collect_cb(const struct cert_row *row, void *arg)
{
	struct collect *c = arg;
	char want[64];

	if (c->n < (int)(sizeof(c->ids) / sizeof(c->ids[0]))) {
		c->ids[c->n] = row->id;
		c->not_after[c->n] = row->not_after;
	}
	c->n++;
	/* Every test row's first SAN is its primary name. */
	snprintf(want, sizeof(want), "%s", row->name);
	if (row->n_sans == 0 || strcmp(row->sans[0], want) != 0)
		c->sans_ok = 0;
	if (c->stop_after != 0 && c->n == c->stop_after)
		return 7;
	return 0;
}

static int
list(struct store *st, const struct cert_query *q, struct collect *c)
{
	struct err e;
	int rc;

	memset(c, 0, sizeof(*c));
	c->sans_ok = 1;
	err_clear(&e);
	rc = store_cert_list(st, q, collect_cb, c, &e);
	if (rc == -1)
		diag("list: %s", e.msg);
	return rc;
}

static void
test_upgrade(void)
{
	struct store *st = NULL;
	struct collect c;
	struct cert_query q;
	struct err e;
	char *path = in_tmp("old.db");
	sqlite3 *db = NULL;
	int fd;

	err_clear(&e);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(sqlite3_open(path, &db) == SQLITE_OK, "upgrade: raw open");
	ok(schema_migrate_to(db, 1, &e) == 0, "upgrade: build a schema 1 store");
	is_int(query_int(db, "PRAGMA user_version"), 1, "upgrade: at version 1");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'cert_names_fts'"), 0, "upgrade: no FTS table yet");
	ok(sqlite3_exec(db,
	    "INSERT INTO certificates (id, name, not_before, not_after, "
	    "fingerprint, pem_chain, created) VALUES "
	    "(1, 'legacy.example.org', 100, 200, 'aa', 'PEM', 1), "
	    "(2, 'other.example.net', 100, 300, 'bb', 'PEM', 1);"
	    "INSERT INTO cert_names (cert_id, position, name) VALUES "
	    "(1, 0, 'legacy.example.org'), (1, 1, 'www.legacy.example.org'),"
	    "(2, 0, 'other.example.net');",
	    NULL, NULL, NULL) == SQLITE_OK, "upgrade: rows at version 1");
	ok(schema_migrate_to(db, schema_version() + 1, &e) == -1,
	    "upgrade: migrate_to refuses an unknown version");
	ok(schema_migrate_to(db, 1, &e) == 0, "upgrade: migrate_to is idempotent");
	sqlite3_close(db);

	ok(store_open(path, STORE_READONLY, &st, &e) == -1 &&
	    strstr(e.msg, "older") != NULL,
	    "upgrade: read-only open of an old store asks for an upgrade");
	diag("%s", e.msg);
	err_clear(&e);
	ok(store_open(path, 0, &st, &e) == 0, "upgrade: store_open migrates");
	if (st == NULL) {
		diag("%s", e.msg);
		goto out;
	}
	is_int(query_int(store_db(st), "PRAGMA user_version"), schema_version(),
	    "upgrade: now at the current version");
	memset(&q, 0, sizeof(q));
	q.name_like = "acy.exa";
	ok(list(st, &q, &c) == 0 && c.n == 1 && c.ids[0] == 1,
	    "upgrade: the FTS index was backfilled");
	q.name_like = "www.leg";
	ok(list(st, &q, &c) == 0 && c.n == 1 && c.ids[0] == 1,
	    "upgrade: backfill covers every name");
	is_int(query_int(store_db(st), "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'index' AND name = 'jobs_result'"), 1,
	    "upgrade: step 5 added the jobs_result index");
	is_int(query_int(store_db(st), "SELECT count(*) FROM cert_names_fts "
	    "WHERE cert_names_fts MATCH '\"example\"'"), 3,
	    "upgrade: all three names indexed");
out:
	store_close(st);
	free(path);
}

/* Step 5 on a store at version 4 that already has jobs. */
static void
test_upgrade_5(void)
{
	struct err e;
	char *path = in_tmp("v4.db");
	sqlite3 *db = NULL;
	int fd;

	err_clear(&e);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(sqlite3_open(path, &db) == SQLITE_OK && schema_migrate_to(db, 4, &e) == 0,
	    "upgrade 5: a schema 4 store");
	ok(sqlite3_exec(db, "INSERT INTO jobs (kind, target_id, result_id) "
	    "VALUES ('renew', 1, 2), ('issue', 3, NULL)", NULL, NULL, NULL) == SQLITE_OK,
	    "upgrade 5: jobs at version 4");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs_result'"),
	    0, "upgrade 5: no jobs_result index at version 4");
	ok(schema_migrate_to(db, 5, &e) == 0, "upgrade 5: migrate 4 -> 5");
	is_int(query_int(db, "PRAGMA user_version"), 5, "upgrade 5: at version 5");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs_result'"),
	    1, "upgrade 5: jobs_result exists");
	is_int(query_int(db, "SELECT count(*) FROM jobs WHERE result_id = 2"), 1,
	    "upgrade 5: the jobs are kept and found");
	sqlite3_close(db);
	free(path);
}

/* Step 6 on a store at version 5 that already has events. */
static void
test_upgrade_6(void)
{
	struct err e;
	char *path = in_tmp("v5.db");
	sqlite3 *db = NULL;
	int fd;

	err_clear(&e);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(sqlite3_open(path, &db) == SQLITE_OK && schema_migrate_to(db, 5, &e) == 0,
	    "upgrade 6: a schema 5 store");
	ok(sqlite3_exec(db, "INSERT INTO events (time, level, message) "
	    "VALUES (1, 'info', 'old deploy')", NULL, NULL, NULL) == SQLITE_OK,
	    "upgrade 6: an event at version 5");
	ok(schema_migrate_to(db, 6, &e) == 0, "upgrade 6: migrate 5 -> 6");
	is_int(query_int(db, "PRAGMA user_version"), 6, "upgrade 6: at version 6");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'events_cert'"),
	    1, "upgrade 6: events_cert exists");
	is_int(query_int(db, "SELECT count(*) FROM events WHERE message = 'old deploy' "
	    "AND cert_id IS NULL"), 1, "upgrade 6: the event is kept, unlinked");
	sqlite3_close(db);
	free(path);
}

/* Step 8 on a store at version 7 with a job left running: it gets the old 900 s rule. */
static void
test_upgrade_8(void)
{
	struct err e;
	char *path = in_tmp("v7.db");
	sqlite3 *db = NULL;
	int fd;

	err_clear(&e);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(sqlite3_open(path, &db) == SQLITE_OK && schema_migrate_to(db, 7, &e) == 0,
	    "upgrade 8: a schema 7 store");
	ok(sqlite3_exec(db, "INSERT INTO jobs (kind, state, updated) VALUES "
	    "('renew', 'running', 1000), ('renew', 'queued', 1000)", NULL, NULL, NULL) ==
	    SQLITE_OK, "upgrade 8: a running and a queued job at version 7");
	ok(schema_migrate_to(db, 8, &e) == 0, "upgrade 8: migrate 7 -> 8");
	is_int(query_int(db, "SELECT lease_until FROM jobs WHERE state = 'running'"), 1900,
	    "upgrade 8: the running job's lease ends 900 s after its last update");
	is_int(query_int(db, "SELECT count(*) FROM jobs WHERE state = 'queued' AND "
	    "lease_until IS NULL"), 1, "upgrade 8: a queued job has no lease");
	sqlite3_close(db);
	free(path);
}

static void
at(long long t)
{
	char v[32];

	snprintf(v, sizeof(v), "%lld", t);
	setenv("CERTDECK_NOW", v, 1);
}

/* Leases: a claim holds a job until its lease runs out; a lost claim changes nothing. */
static void
test_leases(void)
{
	struct store *st = NULL;
	struct job_row *a = NULL, *b = NULL, *x = NULL, *got = NULL;
	struct err e;
	char *path = in_tmp("leases.db"), q[160];
	int64_t id = 0;
	long long t0 = 1700000000;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "leases: open");
		diag("%s", e.msg);
		free(path);
		return;
	}
	at(t0);
	ok(store_job_add(st, "deploy", 1, NULL, 0, "t", &id, &e) == 0, "leases: a job");
	ok(store_job_claim(st, "hostA:7:0:aa", 0, 60, &a, &e) == 0 && a->attempt == 1,
	    "leases: worker A claims it");
	snprintf(q, sizeof(q), "SELECT lease_until FROM jobs WHERE id = %lld", (long long)id);
	is_int(query_int(store_db(st), q), (int)(t0 + 60), "leases: for 60 s from now");
	at(t0 + 59);
	is_int(store_job_claim(st, "hostB:7:0:bb", 0, 60, &x, &e), 1,
	    "leases: B cannot take it while the lease runs");
	ok(store_job_renew(st, a, 60, &e) == 0, "leases: A renews");
	is_int(query_int(store_db(st), q), (int)(t0 + 119), "leases: renewed to now + 60");
	at(t0 + 118);
	is_int(store_job_claim(st, "hostB:7:0:bb", 0, 60, &x, &e), 1,
	    "leases: B still cannot take it after the first 60 s");
	at(t0 + 120);
	ok(store_job_claim(st, "hostB:7:0:bb", 0, 60, &b, &e) == 0 && b->id == id &&
	    b->attempt == 2, "leases: once it ran out, B takes the job over");
	is_int(store_job_lost(st, a, &e), 1, "leases: A sees it lost the job");
	is_int(store_job_lost(st, b, &e), 0, "leases: B holds it");
	is_int(store_job_renew(st, a, 60, &e), 1, "leases: A cannot renew");
	ok(store_job_set_params(st, a, "{\"a\":1}", &e) == -1, "leases: A cannot set params");
	ok(store_job_progress(st, a, 3, 4, "A was here", &e) == 0, "leases: A's progress call");
	is_int(store_job_finish(st, a, JOB_DONE, 5, NULL, 0, &e), 1, "leases: A cannot finish");
	is_int(store_job_release(st, a, &e), 1, "leases: A cannot release");
	ok(store_job_get(st, id, &got, &e) == 0 && got->state == JOB_RUNNING &&
	    got->claimed_by != NULL && strcmp(got->claimed_by, "hostB:7:0:bb") == 0 &&
	    got->params == NULL && got->result_id == 0 &&
	    (got->progress == NULL || strcmp(got->progress, "A was here") != 0),
	    "leases: the job is as B has it");
	job_row_free(got);
	got = NULL;
	ok(store_job_finish(st, b, JOB_DONE, 6, NULL, 0, &e) == 0, "leases: B finishes");
	ok(store_job_get(st, id, &got, &e) == 0 && got->state == JOB_DONE &&
	    got->result_id == 6 && got->claimed_by == NULL, "leases: done by B");
	job_row_free(got);
	job_row_free(a);
	job_row_free(b);
	a = b = got = NULL;

	/* The same claimer string (another PID namespace) is a different claim. */
	ok(store_job_add(st, "deploy", 1, NULL, 0, "t", &id, &e) == 0 &&
	    store_job_claim(st, "same:1:0:00", 0, 60, &a, &e) == 0, "leases: claim by 'same'");
	at(t0 + 200);
	ok(store_job_claim(st, "same:1:0:00", 0, 60, &b, &e) == 0 && b->id == a->id,
	    "leases: taken over by a claimer of the same name");
	is_int(store_job_finish(st, a, JOB_FAILED, 0, NULL, 0, &e), 1,
	    "leases: the first claim cannot finish it");
	ok(store_job_finish(st, b, JOB_DONE, 0, NULL, 0, &e) == 0, "leases: the second can");
	job_row_free(a);
	job_row_free(b);
	unsetenv("CERTDECK_NOW");
	store_close(st);
	free(path);
}

/* Counts the jobs whose params still hold the EAB HMAC key. */
static int
secret_jobs(struct store *st)
{
	return query_int(store_db(st), "SELECT count(*) FROM jobs WHERE params LIKE '%s3cr3t%'");
}

/* The EAB HMAC key leaves a job's params in every terminal state, and stays for a retry. */
static void
test_job_secret(void)
{
	const char *params = "{\"server\":\"https://ca\",\"eab_hmac_key\":\"s3cr3t\"}";
	static const enum job_state ends[] = { JOB_DONE, JOB_FAILED, JOB_QUEUED };
	struct store *st = NULL;
	struct job_row *j = NULL;
	struct err e;
	char *path = in_tmp("secret.db"), what[80], q[160];
	int64_t id;
	size_t i;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "secret: open");
		diag("%s", e.msg);
		free(path);
		return;
	}
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		snprintf(what, sizeof(what), "secret: ended %s", store_job_state_name(ends[i]));
		ok(store_job_add(st, "account-new", 0, params, 0, "t", &id, &e) == 0 &&
		    store_job_claim(st, "t:1:0:0", id, 60, &j, &e) == 0 &&
		    store_job_finish(st, j, ends[i], 0, "{}", 0, &e) == 0, what);
		job_row_free(j);
		j = NULL;
		snprintf(what, sizeof(what), "secret: ended %s: key %s",
		    store_job_state_name(ends[i]),
		    ends[i] == JOB_QUEUED ? "kept for the retry" : "removed");
		is_int(secret_jobs(st), ends[i] == JOB_QUEUED, what);
		snprintf(q, sizeof(q), "SELECT json_extract(params, '$.server') = "
		    "'https://ca' FROM jobs WHERE id = %lld", (long long)id);
		is_int(query_int(store_db(st), q), 1, "secret: the other params stay");
		sqlite3_exec(store_db(st), "DELETE FROM jobs", NULL, NULL, NULL);
	}
	ok(store_job_add(st, "account-new", 0, params, 0, "t", &id, &e) == 0 &&
	    store_job_cancel(st, id, &e) == 0, "secret: a queued job cancelled");
	is_int(secret_jobs(st), 0, "secret: cancelled: key removed");
	ok(store_job_add(st, "account-new", 0, params, 0, "t", &id, &e) == 0 &&
	    store_job_claim(st, "t:1:0:0", id, 60, &j, &e) == 0 &&
	    store_job_cancel(st, id, &e) == 0, "secret: a running job cancelled");
	is_int(secret_jobs(st), 0, "secret: cancelled while running: key removed");
	ok(store_job_finish(st, j, JOB_CANCELLED, 0, NULL, 0, &e) == 0 &&
	    secret_jobs(st) == 0, "secret: and its worker's end keeps it out");
	job_row_free(j);
	is_int(query_int(store_db(st), "PRAGMA secure_delete"), 1,
	    "secret: the store runs with secure_delete");
	store_close(st);
	free(path);
}

/* Step 9: a CA's allowed origins. */
static void
test_upgrade_9(void)
{
	struct err e;
	char *path = in_tmp("v8.db");
	struct store *st = NULL;
	struct ca_row *ca = NULL;
	sqlite3 *db = NULL;
	int64_t id = 0;
	int fd;

	err_clear(&e);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(sqlite3_open(path, &db) == SQLITE_OK && schema_migrate_to(db, 8, &e) == 0,
	    "upgrade 9: a schema 8 store");
	ok(sqlite3_exec(db, "INSERT INTO cas (directory_url, created) "
	    "VALUES ('https://ca.test/dir', 1)", NULL, NULL, NULL) == SQLITE_OK,
	    "upgrade 9: a CA at version 8");
	ok(schema_migrate_to(db, 9, &e) == 0, "upgrade 9: migrate 8 -> 9");
	is_int(query_int(db, "SELECT count(*) FROM cas WHERE allowed_origins IS NULL"), 1,
	    "upgrade 9: the CA allows no other origin");
	sqlite3_close(db);
	ok(store_open(path, 0, &st, &e) == 0, "upgrade 9: open");
	if (st != NULL) {
		ok(store_ca_ensure(st, "https://ca.test/dir", NULL, NULL, &id, &e) == 0 &&
		    store_ca_set_allowed_origins(st, id, "https://cdn.ca.test:443", &e) == 0,
		    "upgrade 9: store_ca_set_allowed_origins");
		ok(store_ca_get(st, id, &ca, &e) == 0 && ca->allowed_origins != NULL &&
		    strcmp(ca->allowed_origins, "https://cdn.ca.test:443") == 0,
		    "upgrade 9: store_ca_get reads them back");
		ca_row_free(ca);
		store_close(st);
	}
	free(path);
}

static void
test_refusals(void)
{
	struct store *st = NULL;
	struct err e;
	char *newer = in_tmp("newer.db"), *garbage = in_tmp("garbage.db");
	char *missing = in_tmp("missing/store.db"), *foreign = in_tmp("foreign.db");
	char junk[4096];
	sqlite3 *db;
	size_t i;
	FILE *f;

	/* A newer schema. */
	err_clear(&e);
	ok(store_open(newer, STORE_CREATE, &st, &e) == 0, "newer: create");
	store_close(st);
	st = NULL;
	sqlite3_open(newer, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(store_open(newer, 0, &st, &e) == -1 && st == NULL,
	    "newer: store_open refuses");
	ok(strstr(e.msg, "newer") != NULL && strstr(e.msg, "99") != NULL,
	    "newer: message says newer and names the version");
	ok(strstr(e.msg, "newer.db") != NULL, "newer: message names the file");
	diag("%s", e.msg);
	err_clear(&e);
	ok(store_open(newer, STORE_READONLY, &st, &e) == -1 &&
	    strstr(e.msg, "newer") != NULL, "newer: read-only refuses too");
	sqlite3_open(newer, &db);
	is_int(query_int(db, "PRAGMA user_version"), 99,
	    "newer: the file was left alone");
	err_clear(&e);
	ok(schema_migrate(db, &e) == -1 && strstr(e.msg, "newer") != NULL,
	    "newer: schema_migrate refuses");
	sqlite3_close(db);

	/* Garbage bytes. */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)("not a database\n"[i % 15]);
	f = fopen(garbage, "w");
	fwrite(junk, 1, sizeof(junk), f);
	fclose(f);
	err_clear(&e);
	ok(store_open(garbage, 0, &st, &e) == -1 && st == NULL,
	    "garbage: refused");
	ok(strstr(e.msg, garbage) != NULL, "garbage: message names the file");
	ok(strchr(e.msg, '\n') == NULL, "garbage: message is one line");
	diag("%s", e.msg);
	err_clear(&e);
	ok(store_open(garbage, STORE_CREATE, &st, &e) == -1 &&
	    strstr(e.msg, garbage) != NULL,
	    "garbage: STORE_CREATE does not overwrite it");
	f = fopen(garbage, "r");
	ok(f != NULL && fread(junk, 1, 15, f) == 15 &&
	    memcmp(junk, "not a database\n", 15) == 0,
	    "garbage: file untouched");
	if (f != NULL)
		fclose(f);

	/* Someone else's SQLite database. */
	sqlite3_open(foreign, &db);
	sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	err_clear(&e);
	ok(store_open(foreign, STORE_CREATE, &st, &e) == -1 &&
	    strstr(e.msg, "not a certdeck store") != NULL,
	    "foreign: a SQLite file of another program is refused");
	diag("%s", e.msg);

	/* Missing. */
	err_clear(&e);
	ok(store_open(missing, 0, &st, &e) == -1 && st == NULL,
	    "missing: refused without STORE_CREATE");
	ok(strstr(e.msg, missing) != NULL && strstr(e.msg, "certdeck init"),
	    "missing: message names the file and 'certdeck init'");
	diag("%s", e.msg);
	ok(access(missing, F_OK) == -1, "missing: nothing was created");
	err_clear(&e);
	ok(store_open(missing, STORE_READONLY | STORE_CREATE, &st, &e) == -1,
	    "flags: read-only creation is a usage error");

	free(newer);
	free(garbage);
	free(missing);
	free(foreign);
}

#define NOBODY 65534

/*
 * Runs fn in a child, as nobody when we are root (root ignores file modes,
 * and root's default store path is fixed). The child prints its own TAP
 * lines and reports how many it printed and how many failed.
 */
static void
run_unprivileged(void (*fn)(void), const char *label)
{
	int fds[2], status, n = 0, failed = 0, start = tap_n, fstart = tap_failed;
	char what[128];
	pid_t pid;
	FILE *f;

	fflush(stdout);
	if (pipe(fds) == -1 || (pid = fork()) == -1) {
		ok(0, "fork");
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		if (geteuid() == 0 && (setgroups(0, NULL) == -1 ||
		    setgid(NOBODY) == -1 || setuid(NOBODY) == -1 ||
		    geteuid() == 0))
			skip("running as root and cannot become nobody; "
			    "permissions do not bite for root");
		else
			fn();
		fflush(stdout);
		f = fdopen(fds[1], "w");
		fprintf(f, "%d %d\n", tap_n - start, tap_failed - fstart);
		fclose(f);
		_exit(0);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (fscanf(f, "%d %d", &n, &failed) != 2)
		n = failed = 0;
	fclose(f);
	waitpid(pid, &status, 0);
	tap_n += n;
	tap_failed += failed;
	snprintf(what, sizeof(what), "%s: the child ran to the end", label);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n > 0, what);
}

static void
unwritable_checks(void)
{
	struct store *st = NULL;
	struct err e;
	char *ro = in_tmp("ro"), *inside = in_tmp("ro/store.db");
	char *deeper = in_tmp("ro/sub/store.db"), *sub = in_tmp("ro/sub");
	char *locked = in_tmp("locked"), *lpath = in_tmp("locked/store.db");
	char *wpath = in_tmp("wp/store.db"), *npath = in_tmp("wp/none.db");

	err_clear(&e);
	ok(store_open(inside, STORE_CREATE, &st, &e) == -1 &&
	    strstr(e.msg, ro) != NULL && strstr(e.msg, "not writable"),
	    "unwritable: create in a read-only directory names it");
	diag("%s", e.msg);
	err_clear(&e);
	ok(store_open(deeper, STORE_CREATE, &st, &e) == -1 &&
	    strstr(e.msg, sub) != NULL,
	    "unwritable: mkdir under it names the directory");
	diag("%s", e.msg);
	/* An existing store in a directory that became read-only. */
	err_clear(&e);
	ok(store_open(lpath, 0, &st, &e) == -1 &&
	    strstr(e.msg, locked) != NULL && strstr(e.msg, "not writable"),
	    "unwritable: existing store, WAL needs the directory");
	diag("%s", e.msg);
	/* No -shm file and no way to create one: even reading fails, clearly. */
	err_clear(&e);
	ok(store_open(lpath, STORE_READONLY, &st, &e) == -1 &&
	    strstr(e.msg, locked) != NULL && strstr(e.msg, "-shm") != NULL,
	    "unwritable: a read-only open explains the missing -shm");
	diag("%s", e.msg);
	/* A write-protected file in a writable directory. */
	err_clear(&e);
	ok(store_open(wpath, 0, &st, &e) == -1 && strstr(e.msg, wpath) != NULL &&
	    strstr(e.msg, "not writable") != NULL,
	    "unwritable: a write-protected store file is named");
	diag("%s", e.msg);
	err_clear(&e);
	ok(store_open(wpath, STORE_READONLY, &st, &e) == 0,
	    "unwritable: it still opens read-only");
	store_close(st);
	st = NULL;
	/* An unreadable file. */
	err_clear(&e);
	ok(store_open(npath, STORE_READONLY, &st, &e) == -1 &&
	    strstr(e.msg, npath) != NULL && strstr(e.msg, "denied") != NULL,
	    "unreadable: the error names the file and the reason");
	diag("%s", e.msg);
	store_close(st);
	free(ro);
	free(inside);
	free(deeper);
	free(sub);
	free(locked);
	free(lpath);
	free(wpath);
	free(npath);
}

static void
test_unwritable(void)
{
	struct store *st = NULL;
	struct err e;
	char *ro = in_tmp("ro"), *locked = in_tmp("locked");
	char *lpath = in_tmp("locked/store.db"), *wp = in_tmp("wp");
	char *wpath = in_tmp("wp/store.db"), *npath = in_tmp("wp/none.db");
	struct store *st2 = NULL, *st3 = NULL;

	err_clear(&e);
	mkdir(ro, 0700);
	mkdir(locked, 0700);
	if (store_open(lpath, STORE_CREATE, &st, &e) == -1 ||
	    store_open(wpath, STORE_CREATE, &st2, &e) == -1 ||
	    store_open(npath, STORE_CREATE, &st3, &e) == -1)
		diag("%s", e.msg);
	/* Closing the last connection removes the -wal and -shm files. */
	store_close(st);
	store_close(st2);
	store_close(st3);
	chmod(lpath, 0644);
	chmod(wpath, 0400);
	chmod(npath, 0);
	if (geteuid() == 0 && (chown(ro, NOBODY, NOBODY) == -1 ||
	    chown(locked, NOBODY, NOBODY) == -1 ||
	    chown(lpath, NOBODY, NOBODY) == -1 ||
	    chown(wp, NOBODY, NOBODY) == -1 ||
	    chown(wpath, NOBODY, NOBODY) == -1 ||
	    chown(npath, NOBODY, NOBODY) == -1 || chmod(tmp, 0711) == -1)) {
		skip("running as root and cannot hand files to nobody; "
		    "permissions do not bite for root");
		goto out;
	}
	chmod(ro, 0500);
	chmod(locked, 0500);
	run_unprivileged(unwritable_checks, "unwritable");
out:
	chmod(ro, 0700);
	chmod(locked, 0700);
	chmod(tmp, 0700);
	free(ro);
	free(locked);
	free(lpath);
	free(wp);
	free(wpath);
	free(npath);
}

/* A test certificate: i picks the names, na the expiry. */
static void
make_row(struct cert_row *r, int i, long long na, char **sans, size_t n_sans)
{
	static char name[32][64], fp[32][80];
	int slot = i % 32;

	memset(r, 0, sizeof(*r));
	snprintf(name[slot], sizeof(name[slot]), "%s", sans[0]);
	snprintf(fp[slot], sizeof(fp[slot]), "%064x", (unsigned)i);
	r->name = name[slot];
	r->sans = sans;
	r->n_sans = n_sans;
	r->subject = (char *)"CN=test";
	r->issuer = (char *)"CN=Test CA, O=Test";
	r->issuer_cn = (char *)"Test CA";
	r->serial = (char *)"01ab";
	r->not_before = na - 90 * 86400;
	r->not_after = na;
	r->key_type = (char *)"ec256";
	r->fingerprint = fp[slot];
	r->pem_chain = (char *)"-----BEGIN CERTIFICATE-----\nMII=\n"
	    "-----END CERTIFICATE-----\n";
	r->status = CERT_VALID;
	r->source = (char *)"import";
}

/* Does any of the fixture's names contain needle (ASCII, any case)? */
static int
has_name(char sans[][3][48], int idx, const char *needle)
{
	int j;

	for (j = 0; j < 3; j++)
		if (sans[idx][j][0] != '\0' && strcasestr(sans[idx][j], needle))
			return 1;
	return 0;
}

/* The list statement the store prepared last for a filter, via its text. */
static int
plan_contains(sqlite3 *db, const char *sql_marker, const char *plan_marker,
    const char *plan_absent)
{
	sqlite3_stmt *s = NULL, *eqp = NULL;
	char text[2048];
	int found = 0, bad = 0;

	while ((s = sqlite3_next_stmt(db, s)) != NULL) {
		const char *sql = sqlite3_sql(s);

		if (strstr(sql, "FROM certificates c") == NULL ||
		    strstr(sql, sql_marker) == NULL)
			continue;
		snprintf(text, sizeof(text), "EXPLAIN QUERY PLAN %s", sql);
		if (sqlite3_prepare_v2(db, text, -1, &eqp, NULL) != SQLITE_OK)
			return 0;
		while (sqlite3_step(eqp) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(eqp, 3);

			if (d == NULL)
				continue;
			if (strstr(d, plan_marker))
				found = 1;
			if (plan_absent != NULL && strstr(d, plan_absent))
				bad = 1;
		}
		sqlite3_finalize(eqp);
		return found && !bad;
	}
	return 0;
}

#define N_CERTS 30

static void
test_certs(void)
{
	static char sans[N_CERTS][3][48];
	char *sanp[N_CERTS][3];
	int64_t ids[N_CERTS], id, want[N_CERTS], found;
	long long na[N_CERTS], base = 1800000000LL;
	struct store *st = NULL;
	struct cert_row r, *got = NULL;
	struct cert_query q;
	struct collect c, all;
	struct err e;
	char *path = in_tmp("certs.db"), buf[64];
	int i, j, n_want, pages, same, rc;
	const char *needles[] = { "host1", "HOST1", "a.c", "d_n", "e%.",
	    "_n", "%", "1", "o", "zz", "zzz", "\"q", "a\"b", "ü" };

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "certs: open");
		diag("%s", e.msg);
		free(path);
		return;
	}
	setenv("CERTDECK_NOW", "1234567", 1);
	for (i = 0; i < N_CERTS; i++) {
		size_t n = 1 + (size_t)(i % 3);

		/* Pairs share an expiry so the id breaks the tie. */
		na[i] = base + (long long)((N_CERTS - i) / 2) * 86400;
		snprintf(sans[i][0], sizeof(sans[i][0]), "host%d.example.org", i);
		snprintf(sans[i][1], sizeof(sans[i][1]), "www.host%d.example.org",
		    i);
		snprintf(sans[i][2], sizeof(sans[i][2]), "mail%d.example.com", i);
		if (i == 5)
			snprintf(sans[i][1], sizeof(sans[i][1]), "odd_name%%.test");
		if (i == 6)
			snprintf(sans[i][1], sizeof(sans[i][1]), "oddXname5.test");
		if (i == 7)
			snprintf(sans[i][1], sizeof(sans[i][1]), "ÜBER.test");
		for (j = 0; j < 3; j++) {
			if ((size_t)j >= n)
				sans[i][j][0] = '\0';
			sanp[i][j] = sans[i][j];
		}
		make_row(&r, i, na[i], sanp[i], n);
		if (i == 3)
			r.status = CERT_REPLACED;
		if (i == 4)
			r.status = CERT_REVOKED;
		if (store_cert_insert(st, &r, &ids[i], &e) == -1) {
			ok(0, "certs: insert");
			diag("%s", e.msg);
			goto out;
		}
	}
	is_int(query_int(store_db(st), "SELECT count(*) FROM certificates"), N_CERTS,
	    "certs: inserted 30 certificates");

	/* Round trip. */
	rc = store_cert_get(st, ids[2], &got, &e);
	ok(rc == 0 && got != NULL, "get: found");
	if (got != NULL) {
		is_int(got->id, ids[2], "get: id");
		is_str(got->name, "host2.example.org", "get: name");
		is_int(got->n_sans, 3, "get: three sans");
		if (got->n_sans == 3) {
			is_str(got->sans[0], sans[2][0], "get: san 0 in order");
			is_str(got->sans[1], sans[2][1], "get: san 1 in order");
			is_str(got->sans[2], sans[2][2], "get: san 2 in order");
		}
		is_str(got->issuer_cn, "Test CA", "get: issuer_cn");
		is_str(got->issuer, "CN=Test CA, O=Test", "get: issuer");
		is_str(got->subject, "CN=test", "get: subject");
		is_str(got->serial, "01ab", "get: serial");
		is_str(got->key_type, "ec256", "get: key_type");
		is_str(got->source, "import", "get: source");
		ok(got->aki == NULL, "get: NULL aki stays NULL");
		ok(got->pem_chain != NULL && strstr(got->pem_chain, "MII=") != NULL,
		    "get: pem chain");
		is_int(got->not_after, na[2], "get: not_after");
		is_int(got->not_before, na[2] - 90 * 86400, "get: not_before");
		is_int(got->created, 1234567, "get: created from CERTDECK_NOW");
		ok(got->account_id == 0 && got->key_id == 0 && got->order_id == 0 &&
		    got->replaced_by == 0, "get: absent references read as 0");
		is_int(got->status, CERT_VALID, "get: status");
		cert_row_free(got);
		got = NULL;
	}
	rc = store_cert_get(st, ids[3], &got, &e);
	ok(rc == 0 && got->status == CERT_REPLACED && got->n_sans == 1,
	    "get: replaced status, one san");
	cert_row_free(got);
	got = NULL;
	is_int(store_cert_get(st, 99999, &got, &e), 1, "get: missing id is 1");
	ok(got == NULL, "get: missing id leaves out NULL");

	ok(store_cert_find_fingerprint(st, sanp[0][0], &found, &e) == 1,
	    "find: unknown fingerprint is 1");
	make_row(&r, 9, 0, sanp[9], 1);
	ok(store_cert_find_fingerprint(st, r.fingerprint, &found, &e) == 0 &&
	    found == ids[9], "find: by fingerprint");

	/* Duplicate fingerprint. */
	make_row(&r, 9, base, sanp[9], 1);
	err_clear(&e);
	id = -5;
	ok(store_cert_insert(st, &r, &id, &e) == -1, "duplicate: refused");
	snprintf(buf, sizeof(buf), "already stored as #%lld", (long long)ids[9]);
	ok(strstr(e.msg, buf) != NULL, "duplicate: message names the stored id");
	diag("%s", e.msg);
	is_int(id, -5, "duplicate: id_out untouched");
	ok(sqlite3_get_autocommit(store_db(st)), "duplicate: no transaction left open");

	/* The full list, in (not_after, id) order, hiding the replaced one. */
	memset(&q, 0, sizeof(q));
	ok(list(st, &q, &all) == 0, "list: all");
	is_int(all.n, N_CERTS - 1, "list: replaced certificate hidden");
	ok(all.sans_ok, "list: rows carry their sans");
	same = 1;
	for (i = 1; i < all.n; i++)
		if (all.not_after[i] < all.not_after[i - 1] ||
		    (all.not_after[i] == all.not_after[i - 1] &&
		    all.ids[i] <= all.ids[i - 1]))
			same = 0;
	ok(same, "list: ordered by (not_after, id)");
	for (i = 0, same = 1; i < all.n; i++)
		if (all.ids[i] == ids[3])
			same = 0;
	ok(same, "list: the replaced id is not there");
	q.include_replaced = 1;
	ok(list(st, &q, &c) == 0 && c.n == N_CERTS,
	    "list: include_replaced shows it");

	/* Keyset pagination: every row exactly once, in order. */
	memset(&q, 0, sizeof(q));
	q.limit = 4;
	q.include_replaced = 1;
	{
		int64_t seen[N_CERTS + 8];
		int n_seen = 0;
		struct collect full;

		q.limit = 0;
		list(st, &q, &full);
		q.limit = 4;
		pages = 0;
		for (;;) {
			if (list(st, &q, &c) != 0 || c.n == 0)
				break;
			pages++;
			for (i = 0; i < c.n && n_seen < N_CERTS + 8; i++)
				seen[n_seen++] = c.ids[i];
			q.after_not_after = c.not_after[c.n - 1];
			q.after_id = c.ids[c.n - 1];
			if (pages > 20)
				break;
		}
		is_int(n_seen, N_CERTS, "pages: every row once");
		is_int(pages, (N_CERTS + 3) / 4, "pages: page count");
		same = n_seen == full.n;
		for (i = 0; same && i < n_seen; i++)
			same = seen[i] == full.ids[i];
		ok(same, "pages: same rows and order as one big list");
	}

	/* Name filters, checked against a brute-force answer. */
	for (size_t k = 0; k < sizeof(needles) / sizeof(needles[0]); k++) {
		char what[96];

		memset(&q, 0, sizeof(q));
		q.include_replaced = 1;
		q.name_like = needles[k];
		n_want = 0;
		for (i = 0; i < N_CERTS; i++)
			if (has_name(sans, i, needles[k]))
				want[n_want++] = ids[i];
		rc = list(st, &q, &c);
		same = rc == 0 && c.n == n_want;
		for (i = 0; same && i < c.n; i++) {
			same = 0;
			for (j = 0; j < n_want; j++)
				if (want[j] == c.ids[i])
					same = 1;
		}
		snprintf(what, sizeof(what), "name filter \"%s\": %d matches",
		    needles[k], n_want);
		ok(same, what);
		if (!same)
			diag("got %d rows", c.n);
	}
	/* Spot checks that the brute force agrees with intent. */
	memset(&q, 0, sizeof(q));
	q.name_like = "d_n";
	ok(list(st, &q, &c) == 0 && c.n == 1 && c.ids[0] == ids[5],
	    "name filter: '_' is literal (3+ chars)");
	q.name_like = "_n";
	ok(list(st, &q, &c) == 0 && c.n == 1 && c.ids[0] == ids[5],
	    "name filter: '_' is literal (short)");
	q.name_like = "%";
	ok(list(st, &q, &c) == 0 && c.n == 1 && c.ids[0] == ids[5],
	    "name filter: '%' is literal");
	q.name_like = "über";
	ok(list(st, &q, &c) == 0 && c.n == 1 && c.ids[0] == ids[7],
	    "name filter: the trigram index folds non-ASCII case");
	q.name_like = "host2";
	ok(list(st, &q, &c) == 0 && c.n == 11,
	    "name filter: substring across names");
	ok(plan_contains(store_db(st), "MATCH", "VIRTUAL TABLE INDEX",
	    "SCAN cert_names"),
	    "name filter: 3+ characters go through the trigram index");

	/* Pagination with a name filter. */
	memset(&q, 0, sizeof(q));
	q.name_like = "example";
	q.limit = 7;
	{
		int total = 0;

		pages = 0;
		while (list(st, &q, &c) == 0 && c.n > 0 && pages < 20) {
			total += c.n;
			pages++;
			q.after_not_after = c.not_after[c.n - 1];
			q.after_id = c.ids[c.n - 1];
		}
		is_int(total, N_CERTS - 1, "filtered pages: every row once");
	}

	/* Expiring filter. */
	memset(&q, 0, sizeof(q));
	q.expiring_before = base + 5 * 86400;
	q.include_replaced = 1;
	n_want = 0;
	for (i = 0; i < N_CERTS; i++)
		if (na[i] < q.expiring_before)
			n_want++;
	ok(list(st, &q, &c) == 0 && c.n == n_want && n_want > 0 &&
	    n_want < N_CERTS, "expiring: only not_after < bound");
	for (i = 0, same = 1; i < c.n; i++)
		if (c.not_after[i] >= q.expiring_before)
			same = 0;
	ok(same, "expiring: none at or after the bound");

	/* The callback can stop the walk. */
	memset(&q, 0, sizeof(q));
	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	c.sans_ok = 1;
	is_int(store_cert_list(st, &q, collect_cb, &c, &e), 7,
	    "list: callback's stop value is returned");
	is_int(c.n, 3, "list: stopped after three rows");

	/* replaced_by hides a row whose status is still 'valid'. */
	ok(sqlite3_exec(store_db(st), "UPDATE certificates SET replaced_by = "
	    "(SELECT max(id) FROM certificates) WHERE id = 1", NULL, NULL,
	    NULL) == SQLITE_OK, "replaced_by: set");
	memset(&q, 0, sizeof(q));
	ok(list(st, &q, &c) == 0 && c.n == N_CERTS - 2,
	    "replaced_by: hidden by default");
	unsetenv("CERTDECK_NOW");

out:
	store_close(st);
	free(path);
}

static void
test_transactions(void)
{
	struct store *st = NULL;
	struct cert_row r;
	struct err e;
	char *path = in_tmp("txn.db"), s1[] = "a.example", s2[] = "b.example";
	char *sa[] = { s1 }, *sb[] = { s2 };
	int64_t id1 = 0, id2 = 0, dup;
	sqlite3_stmt *a, *b;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "txn: open");
		diag("%s", e.msg);
		free(path);
		return;
	}
	ok(store_begin(st, &e) == 0, "txn: begin");
	make_row(&r, 101, 2000000000LL, sa, 1);
	ok(store_cert_insert(st, &r, &id1, &e) == 0, "txn: insert inside");
	ok(!sqlite3_get_autocommit(store_db(st)), "txn: caller's transaction open");
	ok(store_cert_insert(st, &r, &dup, &e) == -1 &&
	    strstr(e.msg, "already stored") != NULL,
	    "txn: duplicate inside the transaction refused");
	ok(!sqlite3_get_autocommit(store_db(st)),
	    "txn: the failure did not end the caller's transaction");
	make_row(&r, 102, 2000000000LL, sb, 1);
	ok(store_cert_insert(st, &r, &id2, &e) == 0, "txn: insert after failure");
	ok(store_commit(st, &e) == 0, "txn: commit");
	is_int(query_int(store_db(st), "SELECT count(*) FROM certificates"), 2,
	    "txn: both rows committed");

	ok(store_begin(st, &e) == 0, "txn: begin again");
	make_row(&r, 103, 2000000000LL, sa, 1);
	ok(store_cert_insert(st, &r, &dup, &e) == 0, "txn: insert to roll back");
	store_rollback(st);
	is_int(query_int(store_db(st), "SELECT count(*) FROM certificates"), 2,
	    "txn: rollback undid it");
	is_int(query_int(store_db(st), "SELECT count(*) FROM cert_names_fts "
	    "WHERE cert_names_fts MATCH '\"example\"'"), 2,
	    "txn: the FTS index rolled back too");
	store_rollback(st);
	ok(sqlite3_get_autocommit(store_db(st)) != 0,
	    "txn: rollback without a transaction leaves none open");
	is_int(query_int(store_db(st), "SELECT count(*) FROM certificates"), 2,
	    "txn: ... and the committed rows in place");

	/* Deleting a certificate cascades to its names and the index. */
	ok(sqlite3_exec(store_db(st), "DELETE FROM certificates WHERE id = 1",
	    NULL, NULL, NULL) == SQLITE_OK, "cascade: delete");
	is_int(query_int(store_db(st), "SELECT count(*) FROM cert_names"), 1,
	    "cascade: names went with it");
	is_int(query_int(store_db(st), "SELECT count(*) FROM cert_names_fts "
	    "WHERE cert_names_fts MATCH '\"a.exam\"'"), 0,
	    "cascade: the FTS index forgot the name");
	ok(sqlite3_exec(store_db(st), "UPDATE cert_names SET name = "
	    "'renamed.example' WHERE cert_id = 2", NULL, NULL, NULL) == SQLITE_OK,
	    "fts: rename a name");
	is_int(query_int(store_db(st), "SELECT count(*) FROM cert_names_fts "
	    "WHERE cert_names_fts MATCH '\"renamed\"'"), 1,
	    "fts: update trigger indexed the new name");
	is_int(query_int(store_db(st), "SELECT count(*) FROM cert_names_fts "
	    "WHERE cert_names_fts MATCH '\"b.exa\"'"), 0,
	    "fts: and dropped the old one");
	ok(sqlite3_exec(store_db(st), "INSERT INTO cert_names_fts "
	    "(cert_names_fts) VALUES ('integrity-check')", NULL, NULL, NULL) ==
	    SQLITE_OK, "fts: integrity-check passes");
	ok(sqlite3_exec(store_db(st), "INSERT INTO cert_names (cert_id, "
	    "position, name) VALUES (424242, 0, 'x')", NULL, NULL, NULL) !=
	    SQLITE_OK, "fk: a name for a missing certificate is refused");

	/* The statement cache. */
	a = store_stmt(st, "SELECT 1 UNION ALL SELECT 2", &e);
	b = store_stmt(st, "SELECT 1 UNION ALL SELECT 2", &e);
	ok(a != NULL && a == b, "stmt: cached statement reused");
	ok(sqlite3_step(a) == SQLITE_ROW, "stmt: step");
	b = store_stmt(st, "SELECT 1 UNION ALL SELECT 2", &e);
	ok(b != NULL && b != a, "stmt: a busy statement is not handed out again");
	ok(sqlite3_step(a) == SQLITE_ROW && sqlite3_column_int(a, 0) == 2,
	    "stmt: the outer one kept its place");
	sqlite3_reset(a);
	err_clear(&e);
	ok(store_stmt(st, "SELEKT nonsense", &e) == NULL && e.msg[0] != '\0',
	    "stmt: a bad query fails with a message");
	diag("%s", e.msg);

	store_close(st);
	free(path);
}

/* Enough matching names to switch the name filter to walking the index. */
static void
test_many(void)
{
	struct store *st = NULL;
	struct cert_query q;
	struct collect c;
	struct cert_row r;
	struct err e;
	char *path = in_tmp("many.db"), name[64], *sans[1] = { name };
	int64_t id, last = 0;
	long long last_na = 0;
	int i, total = 0, pages = 0, ordered = 1;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1 ||
	    store_begin(st, &e) == -1) {
		ok(0, "many: open");
		diag("%s", e.msg);
		store_close(st);
		free(path);
		return;
	}
	for (i = 0; i < 6000; i++) {
		snprintf(name, sizeof(name), "n%d.bulk.test", i);
		make_row(&r, 1000 + i, 1900000000LL + (i * 7919) % 6000, sans, 1);
		if (store_cert_insert(st, &r, &id, &e) == -1)
			break;
	}
	ok(i == 6000 && store_commit(st, &e) == 0, "many: 6000 certificates");
	memset(&q, 0, sizeof(q));
	q.name_like = "bulk";
	q.limit = 1000;
	while (list(st, &q, &c) == 0 && c.n > 0 && pages < 20) {
		for (i = 0; i < c.n && i < 1000; i++) {
			if (c.not_after[i] < last_na || (c.not_after[i] == last_na &&
			    c.ids[i] <= last))
				ordered = 0;
			last_na = c.not_after[i];
			last = c.ids[i];
		}
		total += c.n;
		pages++;
		q.after_not_after = c.not_after[c.n - 1];
		q.after_id = c.ids[c.n - 1];
	}
	is_int(total, 6000, "many: a common pattern pages through every row");
	ok(ordered, "many: in order");
	ok(plan_contains(store_db(st), "EXISTS", "certificates_not_after",
	    "TEMP B-TREE"), "many: a common pattern walks the index, no sort");
	q.name_like = "n5999.bulk";
	q.after_not_after = 0;
	q.after_id = 0;
	ok(list(st, &q, &c) == 0 && c.n == 1, "many: a rare pattern finds one");
	store_close(st);
	free(path);
}

static void
test_keys(void)
{
	struct store *st = NULL;
	struct err e;
	char *path = in_tmp("keys.db"), *pem = NULL, *type = NULL;
	const char *kpem = "-----BEGIN PRIVATE KEY-----\nMIGH\n"
	    "-----END PRIVATE KEY-----\n";
	int64_t id = 0;

	err_clear(&e);
	setenv("CERTDECK_NOW", "777", 1);
	is_int(store_now(), 777, "now: CERTDECK_NOW");
	setenv("CERTDECK_NOW", "12x", 1);
	ok(store_now() > 1600000000LL, "now: garbage in CERTDECK_NOW is ignored");
	setenv("CERTDECK_NOW", "777", 1);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "keys: open");
		free(path);
		return;
	}
	ok(store_key_insert(st, "ec256", kpem, &id, &e) == 0 && id > 0,
	    "keys: insert");
	ok(store_key_get(st, id, &pem, &type, &e) == 0, "keys: get");
	is_str(pem, kpem, "keys: pem round trip");
	is_str(type, "ec256", "keys: type round trip");
	free(pem);
	free(type);
	pem = NULL;
	ok(store_key_get(st, id, &pem, NULL, &e) == 0 && pem != NULL,
	    "keys: type is optional");
	free(pem);
	pem = (char *)"x";
	is_int(store_key_get(st, id + 100, &pem, &type, &e), 1,
	    "keys: missing id is 1");
	ok(pem == NULL, "keys: missing id leaves pem NULL");
	is_int(query_int(store_db(st), "SELECT created FROM keys"), 777,
	    "keys: created from store_now");
	ok(store_key_insert(st, "", kpem, &id, &e) == -1,
	    "keys: an empty type is refused");
	unsetenv("CERTDECK_NOW");
	store_close(st);
	free(path);
}

static void
test_integrity(void)
{
	struct store *st = NULL;
	struct err e;
	char *path = in_tmp("certs.db"), buf[64];

	err_clear(&e);
	if (store_open(path, 0, &st, &e) == -1) {
		ok(0, "integrity: open");
		free(path);
		return;
	}
	query_text(store_db(st), "PRAGMA integrity_check", buf, sizeof(buf));
	is_str(buf, "ok", "integrity_check ok after the tests");
	is_int(query_int(store_db(st), "SELECT count(*) FROM "
	    "pragma_foreign_key_check"), 0, "foreign_key_check clean");
	store_close(st);
	free(path);
}

/* Does the plan of the statement containing marker use index and never say exactly scan? */
static int
plan_uses(sqlite3 *db, const char *marker, const char *index, const char *scan)
{
	sqlite3_stmt *s = NULL, *eqp = NULL;
	char text[4096];
	int found = 0, bad = 0;

	while ((s = sqlite3_next_stmt(db, s)) != NULL) {
		if (strstr(sqlite3_sql(s), marker) == NULL)
			continue;
		snprintf(text, sizeof(text), "EXPLAIN QUERY PLAN %s", sqlite3_sql(s));
		if (sqlite3_prepare_v2(db, text, -1, &eqp, NULL) != SQLITE_OK)
			return 0;
		while (sqlite3_step(eqp) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(eqp, 3);

			if (d != NULL && strstr(d, index) != NULL)
				found = 1;
			if (d != NULL && strcmp(d, scan) == 0)
				bad = 1;
		}
		sqlite3_finalize(eqp);
		return found && !bad;
	}
	return 0;
}

#define N_CHAIN 25

/* store_cert_history: the renewal chain both ways, cut to a window. */
static void
test_history(void)
{
	static char sans[N_CHAIN][48];
	char *sanp[N_CHAIN][1];
	int64_t ids[N_CHAIN], lone;
	struct store *st = NULL;
	struct cert_history h = { 0 };
	struct cert_row r;
	struct err e;
	char *path = in_tmp("history.db");
	int i, good;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "history: open");
		diag("%s", e.msg);
		free(path);
		return;
	}
	/*
	 * ids[0] is the oldest; each is replaced by the next. Insert newest
	 * first so replaced_by can point at a stored row.
	 */
	for (i = N_CHAIN - 1; i >= 0; i--) {
		snprintf(sans[i], sizeof(sans[i]), "chain.example.org");
		sanp[i][0] = sans[i];
		make_row(&r, 1000 + i, 1900000000LL + i * 86400, sanp[i], 1);
		r.serial = (char *)(i == N_CHAIN - 1 ? "0123456789abcdef" : "aa");
		if (i < N_CHAIN - 1) {
			r.replaced_by = ids[i + 1];
			r.status = CERT_REPLACED;
		}
		if (store_cert_insert(st, &r, &ids[i], &e) != 0) {
			ok(0, "history: insert");
			diag("%s", e.msg);
			goto out;
		}
	}
	make_row(&r, 2000, 1900000000LL, sanp[0], 1);
	ok(store_cert_insert(st, &r, &lone, &e) == 0, "history: a lone certificate");

	ok(store_cert_history(st, lone, 20, &h, &e) == 0 && h.n == 1 && h.self == 0 &&
	    h.links[0].id == lone && h.newer_hidden == 0 && h.older_hidden == 0,
	    "history: a lone certificate is its own history");
	cert_history_clear(&h);
	is_int(store_cert_history(st, 999999, 20, &h, &e), 1,
	    "history: no such certificate gives 1");

	/* Three links seen from the middle one: newest first, all of them. */
	ok(store_cert_history(st, ids[N_CHAIN - 2], 3, &h, &e) == 0 && h.n == 3,
	    "history: three from the middle");
	ok(h.n == 3 && h.links[0].id == ids[N_CHAIN - 1] &&
	    h.links[1].id == ids[N_CHAIN - 2] && h.links[2].id == ids[N_CHAIN - 3] &&
	    h.self == 1, "history: newest first, self in the middle");
	is_int((long long)h.older_hidden, N_CHAIN - 3, "history: the rest counted as older");
	ok(h.n == 3 && h.links[0].status == CERT_VALID &&
	    h.links[1].status == CERT_REPLACED && h.links[0].serial != NULL &&
	    strcmp(h.links[0].serial, "0123456789abcdef") == 0 &&
	    h.links[0].not_after == 1900000000LL + (N_CHAIN - 1) * 86400LL,
	    "history: status, serial and validity come along");
	cert_history_clear(&h);
	ok(h.links == NULL && h.n == 0, "history: clear empties");

	/* The whole chain from its newest, capped at 20. */
	ok(store_cert_history(st, ids[N_CHAIN - 1], 20, &h, &e) == 0 && h.n == 20 &&
	    h.self == 0 && h.newer_hidden == 0 && h.older_hidden == N_CHAIN - 20,
	    "history: capped at 20 with the rest older");
	good = h.n == 20;
	for (i = 0; good && i < 20; i++)
		good = h.links[i].id == ids[N_CHAIN - 1 - i];
	ok(good, "history: the links in chain order");
	cert_history_clear(&h);

	/* From the oldest: the window moves so that it stays in. */
	ok(store_cert_history(st, ids[0], 20, &h, &e) == 0 && h.n == 20 &&
	    h.links[h.self].id == ids[0] && h.older_hidden == 0 &&
	    h.newer_hidden == N_CHAIN - 20, "history: the oldest stays in view");
	cert_history_clear(&h);
	ok(store_cert_history(st, ids[0], 100, &h, &e) == 0 && h.n == N_CHAIN &&
	    h.self == N_CHAIN - 1, "history: the whole chain from its oldest");
	cert_history_clear(&h);
	ok(plan_uses(store_db(st), "WITH RECURSIVE", "certificates_replaced_by",
	    "SCAN c"), "history: both walks use an index");
out:
	cert_history_clear(&h);
	store_close(st);
	free(path);
}

struct ev_collect {
	int64_t job[32];
	char msg[32][64];
	int n;
};

static int
ev_cb(const struct event_row *ev, void *arg)
{
	struct ev_collect *c = arg;

	if (c->n < 32) {
		c->job[c->n] = ev->job_id;
		snprintf(c->msg[c->n], sizeof(c->msg[c->n]), "%s", ev->message);
	}
	c->n++;
	return 0;
}

/* Claims job id and ends it as done with result_id. Returns 0 or -1. */
static int
claim_finish(struct store *st, int64_t id, int64_t result_id, struct err *e)
{
	struct job_row *j = NULL;
	int rc;

	if (store_job_claim(st, "test:1:0:0", id, 60, &j, e) != 0)
		return -1;
	rc = store_job_finish(st, j, JOB_DONE, result_id, NULL, 0, e);
	job_row_free(j);
	return rc;
}

/* store_event_list_cert: events of the jobs that targeted or produced a certificate. */
static void
test_cert_events(void)
{
	struct store *st = NULL;
	struct ev_collect c;
	struct err e;
	char *path = in_tmp("events.db"), msg[64];
	int64_t issue, renew, deploy, other, acct, revoke_other;
	int i, ok_order;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "cert events: open");
		diag("%s", e.msg);
		free(path);
		return;
	}
	/*
	 * Certificate 7 was issued (order 3 -> result 7), renewed by job
	 * renew (target 7 -> result 8) and deployed. An issue job for order 7
	 * and an account job on account 7 are not about certificate 7.
	 */
	ok(store_job_add(st, "issue", 3, NULL, 0, "t", &issue, &e) == 0 &&
	    claim_finish(st, issue, 7, &e) == 0 &&
	    store_job_add(st, "deploy", 7, NULL, 0, "t", &deploy, &e) == 0 &&
	    store_job_add(st, "renew", 7, NULL, 0, "t", &renew, &e) == 0 &&
	    claim_finish(st, renew, 8, &e) == 0 &&
	    store_job_add(st, "issue", 7, NULL, 0, "t", &other, &e) == 0 &&
	    store_job_add(st, "account-rollover", 7, NULL, 0, "t", &acct, &e) == 0 &&
	    claim_finish(st, acct, 7, &e) == 0 &&
	    store_job_add(st, "revoke", 9, NULL, 0, "t", &revoke_other, &e) == 0,
	    "cert events: jobs");
	for (i = 0; i < 4; i++) {
		snprintf(msg, sizeof(msg), "issue %d", i);
		store_event_add(st, issue, "info", i, 4, msg, "t", &e);
	}
	store_event_add(st, other, "info", 1, 1, "order 7", "t", &e);
	store_event_add(st, acct, "info", 1, 1, "account 7", "t", &e);
	store_event_add(st, revoke_other, "info", 1, 1, "cert 9", "t", &e);
	store_event_add(st, 0, "info", 0, 0, "no job", "t", &e);
	store_event_add(st, deploy, "error", 1, 1, "deploy failed", "t", &e);
	for (i = 0; i < 12; i++) {
		snprintf(msg, sizeof(msg), "renew %d", i);
		store_event_add(st, renew, "info", i, 12, msg, "t", &e);
	}

	memset(&c, 0, sizeof(c));
	ok(store_event_list_cert(st, 7, 10, ev_cb, &c, &e) == 0, "cert events: list");
	is_int(c.n, 10, "cert events: the newest 10");
	ok_order = c.n == 10;
	for (i = 0; ok_order && i < 10; i++) {
		snprintf(msg, sizeof(msg), "renew %d", 11 - i);
		ok_order = strcmp(c.msg[i], msg) == 0 && c.job[i] == renew;
	}
	ok(ok_order, "cert events: newest first");
	memset(&c, 0, sizeof(c));
	ok(store_event_list_cert(st, 7, 100, ev_cb, &c, &e) == 0 && c.n == 17,
	    "cert events: issue, deploy and renewal jobs, nothing else");
	ok(c.n == 17 && strcmp(c.msg[12], "deploy failed") == 0 &&
	    strcmp(c.msg[16], "issue 0") == 0, "cert events: all three jobs in order");
	for (i = 0; i < c.n && i < 32; i++)
		if (strcmp(c.msg[i], "order 7") == 0 || strcmp(c.msg[i], "account 7") == 0 ||
		    strcmp(c.msg[i], "no job") == 0 ||
		    strcmp(c.msg[i], "cert 9") == 0)
			break;
	ok(i == c.n, "cert events: not the order's, account's or another's");
	memset(&c, 0, sizeof(c));
	ok(store_event_list_cert(st, 8, 10, ev_cb, &c, &e) == 0 && c.n == 10 &&
	    c.job[0] == renew, "cert events: the renewal shows on the new certificate");
	memset(&c, 0, sizeof(c));
	ok(store_event_list_cert(st, 42, 10, ev_cb, &c, &e) == 0 && c.n == 0,
	    "cert events: none for a certificate without jobs");
	ok(plan_uses(store_db(st), "CROSS JOIN events", "jobs_result", "SCAN jobs") &&
	    plan_uses(store_db(st), "CROSS JOIN events", "events_job", "SCAN e"),
	    "cert events: indexed (jobs_target, jobs_result, events_job)");
	store_close(st);
	free(path);
}

/* A deploy run outside any job shows among its certificate's events. */
static void
test_deploy_events(void)
{
	struct store *st = NULL;
	struct deploy_target t = { 0 };
	struct ev_collect c;
	struct cert_row r;
	struct err e;
	char *path = in_tmp("deploy-events.db"), *sans[1] = { (char *)"dep.example.org" };
	char fullchain[] = "/tmp/certdeck-test-fullchain.pem";
	int64_t a, b, tid;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "deploy events: open");
		diag("%s", e.msg);
		free(path);
		return;
	}
	make_row(&r, 3000, 1900000000LL, sans, 1);
	ok(store_cert_insert(st, &r, &a, &e) == 0, "deploy events: a certificate");
	make_row(&r, 3001, 1900000000LL, sans, 1);
	ok(store_cert_insert(st, &r, &b, &e) == 0, "deploy events: another");
	t.cert_id = a;
	t.fullchain_path = fullchain;
	t.mode = DEPLOY_MODE_DEFAULT;
	t.key_mode = DEPLOY_KEY_MODE_DEFAULT;
	t.reload_timeout = DEPLOY_RELOAD_TIMEOUT_DEFAULT;
	ok(store_deploy_add(st, &t, &tid, &e) == 0, "deploy events: a target");
	ok(store_deploy_record(st, tid, 100, 1, "written", "t", &e) == 0 &&
	    store_deploy_record(st, tid, 200, 0, "reload failed", "t", &e) == 0,
	    "deploy events: two runs recorded");
	memset(&c, 0, sizeof(c));
	ok(store_event_list_cert(st, a, 10, ev_cb, &c, &e) == 0 && c.n == 2,
	    "deploy events: both show on the certificate");
	ok(c.n == 2 && strstr(c.msg[0], "reload failed") != NULL &&
	    strstr(c.msg[1], "written") != NULL && c.job[0] == 0,
	    "deploy events: newest first, outside any job");
	memset(&c, 0, sizeof(c));
	ok(store_event_list_cert(st, b, 10, ev_cb, &c, &e) == 0 && c.n == 0,
	    "deploy events: not on another certificate");
	ok(plan_uses(store_db(st), "CROSS JOIN events", "events_cert", "SCAN events"),
	    "deploy events: found by events_cert");
	store_close(st);
	free(path);
}

struct each_seen {
	int64_t ids[4];
	char names[4][64];
	size_t n;
};

static int
each_cb(const struct endpoint_row *r, const char *cert_name, void *arg)
{
	struct each_seen *s = arg;

	if (s->n < 4) {
		s->ids[s->n] = r->id;
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", cert_name);
		s->n++;
	}
	return 0;
}

static int
count_cb(const struct cert_row *row, void *arg)
{
	(void)row;
	(*(int *)arg)++;
	return 0;
}

/* Rows store_cert_list gives for served and revocation conditions. */
static int
served_rows(struct store *st, const char *served, const char *revocation)
{
	struct cert_query q = { 0 };
	struct err e;
	int n = 0;

	q.served = served;
	q.revocation = revocation;
	err_clear(&e);
	if (store_cert_list(st, &q, count_cb, &n, &e) != 0) {
		diag("%s", e.msg);
		return -1;
	}
	return n;
}

/*
 * The endpoints step on a store one step older holding a certificate, and
 * the endpoint functions: add (a duplicate and a missing certificate
 * refused), list, get, record a check, remove; a removed certificate takes
 * its endpoints with it.
 */
static void
test_endpoints(void)
{
	static char san[] = "ep.example.org";
	char *sanp[1] = { san };
	struct endpoint_row add = { 0 }, rec = { 0 }, **list = NULL, *got = NULL;
	struct store *st = NULL;
	struct cert_row r;
	struct err e;
	char *path = in_tmp("endpoints.db");
	sqlite3 *db = NULL;
	int64_t cert = 0, id = 0, id2 = 0;
	size_t n = 0;
	int fd;

	err_clear(&e);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(sqlite3_open(path, &db) == SQLITE_OK &&
	    schema_migrate_to(db, 13, &e) == 0,
	    "endpoints: a store one step before the endpoints");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'endpoints'"), 0,
	    "endpoints: no table yet");
	sqlite3_close(db);
	if (store_open(path, 0, &st, &e) != 0) {
		ok(0, "endpoints: open migrates");
		diag("%s", e.msg);
		free(path);
		return;
	}
	ok(1, "endpoints: open migrates");
	is_int(query_int(store_db(st), "PRAGMA user_version"), schema_version(),
	    "endpoints: at the current version");
	make_row(&r, 7, 1900000000LL, sanp, 1);
	ok(store_cert_insert(st, &r, &cert, &e) == 0, "endpoints: a certificate");

	add.cert_id = cert;
	add.host = (char *)"127.0.0.1";
	add.port = 8443;
	add.sni = san;
	ok(store_endpoint_add(st, &add, &id, &e) == 0 && id > 0, "endpoints: add");
	err_clear(&e);
	ok(store_endpoint_add(st, &add, &id2, &e) == -1 && e.kind == ERR_INPUT &&
	    strstr(e.msg, "already endpoint") != NULL, "endpoints: the same target again is refused");
	add.sni = NULL;
	add.starttls = (char *)"smtp";
	add.port = 25;
	ok(store_endpoint_add(st, &add, &id2, &e) == 0, "endpoints: a STARTTLS one");
	add.cert_id = cert + 100;
	err_clear(&e);
	ok(store_endpoint_add(st, &add, &id2, &e) == 1 && strstr(e.msg, "no certificate") != NULL,
	    "endpoints: a missing certificate is 1, saying so");
	ok(store_endpoint_list(st, 0, &list, &n, &e) == 0 && n == 2, "endpoints: list has two");
	if (n == 2) {
		ok(list[0]->id == id && list[0]->port == 8443 && strcmp(list[0]->sni, san) == 0 &&
		    list[0]->starttls == NULL && list[0]->checked == 0 && !list[0]->has_state,
		    "endpoints: the first as added, never checked");
		ok(list[1]->sni == NULL && strcmp(list[1]->starttls, "smtp") == 0,
		    "endpoints: the second without a name, with STARTTLS");
	}
	endpoint_list_free(list, n);

	rec.checked = 1800000000LL;
	rec.state = EP_STALE;
	rec.fingerprint = (char *)"ab12";
	rec.served_cert_id = cert;
	rec.served_not_after = 1900000000LL;
	rec.protocol = (char *)"TLSv1.3";
	rec.message = (char *)"renewed but not deployed";
	ok(store_endpoint_record(st, id, &rec, &e) == 0, "endpoints: record a check");
	is_int(query_int(store_db(st), "SELECT count(*) FROM endpoints WHERE cert_id IS NOT NULL"),
	    2, "endpoints: a check with no cert_id keeps the endpoint's");
	ok(store_endpoint_get(st, id, &got, &e) == 0 && got->has_state &&
	    got->state == EP_STALE && got->checked == 1800000000LL &&
	    got->served_cert_id == cert && strcmp(got->fingerprint, "ab12") == 0 &&
	    got->cipher == NULL && strcmp(got->message, "renewed but not deployed") == 0,
	    "endpoints: get reads the check back");
	endpoint_row_free(got);
	ok(store_endpoint_record(st, id + 100, &rec, &e) == 1, "endpoints: record on a missing one is 1");
	ok(store_endpoint_get(st, id + 100, &got, &e) == 1 && got == NULL,
	    "endpoints: get of a missing one is 1");
	{
		static char san2[] = "none.example.org";
		char *sanp2[1] = { san2 };
		struct each_seen seen;
		struct cert_row r2;
		int64_t cert2 = 0;
		int worst = 0;
		char sql[160];

		memset(&seen, 0, sizeof(seen));
		ok(store_endpoint_worst(st, cert, &worst, &e) == 0 && worst == EP_STALE,
		    "endpoints: worst of stale and never checked is stale");
		make_row(&r2, 8, 1900000000LL, sanp2, 1);
		ok(store_cert_insert(st, &r2, &cert2, &e) == 0, "endpoints: a second certificate");
		ok(store_endpoint_worst(st, cert2, &worst, &e) == 0 && worst == -1,
		    "endpoints: worst without endpoints is -1");
		ok(store_endpoint_each(st, 0, each_cb, &seen, &e) == 0 && seen.n == 2 &&
		    seen.ids[0] == id && seen.ids[1] == id2,
		    "endpoints: each gives the stale one before the one never checked");
		is_str(seen.names[0], san, "endpoints: ... with its certificate's name");
		is_int(served_rows(st, "stale", NULL), 1, "endpoints: served:stale matches one");
		is_int(served_rows(st, "ok", NULL), 0, "endpoints: served:ok none");
		is_int(served_rows(st, "none", NULL), 1, "endpoints: served:none the other");
		is_int(served_rows(st, NULL, "unchecked"), 2,
		    "endpoints: revocation:unchecked both");
		snprintf(sql, sizeof(sql), "INSERT INTO revocation_status (cert_id, state, "
		    "checked_at, next_check) VALUES (%lld, 'revoked', 1, 2)", (long long)cert);
		ok(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) == SQLITE_OK,
		    "endpoints: a revocation answer");
		is_int(served_rows(st, NULL, "revoked"), 1, "endpoints: revocation:revoked one");
		is_int(served_rows(st, "stale", "good"), 0, "endpoints: both conditions must hold");
	}
	ok(store_endpoint_remove(st, id2, &e) == 0, "endpoints: remove");
	ok(store_endpoint_remove(st, id2, &e) == 1, "endpoints: remove again is 1");
	ok(sqlite3_exec(store_db(st), "DELETE FROM certificates", NULL, NULL, NULL) == SQLITE_OK,
	    "endpoints: the certificate removed");
	ok(store_endpoint_list(st, 0, &list, &n, &e) == 0 && n == 0,
	    "endpoints: its endpoints went with it");
	endpoint_list_free(list, n);
	store_close(st);
	free(path);
}

/* Adopting an imported certificate (import --from --adopt): its order and account. */
static void
test_cert_set_order(void)
{
	static char san[] = "adopt.example.org";
	char *sans[1] = { san };
	struct store *st = NULL;
	struct cert_row r, *got = NULL;
	struct account_row a = { 0 };
	struct order_row o = { 0 };
	char status[] = "valid", ids[] = "[{\"type\":\"dns\",\"value\":\"adopt.example.org\"}]";
	char *path = in_tmp("adopt.db");
	int64_t cert_id = 0, due[4];
	size_t n = 0;
	struct err e;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "adopt: open");
		free(path);
		return;
	}
	make_row(&r, 900, 1800000000LL, sans, 1);
	ok(store_cert_insert(st, &r, &cert_id, &e) == 0, "adopt: an imported certificate");
	ok(store_cert_renew_due(st, 1800000000LL, due, 4, &n, &e) == 0 && n == 0,
	    "adopt: without an order it is never due");
	ok(store_ca_ensure(st, "https://ca.example/dir", NULL, NULL, &a.ca_id, &e) == 0 &&
	    store_key_insert(st, "ec256", "k", &a.key_id, &e) == 0 &&
	    store_account_insert(st, &a, &e) == 0, "adopt: an account");
	o.account_id = a.id;
	o.status = status;
	o.identifiers_json = ids;
	o.cert_id = cert_id;
	ok(store_order_insert(st, &o, &e) == 0, "adopt: an order for it");
	ok(store_cert_set_order(st, cert_id, o.id, a.id, &e) == 0, "adopt: set_order returns 0");
	ok(store_cert_get(st, cert_id, &got, &e) == 0 && got->order_id == o.id &&
	    got->account_id == a.id, "adopt: the certificate has the order and the account");
	ok(store_cert_renew_due(st, 1800000000LL, due, 4, &n, &e) == 0 && n == 1 &&
	    due[0] == cert_id, "adopt: now it is due for renewal when its time comes");
	cert_row_free(got);
	store_close(st);
	free(path);
}

/* store_job_producer: the newest done job that made a certificate and holds a setting. */
static void
test_job_producer(void)
{
	struct store *st = NULL;
	struct job_row *j = NULL;
	struct err e;
	char *path = in_tmp("producer.db");
	int64_t a = 0, b = 0, c = 0, got = -1;

	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) == -1) {
		ok(0, "producer: open");
		free(path);
		return;
	}
	is_int(store_job_producer(st, 7, "$.scep.url", &got, &e), 1,
	    "producer: none for a certificate no job made");
	ok(got == 0, "producer: and *id is 0");
	ok(store_job_add(st, "scep-enroll", 0, "{\"scep\":{\"url\":\"http://a/\"}}", 0, "t",
	    &a, &e) == 0 && store_job_add(st, "deploy", 7, "{}", 0, "t", &b, &e) == 0 &&
	    store_job_add(st, "renew", 7, "{\"scep\":{\"url\":\"http://b/\"}}", 0, "t", &c,
	    &e) == 0, "producer: three jobs");
	/* a made #7; the deploy job's result is #7 too but it has no setting; c failed. */
	ok(store_job_claim(st, "w", a, 60, &j, &e) == 0 &&
	    store_job_finish(st, j, JOB_DONE, 7, NULL, 0, &e) == 0, "producer: a done, result 7");
	job_row_free(j);
	j = NULL;
	ok(store_job_claim(st, "w", b, 60, &j, &e) == 0 &&
	    store_job_finish(st, j, JOB_DONE, 7, NULL, 0, &e) == 0, "producer: b done, result 7");
	job_row_free(j);
	j = NULL;
	ok(store_job_claim(st, "w", c, 60, &j, &e) == 0 &&
	    store_job_finish(st, j, JOB_FAILED, 7, "{}", 0, &e) == 0, "producer: c failed");
	job_row_free(j);
	is_int(store_job_producer(st, 7, "$.scep.url", &got, &e), 0, "producer: found");
	ok(got == a, "producer: the done job with the setting, not the deploy or the failed one");
	is_int(store_job_producer(st, 8, "$.scep.url", &got, &e), 1,
	    "producer: none for another certificate");
	store_close(st);
	free(path);
}

/*
 * Step 15 (kinds, sources, locations) on a store at version 14: kinds default to server, 'acme'
 * becomes 'certdeck', a row without a source is import (or certdeck when
 * an order made it).
 */
static void
test_upgrade_kinds(void)
{
	struct err e;
	char *path = in_tmp("v11.db");
	sqlite3 *db = NULL;
	int fd;

	err_clear(&e);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(sqlite3_open(path, &db) == SQLITE_OK && schema_migrate_to(db, 14, &e) == 0,
	    "upgrade 15: a schema 14 store");
	ok(sqlite3_exec(db, "INSERT INTO certificates (name, not_before, not_after,"
	    " fingerprint, pem_chain, source, order_id, created) VALUES"
	    " ('a', 1, 2, 'f1', 'p', 'acme', 7, 1), ('b', 1, 2, 'f2', 'p', 'import', NULL, 1),"
	    " ('c', 1, 2, 'f3', 'p', NULL, NULL, 1), ('d', 1, 2, 'f4', 'p', NULL, 8, 1)",
	    NULL, NULL, NULL) == SQLITE_OK, "upgrade 15: four certificates at version 14");
	ok(schema_migrate_to(db, 15, &e) == 0, "upgrade 15: migrate 14 -> 15");
	is_int(query_int(db, "SELECT count(*) FROM certificates WHERE kind = 'server'"
	    " AND validation IS NULL"), 4, "upgrade 15: old rows are server certificates, level unknown");
	is_int(query_int(db, "SELECT count(*) FROM certificates WHERE source = 'certdeck'"
	    " AND name IN ('a', 'd')"), 2, "upgrade 15: issued rows are certdeck's");
	is_int(query_int(db, "SELECT count(*) FROM certificates WHERE source = 'import'"
	    " AND name IN ('b', 'c')"), 2, "upgrade 15: the others were imported");
	ok(sqlite3_exec(db, "UPDATE certificates SET kind = 'robot'", NULL, NULL, NULL) !=
	    SQLITE_OK, "upgrade 15: a kind outside the list is refused");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'cert_locations'"),
	    1, "upgrade 15: cert_locations exists");
	sqlite3_close(db);
	free(path);
}

static int
count_loc(const struct cert_location *loc, void *arg)
{
	(void)loc;
	(*(int *)arg)++;
	return 0;
}

/* Kind, validation and source round-trip; locations by prefix and by certificate. */
static void
test_locations(void)
{
	struct store *st = NULL;
	struct cert_row r, *got = NULL;
	struct cert_location loc;
	struct err e;
	char *path = in_tmp("loc.db"), *end;
	char *sans[] = { (char *)"ca.example" };
	int64_t id = 0, key_id = 0;
	int n, set = -1;
	enum cert_source src;

	err_clear(&e);
	ok(store_open(path, STORE_CREATE, &st, &e) == 0, "locations: open");
	memset(&r, 0, sizeof(r));
	r.name = sans[0];
	r.sans = sans;
	r.n_sans = 1;
	r.fingerprint = (char *)"00ff";
	r.pem_chain = (char *)"pem";
	r.not_before = 1;
	r.not_after = 2;
	r.kind = CERT_KIND_CA;
	r.validation = CERT_VALIDATION_OV;
	r.source = (char *)"scan";
	ok(store_cert_insert(st, &r, &id, &e) == 0, "locations: insert a CA from a scan");
	ok(store_cert_get(st, id, &got, &e) == 0 && got->kind == CERT_KIND_CA &&
	    got->validation == CERT_VALIDATION_OV && strcmp(got->source, "scan") == 0,
	    "locations: kind, validation and source read back");
	cert_row_free(got);
	got = NULL;
	r.fingerprint = (char *)"00fe";
	r.source = (char *)"nowhere";
	err_clear(&e);
	ok(store_cert_insert(st, &r, &id, &e) == -1 && strstr(e.msg, "nowhere") != NULL,
	    "locations: an unknown source is refused, naming it");
	ok(store_cert_source_parse("acme.sh", &src) == 0 && src == CERT_SOURCE_ACMESH &&
	    store_cert_source_parse("acme", &src) == -1, "locations: source names parse");
	err_clear(&e);
	ok(store_cert_set_source(st, 1, CERT_SOURCE_CERTBOT, &e) == 0 &&
	    store_cert_get(st, 1, &got, &e) == 0 && strcmp(got->source, "certbot") == 0,
	    "locations: set_source writes the source");
	cert_row_free(got);
	got = NULL;
	is_int(store_cert_set_source(st, 999, CERT_SOURCE_SCAN, &e), 1,
	    "locations: set_source of a missing id returns 1");
	err_clear(&e);
	ok(store_key_insert(st, "ec256", "KEY", &key_id, &e) == 0 &&
	    store_cert_attach_key(st, 1, key_id, &set, &e) == 0 && set == 1,
	    "locations: attach a key to a certificate without one");
	ok(store_cert_attach_key(st, 1, key_id, &set, &e) == 0 && set == 0,
	    "locations: a second attach leaves the key alone");

	ok(store_cert_extend_chain(st, 1, "-----BEGIN CERTIFICATE-----\na\n"
	    "-----BEGIN CERTIFICATE-----\nb\n", &set, &e) == 0 && set == 1,
	    "chain: a longer chain replaces a lone certificate");
	ok(store_cert_extend_chain(st, 1, "-----BEGIN CERTIFICATE-----\na\n", &set, &e) == 0 &&
	    set == 0, "chain: a shorter one does not");
	memset(&loc, 0, sizeof(loc));
	loc.cert_id = 1;
	loc.mtime_ns = 5;
	loc.inode = 6;
	loc.size = 7;
	loc.seen_at = 8;
	loc.path = "/etc/nginx/a.pem";
	ok(store_location_put(st, &loc, &e) == 0, "locations: put one");
	loc.path = "/etc/nginx/b.pem";
	ok(store_location_put(st, &loc, &e) == 0, "locations: put another");
	loc.size = 70;
	ok(store_location_put(st, &loc, &e) == 0, "locations: put the same pair again");
	loc.path = "/etc/nginx2/c.pem";
	ok(store_location_put(st, &loc, &e) == 0, "locations: put one in a sibling folder");
	n = 0;
	ok(store_location_list_prefix(st, "/etc/nginx/", count_loc, &n, &e) == 0 && n == 2,
	    "locations: two under /etc/nginx/ (the sibling is not)");
	n = 0;
	ok(store_location_list_cert(st, 1, count_loc, &n, &e) == 0 && n == 3,
	    "locations: three for the certificate (no duplicate pair)");
	ok(store_location_touch(st, "/etc/nginx/a.pem", 9, &e) == 0 &&
	    store_location_remove_path(st, "/etc/nginx/b.pem", &e) == 0, "locations: touch and remove");
	n = 0;
	ok(store_location_list_prefix(st, "", count_loc, &n, &e) == 0 && n == 2,
	    "locations: two left in all");
	{
		struct cert_query cq;
		long cnt = -1;

		r.fingerprint = (char *)"00fd";
		r.kind = CERT_KIND_SERVER;
		r.source = (char *)"import";
		ok(store_cert_insert(st, &r, &id, &e) == 0, "kinds: a server certificate too");
		memset(&cq, 0, sizeof(cq));
		ok(store_cert_count(st, &cq, 100, &cnt, &e) == 0 && cnt == 1,
		    "kinds: the default query leaves the CA out");
		cq.kinds = 1u << CERT_KIND_CA;
		ok(store_cert_count(st, &cq, 100, &cnt, &e) == 0 && cnt == 1,
		    "kinds: kind ca finds it");
		cq.kinds = CERT_KINDS_ALL;
		ok(store_cert_count(st, &cq, 100, &cnt, &e) == 0 && cnt == 2,
		    "kinds: all kinds finds both");
		cq.source = "certbot";
		ok(store_cert_count(st, &cq, 100, &cnt, &e) == 0 && cnt == 1,
		    "source: by the stored source");
		cq.source = NULL;
		cq.path_prefix = "/etc/nginx/";
		ok(store_cert_count(st, &cq, 100, &cnt, &e) == 0 && cnt == 1,
		    "path: by a location's prefix");
		cq.path_prefix = "/srv";
		ok(store_cert_count(st, &cq, 100, &cnt, &e) == 0 && cnt == 0,
		    "path: none under another prefix");
		cq.path_prefix = NULL;
		cq.kinds = 1u << CERT_KIND_CA;
		{
			sqlite3_stmt *plan = NULL;
			int uses = 0;

			/* The statement text store_cert_list writes for kind:ca. */
			sqlite3_prepare_v2(store_db(st), "EXPLAIN QUERY PLAN SELECT c.id FROM "
			    "certificates c WHERE 1 AND c.replaced_by IS NULL AND c.status <> "
			    "'replaced' AND c.kind <> 'server' AND c.kind IN ('ca') ORDER BY "
			    "c.not_after, c.id LIMIT 50", -1, &plan, NULL);
			while (plan != NULL && sqlite3_step(plan) == SQLITE_ROW)
				if (strstr((const char *)sqlite3_column_text(plan, 3),
				    "certificates_kind") != NULL)
					uses = 1;
			sqlite3_finalize(plan);
			ok(uses, "kinds: kind ca walks the certificates_kind index");
		}
	}
	end = store_location_prefix_end("/a\xff");
	ok(end != NULL && strcmp(end, "/b") == 0, "locations: prefix end skips 0xff bytes");
	free(end);
	store_close(st);
	free(path);
}

int
main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/certdeck-store-XXXXXX");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("CERTDECK_NOW");
	unsetenv("CERTDECK_STORE");

	test_default_path();
	run_unprivileged(default_path_user, "default path");
	test_fresh();
	test_upgrade();
	test_upgrade_5();
	test_upgrade_6();
	test_upgrade_8();
	test_upgrade_9();
	test_refusals();
	test_leases();
	test_job_secret();
	test_job_producer();
	test_unwritable();
	test_certs();
	test_history();
	test_cert_set_order();
	test_upgrade_kinds();
	test_locations();
	test_cert_events();
	test_deploy_events();
	test_transactions();
	test_many();
	test_keys();
	test_integrity();
	test_endpoints();
	ok_returns(store_close(NULL), "store_close(NULL) returns");

	rm_rf(tmp);
	return done_testing();
}
