/*
 * What the crypto_*.c files share and nobody else sees: PEM markers,
 * string helpers, the key description and the SAN builder.
 */
#ifndef CERTDECK_CRYPTO_PRIV_H
#define CERTDECK_CRYPTO_PRIV_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "err.h"

#define CRYPTO_PEM_BEGIN "-----BEGIN"
#define CRYPTO_PEM_END "-----END"
#define CRYPTO_PEM_DASHES "-----"

/* A NUL-terminated copy of len bytes at p. Returns it (free()), or NULL. */
char *crypto_dup_mem(const void *p, size_t len);

/* The first needle in [p, end). Returns a pointer into it (borrowed), or NULL. */
const char *crypto_find(const char *p, const char *end, const char *needle);

/*
 * Writes a short lower-case description of any public key into buf
 * ("ec256", "rsa3072", "ed25519", "ec-brainpoolP256r1").
 */
void crypto_describe_key(EVP_PKEY *key, char *buf, size_t size);

/*
 * A subjectAltName entry for a DNS name, or for an IPv4/IPv6 literal an
 * iPAddress (then *is_ip is 1). Returns it (free with GENERAL_NAME_free),
 * or NULL when memory runs out.
 */
GENERAL_NAME *crypto_general_name(const char *name, int *is_ip);

#endif
