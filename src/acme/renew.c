#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "acme.h"
#include "i18n.h"
#include "store_sql.h"
#include "issue.h"
#include "renew.h"
#include "store_acme.h"
#include "store_cert.h"
#include "store_deploy.h"

#define ARI_RECHECK_MAX (12 * 3600)	/* RFC 9773: at least twice a day */
#define ARI_NONE_RECHECK (7 * 86400)	/* a CA without ARI may gain it */
#define ARI_ERROR_RECHECK 3600

/* Hex text to bytes. Returns a buffer to free() and *n, or NULL. */
static unsigned char *
unhex(const char *hex, size_t *n)
{
	size_t len = strlen(hex), i;
	unsigned char *b;

	if (len % 2 != 0 || (b = malloc(len / 2 + 2)) == NULL)
		return NULL;
	for (i = 0; i < len / 2; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			free(b);
			return NULL;
		}
		b[i] = (unsigned char)v;
	}
	*n = len / 2;
	return b;
}

/* The ARI certificate ID from the stored AKI and serial (hex). Returns text to free(), or NULL. */
static char *
ari_id(const char *aki_hex, const char *serial_hex)
{
	unsigned char *aki = NULL, *serial = NULL, *der = NULL;
	size_t an = 0, sn = 0;
	char *id = NULL;

	if (aki_hex == NULL || serial_hex == NULL)
		return NULL;
	aki = unhex(aki_hex, &an);
	serial = unhex(serial_hex, &sn);
	if (aki == NULL || serial == NULL || sn == 0)
		goto out;
	/* The DER INTEGER content: a positive serial with its high bit set gets a 0x00. */
	if ((der = malloc(sn + 1)) == NULL)
		goto out;
	if (serial[0] & 0x80) {
		der[0] = 0;
		memcpy(der + 1, serial, sn);
		sn++;
	} else {
		memcpy(der, serial, sn);
	}
	if (acme_ari_cert_id(aki, an, der, sn, &id, NULL) != 0)
		id = NULL;
out:
	free(aki);
	free(serial);
	free(der);
	return id;
}

struct ari_item {
	int64_t id, account_id;
	char *aki, *serial;
};

static int
ari_store(struct store *st, int64_t id, const struct acme_renewal_info *ri, long long now,
    struct err *e)
{
	sqlite3_stmt *s;
	long long at, next, span;

	span = ri->window_end - ri->window_start;
	at = ri->window_start + (span > 0 ? (long long)arc4random_uniform((uint32_t)
	    (span > 0x7fffffff ? 0x7fffffff : span)) : 0);
	if (ri->window_end <= now)
		at = now;
	next = now + (ri->retry_after > 0 && ri->retry_after < ARI_RECHECK_MAX ?
	    ri->retry_after : ARI_RECHECK_MAX);
	s = store_stmt(st, "UPDATE certificates SET ari_window_start = ?2, ari_window_end = ?3, "
	    "ari_explanation = ?4, ari_checked = ?5, ari_next_check = ?6, renew_at = ?7 "
	    "WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, ri->window_start);
	sqlite3_bind_int64(s, 3, ri->window_end);
	if (ri->explanation_url != NULL)
		sqlite3_bind_text(s, 4, ri->explanation_url, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_int64(s, 6, next);
	sqlite3_bind_int64(s, 7, at);
	return store_step_done(st, s, _("recording a renewal window"), e);
}

static int
ari_postpone(struct store *st, int64_t id, long long next, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE certificates SET ari_next_check = ?2, ari_checked = ?3 "
	    "WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, next);
	sqlite3_bind_int64(s, 3, store_now());
	return store_step_done(st, s, _("recording a renewal check"), e);
}

int
renew_refresh_ari(struct store *st, struct err *e)
{
	struct ari_item *items = NULL, *grown;
	struct account_session *sess = NULL;
	size_t n = 0, cap = 0, i;
	sqlite3_stmt *s;
	long long now = store_now();
	int rc, checked = 0, failed = 0;

	/* Collect first: the network calls below must not hold a read cursor. */
	s = store_stmt(st, "SELECT id, account_id, aki, serial FROM certificates "
	    "WHERE status = 'valid' AND order_id IS NOT NULL AND ari_next_check <= ?1 "
	    "ORDER BY account_id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *aki = (const char *)sqlite3_column_text(s, 2);
		const char *serial = (const char *)sqlite3_column_text(s, 3);

		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(items, cap * sizeof(*items))) == NULL)
				break;
			items = grown;
		}
		items[n].id = sqlite3_column_int64(s, 0);
		items[n].account_id = sqlite3_column_int64(s, 1);
		items[n].aki = aki != NULL ? strdup(aki) : NULL;
		items[n].serial = serial != NULL ? strdup(serial) : NULL;
		n++;
	}
	sqlite3_reset(s);
	for (i = 0; i < n; i++) {
		struct acme_renewal_info ri;
		char *id = ari_id(items[i].aki, items[i].serial);
		int r;

		if (sess == NULL || sess->row->id != items[i].account_id) {
			account_session_free(sess);
			sess = NULL;
			if (account_open(st, items[i].account_id, &sess, e) != 0) {
				failed++;
				free(id);
				ari_postpone(st, items[i].id, now + ARI_ERROR_RECHECK, NULL);
				continue;
			}
		}
		r = id != NULL ? acme_renewal_info_get(sess->client, id, &ri, e) : 1;
		free(id);
		checked++;
		if (r == 0) {
			ari_store(st, items[i].id, &ri, now, e);
			free(ri.explanation_url);
		} else if (r == 1) {
			ari_postpone(st, items[i].id, now + ARI_NONE_RECHECK, NULL);
		} else {
			failed++;
			ari_postpone(st, items[i].id, now + (e->retry_after > 0 ?
			    e->retry_after : ARI_ERROR_RECHECK), NULL);
		}
	}
	account_session_free(sess);
	for (i = 0; i < n; i++) {
		free(items[i].aki);
		free(items[i].serial);
	}
	free(items);
	return failed > 0 && checked == 0 ? -1 : checked;
}

int
renew_due(struct store *st, int (*cb)(int64_t cert_id, void *arg), void *arg, struct err *e)
{
	int64_t ids[256];
	sqlite3_stmt *s;
	int rc, n = 0, i, ret = 0;

	s = store_stmt(st, "SELECT id FROM certificates WHERE status = 'valid' AND "
	    "order_id IS NOT NULL AND renew_at <= ?1 ORDER BY renew_at LIMIT 256", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, store_now());
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(st, e, _("finding certificates due for renewal"));
	for (i = 0; i < n && ret == 0; i++)
		ret = cb(ids[i], arg);
	return ret;
}

int
renew_create_order(struct store *st, int64_t cert_id, int reuse_key, int64_t *order_id,
    struct err *e)
{
	struct cert_row *cert = NULL;
	struct order_row *old = NULL, *fresh = NULL;
	struct issue_settings set = { 0 };
	const char **names = NULL;
	char *replaces = NULL;
	cJSON *ids = NULL, *it;
	size_t n = 0;
	int rc = -1, g;

	g = store_cert_get(st, cert_id, &cert, e);
	if (g != 0) {
		if (g == 1)
			err_set(e, ERR_USAGE, _("no certificate #%lld"), (long long)cert_id);
		return -1;
	}
	if (cert->order_id <= 0 || store_order_get(st, cert->order_id, &old, e) != 0) {
		if (cert->order_id <= 0)
			err_set(e, ERR_USAGE, _("certificate #%lld was imported, not issued by "
			    "certdeck: there is no order to renew"), (long long)cert_id);
		goto out;
	}
	if (issue_settings_from_json(old->settings_json, &set, e) != 0)
		goto out;
	ids = cJSON_Parse(old->identifiers_json);
	names = calloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof(*names));
	cJSON_ArrayForEach(it, ids) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");

		if (names != NULL && cJSON_IsString(v))
			names[n++] = v->valuestring;
	}
	if (names == NULL || n == 0) {
		err_set(e, ERR_STORE, _("order #%lld has no identifiers"), (long long)old->id);
		goto out;
	}
	replaces = ari_id(cert->aki, cert->serial);
	if (issue_order_create(st, old->account_id, names, n, old->profile, replaces, &set,
	    order_id, e) != 0)
		goto out;
	if (reuse_key && cert->key_id > 0) {
		if (store_order_get(st, *order_id, &fresh, e) != 0)
			goto out;
		fresh->key_id = cert->key_id;
		if (store_order_update(st, fresh, e) != 0)
			goto out;
	}
	rc = 0;
out:
	order_row_free(fresh);
	free(replaces);
	free(names);
	cJSON_Delete(ids);
	issue_settings_clear(&set);
	order_row_free(old);
	cert_row_free(cert);
	return rc;
}

int
renew_link(struct store *st, int64_t old_id, int64_t new_id, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (store_begin(st, e) != 0)
		return -1;
	s = store_stmt(st, "UPDATE certificates SET status = 'replaced', replaced_by = ?2 "
	    "WHERE id = ?1", e);
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, old_id);
	sqlite3_bind_int64(s, 2, new_id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_error(st, e, _("linking a renewal"));
		goto rollback;
	}
	if (store_deploy_copy(st, old_id, new_id, e) != 0 || store_commit(st, e) != 0)
		goto rollback;
	return 0;
rollback:
	store_rollback(st);
	return -1;
}
