#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_endpoint.h"
#include "store_sql.h"

static const char *const state_names[EP_STATE_COUNT] = {
	[EP_OK] = "ok", [EP_EXPIRING] = "expiring", [EP_STALE] = "stale",
	[EP_UNKNOWN] = "unknown", [EP_UNTRUSTED] = "untrusted-chain",
	[EP_NAME_MISMATCH] = "name-mismatch", [EP_UNREACHABLE] = "unreachable",
	[EP_REVOKED] = "revoked",
};

const char *
store_endpoint_state_name(enum endpoint_state s)
{
	return (unsigned)s < EP_STATE_COUNT ? state_names[s] : "unreachable";
}

int
store_endpoint_state_parse(const char *name, enum endpoint_state *out)
{
	int i;

	for (i = 0; name != NULL && i < EP_STATE_COUNT; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum endpoint_state)i;
			return 0;
		}
	return -1;
}

void
endpoint_row_free(struct endpoint_row *r)
{
	if (r == NULL)
		return;
	free(r->host);
	free(r->sni);
	free(r->starttls);
	free(r->fingerprint);
	free(r->protocol);
	free(r->cipher);
	free(r->message);
	free(r);
}

void
endpoint_list_free(struct endpoint_row **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		endpoint_row_free(list[i]);
	free(list);
}

#define EP_COLUMNS "id, cert_id, host, port, sni, starttls, created, checked, state, " \
	"fingerprint, served_cert_id, served_not_after, protocol, cipher, message, state_since"

static int
row_read(sqlite3_stmt *s, struct endpoint_row **out, struct err *e)
{
	struct endpoint_row *r;
	const char *state;
	int oom = 0;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_nomem(e);
	r->id = sqlite3_column_int64(s, 0);
	r->cert_id = sqlite3_column_int64(s, 1);
	r->host = store_col_text(s, 2, &oom);
	r->port = sqlite3_column_int(s, 3);
	r->sni = store_col_text(s, 4, &oom);
	r->starttls = store_col_text(s, 5, &oom);
	r->created = sqlite3_column_int64(s, 6);
	r->checked = sqlite3_column_int64(s, 7);
	state = (const char *)sqlite3_column_text(s, 8);
	r->has_state = state != NULL && store_endpoint_state_parse(state, &r->state) == 0;
	r->fingerprint = store_col_text(s, 9, &oom);
	r->served_cert_id = sqlite3_column_int64(s, 10);
	r->served_not_after = sqlite3_column_int64(s, 11);
	r->protocol = store_col_text(s, 12, &oom);
	r->cipher = store_col_text(s, 13, &oom);
	r->message = store_col_text(s, 14, &oom);
	r->state_since = sqlite3_column_int64(s, 15);
	if (oom || r->host == NULL) {
		endpoint_row_free(r);
		return oom ? err_nomem(e) : err_set(e, ERR_STORE, "%s",
		    _("an endpoint row has no host"));
	}
	*out = r;
	return 0;
}

/* 1 when certificate id exists, 0 when not, -1 on error. */
static int
cert_exists(struct store *st, int64_t id, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, "SELECT 1 FROM certificates WHERE id = ?1", e)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = store_step_row(st, s, _("cannot look up a certificate"), e);
	if (rc == 0)
		sqlite3_reset(s);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

/* The id of the endpoint at host, port and sni, 0 when none, -1 on error. */
static int64_t
find_same(struct store *st, const struct endpoint_row *r, struct err *e)
{
	sqlite3_stmt *s;
	int64_t id;
	int rc;

	s = store_stmt(st, "SELECT id FROM endpoints WHERE host = ?1 AND port = ?2 AND "
	    "IFNULL(sni, '') = IFNULL(?3, '')", e);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, r->host);
	sqlite3_bind_int(s, 2, r->port);
	store_bind_text(s, 3, r->sni);
	rc = store_step_row(st, s, _("cannot look up an endpoint"), e);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

int
store_endpoint_add(struct store *st, const struct endpoint_row *r, int64_t *id_out,
    struct err *e)
{
	sqlite3_stmt *s;
	int64_t same;
	int rc;

	if (r->host == NULL || r->host[0] == '\0' || r->port < 1 || r->port > 65535)
		return err_set(e, ERR_USAGE, "%s", _("an endpoint needs a host and a port"));
	if ((rc = cert_exists(st, r->cert_id, e)) != 1) {
		if (rc == 0) {
			err_set(e, ERR_USAGE, _("no certificate #%lld"), (long long)r->cert_id);
			return 1;
		}
		return -1;
	}
	if ((same = find_same(st, r, e)) != 0) {
		if (same > 0)
			err_set(e, ERR_INPUT, _("%s:%d%s%s is already endpoint #%lld"), r->host,
			    r->port, r->sni != NULL ? _(" with server name ") : "",
			    r->sni != NULL ? r->sni : "", (long long)same);
		return -1;
	}
	s = store_stmt(st, "INSERT INTO endpoints (cert_id, host, port, sni, starttls, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->cert_id);
	store_bind_text(s, 2, r->host);
	sqlite3_bind_int(s, 3, r->port);
	store_bind_text(s, 4, r->sni);
	store_bind_text(s, 5, r->starttls);
	sqlite3_bind_int64(s, 6, store_now());
	if (store_step_done(st, s, _("cannot store an endpoint"), e) != 0)
		return -1;
	*id_out = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
store_endpoint_list(struct store *st, int64_t cert_id, struct endpoint_row ***out,
    size_t *n, struct err *e)
{
	struct endpoint_row **list = NULL, **grown, *r;
	sqlite3_stmt *s;
	size_t cap = 0, count = 0;
	int rc, ret = -1;

	*out = NULL;
	*n = 0;
	s = store_stmt(st, "SELECT " EP_COLUMNS " FROM endpoints "
	    "WHERE ?1 = 0 OR cert_id = ?1 ORDER BY id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cert_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			if ((grown = realloc(list, cap * sizeof(*grown))) == NULL) {
				err_nomem(e);
				goto out;
			}
			list = grown;
		}
		if (row_read(s, &r, e) != 0)
			goto out;
		list[count++] = r;
	}
	if (rc != SQLITE_DONE) {
		store_error(st, e, _("cannot read the endpoints"));
		goto out;
	}
	*out = list;
	*n = count;
	list = NULL;
	count = 0;
	ret = 0;
out:
	sqlite3_reset(s);
	endpoint_list_free(list, count);
	return ret;
}

int
store_endpoint_get(struct store *st, int64_t id, struct endpoint_row **out, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	s = store_stmt(st, "SELECT " EP_COLUMNS " FROM endpoints WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = store_step_row(st, s, _("cannot read an endpoint"), e);
	if (rc == 1) {
		err_set(e, ERR_INPUT, _("no endpoint #%lld"), (long long)id);
		return 1;
	}
	if (rc != 0)
		return -1;
	rc = row_read(s, out, e);
	sqlite3_reset(s);
	return rc;
}

int
store_endpoint_remove(struct store *st, int64_t id, struct err *e)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, "DELETE FROM endpoints WHERE id = ?1", e)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (store_step_done(st, s, _("cannot remove an endpoint"), e) != 0)
		return -1;
	if (sqlite3_changes(store_db(st)) > 0)
		return 0;
	err_set(e, ERR_INPUT, _("no endpoint #%lld"), (long long)id);
	return 1;
}

int
store_endpoint_record(struct store *st, int64_t id, const struct endpoint_row *r,
    struct err *e)
{
	sqlite3_stmt *s;

	/* state_since moves only when the state changes (read before the SET applies). */
	s = store_stmt(st, "UPDATE endpoints SET checked = ?2, state = ?3, fingerprint = ?4, "
	    "served_cert_id = ?5, served_not_after = ?6, protocol = ?7, cipher = ?8, "
	    "message = ?9, state_since = CASE WHEN state IS ?3 AND state_since IS NOT NULL "
	    "THEN state_since ELSE ?2 END, cert_id = IFNULL(?10, cert_id) WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, r->checked);
	sqlite3_bind_text(s, 3, store_endpoint_state_name(r->state), -1, SQLITE_STATIC);
	store_bind_text(s, 4, r->fingerprint);
	store_bind_id(s, 5, r->served_cert_id);
	if (r->served_not_after > 0)
		sqlite3_bind_int64(s, 6, r->served_not_after);
	else
		sqlite3_bind_null(s, 6);
	store_bind_text(s, 7, r->protocol);
	store_bind_text(s, 8, r->cipher);
	store_bind_text(s, 9, r->message);
	store_bind_id(s, 10, r->cert_id);
	if (store_step_done(st, s, _("cannot record an endpoint's check"), e) != 0)
		return -1;
	if (sqlite3_changes(store_db(st)) > 0)
		return 0;
	err_set(e, ERR_INPUT, _("no endpoint #%lld"), (long long)id);
	return 1;
}

int
store_endpoint_drift(struct store *st, int (*cb)(const struct endpoint_drift *d, void *arg),
    void *arg, struct err *e)
{
	struct endpoint_drift d;
	sqlite3_stmt *s;
	int rc, ret = 0;

	s = store_stmt(st, "SELECT e.id, e.cert_id, c.name, e.host, e.port, e.sni, e.state, "
	    "e.state_since, e.message FROM endpoints e JOIN certificates c ON c.id = e.cert_id "
	    "WHERE e.state IS NOT NULL AND e.state NOT IN ('ok', 'expiring') ORDER BY e.id", e);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(s, 0);
		d.cert_id = sqlite3_column_int64(s, 1);
		d.cert_name = (const char *)sqlite3_column_text(s, 2);
		d.host = (const char *)sqlite3_column_text(s, 3);
		d.port = sqlite3_column_int(s, 4);
		d.sni = (const char *)sqlite3_column_text(s, 5);
		if (store_endpoint_state_parse((const char *)sqlite3_column_text(s, 6),
		    &d.state) != 0)
			continue;
		d.since = sqlite3_column_int64(s, 7);
		d.message = (const char *)sqlite3_column_text(s, 8);
		if (d.cert_name == NULL)
			d.cert_name = "?";
		if (d.host == NULL)
			continue;
		if ((ret = cb(&d, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store_error(st, e, _("cannot read the endpoints' drift"));
	sqlite3_reset(s);
	return ret;
}

int
store_endpoint_each(struct store *st, size_t max,
    int (*cb)(const struct endpoint_row *r, const char *cert_name, void *arg), void *arg,
    struct err *e)
{
	struct endpoint_row *r;
	sqlite3_stmt *s;
	int rc, ret = 0;

	/*
	 * Worst first (the order of enum endpoint_state, reversed), then the
	 * endpoints never checked, then those that are fine; by id within.
	 */
	s = store_stmt(st, "SELECT e.id, e.cert_id, e.host, e.port, e.sni, e.starttls, "
	    "e.created, e.checked, e.state, e.fingerprint, e.served_cert_id, "
	    "e.served_not_after, e.protocol, e.cipher, e.message, e.state_since, c.name "
	    "FROM endpoints e JOIN certificates c ON c.id = e.cert_id ORDER BY CASE e.state "
	    "WHEN 'revoked' THEN -1 WHEN 'unreachable' THEN 0 WHEN 'name-mismatch' THEN 1 "
	    "WHEN 'untrusted-chain' THEN 2 WHEN 'unknown' THEN 3 WHEN 'stale' THEN 4 "
	    "WHEN 'expiring' THEN 5 WHEN 'ok' THEN 7 ELSE 6 END, e.id LIMIT ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, max > 0 && max < INT64_MAX ? (sqlite3_int64)max : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 16);

		if (row_read(s, &r, e) != 0) {
			ret = -1;
			break;
		}
		ret = cb(r, name != NULL ? name : "?", arg);
		endpoint_row_free(r);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = store_error(st, e, _("cannot read the endpoints"));
	sqlite3_reset(s);
	return ret;
}

int
store_endpoint_worst(struct store *st, int64_t cert_id, int *worst, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	/* The enum's order is the verdicts' badness: the CASE maps onto it. */
	s = store_stmt(st, "SELECT count(*), max(CASE state WHEN 'ok' THEN 0 "
	    "WHEN 'expiring' THEN 1 WHEN 'stale' THEN 2 WHEN 'unknown' THEN 3 "
	    "WHEN 'untrusted-chain' THEN 4 WHEN 'name-mismatch' THEN 5 "
	    "WHEN 'unreachable' THEN 6 WHEN 'revoked' THEN 7 END) FROM endpoints "
	    "WHERE cert_id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cert_id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return store_error(st, e, _("cannot read the endpoints"));
	}
	if (sqlite3_column_int64(s, 0) == 0)
		*worst = -1;
	else if (sqlite3_column_type(s, 1) == SQLITE_NULL)
		*worst = EP_STATE_COUNT;
	else
		*worst = sqlite3_column_int(s, 1);
	sqlite3_reset(s);
	return 0;
}
