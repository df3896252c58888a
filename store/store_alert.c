#include "config.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "store_alert.h"
#include "store_sql.h"

/* The columns mon_from reads, from certificates c. */
/* Managed: certdeck renews it, through an ACME order or over SCEP. */
#define MON_HEAD "c.id, c.name, c.subject, c.issuer_cn, c.serial, c.status, " \
	"c.not_before, c.not_after, coalesce(c.renew_at, 0), " \
	"(c.order_id IS NOT NULL OR coalesce(c.source IN ('scep', 'est'), 0)), " \
	"coalesce(c.alert_days, -1), "
#define MON_COLUMNS MON_HEAD "coalesce(c.revoked_at, 0), coalesce(c.revocation_reason, -1)"
/* The same, for a certificate its CA revoked (revocation_status r says so). */
#define MON_COLUMNS_BY_CA MON_HEAD "coalesce(r.revoked_at, 0), coalesce(r.reason, -1)"
#define MON_N 13

static const char *
text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Borrows the current row of s (MON_COLUMNS first) into *c. */
static void
mon_from(sqlite3_stmt *s, struct mon_cert *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	c->name = text(s, 1);
	c->subject = text(s, 2);
	c->issuer_cn = text(s, 3);
	c->serial = text(s, 4);
	c->status = text(s, 5);
	c->not_before = sqlite3_column_int64(s, 6);
	c->not_after = sqlite3_column_int64(s, 7);
	c->renew_at = sqlite3_column_int64(s, 8);
	c->managed = sqlite3_column_int(s, 9);
	c->alert_days = sqlite3_column_int(s, 10);
	c->revoked_at = sqlite3_column_int64(s, 11);
	c->revocation_reason = sqlite3_column_int(s, 12);
}

/* Steps s to the end, handing each row to cb. Returns 0, cb's value, or -1. */
static int
each_cert(struct store *st, sqlite3_stmt *s, int with_renewal,
    int (*cb)(const struct mon_cert *c, void *arg), void *arg, const char *what,
    struct err *e)
{
	struct mon_cert c;
	int rc, stop = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		mon_from(s, &c);
		if (with_renewal) {
			c.last_renewal = text(s, MON_N);
			c.last_renewal_at = sqlite3_column_int64(s, MON_N + 1);
		}
		if ((stop = cb(&c, arg)) != 0)
			break;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : store_error(st, e, what);
}

int
store_alert_expiring(struct store *st, long long now, int default_days,
    int (*cb)(const struct mon_cert *c, void *arg), void *arg, struct err *e)
{
	sqlite3_stmt *s;
	long long horizon = default_days;
	int rc;

	/* The widest threshold bounds the range scan (a partial index answers max()). */
	s = store_stmt(st, "SELECT max(alert_days) FROM certificates "
	    "WHERE alert_days IS NOT NULL", e);
	if (s == NULL)
		return -1;
	if ((rc = store_step_row(st, s, _("reading expiry thresholds"), e)) == -1)
		return -1;
	if (rc == 0) {
		if (sqlite3_column_type(s, 0) != SQLITE_NULL &&
		    sqlite3_column_int64(s, 0) > horizon)
			horizon = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	/*
	 * "Scheduled": certdeck renews it (an order, or SCEP) and its renewal is not
	 * yet due, or a renewal job for it is queued or running and has not
	 * failed yet.
	 */
	s = store_stmt(st, "SELECT " MON_COLUMNS " FROM certificates c "
	    "INDEXED BY certificates_status "
	    "WHERE c.status = 'valid' AND c.not_after <= ?1 + ?3 * 86400 AND c.kind <> 'ca' "
	    "AND c.not_after <= ?1 + coalesce(c.alert_days, ?2) * 86400 "
	    "AND NOT ((c.order_id IS NOT NULL OR coalesce(c.source IN ('scep', 'est'), 0)) AND "
	    "c.renew_at > ?1 AND c.renew_at < c.not_after) "
	    "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'renew' AND "
	    "j.target_id = c.id AND j.state IN ('queued', 'running') AND j.attempt = 0) "
	    "ORDER BY c.not_after, c.id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, default_days);
	sqlite3_bind_int64(s, 3, horizon);
	return each_cert(st, s, 0, cb, arg, _("finding expiring certificates"), e);
}

int
store_alert_revoked(struct store *st, long long now,
    int (*cb)(const struct mon_cert *c, void *arg), void *arg, struct err *e)
{
	sqlite3_stmt *s;

	/* Revoked through certdeck, or found revoked in its CA's CRL or OCSP answer. */
	s = store_stmt(st, "SELECT " MON_COLUMNS " FROM certificates c "
	    "INDEXED BY certificates_status "
	    "WHERE c.status = 'revoked' AND c.not_after > ?1 AND c.replaced_by IS NULL "
	    "AND c.kind <> 'ca' "
	    "UNION ALL SELECT " MON_COLUMNS_BY_CA " FROM revocation_status r "
	    "JOIN certificates c ON c.id = r.cert_id "
	    "WHERE r.state = 'revoked' AND c.status != 'revoked' AND c.not_after > ?1 "
	    "AND c.replaced_by IS NULL AND c.kind <> 'ca' ORDER BY 8, 1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return each_cert(st, s, 0, cb, arg, _("finding revoked certificates"), e);
}

int
store_alert_jobs(struct store *st, int attempts,
    int (*cb)(const struct mon_job *j, void *arg), void *arg, struct err *e)
{
	struct mon_job j;
	sqlite3_stmt *s;
	int rc, stop = 0;

	/*
	 * Every arm starts from the jobs_state index (failed jobs, queued
	 * ones: few in a healthy store), never from all the renew jobs
	 * that jobs_target would walk.
	 */
	s = store_stmt(st, "SELECT j.id, j.kind, j.state, j.attempt, j.last_error, j.updated, "
	    "c.id, c.name FROM jobs j INDEXED BY jobs_state "
	    "JOIN certificates c ON c.id = j.target_id "
	    "WHERE j.state = 'failed' AND j.kind = 'renew' AND c.status = 'valid' "
	    "AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.kind = 'renew' AND "
	    "k.target_id = j.target_id AND k.state = 'done' AND k.id > j.id) "
	    "UNION ALL "
	    "SELECT j.id, j.kind, j.state, j.attempt, j.last_error, j.updated, 0, "
	    "json_extract(o.identifiers, '$[0].value') FROM jobs j INDEXED BY jobs_state "
	    "LEFT JOIN orders o ON o.id = j.target_id "
	    "WHERE j.state = 'failed' AND j.kind = 'issue' AND o.cert_id IS NULL "
	    "AND NOT EXISTS (SELECT 1 FROM orders p JOIN jobs k ON k.kind = 'issue' AND "
	    "k.target_id = p.id AND k.state = 'done' WHERE p.id > o.id AND "
	    "p.identifiers = o.identifiers) "
	    "UNION ALL "
	    "SELECT j.id, j.kind, j.state, j.attempt, j.last_error, j.updated, "
	    "CASE WHEN j.kind = 'renew' THEN j.target_id ELSE 0 END, "
	    "CASE WHEN j.kind = 'renew' THEN (SELECT name FROM certificates "
	    "WHERE id = j.target_id) ELSE (SELECT json_extract(identifiers, '$[0].value') "
	    "FROM orders WHERE id = j.target_id) END FROM jobs j INDEXED BY jobs_state "
	    "WHERE j.state = 'queued' AND j.kind IN ('issue', 'renew') AND j.attempt >= ?1 "
	    "AND j.last_error IS NOT NULL "
	    "ORDER BY 1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, attempts);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&j, 0, sizeof(j));
		j.id = sqlite3_column_int64(s, 0);
		j.kind = text(s, 1);
		j.state = text(s, 2);
		j.attempt = sqlite3_column_int(s, 3);
		j.last_error = text(s, 4);
		j.updated = sqlite3_column_int64(s, 5);
		j.cert_id = sqlite3_column_int64(s, 6);
		j.name = text(s, 7);
		if ((stop = cb(&j, arg)) != 0)
			break;
	}
	sqlite3_reset(s);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : store_error(st, e, _("finding failed jobs"));
}

int
store_alert_summary(struct store *st, long long now, struct mon_summary *out,
    struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	s = store_stmt(st, "SELECT count(*) FROM certificates INDEXED BY certificates_status "
	    "WHERE status IN ('failed', 'revoked', 'valid') AND kind <> 'ca'", e);
	if (s == NULL)
		return -1;
	if ((rc = store_step_row(st, s, _("counting certificates"), e)) == -1)
		return -1;
	if (rc == 0) {
		out->certificates = (long)sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	s = store_stmt(st, "SELECT id, name, not_after FROM certificates "
	    "INDEXED BY certificates_status WHERE status = 'valid' AND not_after > ?1 "
	    "AND kind <> 'ca' ORDER BY not_after, id LIMIT 1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	if ((rc = store_step_row(st, s, _("finding the next expiry"), e)) == -1)
		return -1;
	if (rc == 0) {
		out->next_id = sqlite3_column_int64(s, 0);
		snprintf(out->next_name, sizeof(out->next_name), "%s",
		    text(s, 1) != NULL ? text(s, 1) : "");
		out->next_not_after = sqlite3_column_int64(s, 2);
		sqlite3_reset(s);
	}
	return 0;
}

int
store_alert_certs(struct store *st, int (*cb)(const struct mon_cert *c, void *arg),
    void *arg, struct err *e)
{
	sqlite3_stmt *s;

	/*
	 * The last renewal: the newest finished renew job that targeted it,
	 * else the one that produced it (a certificate renewed into).
	 */
	s = store_stmt(st, "SELECT " MON_COLUMNS ", coalesce(t.state, p.state), "
	    "coalesce(t.updated, p.updated, 0) FROM certificates c "
	    "LEFT JOIN jobs t ON t.id = (SELECT id FROM jobs WHERE kind = 'renew' AND "
	    "target_id = c.id AND state IN ('done', 'failed') ORDER BY id DESC LIMIT 1) "
	    "LEFT JOIN jobs p ON p.id = (SELECT id FROM jobs WHERE result_id = c.id AND "
	    "kind = 'renew' AND state = 'done' ORDER BY id DESC LIMIT 1) "
	    "WHERE c.status IN ('failed', 'revoked', 'valid') AND c.kind <> 'ca' ORDER BY c.id", e);
	if (s == NULL)
		return -1;
	return each_cert(st, s, 1, cb, arg, _("listing certificates"), e);
}

int
store_alert_job_counts(struct store *st,
    int (*cb)(const char *kind, const char *state, long n, void *arg), void *arg,
    struct err *e)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	s = store_stmt(st, "SELECT kind, state, count(*) FROM jobs GROUP BY kind, state "
	    "ORDER BY kind, state", e);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((stop = cb(text(s, 0), text(s, 1), (long)sqlite3_column_int64(s, 2),
		    arg)) != 0)
			break;
	sqlite3_reset(s);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : store_error(st, e, _("counting jobs"));
}

int
store_cert_set_alert_days(struct store *st, int64_t id, int days, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE certificates SET alert_days = ?2 WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (days >= 0)
		sqlite3_bind_int(s, 2, days);
	else
		sqlite3_bind_null(s, 2);
	if (store_step_done(st, s, _("setting an expiry threshold"), e) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) > 0 ? 0 : 1;
}

int
store_alert_managed_any(struct store *st, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	s = store_stmt(st, "SELECT 1 FROM certificates INDEXED BY certificates_order "
	    "WHERE order_id IS NOT NULL LIMIT 1", e);
	if (s == NULL)
		return -1;
	rc = store_step_row(st, s, _("looking for renewed certificates"), e);
	if (rc == 0)
		sqlite3_reset(s);
	if (rc != 1)
		return rc == -1 ? -1 : 1;
	/* No order: SCEP certificates are renewed too. */
	s = store_stmt(st, "SELECT 1 FROM certificates WHERE source IN ('scep', 'est') LIMIT 1", e);
	if (s == NULL)
		return -1;
	rc = store_step_row(st, s, _("looking for renewed certificates"), e);
	if (rc == 0)
		sqlite3_reset(s);
	return rc == -1 ? -1 : rc == 0 ? 1 : 0;
}

int
store_alert_channels_failing(struct store *st, int failures,
    int (*cb)(int64_t id, const char *type, int failures, const char *last, void *arg),
    void *arg, struct err *e)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	s = store_stmt(st, "SELECT id, type, failures, last_message FROM notify_channels "
	    "WHERE failures >= ?1 ORDER BY id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, failures);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((stop = cb(sqlite3_column_int64(s, 0), text(s, 1), sqlite3_column_int(s, 2),
		    text(s, 3), arg)) != 0)
			break;
	sqlite3_reset(s);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : store_error(st, e, _("finding failing channels"));
}

int
store_alert_failed_jobs(struct store *st, long max, long *n, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	s = store_stmt(st, "SELECT count(*) FROM (SELECT 1 FROM jobs INDEXED BY jobs_state "
	    "WHERE state = 'failed' LIMIT ?1)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, max);
	if ((rc = store_step_row(st, s, _("counting failed jobs"), e)) == -1)
		return -1;
	if (rc == 0) {
		*n = (long)sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return 0;
}
