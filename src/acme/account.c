#include "config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "ca_preset.h"
#include "crypto.h"
#include "i18n.h"
#include "strv.h"
#include "testhook.h"
#include "url_origin.h"
#include "store_key.h"

const char *
account_server_url(const char *name_or_url)
{
	const struct ca_preset *p = ca_preset_find(name_or_url);

	return p != NULL ? p->url : name_or_url;
}

/* Loads a stored key. Returns 0 and *key, or -1. */
static int
load_key(struct store *st, int64_t id, EVP_PKEY **key, struct err *e)
{
	int rc = crypto_key_load(st, id, key, e);

	if (rc == 1)
		return err_set(e, ERR_STORE, _("key #%lld is missing from the store"), (long long)id);
	return rc;
}

/* Generates a key of type name and stores it. Returns 0 and *key, *id, or -1. */
static int
new_key(struct store *st, const char *type_name, EVP_PKEY **key, int64_t *id, struct err *e)
{
	enum key_type kt;
	char *pem = NULL;
	int rc = -1;

	if (crypto_key_type_parse(type_name != NULL ? type_name : "ec256", &kt, e) != 0 ||
	    crypto_key_generate(kt, key, e) != 0)
		return -1;
	if (crypto_key_to_pem(*key, &pem, e) == 0 &&
	    store_key_insert(st, crypto_key_type_name(kt), pem, id, e) == 0)
		rc = 0;
	if (pem != NULL)
		OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	if (rc != 0) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	return rc;
}

static char *
contacts_json(const char *const *contacts, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	char *text;
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(contacts[i]));
	text = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return text;
}

static void
absorb_account(struct account_row *row, const struct acme_account *a)
{
	if (a->url != NULL) {
		free(row->url);
		row->url = strdup(a->url);
	}
	if (a->status != NULL) {
		free(row->status);
		row->status = strdup(a->status);
	}
	free(row->contacts_json);
	row->contacts_json = contacts_json((const char *const *)a->contacts, a->n_contacts);
}

/* Loads the pending account id of an earlier attempt at url, with its key. */
static int
resume_pending(struct store *st, int64_t id, const char *url, struct account_row *row,
    EVP_PKEY **key, struct err *e)
{
	struct account_row *old = NULL;
	struct ca_row *ca = NULL;
	int rc = -1;

	if (store_account_get(st, id, &old, e) != 0) {
		err_set(e, ERR_USAGE, _("account #%lld is gone"), (long long)id);
		return -1;
	}
	if (store_ca_get(st, old->ca_id, &ca, e) != 0)
		goto out;
	if (old->status == NULL || strcmp(old->status, "pending") != 0 ||
	    strcmp(ca->directory_url, url) != 0) {
		err_set(e, ERR_USAGE, _("account #%lld is not a pending account at %s"),
		    (long long)id, url);
		goto out;
	}
	if (load_key(st, old->key_id, key, e) != 0)
		goto out;
	row->id = old->id;
	row->ca_id = old->ca_id;
	row->key_id = old->key_id;
	row->tos_agreed = old->tos_agreed;
	row->status = old->status;
	old->status = NULL;
	row->contacts_json = old->contacts_json;
	old->contacts_json = NULL;
	rc = 0;
out:
	account_row_free(old);
	ca_row_free(ca);
	return rc;
}

/*
 * Allows the user's extra origins on c and writes them as the store keeps
 * them (normalised, space-separated) into *out (free(); NULL when none).
 * Returns 0, or -1 for one that is not an https URL.
 */
static int
allow_origins(struct acme_client *c, const struct account_create_params *p, char **out,
    struct err *e)
{
	size_t i, len = 0;
	char *origin, *grown;

	*out = NULL;
	for (i = 0; i < p->n_allowed_origins; i++) {
		if (url_origin(p->allowed_origins[i], &origin, e) != 0) {
			err_set(e, ERR_USAGE, _("--allow-origin takes an https URL, not '%s'"),
			    p->allowed_origins[i]);
			goto fail;
		}
		if (acme_client_allow_origin(c, origin, e) != 0) {
			free(origin);
			goto fail;
		}
		if ((grown = realloc(*out, len + strlen(origin) + 2)) == NULL) {
			free(origin);
			err_nomem(e);
			goto fail;
		}
		*out = grown;
		snprintf(*out + len, strlen(origin) + 2, "%s%s", len > 0 ? " " : "", origin);
		len += strlen(origin) + (len > 0 ? 1 : 0);
		free(origin);
	}
	return 0;
fail:
	free(*out);
	*out = NULL;
	return -1;
}

/* Allows on c the origins the store keeps for its CA (space-separated). Returns 0 or -1. */
static int
allow_stored_origins(struct acme_client *c, const char *origins, struct err *e)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	if (origins == NULL || origins[0] == '\0')
		return 0;
	if ((copy = strdup(origins)) == NULL)
		return err_nomem(e);
	for (tok = strtok_r(copy, " ", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, " ", &save))
		rc = acme_client_allow_origin(c, tok, e);
	free(copy);
	return rc;
}

int
account_create(struct store *st, const struct account_create_params *p, int64_t *id,
    struct err *e)
{
	struct acme_client *c = NULL;
	struct acme_account *a = NULL;
	struct acme_account_params ap = { 0 };
	struct account_row row = { 0 };
	EVP_PKEY *key = NULL;
	const char *url = account_server_url(p->server_url);
	char *origins = NULL;
	int rc = -1;

	if ((p->eab_kid == NULL) != (p->eab_hmac_key == NULL))
		return err_set(e, ERR_USAGE, "%s",
		    _("--eab-kid and --eab-hmac-key go together"));
	if (acme_client_new(url, p->ca_bundle_pem, &c, e) != 0)
		return -1;
	if (allow_origins(c, p, &origins, e) != 0)
		goto out;
	if (acme_client_directory(c)->external_account_required && p->eab_kid == NULL) {
		err_set(e, ERR_USAGE, "%s", _("this CA requires external account binding: "
		    "give --eab-kid and --eab-hmac-key from your CA account"));
		goto out;
	}
	if (acme_client_directory(c)->terms_of_service != NULL && !p->agree_tos) {
		err_set(e, ERR_USAGE, _("the CA's terms of service must be accepted "
		    "(--agree-tos): %s"), acme_client_directory(c)->terms_of_service);
		goto out;
	}
	if (p->resume_id > 0) {
		if (resume_pending(st, p->resume_id, url, &row, &key, e) != 0)
			goto out;
		goto register_key;
	}
	/* The key and a pending account are committed before the CA hears of them. */
	if (store_begin(st, e) != 0)
		goto out;
	if (store_ca_ensure(st, url, NULL, p->ca_bundle_pem, &row.ca_id, e) != 0 ||
	    store_ca_set_directory(st, row.ca_id, acme_client_directory_json(c), e) != 0 ||
	    (origins != NULL &&
	    store_ca_set_allowed_origins(st, row.ca_id, origins, e) != 0) ||
	    new_key(st, p->key_type, &key, &row.key_id, e) != 0) {
		store_rollback(st);
		goto out;
	}
	row.status = strdup("pending");
	row.contacts_json = contacts_json(p->contacts, p->n_contacts);
	row.tos_agreed = p->agree_tos;
	if (store_account_insert(st, &row, e) != 0 ||
	    (p->on_pending != NULL && p->on_pending(p->on_pending_arg, row.id, e) != 0) ||
	    store_commit(st, e) != 0) {
		store_rollback(st);
		goto out;
	}
	*id = row.id;
	testhook_crash("account-pending");
register_key:
	if (acme_client_set_account(c, key, NULL, e) != 0)
		goto out;
	ap.contacts = p->contacts;
	ap.n_contacts = p->n_contacts;
	ap.agree_tos = p->agree_tos;
	ap.eab_kid = p->eab_kid;
	ap.eab_hmac_key = p->eab_hmac_key;
	if (acme_account_new(c, &ap, &a, e) != 0)
		goto out;
	absorb_account(&row, a);
	if (store_account_update(st, &row, e) != 0)
		goto out;
	*id = row.id;
	rc = 0;
out:
	acme_account_free(a);
	acme_client_free(c);
	EVP_PKEY_free(key);
	free(origins);
	free(row.url);
	free(row.status);
	free(row.contacts_json);
	return rc;
}

int
account_recover(struct store *st, const char *server_url, const char *ca_bundle_pem,
    const char *key_pem, int64_t *id, struct err *e)
{
	struct acme_account_params ap = { 0 };
	struct acme_account *a = NULL;
	struct acme_client *c = NULL;
	struct account_row row = { 0 };
	const char *url = account_server_url(server_url);
	EVP_PKEY *key = NULL;
	enum key_type kt;
	char *pem = NULL;
	int rc = -1;

	if (crypto_key_from_pem(key_pem, strlen(key_pem), &key, e) != 0 ||
	    crypto_key_type_of(key, &kt, e) != 0)
		goto out;
	if (acme_client_new(url, ca_bundle_pem, &c, e) != 0 ||
	    acme_client_set_account(c, key, NULL, e) != 0)
		goto out;
	ap.only_return_existing = 1;
	if (acme_account_new(c, &ap, &a, e) != 0)
		goto out;
	if (crypto_key_to_pem(key, &pem, e) != 0 || store_begin(st, e) != 0)
		goto out;
	if (store_ca_ensure(st, url, NULL, ca_bundle_pem, &row.ca_id, e) != 0 ||
	    store_ca_set_directory(st, row.ca_id, acme_client_directory_json(c), e) != 0 ||
	    store_key_insert(st, crypto_key_type_name(kt), pem, &row.key_id, e) != 0)
		goto rollback;
	row.tos_agreed = 1;
	absorb_account(&row, a);
	if (store_account_insert(st, &row, e) != 0 || store_commit(st, e) != 0)
		goto rollback;
	*id = row.id;
	rc = 0;
	goto out;
rollback:
	store_rollback(st);
out:
	if (pem != NULL)
		OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	free(row.url);
	free(row.status);
	free(row.contacts_json);
	acme_account_free(a);
	acme_client_free(c);
	EVP_PKEY_free(key);
	return rc;
}

void
account_session_free(struct account_session *s)
{
	if (s == NULL)
		return;
	acme_client_free(s->client);
	EVP_PKEY_free(s->key);
	account_row_free(s->row);
	free(s);
}

/*
 * An interrupted rollover left old_key_id set: ask the CA which key it
 * knows (onlyReturnExisting) and settle the store on that one.
 */
static int
settle_rollover(struct store *st, struct account_session *s, struct err *e)
{
	struct acme_account_params ap = { 0 };
	struct acme_account *a = NULL;
	EVP_PKEY *old = NULL;
	struct err probe;

	ap.only_return_existing = 1;
	err_clear(&probe);
	if (acme_client_set_account(s->client, s->key, NULL, e) != 0)
		return -1;
	if (acme_account_new(s->client, &ap, &a, &probe) == 0) {
		/* The CA knows the new key: the rollover went through. */
		acme_account_free(a);
		s->row->old_key_id = 0;
		return store_account_update(st, s->row, e);
	}
	if (probe.kind != ERR_ACME)
		return err_set(e, probe.kind, "%s", probe.msg);
	if (load_key(st, s->row->old_key_id, &old, e) != 0)
		return -1;
	EVP_PKEY_free(s->key);
	s->key = old;
	s->row->key_id = s->row->old_key_id;
	s->row->old_key_id = 0;
	return store_account_update(st, s->row, e);
}

int
account_open(struct store *st, int64_t id, struct account_session **out, struct err *e)
{
	struct account_session *s;
	struct ca_row *ca = NULL;
	int rc;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return err_nomem(e);
	rc = store_account_get(st, id, &s->row, e);
	if (rc != 0)
		goto fail;
	rc = -1;
	if (store_ca_get(st, s->row->ca_id, &ca, e) != 0)
		goto fail;
	if (load_key(st, s->row->key_id, &s->key, e) != 0)
		goto fail;
	if (acme_client_new(ca->directory_url, ca->ca_bundle_pem, &s->client, e) != 0 ||
	    allow_stored_origins(s->client, ca->allowed_origins, e) != 0)
		goto fail;
	if (s->row->old_key_id > 0 && settle_rollover(st, s, e) != 0)
		goto fail;
	if (s->row->url == NULL) {
		err_set(e, ERR_USAGE, _("account #%lld was never registered with the CA"),
		    (long long)id);
		goto fail;
	}
	if (acme_client_set_account(s->client, s->key, s->row->url, e) != 0)
		goto fail;
	ca_row_free(ca);
	*out = s;
	return 0;
fail:
	ca_row_free(ca);
	account_session_free(s);
	return rc;
}

int
account_cache_get(struct account_cache *c, struct store *st, int64_t id,
    struct account_session **out, struct err *e)
{
	struct account_row *row = NULL;
	int rc;

	if (c->sess != NULL && c->sess->row->id == id) {
		rc = store_account_get(st, id, &row, e);
		if (rc != 0)
			return rc;
		/* A rollover or deactivation since: the cached session is stale. */
		if (row->key_id == c->key_id && row->old_key_id == 0 &&
		    strcmp(row->status, c->sess->row->status) == 0) {
			account_row_free(row);
			*out = c->sess;
			return 0;
		}
		account_row_free(row);
	}
	account_cache_clear(c);
	rc = account_open(st, id, &c->sess, e);
	if (rc != 0)
		return rc;
	c->key_id = c->sess->row->key_id;
	*out = c->sess;
	return 0;
}

void
account_cache_clear(struct account_cache *c)
{
	account_session_free(c->sess);
	c->sess = NULL;
	c->key_id = 0;
}

static int
open_or_fail(struct store *st, int64_t id, struct account_session **s, struct err *e)
{
	/* Not found (1) is a failure here; account_open already said so in e. */
	return account_open(st, id, s, e) == 0 ? 0 : -1;
}

int
account_update_contacts(struct store *st, int64_t id, const char *const *contacts,
    size_t n, struct err *e)
{
	struct account_session *s;
	struct acme_account *a = NULL;
	int rc = -1;

	if (open_or_fail(st, id, &s, e) != 0)
		return -1;
	if (acme_account_update(s->client, contacts, n, &a, e) == 0) {
		absorb_account(s->row, a);
		rc = store_account_update(st, s->row, e);
	}
	acme_account_free(a);
	account_session_free(s);
	return rc;
}

int
account_deactivate(struct store *st, int64_t id, struct err *e)
{
	struct account_session *s;
	int rc = -1;

	if (open_or_fail(st, id, &s, e) != 0)
		return -1;
	if (acme_account_deactivate(s->client, e) == 0) {
		free(s->row->status);
		s->row->status = strdup("deactivated");
		rc = store_account_update(st, s->row, e);
	}
	account_session_free(s);
	return rc;
}

int
account_rollover(struct store *st, int64_t id, const char *key_type, struct err *e)
{
	struct account_session *s;
	EVP_PKEY *fresh = NULL;
	int64_t old_id, new_id;
	int rc = -1;

	if (open_or_fail(st, id, &s, e) != 0)
		return -1;
	old_id = s->row->key_id;
	/* New key stored and marked in flight, old key kept: both committed first. */
	if (store_begin(st, e) != 0)
		goto out;
	if (new_key(st, key_type != NULL ? key_type : s->row->key_type, &fresh, &new_id, e) != 0) {
		store_rollback(st);
		goto out;
	}
	s->row->key_id = new_id;
	s->row->old_key_id = old_id;
	if (store_account_update(st, s->row, e) != 0 || store_commit(st, e) != 0) {
		store_rollback(st);
		goto out;
	}
	if (acme_account_key_change(s->client, fresh, e) != 0) {
		struct err ignore;

		/*
		 * The CA refused: the old key stays the account's. After a
		 * transport failure nobody knows; the next account_open asks.
		 */
		if (e->kind == ERR_ACME) {
			s->row->key_id = old_id;
			s->row->old_key_id = 0;
			store_account_update(st, s->row, &ignore);
		}
		goto out;
	}
	s->row->old_key_id = 0;
	rc = store_account_update(st, s->row, e);
out:
	account_session_free(s);
	EVP_PKEY_free(fresh);
	return rc;
}

void
account_prewarm(struct store *st, int64_t id)
{
	struct account_row *row = NULL;
	struct ca_row *ca = NULL;
	struct err ignore;

	err_clear(&ignore);
	if (store_account_get(st, id, &row, &ignore) == 0 &&
	    store_ca_get(st, row->ca_id, &ca, &ignore) == 0)
		acme_client_prewarm(ca->directory_url, ca->ca_bundle_pem);
	account_row_free(row);
	ca_row_free(ca);
}

/* 1 when s (no "mailto:") is an address certdeck sends as a contact. */
static int
email_ok(const char *s)
{
	const char *at = strchr(s, '@'), *p;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    at[1] == '\0' || at[1] == '.' || strchr(at + 1, '.') == NULL ||
	    s[strlen(s) - 1] == '.' || strstr(at, "..") != NULL)
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f ||
		    strchr("()<>,;:\\\"[]", *p) != NULL)
			return 0;
	return 1;
}

/* One contact: trimmed, "mailto:" optional. Returns the URI (free()), or NULL with e filled. */
static char *
contact_uri(const char *in, struct err *e)
{
	const char *s = in, *end;
	size_t len;
	char *addr, *uri;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (end - s >= 7 && strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	len = (size_t)(end - s);
	if (len == 0) {
		err_set(e, ERR_USAGE, "%s", _("a contact is empty"));
		return NULL;
	}
	if ((addr = strndup(s, len)) == NULL || (uri = malloc(len + 8)) == NULL) {
		free(addr);
		err_nomem(e);
		return NULL;
	}
	if (!email_ok(addr)) {
		err_set(e, ERR_USAGE, _("'%s' is not an e-mail address"), addr);
		free(addr);
		free(uri);
		return NULL;
	}
	snprintf(uri, len + 8, "mailto:%s", addr);
	free(addr);
	return uri;
}

int
account_contacts_normalise(const char *const *in, size_t n, char ***out, struct err *e)
{
	char **v;
	size_t i;

	*out = NULL;
	if (n > ACCOUNT_CONTACTS_MAX)
		return err_set(e, ERR_USAGE, _("at most %d contacts"), ACCOUNT_CONTACTS_MAX);
	if ((v = calloc(n > 0 ? n : 1, sizeof(*v))) == NULL)
		return err_nomem(e);
	for (i = 0; i < n; i++)
		if (in[i] == NULL || (v[i] = contact_uri(in[i], e)) == NULL) {
			if (in[i] == NULL)
				err_set(e, ERR_USAGE, "%s", _("a contact is empty"));
			strv_free(v, i);
			return -1;
		}
	*out = v;
	return 0;
}
