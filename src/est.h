/*
 * EST (RFC 7030) over src/http.c with OpenSSL's PKCS#7 and ASN.1
 * decoders: /cacerts, /csrattrs, /simpleenroll and /simplereenroll. No
 * ASN.1 is written by hand. The engine never prints: what the server
 * asked for and certdeck cannot honour comes back as notes.
 */
#ifndef CERTDECK_EST_H
#define CERTDECK_EST_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "http.h"

/* Seconds to wait after a 202 that names no Retry-After. */
#define EST_RETRY_DEFAULT_S 300

/*
 * The URL of operation op ("cacerts", "simpleenroll"...) of the EST
 * server url (https://host[:port], or one already ending in
 * /.well-known/est) with the optional CA label. Returns it (free()), or
 * NULL when out of memory.
 */
char *est_url(const char *url, const char *label, const char *op);

/*
 * Parses a base64 PKCS#7 certs-only body (whitespace allowed) into its
 * certificates, in the order sent. Returns 0 and *out (free with
 * sk_X509_pop_free(*out, X509_free)), or -1 (ERR_PROTO).
 */
int est_parse_certs(const char *body, size_t len, STACK_OF(X509) **out, struct err *e);

/* GET /cacerts: the CA certificates. Returns 0 and *out as est_parse_certs, or -1. */
int est_get_cacerts(struct http *h, const char *url, const char *label,
    STACK_OF(X509) **out, struct err *e);

/* What /csrattrs asked for, as far as certdeck acts on it. */
struct est_csrattrs {
	int md_nid;		/* the signature digest asked for (NID_sha384...), 0 for none */
	int md_for_ec;		/* 1: asked as ecdsa-with-SHAx, 0: as shaxWithRSAEncryption */
	char notes[512];	/* what was asked and is not honoured, one a line */
};

/*
 * Parses a base64 CsrAttrs body (RFC 7030 section 4.5.2). Returns 0 and
 * fills *out, or -1 (ERR_PROTO).
 */
int est_parse_csrattrs(const char *body, size_t len, struct est_csrattrs *out,
    struct err *e);

/*
 * GET /csrattrs. A server without them (204, 404) is no error: *out is
 * then empty. Returns 0 or -1.
 */
int est_get_csrattrs(struct http *h, const char *url, const char *label,
    struct est_csrattrs *out, struct err *e);

/* The digest to sign the CSR with for key: what a asked for if it fits key, else SHA-256. */
const EVP_MD *est_csr_md(const struct est_csrattrs *a, EVP_PKEY *key);

/* What an enrolment request got. */
struct est_reply {
	int pending;		/* 1: 202 Accepted, ask again after retry_after */
	long retry_after;	/* seconds */
	char *pem;		/* the issued certificate (PEM, first), then any others sent */
	EVP_PKEY *key;		/* /serverkeygen: the key the server made for it */
};

/* The enrolment operations. */
enum est_op {
	EST_SIMPLEENROLL,
	EST_SIMPLEREENROLL,
	EST_SERVERKEYGEN,	/* RFC 7030 section 4.4: the server makes the key */
};

/* Frees r's strings and key. Accepts NULL. */
void est_reply_clear(struct est_reply *r);

/*
 * Parses a /simpleenroll answer body into *out->pem: the certificate
 * for key (the one whose public key is key's) first. Returns 0 or -1.
 */
int est_parse_enroll(const char *body, size_t len, EVP_PKEY *key, struct est_reply *out,
    struct err *e);

/*
 * Parses a /serverkeygen answer (RFC 7030 section 4.4.2): a multipart/mixed
 * body whose parts are the key (application/pkcs8, base64 DER, unencrypted)
 * and the certificate (application/pkcs7-mime certs-only); the delimiter is
 * taken from the body's first "--" line. Fills out->key and out->pem (the
 * certificate for that key first). Returns 0 or -1 (ERR_PROTO).
 */
int est_parse_serverkeygen(const char *body, size_t len, struct est_reply *out,
    struct err *e);

/*
 * POSTs the DER CSR to op's path, authenticated as h is set up (basic
 * auth, client certificate). key is the CSR's (NULL for
 * EST_SERVERKEYGEN). Returns 0 and fills *out (a certificate, with the
 * server's key for EST_SERVERKEYGEN, or pending), or -1 (ERR_INPUT for
 * refused credentials; e->retryable for transport trouble and 5xx).
 */
int est_enroll(struct http *h, const char *url, const char *label, enum est_op op,
    const unsigned char *csr, size_t csr_len, EVP_PKEY *key, struct est_reply *out,
    struct err *e);

#endif
