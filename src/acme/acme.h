/*
 * The ACME protocol (RFC 8555) over one CA: directory, nonces, signed
 * requests, problem documents, accounts, orders, authorizations,
 * challenges, finalization, certificate download, revocation, ARI
 * (RFC 9773). No state beyond one connection's: the caller (the issuance
 * flow, the worker) persists every step in the store. Never prints.
 *
 * A struct acme_client is used by one thread at a time.
 */
#ifndef CERTDECK_ACME_H
#define CERTDECK_ACME_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "err.h"
#include "http.h"

struct acme_directory {
	char *new_nonce, *new_account, *new_order, *new_authz;
	char *revoke_cert, *key_change, *renewal_info;	/* may be NULL */
	char *terms_of_service, *website;		/* meta, may be NULL */
	char **caa_identities;
	size_t n_caa_identities;
	int external_account_required;
	char **profiles;		/* meta.profiles names */
	char **profile_descriptions;	/* parallel to profiles */
	size_t n_profiles;
};

struct acme_client;

/*
 * Connects to a CA: fetches its directory, trusting the roots in
 * ca_bundle_pem (PEM text, as the store keeps it; NULL: the system's).
 * The directory URL must be https. Returns 0 and *out (free with
 * acme_client_free), or -1 (not https, unreachable CA, TLS failure, a
 * directory missing newNonce, newAccount or newOrder...). An empty or
 * malformed renewalInfo is taken as absent.
 */
int acme_client_new(const char *directory_url, const char *ca_bundle_pem,
    struct acme_client **out, struct err *e);

/*
 * Starts acme_client_new(directory_url, ca_bundle_pem) in a thread of its
 * own, plus a first nonce, so the TLS handshake and the round trips
 * overlap with the caller's store work; the next acme_client_new for the
 * same URL and bundle in this process takes that client. Best effort:
 * failures are dropped (that later call repeats the work and reports
 * them). One at a time per process; a second call while one is pending
 * does nothing.
 */
void acme_client_prewarm(const char *directory_url, const char *ca_bundle_pem);

/* Waits for and frees a prewarmed client nobody took. Call before exiting. */
void acme_client_prewarm_end(void);

/*
 * A second client for another thread: the same CA, directory and account
 * (key borrowed from parent), its own connection and nonce pool. No
 * network request. Returns 0 and *out (free with acme_client_free), or -1.
 */
int acme_client_fork(struct acme_client *parent, struct acme_client **out, struct err *e);

/*
 * Allows the CA to hand out URLs on the origin of url too (for a CA that
 * really splits its hosts; the user's per-CA setting). Every URL the CA
 * hands out must otherwise be on the directory's origin. Returns 0, or -1
 * when url is not an absolute https URL.
 */
int acme_client_allow_origin(struct acme_client *c, const char *url, struct err *e);

/* Frees the client. Does not free the account key. Accepts NULL. */
void acme_client_free(struct acme_client *c);

/* Returns the parsed directory, borrowed from c. */
const struct acme_directory *acme_client_directory(struct acme_client *c);

/* Returns the directory JSON as fetched, borrowed from c (the store caches it). */
const char *acme_client_directory_json(struct acme_client *c);

/*
 * Sets the account the following requests are signed as: key (borrowed,
 * must outlive its use) and kid (the account URL, copied; NULL before the
 * account exists). Returns 0, or -1 when memory runs out.
 */
int acme_client_set_account(struct acme_client *c, EVP_PKEY *key, const char *kid,
    struct err *e);

/* Tuning for tests and benchmarks: the most badNonce retries per request (default 20). */
void acme_client_set_nonce_retries(struct acme_client *c, int n);

/*
 * One signed request: takes a pooled nonce (HEAD newNonce only when the
 * pool is empty), signs with kid (or jwk when use_jwk or no kid is set),
 * retries on badNonce with the fresh nonce (bounded), keeps the
 * Replay-Nonce of every response. payload is JSON text, or NULL for
 * POST-as-GET. An HTTP error status becomes -1 with the problem document
 * in e (type, detail, subproblems, status, retry_after; retryable for
 * rateLimited, serverInternal, 5xx and transport failures). Returns 0 and
 * *out (free with http_response_free), or -1.
 */
int acme_post(struct acme_client *c, const char *url, const char *payload,
    int use_jwk, struct http_response **out, struct err *e);

/* Like acme_post, also parsing a JSON object body. *json: free with cJSON_Delete. */
int acme_post_json(struct acme_client *c, const char *url, const char *payload,
    int use_jwk, struct http_response **resp, cJSON **json, struct err *e);

/*
 * Fills e from an error response (RFC 7807 problem document when the
 * body is application/problem+json). Returns -1.
 */
int acme_problem_to_err(const struct http_response *r, const char *url, struct err *e);

/* --- accounts (RFC 8555 7.3) --- */

struct acme_account {
	char *url;		/* the kid */
	char *status;		/* "valid", "deactivated", "revoked" */
	char **contacts;	/* "mailto:..." */
	size_t n_contacts;
	char *orders;		/* orders list URL, or NULL */
};

/* Frees an account and everything in it. Accepts NULL. */
void acme_account_free(struct acme_account *a);

struct acme_account_params {
	const char *const *contacts;	/* "mailto:a@b" strings; may be 0 */
	size_t n_contacts;
	int agree_tos;
	int only_return_existing;	/* look up the account of the key */
	const char *eab_kid;		/* both or neither */
	const char *eab_hmac_key;	/* base64url */
};

/*
 * newAccount with the client's key (set with acme_client_set_account,
 * kid NULL). On success the client's kid becomes the account URL.
 * Returns 0 and *out (free with acme_account_free), or -1.
 */
int acme_account_new(struct acme_client *c, const struct acme_account_params *p,
    struct acme_account **out, struct err *e);

/*
 * POST-as-GET the account, or update its contacts when contacts != NULL.
 * Returns 0 and *out (free with acme_account_free), or -1.
 */
int acme_account_update(struct acme_client *c, const char *const *contacts,
    size_t n_contacts, struct acme_account **out, struct err *e);

/* Deactivates the account (status "deactivated"). Returns 0 or -1. */
int acme_account_deactivate(struct acme_client *c, struct err *e);

/*
 * keyChange (7.3.5): the outer JWS by the current key, the inner by
 * new_key. On success (only then) the client signs with new_key
 * (borrowed). Returns 0 or -1.
 */
int acme_account_key_change(struct acme_client *c, EVP_PKEY *new_key, struct err *e);

/* --- orders (7.4) --- */

struct acme_identifier {
	char *type;		/* "dns" or "ip" */
	char *value;
};

struct acme_order {
	char *url;
	char *status;		/* pending, ready, processing, valid, invalid */
	char *expires;		/* RFC 3339 text, or NULL */
	struct acme_identifier *identifiers;
	size_t n_identifiers;
	char **authorizations;	/* URLs */
	size_t n_authorizations;
	char *finalize;
	char *certificate;	/* once valid */
	char *profile;		/* echoed by the CA, or NULL */
	cJSON *error;		/* problem document when invalid, or NULL */
	long retry_after;	/* from the response, -1 if none */
};

/* Frees an order and everything in it. Accepts NULL. */
void acme_order_free(struct acme_order *o);

/*
 * Builds identifiers from names: IPv4/IPv6 literals become "ip", the rest
 * "dns" (lower-cased). Returns 0 and *out (n entries; free with
 * acme_identifiers_free), or -1 for an empty or malformed name.
 */
int acme_identifiers_from_names(const char *const *names, size_t n,
    struct acme_identifier **out, struct err *e);

/* Frees n identifiers and their array. Accepts NULL. */
void acme_identifiers_free(struct acme_identifier *ids, size_t n);

/*
 * newOrder. profile and replaces (an ARI certificate ID) are sent only
 * when non-NULL. A profile the directory does not list in meta.profiles
 * fails with ERR_USAGE naming those it does, before anything is sent;
 * replaces is left out when the directory has no renewalInfo. Returns 0
 * and *out (with url set from Location), or -1.
 */
int acme_order_new(struct acme_client *c, const struct acme_identifier *ids,
    size_t n, const char *profile, const char *replaces, struct acme_order **out,
    struct err *e);

/* POST-as-GET an order. Returns 0 and *out, or -1. */
int acme_order_get(struct acme_client *c, const char *url, struct acme_order **out,
    struct err *e);

/* Finalizes with a DER CSR. Returns 0 and the updated *out, or -1. */
int acme_order_finalize(struct acme_client *c, const struct acme_order *o,
    const unsigned char *csr_der, size_t csr_len, struct acme_order **out,
    struct err *e);

/* --- authorizations and challenges (7.5) --- */

struct acme_challenge {
	char *type;
	char *url;
	char *status;
	char *token;		/* checked: base64url, at most 256 characters */
	cJSON *error;		/* or NULL */
};

struct acme_authz {
	char *url;
	struct acme_identifier identifier;
	char *status;		/* pending, valid, invalid, deactivated, expired, revoked */
	char *expires;
	int wildcard;
	struct acme_challenge *challenges;
	size_t n_challenges;
	long retry_after;
};

/* Frees an authorization and its challenges. Accepts NULL. */
void acme_authz_free(struct acme_authz *a);

/*
 * POST-as-GET an authorization. A challenge whose token is not strict
 * base64url makes this fail (the CA's data never reaches a file, record,
 * hook or log). Returns 0 and *out, or -1.
 */
int acme_authz_get(struct acme_client *c, const char *url, struct acme_authz **out,
    struct err *e);

/* The first challenge of authz of the given type, borrowed, or NULL. */
const struct acme_challenge *acme_authz_challenge(const struct acme_authz *a,
    const char *type);

/* Tells the CA to validate ("{}" to the challenge URL). Returns 0 or -1. */
int acme_challenge_respond(struct acme_client *c, const char *url, struct err *e);

/* Deactivates an authorization. Returns 0 or -1. */
int acme_authz_deactivate(struct acme_client *c, const char *url, struct err *e);

/* --- certificates (7.4.2, 7.6) --- */

/*
 * Downloads a certificate chain (application/pem-certificate-chain).
 * *alternates receives the Link rel="alternate" URLs (free each and the
 * array), *n_alternates their count. Returns 0 and *pem (free()), or -1.
 */
int acme_cert_download(struct acme_client *c, const char *url, char **pem,
    char ***alternates, size_t *n_alternates, struct err *e);

/*
 * revokeCert with a reason code (RFC 5280: 0 unspecified, 1 keyCompromise,
 * 3 affiliationChanged, 4 superseded, 5 cessationOfOperation). When
 * cert_key is non-NULL the request is signed by the certificate's own key
 * (jwk), else by the account (kid). Returns 0 or -1.
 */
int acme_revoke(struct acme_client *c, const unsigned char *cert_der, size_t der_len,
    int reason, EVP_PKEY *cert_key, struct err *e);

/* --- ARI (RFC 9773) --- */

/*
 * The ARI certificate identifier base64url(AKI keyIdentifier) "."
 * base64url(serial DER content). Returns 0 and *out (free()), or -1.
 */
int acme_ari_cert_id(const unsigned char *aki, size_t aki_len,
    const unsigned char *serial, size_t serial_len, char **out, struct err *e);

struct acme_renewal_info {
	long long window_start;	/* Unix seconds */
	long long window_end;
	char *explanation_url;	/* or NULL */
	long retry_after;	/* seconds until the next check, -1 if none */
};

/*
 * GET renewalInfo/CERT-ID (unauthenticated). Returns 0 and fills *out
 * (free explanation_url), 1 when the directory has no renewalInfo, or -1.
 */
int acme_renewal_info_get(struct acme_client *c, const char *cert_id,
    struct acme_renewal_info *out, struct err *e);

/* timefmt_parse_rfc3339 under its older name: returns 0 and *out, or -1. */
int acme_parse_time(const char *s, long long *out);

#endif
