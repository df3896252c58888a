/*
 * ACME accounts as the store keeps them: creation on a CA, and a protocol
 * session signed as a stored account. Keys are generated and kept in the
 * store; they never leave it.
 */
#ifndef CERTDECK_ACCOUNT_H
#define CERTDECK_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "acme.h"
#include "err.h"
#include "store.h"
#include "store_acme.h"

struct account_create_params {
	const char *server_url;		/* directory URL */
	const char *ca_bundle_pem;	/* trust for the CA's HTTPS, or NULL */
	const char *const *contacts;	/* "mailto:..." */
	size_t n_contacts;
	int agree_tos;
	const char *key_type;		/* NULL: ec256 */
	const char *eab_kid;
	const char *eab_hmac_key;
	/*
	 * Origins ("https://host[:port]", any path ignored) the CA may hand
	 * out URLs on besides its directory's; stored with the CA (replacing
	 * what it had) when n_allowed_origins > 0.
	 */
	const char *const *allowed_origins;
	size_t n_allowed_origins;
	/*
	 * > 0: an account an earlier attempt left "pending" at the same CA:
	 * registers its key instead of making a new one (the CA answers
	 * newAccount for a key it knows with that account), so a retry never
	 * makes a second account.
	 */
	int64_t resume_id;
	/*
	 * May be NULL. Called with the pending account's id inside the
	 * transaction that stores it, so a caller's own record of it (a job's
	 * params) commits with it or not at all, even across a crash.
	 */
	int (*on_pending)(void *arg, int64_t id, struct err *e);
	void *on_pending_arg;
};

/*
 * Generates and stores an account key, registers it with the CA, stores
 * the account. Returns 0 and *id, or -1 (a key stored before a network
 * failure is kept, with the account left "pending" and *id set to it:
 * give it as resume_id to try again).
 */
int account_create(struct store *st, const struct account_create_params *p,
    int64_t *id, struct err *e);

/*
 * Finds the existing account of an account key at a CA (newAccount with
 * onlyReturnExisting) and stores it with that key: how an account made by
 * another client (or a lost store) is taken over. key_pem is the account
 * key. Returns 0 and *id, or -1 (the CA knows no account for the key).
 */
int account_recover(struct store *st, const char *server_url, const char *ca_bundle_pem,
    const char *key_pem, int64_t *id, struct err *e);

/* A protocol client signed as a stored account. */
struct account_session {
	struct acme_client *client;
	EVP_PKEY *key;
	struct account_row *row;
};

/*
 * Opens a session for account id (finishing an interrupted key rollover
 * first). Returns 0 and *out (free with account_session_free), 1 when no
 * such account, or -1.
 */
int account_open(struct store *st, int64_t id, struct account_session **out,
    struct err *e);

/* Frees a session from account_open (its client and key). Accepts NULL. */
void account_session_free(struct account_session *s);

/*
 * A worker thread's open session, reused across its jobs so consecutive
 * orders skip the directory fetch and the TLS handshake. Zero-initialise.
 */
struct account_cache {
	struct account_session *sess;
	int64_t key_id;		/* what the session was opened with */
};

/*
 * The session for account id, reused when the stored account still has
 * the same key, else reopened. *out is borrowed from the cache. Returns 0,
 * 1 when no such account, or -1.
 */
int account_cache_get(struct account_cache *c, struct store *st, int64_t id,
    struct account_session **out, struct err *e);

/* Frees the cached session. Accepts a cache that holds none. */
void account_cache_clear(struct account_cache *c);

/*
 * Starts connecting to account id's CA in the background (see
 * acme_client_prewarm), for a foreground command about to run a job with
 * it. Best effort; end with acme_client_prewarm_end().
 */
void account_prewarm(struct store *st, int64_t id);

/* The most contacts account_contacts_normalise accepts. */
#define ACCOUNT_CONTACTS_MAX 16

/*
 * The one rule for account contacts, from the CLI, a job's params or the
 * TUI: each value is trimmed, may start with "mailto:" (any case), and
 * must then be an e-mail address (one '@' not first, a dotted domain, no
 * blanks, control characters or ()<>,;:\"[]); empty values and more than
 * ACCOUNT_CONTACTS_MAX are refused. Returns 0 and *out, n "mailto:" URIs
 * (never NULL, even for n == 0: an empty list removes them all; free with
 * strv_free(*out, n)), or -1 (ERR_USAGE naming the value).
 */
int account_contacts_normalise(const char *const *in, size_t n, char ***out,
    struct err *e);


/* Replaces the contacts at the CA and in the store. Returns 0 or -1. */
int account_update_contacts(struct store *st, int64_t id, const char *const *contacts,
    size_t n, struct err *e);

/* Deactivates the account at the CA and in the store. Returns 0 or -1. */
int account_deactivate(struct store *st, int64_t id, struct err *e);

/*
 * Rolls the account key over (RFC 8555 7.3.5) to a new key of key_type
 * (NULL: the current type). The old key stays in the store until the CA
 * has confirmed. Returns 0 or -1.
 */
int account_rollover(struct store *st, int64_t id, const char *key_type, struct err *e);

/*
 * Expands a preset name (ca_preset.h: "letsencrypt", "zerossl"...) to its
 * directory URL. Returns the URL (static), or name_or_url itself.
 */
const char *account_server_url(const char *name_or_url);

#endif
