#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_notify.h"
#include "store_sql.h"

void
notify_channel_free(struct notify_channel *c)
{
	if (c == NULL)
		return;
	free(c->type);
	free(c->target);
	free(c->format);
	free(c->ca_bundle);
	free(c->events);
	free(c->mail_from);
	free(c->smtp);
	free(c->smtp_user);
	free(c->password_file);
	free(c->sendmail);
	free(c->conf_name);
	free(c->last_status);
	free(c->last_message);
	free(c);
}

void
notify_channel_list_free(struct notify_channel **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		notify_channel_free(v[i]);
	free(v);
}

#define CHANNEL_COLUMNS "id, type, target, format, ca_bundle, created, last_time, " \
	"last_status, last_message, failures, events, coalesce(min_days, -1), mail_from, " \
	"smtp, smtp_user, password_file, sendmail, conf_name"

/* A row of CHANNEL_COLUMNS as a channel (notify_channel_free), or NULL. */
static void *
channel_from(sqlite3_stmt *s)
{
	struct notify_channel *c = calloc(1, sizeof(*c));
	int oom = 0;

	if (c == NULL)
		return NULL;
	c->id = sqlite3_column_int64(s, 0);
	c->type = store_col_text(s, 1, &oom);
	c->target = store_col_text(s, 2, &oom);
	c->format = store_col_text(s, 3, &oom);
	c->ca_bundle = store_col_text(s, 4, &oom);
	c->created = sqlite3_column_int64(s, 5);
	c->last_time = sqlite3_column_int64(s, 6);
	c->last_status = store_col_text(s, 7, &oom);
	c->last_message = store_col_text(s, 8, &oom);
	c->failures = sqlite3_column_int(s, 9);
	c->events = store_col_text(s, 10, &oom);
	c->min_days = sqlite3_column_int(s, 11);
	c->mail_from = store_col_text(s, 12, &oom);
	c->smtp = store_col_text(s, 13, &oom);
	c->smtp_user = store_col_text(s, 14, &oom);
	c->password_file = store_col_text(s, 15, &oom);
	c->sendmail = store_col_text(s, 16, &oom);
	c->conf_name = store_col_text(s, 17, &oom);
	if (oom || c->type == NULL || c->target == NULL) {
		notify_channel_free(c);
		return NULL;
	}
	return c;
}

int
store_notify_add(struct store *st, const struct notify_channel *c, int64_t *id,
    struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT INTO notify_channels (type, target, format, ca_bundle, "
	    "created, events, min_days, mail_from, smtp, smtp_user, password_file, sendmail, "
	    "conf_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", e);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, c->type);
	store_bind_text(s, 2, c->target);
	store_bind_text(s, 3, c->format);
	store_bind_text(s, 4, c->ca_bundle);
	sqlite3_bind_int64(s, 5, store_now());
	store_bind_text(s, 6, c->events);
	if (c->min_days >= 0)
		sqlite3_bind_int(s, 7, c->min_days);
	else
		sqlite3_bind_null(s, 7);
	store_bind_text(s, 8, c->mail_from);
	store_bind_text(s, 9, c->smtp);
	store_bind_text(s, 10, c->smtp_user);
	store_bind_text(s, 11, c->password_file);
	store_bind_text(s, 12, c->sendmail);
	store_bind_text(s, 13, c->conf_name);
	if (store_step_done(st, s, _("adding a notification channel"), e) != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
store_notify_update(struct store *st, int64_t id, const struct notify_channel *c,
    struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE notify_channels SET type = ?2, target = ?3, format = ?4, "
	    "ca_bundle = ?5, events = ?6, min_days = ?7, mail_from = ?8, smtp = ?9, "
	    "smtp_user = ?10, password_file = ?11, sendmail = ?12 WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, c->type);
	store_bind_text(s, 3, c->target);
	store_bind_text(s, 4, c->format);
	store_bind_text(s, 5, c->ca_bundle);
	store_bind_text(s, 6, c->events);
	if (c->min_days >= 0)
		sqlite3_bind_int(s, 7, c->min_days);
	store_bind_text(s, 8, c->mail_from);
	store_bind_text(s, 9, c->smtp);
	store_bind_text(s, 10, c->smtp_user);
	store_bind_text(s, 11, c->password_file);
	store_bind_text(s, 12, c->sendmail);
	return store_step_done(st, s, _("updating a notification channel"), e);
}

int
store_notify_remove(struct store *st, int64_t id, struct err *e)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM notify_channels WHERE id = ?1", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (store_step_done(st, s, _("removing a notification channel"), e) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) > 0 ? 0 : 1;
}

int
store_notify_get(struct store *st, int64_t id, struct notify_channel **out, struct err *e)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " CHANNEL_COLUMNS " FROM notify_channels "
	    "WHERE id = ?1", e);

	*out = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return store_fetch(st, s, channel_from, (void **)out, _("reading a notification channel"),
	    e);
}

int
store_notify_list(struct store *st, struct notify_channel ***out, size_t *n, struct err *e)
{
	struct notify_channel **v = NULL, **grown, *c;
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = store_stmt(st, "SELECT " CHANNEL_COLUMNS " FROM notify_channels ORDER BY id", e);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((grown = realloc(v, cap * sizeof(*v))) == NULL)
				goto oom;
			v = grown;
		}
		if ((c = channel_from(s)) == NULL)
			goto oom;
		v[(*n)++] = c;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		notify_channel_list_free(v, *n);
		*n = 0;
		return store_error(st, e, _("listing notification channels"));
	}
	*out = v;
	return 0;
oom:
	sqlite3_reset(s);
	notify_channel_list_free(v, *n);
	*n = 0;
	return err_nomem(e);
}

int
store_notify_result(struct store *st, int64_t id, int ok, const char *message,
    struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE notify_channels SET last_time = ?2, last_status = ?3, "
	    "last_message = ?4, failures = CASE WHEN ?3 = 'ok' THEN 0 ELSE failures + 1 END "
	    "WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, store_now());
	sqlite3_bind_text(s, 3, ok ? "ok" : "failed", -1, SQLITE_STATIC);
	store_bind_text(s, 4, message);
	return store_step_done(st, s, _("recording a notification"), e);
}

void
notify_state_clear(struct notify_state *s)
{
	free(s->message);
	free(s->acked_by);
	memset(s, 0, sizeof(*s));
}

void
notify_state_list_free(struct notify_state *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		notify_state_clear(&v[i]);
	free(v);
}

#define STATE_COLUMNS "kind, subject, started, notified, coalesce(cert_id, 0), message, " \
	"coalesce(acked_at, 0), acked_by, coalesce(job_first, 0), coalesce(job_last, 0)"

/* Copies the current row of STATE_COLUMNS into *out; sets *oom when out of memory. */
static void
state_from(sqlite3_stmt *s, struct notify_state *out, int *oom)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->kind, sizeof(out->kind), "%s", (const char *)sqlite3_column_text(s, 0));
	out->subject = sqlite3_column_int64(s, 1);
	out->started = sqlite3_column_int64(s, 2);
	out->notified = sqlite3_column_int64(s, 3);
	out->cert_id = sqlite3_column_int64(s, 4);
	out->message = store_col_text(s, 5, oom);
	out->acked_at = sqlite3_column_int64(s, 6);
	out->acked_by = store_col_text(s, 7, oom);
	out->job_first = sqlite3_column_int64(s, 8);
	out->job_last = sqlite3_column_int64(s, 9);
}

int
store_notify_states(struct store *st, struct notify_state **out, size_t *n, struct err *e)
{
	struct notify_state *v = NULL, *grown;
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc, oom = 0;

	*out = NULL;
	*n = 0;
	s = store_stmt(st, "SELECT " STATE_COLUMNS " FROM alert_state ORDER BY kind, subject",
	    e);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(v, cap * sizeof(*v))) == NULL) {
				oom = 1;
				break;
			}
			v = grown;
		}
		state_from(s, &v[*n], &oom);
		(*n)++;
		if (oom)
			break;
	}
	sqlite3_reset(s);
	if (oom || rc != SQLITE_DONE) {
		notify_state_list_free(v, *n);
		*n = 0;
		return oom ? err_nomem(e) : store_error(st, e, _("reading notified conditions"));
	}
	*out = v;
	return 0;
}

int
store_notify_state_put(struct store *st, const struct notify_state *n, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT INTO alert_state (kind, subject, started, notified, cert_id, "
	    "message, job_first, job_last) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	    "ON CONFLICT (kind, subject) DO UPDATE SET notified = excluded.notified, "
	    "message = excluded.message, job_first = excluded.job_first, "
	    "job_last = excluded.job_last", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, n->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, n->subject);
	sqlite3_bind_int64(s, 3, n->started);
	sqlite3_bind_int64(s, 4, n->notified);
	store_bind_id(s, 5, n->cert_id);
	store_bind_text(s, 6, n->message);
	store_bind_id(s, 7, n->job_first);
	store_bind_id(s, 8, n->job_last);
	return store_step_done(st, s, _("recording a notified condition"), e);
}

int
store_notify_state_clear(struct store *st, const char *kind, int64_t subject, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "DELETE FROM alert_state WHERE kind = ?1 AND subject = ?2", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, subject);
	return store_step_done(st, s, _("clearing a notified condition"), e);
}

int
store_notify_ack(struct store *st, const struct notify_state *n, const char *actor,
    struct err *e)
{
	sqlite3_stmt *s;

	/* An acknowledgement stands until the row goes (the condition clears). */
	s = store_stmt(st, "INSERT INTO alert_state (kind, subject, started, notified, cert_id, "
	    "message, acked_at, acked_by) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (kind, subject) DO UPDATE SET acked_at = excluded.acked_at, "
	    "acked_by = excluded.acked_by WHERE acked_at IS NULL", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, n->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, n->subject);
	sqlite3_bind_int64(s, 3, n->started);
	store_bind_id(s, 4, n->cert_id);
	store_bind_text(s, 5, n->message);
	sqlite3_bind_int64(s, 6, n->acked_at);
	store_bind_text(s, 7, actor);
	if (store_step_done(st, s, _("acknowledging an alert"), e) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) > 0 ? 0 : 1;
}

int
store_notify_state_get(struct store *st, const char *kind, int64_t subject,
    struct notify_state *out, struct err *e)
{
	sqlite3_stmt *s;
	int rc, oom = 0;

	memset(out, 0, sizeof(*out));
	s = store_stmt(st, "SELECT " STATE_COLUMNS " FROM alert_state WHERE kind = ?1 AND "
	    "subject = ?2", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, subject);
	if ((rc = store_step_row(st, s, _("reading notified conditions"), e)) != 0)
		return rc;
	state_from(s, out, &oom);
	sqlite3_reset(s);
	if (oom) {
		notify_state_clear(out);
		return err_nomem(e);
	}
	return 0;
}

int
store_notify_deliveries(struct store *st, int64_t first, int64_t last,
    int (*cb)(const struct notify_delivery *d, void *arg), void *arg, struct err *e)
{
	struct notify_delivery d;
	sqlite3_stmt *s;
	int rc, stop = 0;

	/* A primary key range: a notice has one job per channel. */
	s = store_stmt(st, "SELECT j.id, j.target_id, c.type, j.state, j.attempt, "
	    "json_extract(j.last_error, '$.message'), coalesce(j.updated, j.created) "
	    "FROM jobs j LEFT JOIN notify_channels c ON c.id = j.target_id "
	    "WHERE j.id BETWEEN ?1 AND ?2 AND j.kind = 'notify' ORDER BY j.id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, first);
	sqlite3_bind_int64(s, 2, last);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.job_id = sqlite3_column_int64(s, 0);
		d.channel_id = sqlite3_column_int64(s, 1);
		d.type = (const char *)sqlite3_column_text(s, 2);
		d.state = (const char *)sqlite3_column_text(s, 3);
		d.attempt = sqlite3_column_int(s, 4);
		d.error = (const char *)sqlite3_column_text(s, 5);
		d.updated = sqlite3_column_int64(s, 6);
		if ((stop = cb(&d, arg)) != 0)
			break;
	}
	sqlite3_reset(s);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : store_error(st, e, _("reading notification deliveries"));
}
