/*
 * CAs, accounts, orders, authorizations and challenges in the store. The
 * issuance flow writes each protocol step here before taking the next, so
 * an interrupted job resumes where it stopped.
 */
#ifndef CERTDECK_STORE_ACME_H
#define CERTDECK_STORE_ACME_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct ca_row {
	int64_t id;
	char *name;		/* "letsencrypt", or the URL's host */
	char *directory_url;
	char *ca_bundle_pem;	/* trusted roots for this CA's HTTPS, or NULL */
	char *eab_kid;
	char *eab_hmac_key;
	char *directory_json;	/* cached, or NULL */
	char *allowed_origins;	/* "https://host:port" words, space-separated, or NULL */
};

/* Frees a CA row and its strings (the EAB key wiped first). Accepts NULL. */
void ca_row_free(struct ca_row *r);

/* Replaces the CA's allowed origins (NULL: none but the directory's). Returns 0 or -1. */
int store_ca_set_allowed_origins(struct store *st, int64_t id, const char *origins,
    struct err *e);

/*
 * Finds the CA by directory URL or inserts it; a non-NULL bundle replaces
 * the stored one. Returns 0 and *id, or -1.
 */
int store_ca_ensure(struct store *st, const char *directory_url, const char *name,
    const char *ca_bundle_pem, int64_t *id, struct err *e);

/* Returns 0 and *out (free with ca_row_free), 1 when absent, or -1. */
int store_ca_get(struct store *st, int64_t id, struct ca_row **out, struct err *e);

/* Caches the directory document. Returns 0 or -1. */
int store_ca_set_directory(struct store *st, int64_t id, const char *json, struct err *e);

struct account_row {
	int64_t id;
	int64_t ca_id;
	int64_t key_id;
	int64_t old_key_id;	/* during a key rollover, else 0 */
	char *url;		/* the kid, NULL until the CA answered */
	char *contacts_json;	/* JSON array of "mailto:..." */
	char *status;
	int tos_agreed;
	long long created;
	long long updated;
	/* Filled by store_account_get/list from the CA row. */
	char *ca_url;
	char *key_type;
};

/* Frees an account row and its strings. Accepts NULL. */
void account_row_free(struct account_row *r);

/* Inserts; fills r->id. Returns 0 or -1. */
int store_account_insert(struct store *st, struct account_row *r, struct err *e);

/* Writes url, contacts, status, key ids, tos_agreed of r->id. Returns 0 or -1. */
int store_account_update(struct store *st, const struct account_row *r, struct err *e);

/* Returns 0 and *out (free with account_row_free), 1 when absent, or -1. */
int store_account_get(struct store *st, int64_t id, struct account_row **out,
    struct err *e);

/* Calls cb for every account by id; cb's row is borrowed. Returns 0, cb's non-zero, or -1. */
int store_account_list(struct store *st, int (*cb)(const struct account_row *, void *),
    void *arg, struct err *e);

/*
 * The account to use when none is named: the only valid one. Returns 0 and
 * *id, 1 when there is none, 2 when there are several, or -1.
 */
int store_account_default(struct store *st, int64_t *id, struct err *e);

struct order_row {
	int64_t id;
	int64_t account_id;
	char *url;			/* NULL until newOrder answered */
	char *status;			/* "new" before newOrder, then the CA's */
	char *identifiers_json;		/* [{"type":"dns","value":"..."}] */
	char *profile;
	char *replaces;
	long long expires;
	char *finalize_url;
	char *certificate_url;
	int64_t key_id;			/* the certificate key, once generated */
	unsigned char *csr;		/* DER, once built */
	size_t csr_len;
	char *settings_json;		/* challenge and key settings */
	char *error_json;		/* the CA's problem document, or NULL */
	int64_t cert_id;		/* the stored certificate, once downloaded */
	long long created;
	long long updated;
};

/* Frees an order row and its strings. Accepts NULL. */
void order_row_free(struct order_row *r);

/* Inserts; fills r->id. Returns 0 or -1. */
int store_order_insert(struct store *st, struct order_row *r, struct err *e);

/* Writes every mutable column of r->id. Returns 0 or -1. */
int store_order_update(struct store *st, const struct order_row *r, struct err *e);

/* Returns 0 and *out (free with order_row_free), 1 when absent, or -1. */
int store_order_get(struct store *st, int64_t id, struct order_row **out, struct err *e);

/* Calls cb for every order, newest first. Returns 0, cb's non-zero, or -1. */
int store_order_list(struct store *st, int (*cb)(const struct order_row *, void *),
    void *arg, struct err *e);

/*
 * Records an authorization of an order (insert or update by URL).
 * Returns 0 and *id, or -1.
 */
int store_authz_put(struct store *st, int64_t order_id, const char *url,
    const char *ident_type, const char *ident_value, int wildcard,
    const char *status, long long expires, int64_t *id, struct err *e);

/* Records a challenge of an authorization (insert or update by URL). Returns 0 or -1. */
int store_challenge_put(struct store *st, int64_t authz_id, const char *type,
    const char *url, const char *token, const char *status, const char *error_json,
    struct err *e);

/*
 * Records that the CA validated every authorization of an order (it said
 * so by turning the order ready): authorizations and their challenges of
 * challenge_type become "valid". Returns 0 or -1.
 */
int store_order_validated(struct store *st, int64_t order_id, const char *challenge_type,
    struct err *e);

/* Deletes an order's authorizations and their challenges. Returns 0 or -1. */
int store_authz_delete(struct store *st, int64_t order_id, struct err *e);

/* Calls cb(url, status, arg) for each authorization URL of the order, in insertion order. */
int store_authz_list(struct store *st, int64_t order_id,
    int (*cb)(const char *url, const char *status, void *arg), void *arg, struct err *e);

#endif
