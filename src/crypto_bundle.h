/*
 * Certificate files as they lie around a host: PEM (any number of
 * certificates, PKCS#7 and private key blocks), DER certificates and
 * keys, PKCS#7 (.p7b/.p7c) and PKCS#12, read into certificates and keys.
 * Part of the crypto module (only crypto_*.c handle key material).
 */
#ifndef CERTDECK_CRYPTO_BUNDLE_H
#define CERTDECK_CRYPTO_BUNDLE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

/* What one file holds. */
struct crypto_bundle {
	STACK_OF(X509) *certs;	/* in file order */
	EVP_PKEY **keys;
	size_t n_keys;
	size_t locked_keys;	/* encrypted keys the password did not open */
};

/* Frees a bundle and what it holds. Accepts NULL. */
void crypto_bundle_free(struct crypto_bundle *b);

/*
 * Reads the certificates and private keys in data. password (NULL for
 * none) opens PKCS#12 files and encrypted keys; a PKCS#12 file without a
 * password opens without one. expect says the file's name promises
 * certificate material (.der, .p12, ...): DER that is none of the kinds
 * is then an error, not "nothing". Returns 0 and *out (free with
 * crypto_bundle_free), 1 when data holds nothing of the kind (most files
 * in a tree are something else), or -1 when it is certificate material
 * that cannot be read: truncated or corrupt, or a PKCS#12 file the
 * password does not open (e says which). Nothing is returned in part.
 */
int crypto_bundle_read(const unsigned char *data, size_t len, const char *password,
    int expect, struct crypto_bundle **out, struct err *e);

/*
 * The PEM text of certificate i of b followed by the certificates of b
 * that issued it, nearest first (a chain file's order; a bundle of
 * unrelated certificates gives each alone). Returns 0 and *pem (free()),
 * or -1.
 */
int crypto_bundle_chain_pem(const struct crypto_bundle *b, int i, char **pem,
    struct err *e);

/*
 * SHA-256 of the DER SubjectPublicKeyInfo of key: equal for a private
 * key and the certificates that hold its public half. Returns 0 or -1.
 */
int crypto_pubkey_digest(EVP_PKEY *key, unsigned char out[32], struct err *e);

/* The same digest for the public key of certificate x. Returns 0 or -1. */
int crypto_cert_pubkey_digest(X509 *x, unsigned char out[32], struct err *e);

/* Writes the key's short description ("ec256", "rsa2048") into buf. */
void crypto_bundle_key_type(EVP_PKEY *key, char *buf, size_t size);

#endif
