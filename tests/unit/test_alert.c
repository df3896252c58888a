/*
 * The alert conditions (src/alert.c) over a real store file: each
 * condition found, and each look-alike that must not be; the renew runs
 * and the dead man's switch; the schema step that added them; what
 * notify_update queues, and an acknowledged condition's silence.
 */
#include "config.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "notify.h"
#include "schema.h"
#include "store.h"
#include "store_alert.h"
#include "store_run.h"
#include "tap.h"

#define DAY 86400LL
#define NOW 1800000000LL

static char tmp[64];

static long long
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		printf("# %s: %s\n", sql, msg != NULL ? msg : "?");
	sqlite3_free(msg);
	return rc == SQLITE_OK ? 0 : -1;
}

/* A certificate row: id, name, days to expiry, status, order (0: imported), renew_at offset. */
static int
add_cert(sqlite3 *db, int id, const char *name, long long days, const char *status,
    int order, long long renew_in_days)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "INSERT INTO certificates (id, name, subject, issuer_cn, "
	    "serial, not_before, not_after, fingerprint, pem_chain, status, order_id, renew_at, "
	    "created) VALUES (%d, '%s', 'CN=%s', 'Test CA', '%02x', %lld, %lld, 'fp%d', 'x', "
	    "'%s', %s, %lld, %lld)", id, name, name, id, NOW - 60 * DAY, NOW + days * DAY, id,
	    status, order ? "1" : "NULL", NOW + renew_in_days * DAY, NOW - 60 * DAY);
	return exec(db, sql);
}

static struct alert_report rep;

/* Evaluates at NOW with the defaults (keep all). Returns 0 or -1. */
static int
evaluate(struct store *st)
{
	struct alert_opts o;
	struct err e;

	alert_report_clear(&rep);
	alert_opts_default(&o);
	o.now = NOW;
	o.keep = 0;
	err_clear(&e);
	if (alert_evaluate(st, &o, &rep, &e) != 0) {
		printf("# %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* 1 when the report holds an alert of kind about cert_id (or job_id). */
static int
has(enum alert_kind kind, long long cert_id, long long job_id)
{
	size_t i;

	for (i = 0; i < rep.n; i++)
		if (rep.v[i].kind == kind && (cert_id == 0 || rep.v[i].cert_id == cert_id) &&
		    (job_id == 0 || rep.v[i].job_id == job_id))
			return 1;
	return 0;
}

static enum alert_severity
severity_of(enum alert_kind kind, long long cert_id)
{
	size_t i;

	for (i = 0; i < rep.n; i++)
		if (rep.v[i].kind == kind && rep.v[i].cert_id == cert_id)
			return rep.v[i].severity;
	return ALERT_OK;
}

static void
test_upgrade(const char *path)
{
	struct err e;
	sqlite3 *db = NULL;
	int fd;

	err_clear(&e);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(sqlite3_open(path, &db) == SQLITE_OK && schema_migrate_to(db, 6, &e) == 0,
	    "upgrade: a schema 6 store");
	ok(add_cert(db, 1, "old.example", 30, "valid", 0, 0) == 0, "upgrade: a certificate at 6");
	ok(schema_migrate_to(db, 7, &e) == 0, "upgrade: migrate 6 -> 7");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 1,
	    "upgrade: runs exists");
	is_int(query_int(db, "SELECT count(*) FROM certificates WHERE alert_days IS NULL"), 1,
	    "upgrade: the certificate is kept, with no threshold of its own");
	ok(exec(db, "DELETE FROM certificates") == 0, "upgrade: emptied again");
	sqlite3_close(db);
}

static void
test_conditions(const char *path)
{
	struct store *st = NULL;
	struct run_row run = { 0 }, last;
	struct mon_summary sum;
	struct alert_opts o;
	sqlite3 *db = NULL;
	struct err e;

	err_clear(&e);
	ok(store_open(path, 0, &st, &e) == 0, "open the store");
	ok(sqlite3_open(path, &db) == SQLITE_OK, "a second connection for the fixtures");
	sqlite3_busy_timeout(db, 5000);
	ok(evaluate(st) == 0 && rep.total == 0 && rep.worst == ALERT_OK,
	    "an empty store has nothing to say");
	ok(exec(db, "INSERT INTO cas (id, directory_url, created) VALUES (1, 'https://ca', 0);"
	    "INSERT INTO keys (id, type, pem) VALUES (1, 'ec256', 'k');"
	    "INSERT INTO accounts (id, ca_id, key_id) VALUES (1, 1, 1);"
	    "INSERT INTO orders (id, account_id, identifiers) VALUES "
	    "(1, 1, '[{\"type\":\"dns\",\"value\":\"managed.example\"}]'),"
	    "(2, 1, '[{\"type\":\"dns\",\"value\":\"new.example\"}]'),"
	    "(3, 1, '[{\"type\":\"dns\",\"value\":\"again.example\"}]'),"
	    "(4, 1, '[{\"type\":\"dns\",\"value\":\"again.example\"}]')") == 0,
	    "fixtures: a CA, an account, orders");
	ok(add_cert(db, 1, "far.example", 30, "valid", 0, 0) == 0 &&
	    add_cert(db, 2, "soon.example", 10, "valid", 0, 0) == 0 &&
	    add_cert(db, 3, "sooner.example", 3, "valid", 0, 0) == 0 &&
	    add_cert(db, 4, "scheduled.example", 10, "valid", 1, 2) == 0 &&
	    add_cert(db, 5, "overdue.example", 10, "valid", 1, -20) == 0 &&
	    add_cert(db, 6, "queued.example", 10, "valid", 1, -1) == 0 &&
	    add_cert(db, 7, "ownthreshold.example", 20, "valid", 0, 0) == 0 &&
	    add_cert(db, 8, "revoked.example", 40, "revoked", 0, 0) == 0 &&
	    add_cert(db, 9, "revoked-expired.example", -5, "revoked", 0, 0) == 0 &&
	    add_cert(db, 10, "replaced.example", 3, "replaced", 1, -20) == 0 &&
	    add_cert(db, 11, "expired.example", -1, "valid", 0, 0) == 0,
	    "fixtures: eleven certificates");
	ok(exec(db, "INSERT INTO jobs (id, kind, target_id, state, attempt) VALUES "
	    "(1, 'renew', 6, 'queued', 0)") == 0, "fixtures: an untried renewal of #6");
	ok(evaluate(st) == 0, "evaluate");
	ok(!has(ALERT_EXPIRING, 1, 0), "30 days left: not expiring (default 14)");
	ok(has(ALERT_EXPIRING, 2, 0), "10 days left, imported: expiring");
	is_int(severity_of(ALERT_EXPIRING, 2), ALERT_WARNING, "... a warning");
	is_int(severity_of(ALERT_EXPIRING, 3), ALERT_CRITICAL, "3 days left: critical");
	ok(!has(ALERT_EXPIRING, 4, 0), "renewal scheduled before expiry: not expiring");
	ok(has(ALERT_EXPIRING, 5, 0), "renewal overdue: expiring");
	ok(!has(ALERT_EXPIRING, 6, 0), "an untried renewal job queued: not expiring");
	ok(!has(ALERT_EXPIRING, 7, 0), "20 days left: not expiring by default");
	ok(!has(ALERT_EXPIRING, 10, 0), "a replaced certificate is not expiring");
	is_int(severity_of(ALERT_EXPIRING, 11), ALERT_CRITICAL, "expired: critical");
	ok(has(ALERT_REVOKED, 8, 0), "revoked and unexpired: revoked");
	ok(!has(ALERT_REVOKED, 9, 0), "revoked and expired: nothing");
	is_int(rep.count[ALERT_JOB_FAILED] + rep.count[ALERT_JOB_RETRYING], 0, "no job alerts yet");
	ok(has(ALERT_RENEW_STALE, 0, 0), "never a renew run, certificates to renew: stale");
	is_int(rep.worst, ALERT_CRITICAL, "the worst is critical");

	is_int(store_cert_set_alert_days(st, 7, 30, &e), 0, "#7 gets a 30-day threshold");
	is_int(store_cert_set_alert_days(st, 999, 30, &e), 1, "no certificate 999: 1");
	ok(evaluate(st) == 0 && has(ALERT_EXPIRING, 7, 0), "its own threshold makes it expiring");
	is_int(store_cert_set_alert_days(st, 7, -1, &e), 0, "back to the default");
	ok(evaluate(st) == 0 && !has(ALERT_EXPIRING, 7, 0), "... and it is not");

	ok(exec(db, "UPDATE jobs SET attempt = 1, last_error = '{\"message\":\"boom\"}' "
	    "WHERE id = 1") == 0, "the renewal of #6 failed once");
	ok(evaluate(st) == 0 && has(ALERT_EXPIRING, 6, 0), "... now #6 is expiring");
	ok(!has(ALERT_JOB_RETRYING, 0, 1), "one failed attempt is not 'retrying' yet");
	ok(exec(db, "UPDATE jobs SET attempt = 3 WHERE id = 1") == 0, "three failed attempts");
	ok(evaluate(st) == 0 && has(ALERT_JOB_RETRYING, 6, 1), "... it is 'retrying'");
	ok(rep.n > 0 && strstr(rep.v[0].message, "boom") != NULL,
	    "the message carries the job's error");

	ok(exec(db, "INSERT INTO jobs (id, kind, target_id, state, attempt, last_error) VALUES "
	    "(2, 'renew', 2, 'failed', 5, '{\"message\":\"denied\"}'),"
	    "(3, 'renew', 10, 'failed', 5, NULL),"
	    "(4, 'renew', 3, 'failed', 5, NULL), (5, 'renew', 3, 'done', 1, NULL),"
	    "(6, 'issue', 2, 'failed', 5, NULL),"
	    "(7, 'issue', 3, 'failed', 5, NULL), (8, 'issue', 4, 'done', 1, NULL)") == 0,
	    "fixtures: failed jobs");
	ok(evaluate(st) == 0 && has(ALERT_JOB_FAILED, 2, 2), "a failed renewal of a current "
	    "certificate");
	ok(!has(ALERT_JOB_FAILED, 0, 3), "a failed renewal of a replaced one: nothing");
	ok(!has(ALERT_JOB_FAILED, 0, 4), "a failed renewal followed by a done one: nothing");
	ok(has(ALERT_JOB_FAILED, 0, 6), "a failed issuance");
	ok(!has(ALERT_JOB_FAILED, 0, 7), "a failed issuance, later done for the same names: "
	    "nothing");

	/* The dead man's switch. */
	snprintf(run.kind, sizeof(run.kind), "%s", RUN_RENEW);
	run.started = NOW - 3700;
	run.ended = NOW - 3600;
	run.outcome = RUN_OK;
	ok(store_run_add(st, &run, "test", &e) == 0 && run.id > 0, "a renew run an hour ago");
	ok(store_run_last(st, RUN_RENEW, &last, &e) == 0 && last.ended == NOW - 3600 &&
	    last.outcome == RUN_OK, "store_run_last reads it back");
	is_int(store_run_last(st, "other", &last, &e), 1, "no run of another kind: 1");
	ok(evaluate(st) == 0 && !has(ALERT_RENEW_STALE, 0, 0), "an hour old: not stale");
	ok(rep.have_run && rep.last_run.id == run.id, "the report has the last run");
	ok(exec(db, "UPDATE runs SET ended = 1800000000 - 40 * 3600") == 0, "40 hours old");
	ok(evaluate(st) == 0 && has(ALERT_RENEW_STALE, 0, 0), "... stale");
	ok(exec(db, "UPDATE runs SET ended = 1800000000 - 80 * 3600") == 0, "80 hours old");
	ok(evaluate(st) == 0, "evaluate");
	{
		size_t i;
		int crit = 0;

		for (i = 0; i < rep.n; i++)
			if (rep.v[i].kind == ALERT_RENEW_STALE)
				crit = rep.v[i].severity == ALERT_CRITICAL;
		ok(crit, "... past twice the limit: critical");
	}

	alert_opts_default(&o);
	o.now = NOW;
	o.keep = 2;
	alert_report_clear(&rep);
	ok(alert_evaluate(st, &o, &rep, &e) == 0 && rep.n == 2 && rep.total > 2,
	    "keep bounds the list, not the counts");

	ok(store_alert_summary(st, NOW, &sum, &e) == 0, "summary");
	is_int(sum.certificates, 10, "summary: current certificates (not the replaced one)");
	is_int(sum.next_id, 3, "summary: the next to expire");
	alert_report_clear(&rep);
	sqlite3_close(db);
	store_close(st);
}

/* Evaluates at now and queues what is due; *queued the jobs. Returns 0 or -1. */
static int
update_at(struct store *st, long long now, int *queued)
{
	struct alert_opts o;
	struct err e;

	alert_report_clear(&rep);
	alert_opts_default(&o);
	o.now = now;
	o.keep = 0;
	err_clear(&e);
	if (alert_evaluate(st, &o, &rep, &e) != 0 ||
	    notify_update(st, &rep, "test", queued, &e) != 0) {
		printf("# %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* The index of the alert of kind about cert_id in rep, or -1. */
static int
find(enum alert_kind kind, long long cert_id)
{
	size_t i;

	for (i = 0; i < rep.n; i++)
		if (rep.v[i].kind == kind && rep.v[i].cert_id == cert_id)
			return (int)i;
	return -1;
}

static void
test_ack(const char *path)
{
	struct notify_channel ch = { .min_days = -1 };
	char type[] = "hook", target[] = "/bin/true";
	struct notify_state ns;
	struct store *st = NULL;
	sqlite3 *db = NULL;
	struct err e;
	int64_t chan = 0, job = 0;
	int queued = -1, i;

	err_clear(&e);
	ok(store_open(path, STORE_CREATE, &st, &e) == 0, "ack: open a fresh store");
	ok(sqlite3_open(path, &db) == SQLITE_OK, "ack: a second connection");
	sqlite3_busy_timeout(db, 5000);
	ok(add_cert(db, 1, "bought.example", 5, "valid", 0, 0) == 0,
	    "ack: an imported certificate 5 days from expiry");
	ok(update_at(st, NOW, &queued) == 0 && queued == 0 &&
	    query_int(db, "SELECT count(*) FROM alert_state") == 0,
	    "ack: no channel: nothing queued, nothing tracked");
	ch.type = type;
	ch.target = target;
	ok(store_notify_add(st, &ch, &chan, &e) == 0, "ack: a hook channel");
	ok(update_at(st, NOW, &queued) == 0 && queued == 1, "ack: the start is queued");
	job = query_int(db, "SELECT max(id) FROM jobs WHERE kind = 'notify'");
	ok(query_int(db, "SELECT job_first FROM alert_state WHERE kind = 'expiring'") == job &&
	    query_int(db, "SELECT job_last FROM alert_state WHERE kind = 'expiring'") == job,
	    "ack: the state names the notice's job");
	ok(update_at(st, NOW + 2 * DAY, &queued) == 0 && queued == 1,
	    "ack: unacknowledged, two days later a reminder is queued");
	i = find(ALERT_EXPIRING, 1);
	ok(i >= 0 && notify_ack(st, &rep.v[i], "alice on pts/1", NOW + 2 * DAY + 60, &e) == 0,
	    "ack: acknowledged");
	ok(store_notify_state_get(st, "expiring", 1, &ns, &e) == 0 &&
	    ns.acked_at == NOW + 2 * DAY + 60 && ns.acked_by != NULL &&
	    strcmp(ns.acked_by, "alice on pts/1") == 0, "ack: the store has when and who");
	notify_state_clear(&ns);
	ok(i >= 0 && notify_ack(st, &rep.v[i], "bob", NOW + 2 * DAY + 90, &e) == 1,
	    "ack: a second acknowledgement changes nothing");
	ok(update_at(st, NOW + 4 * DAY, &queued) == 0 && queued == 0,
	    "ack: acknowledged, two days later no reminder");
	ok(exec(db, "UPDATE certificates SET not_after = not_after + 90 * 86400") == 0,
	    "ack: the certificate is replaced by a longer one");
	ok(update_at(st, NOW + 4 * DAY, &queued) == 0 && queued == 1 &&
	    query_int(db, "SELECT count(*) FROM jobs WHERE kind = 'notify' AND "
	    "json_extract(params, '$.event') = 'clear'") == 1,
	    "ack: its clearing still gets the recovery notice");
	ok(query_int(db, "SELECT count(*) FROM alert_state") == 0,
	    "ack: the cleared condition is forgotten");
	ok(exec(db, "UPDATE certificates SET not_after = not_after - 90 * 86400") == 0 &&
	    update_at(st, NOW + 4 * DAY, &queued) == 0 && queued == 1 &&
	    query_int(db, "SELECT count(*) FROM alert_state WHERE acked_at IS NULL") == 1,
	    "ack: a new condition starts unacknowledged and is told");
	ok(store_notify_remove(st, chan, &e) == 0, "ack: the channel removed");
	i = find(ALERT_EXPIRING, 1);
	ok(i >= 0 && notify_ack(st, &rep.v[i], "alice", NOW + 4 * DAY, &e) == 0 &&
	    update_at(st, NOW + 4 * DAY, &queued) == 0 && queued == 0 &&
	    query_int(db, "SELECT count(*) FROM alert_state WHERE acked_at IS NOT NULL") == 1,
	    "ack: with no channel the acknowledgement stands");
	ok(exec(db, "UPDATE certificates SET status = 'replaced'") == 0 &&
	    update_at(st, NOW + 4 * DAY, &queued) == 0 && queued == 0 &&
	    query_int(db, "SELECT count(*) FROM alert_state") == 0,
	    "ack: with no channel a cleared condition is still forgotten");
	alert_report_clear(&rep);
	sqlite3_close(db);
	store_close(st);
}

int
main(void)
{
	char path[128];

	snprintf(tmp, sizeof(tmp), "/tmp/certdeck-alert-XXXXXX");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("CERTDECK_NOW");
	snprintf(path, sizeof(path), "%s/store.db", tmp);
	test_upgrade(path);
	test_conditions(path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-wal", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-shm", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db", tmp);
	test_ack(path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-wal", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-shm", tmp);
	unlink(path);
	rmdir(tmp);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
