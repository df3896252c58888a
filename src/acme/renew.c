#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "acme.h"
#include "i18n.h"
#include "issue.h"
#include "renew.h"
#include "store_acme.h"
#include "store_cert.h"
#include "store_deploy.h"
#include "store_job.h"

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

/*
 * The latest a renewal of a certificate valid from nb to na may be
 * scheduled: a tenth of its lifetime (at least an hour) before it expires.
 */
static long long
renew_deadline(long long nb, long long na)
{
	long long margin = (na - nb) / 10;

	return na - (margin < 3600 ? 3600 : margin);
}

static int
ari_store(struct store *st, int64_t id, const struct acme_renewal_info *ri, long long now,
    struct err *e)
{
	struct cert_ari a;
	struct cert_row *row = NULL;
	long long span, deadline = 0;
	char msg[256];

	/* A window past the certificate's end is the CA's mistake: renew in time anyway. */
	if (store_cert_get(st, id, &row, e) == 0)
		deadline = renew_deadline(row->not_before, row->not_after);
	cert_row_free(row);
	span = ri->window_end - ri->window_start;
	a.window_start = ri->window_start;
	a.window_end = ri->window_end;
	a.explanation = ri->explanation_url;
	a.checked = now;
	a.renew_at = ri->window_start + (span > 0 ? (long long)arc4random_uniform((uint32_t)
	    (span > 0x7fffffff ? 0x7fffffff : span)) : 0);
	if (ri->window_end <= now)
		a.renew_at = now;
	if (deadline > 0 && a.renew_at > deadline) {
		a.renew_at = deadline > now ? deadline : now;
		snprintf(msg, sizeof(msg), _("certificate #%lld: the CA's renewal window ends "
		    "after the certificate is near its expiry; renewing by its own deadline "
		    "instead"), (long long)id);
		store_event_add(st, 0, "warning", 0, 0, msg, NULL, e);
	}
	a.next_check = now + (ri->retry_after > 0 && ri->retry_after < ARI_RECHECK_MAX ?
	    ri->retry_after : ARI_RECHECK_MAX);
	if (deadline > 0 && a.next_check > a.renew_at && a.renew_at > now)
		a.next_check = a.renew_at;
	return store_cert_set_ari(st, id, &a, e);
}

/* What renew_refresh_ari collects before it goes to the network. */
struct ari_items {
	struct ari_item *v;
	size_t n, cap;
};

/* store_cert_ari_due callback: copies one row. Returns 0, or 1 when out of memory. */
static int
ari_collect(int64_t id, int64_t account_id, const char *aki, const char *serial, void *arg)
{
	struct ari_items *items = arg;
	struct ari_item *grown;

	if (items->n == items->cap) {
		items->cap = items->cap ? items->cap * 2 : 16;
		if ((grown = realloc(items->v, items->cap * sizeof(*grown))) == NULL)
			return 1;
		items->v = grown;
	}
	items->v[items->n].id = id;
	items->v[items->n].account_id = account_id;
	items->v[items->n].aki = aki != NULL ? strdup(aki) : NULL;
	items->v[items->n].serial = serial != NULL ? strdup(serial) : NULL;
	items->n++;
	return 0;
}

int
renew_refresh_ari(struct store *st, struct err *e)
{
	struct ari_items items = { 0 };
	struct account_session *sess = NULL;
	size_t n, i;
	long long now = store_now();
	int checked = 0, failed = 0;

	/* Collect first: the network calls below must not hold a read cursor. */
	if (store_cert_ari_due(st, now, ari_collect, &items, e) == -1 && items.n == 0)
		return -1;
	n = items.n;
	for (i = 0; i < n; i++) {
		struct ari_item *it = &items.v[i];
		struct acme_renewal_info ri;
		char *id = ari_id(it->aki, it->serial);
		int r;

		if (sess == NULL || sess->row->id != it->account_id) {
			account_session_free(sess);
			sess = NULL;
			if (account_open(st, it->account_id, &sess, e) != 0) {
				failed++;
				free(id);
				store_cert_postpone_ari(st, it->id, now + ARI_ERROR_RECHECK, NULL);
				continue;
			}
		}
		r = id != NULL ? acme_renewal_info_get(sess->client, id, &ri, e) : 1;
		free(id);
		checked++;
		if (r == 0) {
			ari_store(st, it->id, &ri, now, e);
			free(ri.explanation_url);
		} else if (r == 1) {
			store_cert_postpone_ari(st, it->id, now + ARI_NONE_RECHECK, NULL);
		} else {
			failed++;
			store_cert_postpone_ari(st, it->id, now + (e->retry_after > 0 ?
			    e->retry_after : ARI_ERROR_RECHECK), NULL);
		}
	}
	account_session_free(sess);
	for (i = 0; i < n; i++) {
		free(items.v[i].aki);
		free(items.v[i].serial);
	}
	free(items.v);
	return failed > 0 && checked == 0 ? -1 : checked;
}

int
renew_due(struct store *st, int (*cb)(int64_t cert_id, void *arg), void *arg, struct err *e)
{
	int64_t ids[256];
	size_t n, i;
	int ret = 0;

	if (store_cert_renew_due(st, store_now(), ids, sizeof(ids) / sizeof(ids[0]), &n, e) != 0)
		return -1;
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
	int rc = -1;

	if (store_cert_get(st, cert_id, &cert, e) != 0)
		return -1;
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
	if (store_begin(st, e) != 0)
		return -1;
	if (store_cert_mark_replaced(st, old_id, new_id, e) != 0 ||
	    store_deploy_copy(st, old_id, new_id, e) != 0 || store_commit(st, e) != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}
