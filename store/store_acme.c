#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_sql.h"
#include "store_acme.h"

/* ---- CAs ---- */

void
ca_row_free(struct ca_row *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->directory_url);
	free(r->ca_bundle_pem);
	free(r->eab_kid);
	if (r->eab_hmac_key != NULL)
		explicit_bzero(r->eab_hmac_key, strlen(r->eab_hmac_key));
	free(r->eab_hmac_key);
	free(r->directory_json);
	free(r->allowed_origins);
	free(r);
}

int
store_ca_ensure(struct store *st, const char *directory_url, const char *name,
    const char *ca_bundle_pem, int64_t *id, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	s = store_stmt(st, "SELECT id FROM cas WHERE directory_url = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, directory_url, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (ca_bundle_pem == NULL)
			return 0;
		s = store_stmt(st, "UPDATE cas SET ca_bundle_pem = ?2 WHERE id = ?1", e);
		if (s == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, *id);
		store_bind_text(s, 2, ca_bundle_pem);
		return store_step_done(st, s, _("updating a CA"), e);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(st, e, _("looking up a CA"));
	s = store_stmt(st, "INSERT INTO cas (name, directory_url, ca_bundle_pem, created) "
	    "VALUES (?1, ?2, ?3, ?4)", e);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, name);
	store_bind_text(s, 2, directory_url);
	store_bind_text(s, 3, ca_bundle_pem);
	sqlite3_bind_int64(s, 4, store_now());
	if (store_step_done(st, s, _("storing a CA"), e) != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
store_ca_get(struct store *st, int64_t id, struct ca_row **out, struct err *e)
{
	sqlite3_stmt *s;
	struct ca_row *r;
	int rc;

	s = store_stmt(st, "SELECT id, name, directory_url, ca_bundle_pem, eab_kid, "
	    "eab_hmac_key, directory_json, allowed_origins FROM cas WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = store_step_row(st, s, _("reading a CA"), e)) != 0) {
		if (rc == 1)
			err_set(e, ERR_USAGE, _("no CA #%lld"), (long long)id);
		return rc;
	}
	r = calloc(1, sizeof(*r));
	if (r != NULL) {
		r->id = sqlite3_column_int64(s, 0);
		r->name = store_col_text(s, 1, NULL);
		r->directory_url = store_col_text(s, 2, NULL);
		r->ca_bundle_pem = store_col_text(s, 3, NULL);
		r->eab_kid = store_col_text(s, 4, NULL);
		r->eab_hmac_key = store_col_text(s, 5, NULL);
		r->directory_json = store_col_text(s, 6, NULL);
		r->allowed_origins = store_col_text(s, 7, NULL);
	}
	sqlite3_reset(s);
	if (r == NULL || r->directory_url == NULL) {
		ca_row_free(r);
		return err_nomem(e);
	}
	*out = r;
	return 0;
}

int
store_ca_set_directory(struct store *st, int64_t id, const char *json, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE cas SET directory_json = ?2, directory_fetched = ?3 "
	    "WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, json);
	sqlite3_bind_int64(s, 3, store_now());
	return store_step_done(st, s, _("caching a CA directory"), e);
}

int
store_ca_set_allowed_origins(struct store *st, int64_t id, const char *origins,
    struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE cas SET allowed_origins = ?2 WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, origins);
	return store_step_done(st, s, _("storing a CA's allowed origins"), e);
}

/* ---- accounts ---- */

void
account_row_free(struct account_row *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->contacts_json);
	free(r->status);
	free(r->ca_url);
	free(r->key_type);
	free(r);
}

int
store_account_insert(struct store *st, struct account_row *r, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT INTO accounts (ca_id, key_id, old_key_id, url, contacts, "
	    "status, tos_agreed, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->ca_id);
	sqlite3_bind_int64(s, 2, r->key_id);
	store_bind_id(s, 3, r->old_key_id);
	store_bind_text(s, 4, r->url);
	store_bind_text(s, 5, r->contacts_json);
	store_bind_text(s, 6, r->status != NULL ? r->status : "pending");
	sqlite3_bind_int(s, 7, r->tos_agreed);
	sqlite3_bind_int64(s, 8, store_now());
	if (store_step_done(st, s, _("storing an account"), e) != 0)
		return -1;
	r->id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
store_account_update(struct store *st, const struct account_row *r, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE accounts SET key_id = ?2, old_key_id = ?3, url = ?4, "
	    "contacts = ?5, status = ?6, tos_agreed = ?7, updated = ?8 WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->id);
	sqlite3_bind_int64(s, 2, r->key_id);
	store_bind_id(s, 3, r->old_key_id);
	store_bind_text(s, 4, r->url);
	store_bind_text(s, 5, r->contacts_json);
	store_bind_text(s, 6, r->status);
	sqlite3_bind_int(s, 7, r->tos_agreed);
	sqlite3_bind_int64(s, 8, store_now());
	return store_step_done(st, s, _("updating an account"), e);
}

#define ACCOUNT_COLUMNS "a.id, a.ca_id, a.key_id, a.old_key_id, a.url, a.contacts, " \
	"a.status, a.tos_agreed, a.created, a.updated, c.directory_url, k.type " \
	"FROM accounts a JOIN cas c ON c.id = a.ca_id JOIN keys k ON k.id = a.key_id"

/* A row of ACCOUNT_COLUMNS as a struct account_row (account_row_free), or NULL. */
static void *
account_from(sqlite3_stmt *s)
{
	struct account_row *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->id = sqlite3_column_int64(s, 0);
	r->ca_id = sqlite3_column_int64(s, 1);
	r->key_id = sqlite3_column_int64(s, 2);
	r->old_key_id = sqlite3_column_int64(s, 3);
	r->url = store_col_text(s, 4, NULL);
	r->contacts_json = store_col_text(s, 5, NULL);
	r->status = store_col_text(s, 6, NULL);
	r->tos_agreed = sqlite3_column_int(s, 7);
	r->created = sqlite3_column_int64(s, 8);
	r->updated = sqlite3_column_int64(s, 9);
	r->ca_url = store_col_text(s, 10, NULL);
	r->key_type = store_col_text(s, 11, NULL);
	if (r->status == NULL || r->ca_url == NULL) {
		account_row_free(r);
		return NULL;
	}
	return r;
}

int
store_account_get(struct store *st, int64_t id, struct account_row **out, struct err *e)
{
	sqlite3_stmt *s;
	void *row;
	int rc;

	s = store_stmt(st, "SELECT " ACCOUNT_COLUMNS " WHERE a.id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = store_fetch(st, s, account_from, &row, _("reading an account"), e);
	if (rc == 1)
		err_set(e, ERR_USAGE, _("no account #%lld"), (long long)id);
	*out = row;
	return rc;
}

int
store_account_list(struct store *st, int (*cb)(const struct account_row *, void *),
    void *arg, struct err *e)
{
	struct account_row *r;
	sqlite3_stmt *s;
	int rc, ret = 0;

	s = store_stmt(st, "SELECT " ACCOUNT_COLUMNS " ORDER BY a.id", e);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = account_from(s)) == NULL) {
			sqlite3_reset(s);
			return err_nomem(e);
		}
		ret = cb(r, arg);
		account_row_free(r);
		if (ret != 0)
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("listing accounts"));
	return ret;
}

int
store_account_default(struct store *st, int64_t *id, struct err *e)
{
	sqlite3_stmt *s;
	int rc, n = 0;

	s = store_stmt(st, "SELECT id FROM accounts WHERE status = 'valid' ORDER BY id LIMIT 2", e);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n++ == 0)
			*id = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(st, e, _("looking up accounts"));
	return n == 0 ? 1 : n == 1 ? 0 : 2;
}

/* ---- orders ---- */

void
order_row_free(struct order_row *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->status);
	free(r->identifiers_json);
	free(r->profile);
	free(r->replaces);
	free(r->finalize_url);
	free(r->certificate_url);
	free(r->csr);
	free(r->settings_json);
	free(r->error_json);
	free(r);
}

/* Binds ?2.. in the column order shared by insert and update. */
static void
bind_order(sqlite3_stmt *s, const struct order_row *r)
{
	sqlite3_bind_int64(s, 2, r->account_id);
	store_bind_text(s, 3, r->url);
	store_bind_text(s, 4, r->status != NULL ? r->status : "new");
	store_bind_text(s, 5, r->identifiers_json);
	store_bind_text(s, 6, r->profile);
	store_bind_text(s, 7, r->replaces);
	if (r->expires > 0)
		sqlite3_bind_int64(s, 8, r->expires);
	else
		sqlite3_bind_null(s, 8);
	store_bind_text(s, 9, r->finalize_url);
	store_bind_text(s, 10, r->certificate_url);
	store_bind_id(s, 11, r->key_id);
	if (r->csr != NULL)
		sqlite3_bind_blob(s, 12, r->csr, (int)r->csr_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 12);
	store_bind_text(s, 13, r->settings_json);
	store_bind_text(s, 14, r->error_json);
	store_bind_id(s, 15, r->cert_id);
	sqlite3_bind_int64(s, 16, store_now());
}

int
store_order_insert(struct store *st, struct order_row *r, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT INTO orders (account_id, url, status, identifiers, profile, "
	    "replaces, expires, finalize_url, certificate_url, key_id, csr, settings, error, "
	    "cert_id, created, updated) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?14, ?15, ?16, ?16)", e);
	if (s == NULL)
		return -1;
	bind_order(s, r);
	if (store_step_done(st, s, _("storing an order"), e) != 0)
		return -1;
	r->id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
store_order_update(struct store *st, const struct order_row *r, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE orders SET account_id = ?2, url = ?3, status = ?4, "
	    "identifiers = ?5, profile = ?6, replaces = ?7, expires = ?8, finalize_url = ?9, "
	    "certificate_url = ?10, key_id = ?11, csr = ?12, settings = ?13, error = ?14, "
	    "cert_id = ?15, updated = ?16 WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->id);
	bind_order(s, r);
	return store_step_done(st, s, _("updating an order"), e);
}

#define ORDER_COLUMNS "id, account_id, url, status, identifiers, profile, replaces, " \
	"expires, finalize_url, certificate_url, key_id, csr, settings, error, cert_id, " \
	"created, updated FROM orders"

/* A row of ORDER_COLUMNS as a struct order_row (order_row_free), or NULL. */
static void *
order_from(sqlite3_stmt *s)
{
	struct order_row *r = calloc(1, sizeof(*r));
	const void *blob;
	int n;

	if (r == NULL)
		return NULL;
	r->id = sqlite3_column_int64(s, 0);
	r->account_id = sqlite3_column_int64(s, 1);
	r->url = store_col_text(s, 2, NULL);
	r->status = store_col_text(s, 3, NULL);
	r->identifiers_json = store_col_text(s, 4, NULL);
	r->profile = store_col_text(s, 5, NULL);
	r->replaces = store_col_text(s, 6, NULL);
	r->expires = sqlite3_column_int64(s, 7);
	r->finalize_url = store_col_text(s, 8, NULL);
	r->certificate_url = store_col_text(s, 9, NULL);
	r->key_id = sqlite3_column_int64(s, 10);
	blob = sqlite3_column_blob(s, 11);
	n = sqlite3_column_bytes(s, 11);
	if (blob != NULL && n > 0 && (r->csr = malloc((size_t)n)) != NULL) {
		memcpy(r->csr, blob, (size_t)n);
		r->csr_len = (size_t)n;
	}
	r->settings_json = store_col_text(s, 12, NULL);
	r->error_json = store_col_text(s, 13, NULL);
	r->cert_id = sqlite3_column_int64(s, 14);
	r->created = sqlite3_column_int64(s, 15);
	r->updated = sqlite3_column_int64(s, 16);
	if (r->status == NULL || r->identifiers_json == NULL) {
		order_row_free(r);
		return NULL;
	}
	return r;
}

int
store_order_get(struct store *st, int64_t id, struct order_row **out, struct err *e)
{
	sqlite3_stmt *s;
	void *row;
	int rc;

	s = store_stmt(st, "SELECT " ORDER_COLUMNS " WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = store_fetch(st, s, order_from, &row, _("reading an order"), e);
	if (rc == 1)
		err_set(e, ERR_USAGE, _("no order #%lld"), (long long)id);
	*out = row;
	return rc;
}

int
store_order_list(struct store *st, int (*cb)(const struct order_row *, void *),
    void *arg, struct err *e)
{
	struct order_row *r;
	sqlite3_stmt *s;
	int rc, ret = 0;

	s = store_stmt(st, "SELECT " ORDER_COLUMNS " ORDER BY id DESC", e);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = order_from(s)) == NULL) {
			sqlite3_reset(s);
			return err_nomem(e);
		}
		ret = cb(r, arg);
		order_row_free(r);
		if (ret != 0)
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("listing orders"));
	return ret;
}

int
store_authz_put(struct store *st, int64_t order_id, const char *url,
    const char *ident_type, const char *ident_value, int wildcard,
    const char *status, long long expires, int64_t *id, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	s = store_stmt(st, "INSERT INTO authorizations (order_id, url, identifier_type, "
	    "identifier_value, wildcard, status, expires, updated) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	    "ON CONFLICT (order_id, url) DO UPDATE SET "
	    "identifier_type = coalesce(excluded.identifier_type, identifier_type), "
	    "identifier_value = coalesce(excluded.identifier_value, identifier_value), "
	    "wildcard = excluded.wildcard, status = excluded.status, "
	    "expires = coalesce(excluded.expires, expires), updated = excluded.updated "
	    "RETURNING id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, order_id);
	store_bind_text(s, 2, url);
	store_bind_text(s, 3, ident_type);
	store_bind_text(s, 4, ident_value);
	sqlite3_bind_int(s, 5, wildcard);
	store_bind_text(s, 6, status);
	if (expires > 0)
		sqlite3_bind_int64(s, 7, expires);
	else
		sqlite3_bind_null(s, 7);
	sqlite3_bind_int64(s, 8, store_now());
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_error(st, e, _("storing an authorization"));
	return 0;
}

int
store_challenge_put(struct store *st, int64_t authz_id, const char *type,
    const char *url, const char *token, const char *status, const char *error_json,
    struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "INSERT INTO challenges (authz_id, type, url, token, status, error, "
	    "validated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?5 = 'valid' THEN ?7 END) "
	    "ON CONFLICT (authz_id, url) DO UPDATE SET status = excluded.status, "
	    "error = excluded.error, validated = coalesce(validated, excluded.validated)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, authz_id);
	store_bind_text(s, 2, type);
	store_bind_text(s, 3, url);
	store_bind_text(s, 4, token);
	store_bind_text(s, 5, status);
	store_bind_text(s, 6, error_json);
	sqlite3_bind_int64(s, 7, store_now());
	return store_step_done(st, s, _("storing a challenge"), e);
}

int
store_authz_list(struct store *st, int64_t order_id,
    int (*cb)(const char *url, const char *status, void *arg), void *arg, struct err *e)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	s = store_stmt(st, "SELECT url, status FROM authorizations WHERE order_id = ?1 "
	    "ORDER BY id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, order_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = cb((const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1), arg);
		if (ret != 0)
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("listing authorizations"));
	return ret;
}

int
store_authz_delete(struct store *st, int64_t order_id, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "DELETE FROM authorizations WHERE order_id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, order_id);
	return store_step_done(st, s, _("forgetting authorizations"), e);
}

int
store_order_validated(struct store *st, int64_t order_id, const char *challenge_type,
    struct err *e)
{
	sqlite3_stmt *s;
	long long now = store_now();

	s = store_stmt(st, "UPDATE challenges SET status = 'valid', validated = ?3 "
	    "WHERE type = ?2 AND status != 'valid' AND authz_id IN "
	    "(SELECT id FROM authorizations WHERE order_id = ?1)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, order_id);
	sqlite3_bind_text(s, 2, challenge_type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	if (store_step_done(st, s, _("recording validations"), e) != 0)
		return -1;
	s = store_stmt(st, "UPDATE authorizations SET status = 'valid', updated = ?2 "
	    "WHERE order_id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, order_id);
	sqlite3_bind_int64(s, 2, now);
	return store_step_done(st, s, _("recording validations"), e);
}
