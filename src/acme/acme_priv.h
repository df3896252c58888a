/*
 * What the ACME transport (acme_transport.c) and the resources (acme.c)
 * share: the client's insides, JSON helpers and the signed request
 * underneath acme_post. Not for use outside src/acme/acme*.c.
 */
#ifndef CERTDECK_ACME_PRIV_H
#define CERTDECK_ACME_PRIV_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "acme.h"
#include "err.h"
#include "http.h"

#define ACME_NONCE_POOL 8

/* One connection to one CA; used by one thread at a time (acme.h). */
struct acme_client {
	struct http *http;
	char *ca_bundle_pem;	/* kept for forks */
	char *directory_url;
	char *directory_json;
	struct acme_directory dir;
	char *nonces[ACME_NONCE_POOL];
	int n_nonces;
	int nonce_retries;
	EVP_PKEY *key;		/* borrowed */
	char *kid;
	char *origin;		/* the directory's, "https://host:port" */
	char **allowed;		/* more origins the user allowed for this CA */
	size_t n_allowed;
};

/*
 * Checks a URL the CA handed out (what names it: "Location", "finalize"):
 * it must be an absolute https URL on the directory's origin or on one the
 * user allowed. Returns 0, or -1 (ERR_PROTO, not retryable, naming url).
 */
int acme_url_check(const struct acme_client *c, const char *url, const char *what,
    struct err *e);

/* The string member k of o, borrowed, or NULL when absent or not a string. */
const char *acme_jstr(const cJSON *o, const char *k);

/* A copy of the string member k of o (free()), or NULL. */
char *acme_jdup(const cJSON *o, const char *k);

/*
 * Copies a JSON array of strings (NULL arr: none). Returns 0 and *out, *n
 * (free with strv_free), or -1 when a member is not a string or memory
 * runs out.
 */
int acme_jstrv(const cJSON *arr, char ***out, size_t *n);

/*
 * acme_post signed by key (borrowed), with kid, or with key's jwk when
 * kid is NULL. Returns 0 and *out (free with http_response_free), or -1.
 */
int acme_post_signed(struct acme_client *c, EVP_PKEY *key, const char *kid, const char *url,
    const char *payload, struct http_response **out, struct err *e);

/*
 * Parses the body of r as a JSON object. Returns 0 and *json (free with
 * cJSON_Delete), or -1 (ERR_PROTO naming url).
 */
int acme_parse_json_body(const struct http_response *r, const char *url, cJSON **json,
    struct err *e);

#endif
