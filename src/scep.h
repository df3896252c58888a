/*
 * SCEP (RFC 8894) over src/http.c with OpenSSL's PKCS#7 and X.509
 * functions: GetCACaps, GetCACert, and one PKIOperation (PKCSReq or
 * RenewalReq) with its CertRep. No ASN.1 is written by hand. The engine
 * never prints: what a person should hear (a weak algorithm, single DES
 * read through the legacy provider) comes back as warnings.
 */
#ifndef CERTDECK_SCEP_H
#define CERTDECK_SCEP_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "http.h"

/* Capabilities from GetCACaps that certdeck acts on. */
enum {
	SCEP_CAP_POST = 1 << 0,		/* POSTPKIOperation */
	SCEP_CAP_RENEWAL = 1 << 1,	/* Renewal */
	SCEP_CAP_AES = 1 << 2,		/* AES (AES-128-CBC) */
	SCEP_CAP_DES3 = 1 << 3,		/* DES3 */
	SCEP_CAP_SHA1 = 1 << 4,		/* SHA-1 */
	SCEP_CAP_SHA256 = 1 << 5,	/* SHA-256 */
	SCEP_CAP_SHA512 = 1 << 6,	/* SHA-512 */
	SCEP_CAP_STANDARD = 1 << 7,	/* SCEPStandard: AES, SHA-256 and POST */
};

/* What GetCACaps said. */
struct scep_caps {
	unsigned flags;		/* SCEP_CAP_* */
	char **words;		/* every capability as sent (sanitised), in order */
	size_t n_words;
};

/* Frees the words and zeroes c. Accepts an empty one. */
void scep_caps_clear(struct scep_caps *c);

/*
 * GetCACaps of the SCEP endpoint url (the path the CA documents, e.g.
 * http://host/scep or NDES's .../mscep.dll). Returns 0 and fills *out
 * (release with scep_caps_clear), or -1 (e->retryable for transport
 * trouble).
 */
int scep_get_caps(struct http *h, const char *url, struct scep_caps *out, struct err *e);

/* The CA's certificates from GetCACert. */
struct scep_ca {
	STACK_OF(X509) *certs;	/* all, as sent */
	X509 *ca;		/* borrowed from certs: the issuing CA */
	X509 *recipient;	/* borrowed: the RA certificate requests are encrypted to, else ca */
	char ca_fingerprint[65]; /* SHA-256 of ca's DER, lower-case hex */
};

/* Frees a scep_ca. Accepts NULL. */
void scep_ca_free(struct scep_ca *ca);

/*
 * GetCACert: a single CA certificate, or a degenerate PKCS#7 with the RA
 * and CA certificates (an RA must be signed by the CA). Returns 0 and
 * *out (free with scep_ca_free), or -1.
 */
int scep_get_ca(struct http *h, const char *url, struct scep_ca **out, struct err *e);

/* SHA-256 of a certificate's DER into out as lower-case hex. Returns 0 or -1. */
int scep_fingerprint(X509 *cert, char out[65], struct err *e);

/* The cipher and digest chosen from the capabilities (names for messages). */
struct scep_algs {
	const char *cipher;	/* "AES-128-CBC" or "DES-EDE3-CBC" */
	const char *digest;	/* "SHA512", "SHA256" or "SHA1" */
	int weak;		/* 1 when DES3 or SHA-1 had to be used */
};

/* Picks the strongest cipher and digest caps allow. Fills *out; never fails. */
void scep_pick_algs(unsigned caps, struct scep_algs *out);

/* Message types of a PKIOperation (RFC 8894 section 3.2.1.2). */
enum scep_msg_type {
	SCEP_MSG_CERTREP = 3,
	SCEP_MSG_RENEWALREQ = 17,
	SCEP_MSG_PKCSREQ = 19,
	SCEP_MSG_CERTPOLL = 20,
};

/* pkiStatus of a CertRep. */
enum scep_status {
	SCEP_SUCCESS = 0,
	SCEP_FAILURE = 2,
	SCEP_PENDING = 3,
};

/* One request; every member borrowed. */
struct scep_request {
	const char *url;
	const struct scep_ca *ca;
	unsigned caps;			/* SCEP_CAP_* */
	/* SCEP_MSG_PKCSREQ, SCEP_MSG_RENEWALREQ, or SCEP_MSG_CERTPOLL for a PENDING one */
	enum scep_msg_type type;
	/* DER; for CertPoll the one the request was made from (its subject and key) */
	const unsigned char *csr;
	size_t csr_len;
	X509 *signer;	/* the transient self-signed certificate, or the current one */
	EVP_PKEY *signer_key;	/* its key: the CA encrypts the reply to it */
	const char *transaction_id;	/* from scep_transaction_id */
};

/* What the CA answered. */
struct scep_reply {
	enum scep_status status;
	int fail_info;		/* FAILURE: 0 badAlg ... 4 badCertId; -1 when absent */
	char *fail_text;	/* RFC 8894 failInfoText, sanitised, or NULL */
	char *pem_chain;	/* SUCCESS: the issued certificate, then the CA (free()) */
	/* Warnings for the user (a weak algorithm, single DES), one a line, "" when none. */
	char warnings[512];
};

/* Frees the strings in r. Accepts NULL. */
void scep_reply_clear(struct scep_reply *r);

/* The failInfo word ("badRequest"...) with what it means, translated. Static. */
const char *scep_fail_info_text(int fail_info);

/*
 * The transactionID for a request by key: the hex SHA-256 of its
 * SubjectPublicKeyInfo (RFC 8894 section 3.2.1.1), so a re-sent request
 * names the same transaction. Returns 0 and fills out, or -1.
 */
int scep_transaction_id(EVP_PKEY *key, char out[65], struct err *e);

/*
 * A DER CSR for key with subject (an OpenSSL "/CN=a/O=b" or "CN=a,O=b"
 * DN; NULL: CN = the first name), the names as subjectAltName (DNS or IP
 * literals) and the challengePassword attribute (may be NULL), signed
 * with SHA-256. Returns 0 and *der, *len (free()), or -1 (ERR_USAGE for
 * a DN that does not parse).
 */
int scep_csr_build(EVP_PKEY *key, const char *subject, const char *const *names,
    size_t n_names, const char *challenge, unsigned char **der, size_t *len,
    struct err *e);

/*
 * The transient self-signed certificate that signs a PKCSReq: key's
 * public key, the CSR's subject, valid for a day. Returns 0 and *out
 * (free with X509_free), or -1.
 */
int scep_transient_cert(EVP_PKEY *key, const unsigned char *csr, size_t csr_len, X509 **out,
    struct err *e);

/*
 * Sends rq as a PKIOperation (a CertPoll carries the CA's and the CSR's
 * names, with the same transactionID as the request it polls) (POST when the CA offers POSTPKIOperation,
 * else GET) and reads the CertRep: signed by a certificate of rq->ca,
 * for rq's transaction and nonce. Returns 0 and fills *out (release with
 * scep_reply_clear) whatever the status, or -1 when no valid CertRep came
 * (e->retryable for transport trouble and server errors).
 */
int scep_pki_operation(struct http *h, const struct scep_request *rq, struct scep_reply *out,
    struct err *e);

#endif
