/*
 * JSON Web Signatures for ACME (RFC 7515, 7638, RFC 8555 section 6.2):
 * flattened JSON serialization, ES256 / ES384 / RS256, jwk or kid in the
 * protected header, and External Account Binding (HS256).
 */
#ifndef CERTDECK_JWS_H
#define CERTDECK_JWS_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "err.h"

/* "ES256" (P-256), "ES384" (P-384) or "RS256" (RSA). Returns 0 and *alg, or -1. */
int jws_alg(EVP_PKEY *key, const char **alg, struct err *e);

/*
 * The public JWK of key with only the required members, in the
 * lexicographic order RFC 7638 hashes. Returns 0 and *out (free with
 * cJSON_Delete), or -1.
 */
int jws_jwk(EVP_PKEY *key, cJSON **out, struct err *e);

/* RFC 7638 SHA-256 thumbprint, base64url. Returns 0 and *out (free()), or -1. */
int jws_thumbprint(EVP_PKEY *key, char **out, struct err *e);

/*
 * Signs one ACME request. kid is the account URL, or NULL to embed the
 * jwk (newAccount, revocation by certificate key). nonce may be NULL (the
 * inner JWS of a key change). payload is the JSON text, or NULL for
 * POST-as-GET (an empty payload). Returns 0 and *out, the flattened JWS
 * as JSON text (free()), or -1.
 */
int jws_sign(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
    const char *payload, char **out, struct err *e);

/*
 * The externalAccountBinding object for newAccount (RFC 8555 7.3.4):
 * an HS256 JWS over the account's public JWK, keyed by the CA-issued
 * hmac_key, with eab_kid and url in the protected header. hmac_key_b64url
 * is the key as the CA hands it out (base64url). Returns 0 and *out (free
 * with cJSON_Delete), or -1.
 */
int jws_eab(EVP_PKEY *account_key, const char *eab_kid,
    const char *hmac_key_b64url, const char *url, cJSON **out, struct err *e);

/* token "." thumbprint (RFC 8555 8.1). Returns 0 and *out (free()), or -1. */
int jws_key_authorization(EVP_PKEY *account_key, const char *token, char **out,
    struct err *e);

/*
 * The dns-01 TXT value: base64url(SHA-256(key authorization)). Returns 0
 * and *out (free()), or -1.
 */
int jws_dns01_value(const char *key_authorization, char **out, struct err *e);

#endif
