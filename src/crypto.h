/*
 * Keys, CSRs and X.509 parsing, with OpenSSL 3 EVP APIs only. Only this
 * module and jws.c ever handle private key material. One header for the
 * module; the code is split by job: crypto_key.c (keys, the store's keys,
 * CSRs), crypto_cert.c (certificate parsing), crypto_alpn.c (the
 * tls-alpn-01 validation certificate), crypto.c (SHA-256 and what the
 * others share, in crypto_priv.h).
 */
#ifndef CERTDECK_CRYPTO_H
#define CERTDECK_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "store_cert.h"

struct store;

enum key_type {
	KEY_EC256,
	KEY_EC384,
	KEY_RSA2048,
	KEY_RSA3072,
	KEY_RSA4096,
	KEY_TYPE_COUNT
};

/* "ec256", "ec384", "rsa2048", ...; NULL for an out-of-range value. */
const char *crypto_key_type_name(enum key_type type);

/* Parses a key type name. Returns 0 and fills *out, or -1 (e is filled). */
int crypto_key_type_parse(const char *name, enum key_type *out, struct err *e);

/* Generates a fresh key. Returns 0 and *out (free with EVP_PKEY_free), or -1. */
int crypto_key_generate(enum key_type type, EVP_PKEY **out, struct err *e);

/*
 * Classifies a key (EC P-256/P-384, RSA 2048/3072/4096). Returns 0 and
 * *out, or -1 for any other kind of key.
 */
int crypto_key_type_of(EVP_PKEY *key, enum key_type *out, struct err *e);

/* PKCS#8 PEM, unencrypted. Returns 0 and *out (free with free()), or -1. */
int crypto_key_to_pem(EVP_PKEY *key, char **out, struct err *e);

/* Reads a private key (PKCS#8, SEC1 or PKCS#1 PEM). Returns 0 and *out, or -1. */
int crypto_key_from_pem(const char *pem, size_t len, EVP_PKEY **out, struct err *e);

/*
 * Reads a private key from a JSON Web Key (RFC 7517/7518: RSA, or EC P-256
 * and P-384 with "d"), as other ACME clients keep account keys. Returns 0
 * and *out (free with EVP_PKEY_free), or -1.
 */
int crypto_key_from_jwk(const char *json, EVP_PKEY **out, struct err *e);

/*
 * Loads key id from the store into an EVP_PKEY, wiping the PEM text on the
 * way. Returns 0 and *out (free with EVP_PKEY_free), 1 when the store has
 * no such key (e is untouched), or -1.
 */
int crypto_key_load(struct store *st, int64_t id, EVP_PKEY **out, struct err *e);

/*
 * Builds a DER CSR signed by key for names (DNS names, or IPv4/IPv6
 * literals which become iPAddress SANs). The first DNS name becomes the
 * subject CN if it has at most 64 characters (else the subject is empty).
 * Returns 0 and *der, *der_len (free *der with free()), or -1.
 */
int crypto_csr_build(EVP_PKEY *key, const char *const *names, size_t n_names,
    unsigned char **der, size_t *der_len, struct err *e);

/* What certdeck needs to know about one certificate. */
struct cert_info {
	char *subject;		/* one-line RFC 2253 form */
	char *issuer;		/* one-line RFC 2253 form */
	char *issuer_cn;	/* issuer commonName, or NULL */
	char *serial;		/* lower-case hex, no separators */
	unsigned char *serial_der; /* serial INTEGER content bytes (for ARI) */
	size_t serial_der_len;
	time_t not_before;
	time_t not_after;
	char **sans;		/* DNS names and IP literals, in certificate order */
	size_t n_sans;
	char *key_type;		/* "ec256", "rsa2048", ... or e.g. "ed25519" */
	int key_bits;
	char fingerprint[65];	/* SHA-256 of the DER, lower-case hex */
	unsigned char *aki;	/* authority key identifier, or NULL */
	size_t aki_len;
	char **crl_urls;	/* CRL distribution point URIs */
	size_t n_crl_urls;
	int is_ca;		/* basicConstraints CA:TRUE */
	enum cert_kind kind;	/* see crypto_cert_kind */
	enum cert_validation validation; /* from certificatePolicies */
};

/*
 * What certdeck needs to know about one parsed certificate (x is
 * borrowed). Returns 0 and *out (free with cert_info_free), or -1 for a
 * certificate with invalid extensions.
 */
int crypto_cert_info(X509 *x, struct cert_info **out, struct err *e);

/* Frees a cert_info and everything in it. Accepts NULL. */
void cert_info_free(struct cert_info *info);

/*
 * Parses every certificate in a PEM chain (leaf first, as CAs send it).
 * Returns 0 and fills *out (an array of *n pointers; free with
 * cert_info_chain_free), or -1 when the text holds no certificate or a
 * malformed/truncated one.
 */
int crypto_chain_parse(const char *pem, size_t len, struct cert_info ***out,
    size_t *n, struct err *e);

/*
 * The certificates of a PEM chain as OpenSSL objects, leaf first, split as
 * strictly as crypto_chain_parse does. Returns 0 and *out (free with
 * sk_X509_pop_free(*out, X509_free)), or -1.
 */
int crypto_chain_load(const char *pem, size_t len, STACK_OF(X509) **out, struct err *e);

/*
 * What crypto_chain_parse says of one certificate, from an X509 already
 * decoded (a TLS peer's). Returns 0 and *out (free with cert_info_free),
 * or -1.
 */
int crypto_cert_info(X509 *x, struct cert_info **out, struct err *e);

/* Frees what crypto_chain_parse returned. Accepts NULL. */
void cert_info_chain_free(struct cert_info **chain, size_t n);

/*
 * Returns 1 when the public key of the first certificate in cert_pem
 * matches key, 0 when it does not, -1 on error.
 */
int crypto_cert_matches_key(const char *cert_pem, size_t len, EVP_PKEY *key,
    struct err *e);

/*
 * Checks that each certificate in the PEM chain is signed by the next one.
 * Returns 0 when it is, -1 (e says which link broke) otherwise.
 */
int crypto_chain_verify_links(const char *pem, size_t len, struct err *e);

/*
 * Checks a chain a CA issued for an order, before anything is stored or
 * deployed: the first certificate's subjectAltName holds exactly names
 * (DNS names, "*." wildcards included, compared case-insensitively; IP
 * literals by address; no other kind of name, none missing, none extra),
 * it is valid at now (notBefore <= now + skew, now < notAfter), it holds
 * key, and each certificate is issued (issuer name) and signed by the
 * next, which is a CA (basicConstraints). Returns 0, or -1 with e
 * (ERR_PROTO, not retryable) naming the first thing that is wrong.
 */
int crypto_issued_check(const char *pem, size_t len, const char *const *names,
    size_t n_names, EVP_PKEY *key, time_t now, long skew, struct err *e);

/*
 * The DER of the first certificate in a PEM chain (what revokeCert takes).
 * Returns 0 and *der (free()) and *der_len, or -1.
 */
int crypto_cert_der(const char *pem, size_t len, unsigned char **der, size_t *der_len,
    struct err *e);

/*
 * The tls-alpn-01 validation certificate (RFC 8737 section 3) for name (a
 * DNS name, or an IPv4/IPv6 literal which becomes an iPAddress SAN; RFC
 * 8738): a fresh P-256 key, and a self-signed certificate with that one
 * critical SAN and the critical acmeIdentifier extension holding digest,
 * the SHA-256 of the key authorization. Returns 0 and *cert (free with
 * X509_free) and *key (free with EVP_PKEY_free), or -1.
 */
int crypto_alpn_cert_new(const char *name, const unsigned char digest[32], X509 **cert,
    EVP_PKEY **key, struct err *e);

/* SHA-256 of data into out[32]. Returns 0 or -1. */
int crypto_sha256(const void *data, size_t len, unsigned char out[32], struct err *e);

#endif
