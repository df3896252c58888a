#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_revocation.h"
#include "store_sql.h"

static const char *const state_names[REVOCATION_STATE_COUNT] = {
	[REVOCATION_GOOD] = "good", [REVOCATION_REVOKED] = "revoked",
	[REVOCATION_UNKNOWN] = "unknown",
};

const char *
store_revocation_state_name(enum revocation_state s)
{
	return (unsigned)s < REVOCATION_STATE_COUNT ? state_names[s] : "unknown";
}

static enum revocation_state
state_parse(const unsigned char *s)
{
	int i;

	for (i = 0; s != NULL && i < REVOCATION_STATE_COUNT; i++)
		if (strcmp((const char *)s, state_names[i]) == 0)
			return (enum revocation_state)i;
	return REVOCATION_UNKNOWN;
}

int
store_revocation_put(struct store *st, const struct revocation_row *r, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT OR REPLACE INTO revocation_status (cert_id, state, method, "
	    "source_url, reason, revoked_at, detail, checked_at, next_check) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->cert_id);
	sqlite3_bind_text(s, 2, store_revocation_state_name(r->state), -1, SQLITE_STATIC);
	store_bind_text(s, 3, r->method[0] != '\0' ? r->method : NULL);
	store_bind_text(s, 4, r->source_url[0] != '\0' ? r->source_url : NULL);
	if (r->state == REVOCATION_REVOKED && r->reason >= 0)
		sqlite3_bind_int(s, 5, r->reason);
	if (r->state == REVOCATION_REVOKED && r->revoked_at > 0)
		sqlite3_bind_int64(s, 6, r->revoked_at);
	store_bind_text(s, 7, r->detail[0] != '\0' ? r->detail : NULL);
	sqlite3_bind_int64(s, 8, r->checked_at);
	sqlite3_bind_int64(s, 9, r->next_check);
	if (store_step_done(st, s, _("recording a revocation status"), e) != 0)
		return -1;
	if (r->state != REVOCATION_REVOKED)
		return 0;
	s = store_stmt(st, "UPDATE certificates SET renew_at = ?2 WHERE id = ?1 AND "
	    "(order_id IS NOT NULL OR coalesce(source IN ('scep', 'est'), 0)) AND status = 'valid' AND "
	    "coalesce(renew_at, ?2 + 1) > ?2", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->cert_id);
	sqlite3_bind_int64(s, 2, r->checked_at);
	return store_step_done(st, s, _("making a revoked certificate due for renewal"), e);
}

static void
copy_col(char *dst, size_t n, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(dst, n, "%s", t != NULL ? (const char *)t : "");
}

int
store_revocation_get(struct store *st, int64_t cert_id, struct revocation_row *out,
    struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	s = store_stmt(st, "SELECT state, method, source_url, coalesce(reason, -1), "
	    "coalesce(revoked_at, 0), detail, checked_at, next_check "
	    "FROM revocation_status WHERE cert_id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cert_id);
	if ((rc = store_step_row(st, s, _("reading a revocation status"), e)) != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->cert_id = cert_id;
	out->state = state_parse(sqlite3_column_text(s, 0));
	copy_col(out->method, sizeof(out->method), s, 1);
	copy_col(out->source_url, sizeof(out->source_url), s, 2);
	out->reason = sqlite3_column_int(s, 3);
	out->revoked_at = sqlite3_column_int64(s, 4);
	copy_col(out->detail, sizeof(out->detail), s, 5);
	out->checked_at = sqlite3_column_int64(s, 6);
	out->next_check = sqlite3_column_int64(s, 7);
	sqlite3_reset(s);
	return 0;
}

int
store_revocation_due(struct store *st, long long now, int64_t *ids, size_t max,
    struct err *e)
{
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	s = store_stmt(st, "SELECT c.id FROM certificates c "
	    "LEFT JOIN revocation_status r ON r.cert_id = c.id "
	    "WHERE c.replaced_by IS NULL AND c.status = 'valid' AND c.not_after > ?1 "
	    "AND c.kind <> 'ca' "
	    "AND (r.cert_id IS NULL OR r.next_check <= ?1) ORDER BY c.id LIMIT ?2", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < max)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("finding certificates to check for revocation"));
	return (int)n;
}

int
store_revocation_expire_all(struct store *st, long long now, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE revocation_status SET next_check = ?1 WHERE next_check > ?1",
	    e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return store_step_done(st, s, _("making revocation checks due"), e);
}

int
store_crl_get(struct store *st, const char *url, struct crl_entry *out, struct err *e)
{
	sqlite3_stmt *s;
	const void *blob;
	int rc, n;

	s = store_stmt(st, "SELECT der, coalesce(this_update, 0), coalesce(next_update, 0), "
	    "fetched_at FROM crl_cache WHERE url = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, url, -1, SQLITE_TRANSIENT);
	if ((rc = store_step_row(st, s, _("reading a cached CRL"), e)) != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	blob = sqlite3_column_blob(s, 0);
	n = sqlite3_column_bytes(s, 0);
	if (n > 0 && (out->der = malloc((size_t)n)) == NULL) {
		sqlite3_reset(s);
		return err_nomem(e);
	}
	if (n > 0)
		memcpy(out->der, blob, (size_t)n);
	out->der_len = (size_t)n;
	out->this_update = sqlite3_column_int64(s, 1);
	out->next_update = sqlite3_column_int64(s, 2);
	out->fetched_at = sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	return 0;
}

int
store_crl_put(struct store *st, const char *url, const struct crl_entry *c, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT OR REPLACE INTO crl_cache (url, der, this_update, "
	    "next_update, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 2, c->der, (int)c->der_len, SQLITE_TRANSIENT);
	if (c->this_update > 0)
		sqlite3_bind_int64(s, 3, c->this_update);
	if (c->next_update > 0)
		sqlite3_bind_int64(s, 4, c->next_update);
	sqlite3_bind_int64(s, 5, c->fetched_at);
	return store_step_done(st, s, _("caching a CRL"), e);
}
