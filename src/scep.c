#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "enroll.h"
#include "fileio.h"
#include "i18n.h"
#include "safetext.h"
#include "scep.h"

#define SCEP_MAX_WORDS 64

/* ---- the SCEP attribute OIDs (RFC 8894 section 3.2.1), registered once ---- */

static int nid_message_type, nid_pki_status, nid_fail_info, nid_sender_nonce,
    nid_recipient_nonce, nid_transaction_id, nid_fail_info_text;
static pthread_once_t oids_once = PTHREAD_ONCE_INIT;

static int
oid_nid(const char *oid, const char *name)
{
	int nid = OBJ_txt2nid(oid);

	return nid != NID_undef ? nid : OBJ_create(oid, name, name);
}

static void
oids_register(void)
{
	nid_message_type = oid_nid("2.16.840.1.113733.1.9.2", "scepMessageType");
	nid_pki_status = oid_nid("2.16.840.1.113733.1.9.3", "scepPkiStatus");
	nid_fail_info = oid_nid("2.16.840.1.113733.1.9.4", "scepFailInfo");
	nid_sender_nonce = oid_nid("2.16.840.1.113733.1.9.5", "scepSenderNonce");
	nid_recipient_nonce = oid_nid("2.16.840.1.113733.1.9.6", "scepRecipientNonce");
	nid_transaction_id = oid_nid("2.16.840.1.113733.1.9.7", "scepTransactionID");
	nid_fail_info_text = oid_nid("1.3.6.1.5.5.7.24.1", "scepFailInfoText");
}

static int
oids(struct err *e)
{
	pthread_once(&oids_once, oids_register);
	if (nid_message_type == NID_undef || nid_pki_status == NID_undef ||
	    nid_fail_info == NID_undef || nid_sender_nonce == NID_undef ||
	    nid_recipient_nonce == NID_undef || nid_transaction_id == NID_undef ||
	    nid_fail_info_text == NID_undef)
		return err_openssl(e, "%s", _("cannot register the SCEP attribute types"));
	return 0;
}

/*
 * CertPoll's messageData, IssuerAndSubject (RFC 8894 section 3.3.3):
 * SEQUENCE { issuer Name, subject Name }, declared with OpenSSL's ASN.1
 * templates (which need the typedef) so that OpenSSL does the encoding.
 */
typedef struct {
	X509_NAME *issuer;
	X509_NAME *subject;
} SCEP_ISSUER_AND_SUBJECT;

DECLARE_ASN1_ITEM(SCEP_ISSUER_AND_SUBJECT)
ASN1_SEQUENCE(SCEP_ISSUER_AND_SUBJECT) = {
	ASN1_SIMPLE(SCEP_ISSUER_AND_SUBJECT, issuer, X509_NAME),
	ASN1_SIMPLE(SCEP_ISSUER_AND_SUBJECT, subject, X509_NAME),
} ASN1_SEQUENCE_END(SCEP_ISSUER_AND_SUBJECT)

DECLARE_ASN1_FUNCTIONS(SCEP_ISSUER_AND_SUBJECT)
IMPLEMENT_ASN1_FUNCTIONS(SCEP_ISSUER_AND_SUBJECT)

/* ---- URLs ---- */

/* url + "?operation=op" (or "&..." when url has a query) + extra. Returns it (free()) or NULL. */
static char *
op_url(const char *url, const char *op, const char *extra)
{
	size_t n = strlen(url) + strlen(op) + (extra != NULL ? strlen(extra) : 0) + 16;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s%coperation=%s%s", url, strchr(url, '?') != NULL ? '&' : '?',
		    op, extra != NULL ? extra : "");
	return s;
}

/* GETs operation op. Returns 0 and *out (a 200 answer), or -1. */
static int
get_op(struct http *h, const char *url, const char *op, const char *extra,
    struct http_response **out, struct err *e)
{
	char *u = op_url(url, op, extra);
	int rc;

	*out = NULL;
	if (u == NULL)
		return err_nomem(e);
	rc = http_request(h, "GET", u, NULL, NULL, 0, out, e);
	free(u);
	if (rc != 0)
		return err_prefix(e, "SCEP %s", op);
	if ((*out)->status != 200) {
		err_set(e, ERR_PROTO, _("SCEP %s: the server answered HTTP %ld"), op,
		    (*out)->status);
		e->http_status = (int)(*out)->status;
		e->retryable = (*out)->status >= 500 || (*out)->status == 429;
		http_response_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- GetCACaps ---- */

void
scep_caps_clear(struct scep_caps *c)
{
	size_t i;

	for (i = 0; i < c->n_words; i++)
		free(c->words[i]);
	free(c->words);
	memset(c, 0, sizeof(*c));
}

static unsigned
cap_flag(const char *w)
{
	static const struct { const char *word; unsigned flag; } t[] = {
		{ "POSTPKIOperation", SCEP_CAP_POST },
		{ "Renewal", SCEP_CAP_RENEWAL },
		{ "AES", SCEP_CAP_AES },
		{ "DES3", SCEP_CAP_DES3 },
		{ "SHA-1", SCEP_CAP_SHA1 },
		{ "SHA-256", SCEP_CAP_SHA256 },
		{ "SHA-512", SCEP_CAP_SHA512 },
		{ "SCEPStandard", SCEP_CAP_STANDARD },
	};
	size_t i;

	/* RFC 8894 section 3.5.2: the keywords are case-insensitive. */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(t[i].word, w) == 0)
			return t[i].flag;
	return 0;
}

int
scep_get_caps(struct http *h, const char *url, struct scep_caps *out, struct err *e)
{
	struct http_response *r = NULL;
	char *p, *line, *save = NULL;

	memset(out, 0, sizeof(*out));
	if (get_op(h, url, "GetCACaps", NULL, &r, e) != 0)
		return -1;
	for (line = strtok_r(r->body, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		char word[128], **grown;

		while (*line == ' ' || *line == '\t')
			line++;
		for (p = line + strlen(line); p > line && (p[-1] == ' ' || p[-1] == '\t'); p--)
			;
		*p = '\0';
		if (*line == '\0' || out->n_words == SCEP_MAX_WORDS)
			continue;
		/* Control characters go; a line of nothing else is no word. */
		if (safetext_copy(word, sizeof(word), line) == 0)
			continue;
		grown = realloc(out->words, (out->n_words + 1) * sizeof(*grown));
		if (grown == NULL)
			goto nomem;
		out->words = grown;
		if ((out->words[out->n_words] = strdup(word)) == NULL)
			goto nomem;
		out->n_words++;
		out->flags |= cap_flag(word);
	}
	if (out->flags & SCEP_CAP_STANDARD)
		out->flags |= SCEP_CAP_AES | SCEP_CAP_SHA256 | SCEP_CAP_POST;
	http_response_free(r);
	return 0;
nomem:
	http_response_free(r);
	scep_caps_clear(out);
	return err_nomem(e);
}

/* ---- GetCACert ---- */

void
scep_ca_free(struct scep_ca *ca)
{
	if (ca == NULL)
		return;
	sk_X509_pop_free(ca->certs, X509_free);
	free(ca);
}

int
scep_fingerprint(X509 *cert, char out[65], struct err *e)
{
	return enroll_fingerprint(cert, out, e);
}

static int
is_ca_cert(X509 *c)
{
	return X509_check_ca(c) > 0;
}

/*
 * Picks the CA (a CA certificate that issued another one in the set, or
 * the only CA certificate) and the recipient (a non-CA certificate that
 * may encipher keys, signed by the CA; else the CA itself).
 */
static int
pick_roles(struct scep_ca *ca, struct err *e)
{
	int i, n = sk_X509_num(ca->certs);

	ca->ca = ca->recipient = NULL;
	for (i = 0; i < n && ca->ca == NULL; i++) {
		X509 *c = sk_X509_value(ca->certs, i);

		if (is_ca_cert(c))
			ca->ca = c;
	}
	if (ca->ca == NULL && n == 1)
		ca->ca = sk_X509_value(ca->certs, 0);	/* an old CA without basicConstraints */
	if (ca->ca == NULL)
		return err_set(e, ERR_PROTO, "%s", _("SCEP GetCACert: no CA certificate in the answer"));
	if (X509_get0_pubkey(ca->ca) == NULL) {
		ERR_clear_error();
		return err_set(e, ERR_PROTO, "%s", _("SCEP GetCACert: the CA certificate's key "
		    "cannot be read"));
	}
	for (i = 0; i < n; i++) {
		X509 *c = sk_X509_value(ca->certs, i);
		uint32_t ku = X509_get_key_usage(c);

		if (c == ca->ca || is_ca_cert(c) || X509_get0_pubkey(c) == NULL)
			continue;
		if (ku != UINT32_MAX && !(ku & KU_KEY_ENCIPHERMENT))
			continue;	/* NDES's signing-only RA certificate */
		if (X509_verify(c, X509_get0_pubkey(ca->ca)) != 1) {
			ERR_clear_error();
			return err_set(e, ERR_PROTO, "%s", _("SCEP GetCACert: the RA certificate "
			    "is not signed by the CA certificate"));
		}
		ca->recipient = c;
		break;
	}
	if (ca->recipient == NULL)
		ca->recipient = ca->ca;
	if (X509_get0_pubkey(ca->recipient) == NULL ||
	    EVP_PKEY_get_base_id(X509_get0_pubkey(ca->recipient)) != EVP_PKEY_RSA)
		return err_set(e, ERR_PROTO, "%s", _("SCEP GetCACert: the certificate requests "
		    "are encrypted to has no RSA key"));
	return scep_fingerprint(ca->ca, ca->ca_fingerprint, e);
}

int
scep_get_ca(struct http *h, const char *url, struct scep_ca **out, struct err *e)
{
	struct http_response *r = NULL;
	struct scep_ca *ca;
	const unsigned char *p;
	PKCS7 *p7 = NULL;
	X509 *one = NULL;
	int rc = -1;

	*out = NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL || (ca->certs = sk_X509_new_null()) == NULL) {
		free(ca);
		return err_nomem(e);
	}
	if (get_op(h, url, "GetCACert", NULL, &r, e) != 0)
		goto out;
	p = (const unsigned char *)r->body;
	if (r->content_type != NULL && strcmp(r->content_type, "application/x-x509-ca-ra-cert") == 0) {
		STACK_OF(X509) *certs;
		int i;

		p7 = d2i_PKCS7(NULL, &p, (long)r->body_len);
		if (p7 == NULL || !PKCS7_type_is_signed(p7) ||
		    (certs = p7->d.sign->cert) == NULL || sk_X509_num(certs) == 0) {
			err_openssl(e, "%s", _("SCEP GetCACert: the answer is not a PKCS#7 "
			    "certificate bundle"));
			e->kind = ERR_PROTO;
			goto out;
		}
		for (i = 0; i < sk_X509_num(certs); i++) {
			X509 *c = sk_X509_value(certs, i);

			if (!X509_up_ref(c) || !sk_X509_push(ca->certs, c)) {
				X509_free(c);
				err_nomem(e);
				goto out;
			}
		}
	} else {
		/* application/x-x509-ca-cert: one DER certificate (PEM from some servers). */
		one = d2i_X509(NULL, &p, (long)r->body_len);
		if (one == NULL) {
			BIO *b = BIO_new_mem_buf(r->body, (int)r->body_len);

			ERR_clear_error();
			one = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
			BIO_free(b);
		}
		if (one == NULL) {
			err_openssl(e, "%s", _("SCEP GetCACert: the answer is not a certificate"));
			e->kind = ERR_PROTO;
			goto out;
		}
		if (!sk_X509_push(ca->certs, one)) {
			err_nomem(e);
			goto out;
		}
		one = NULL;
	}
	if (pick_roles(ca, e) != 0)
		goto out;
	*out = ca;
	ca = NULL;
	rc = 0;
out:
	X509_free(one);
	PKCS7_free(p7);
	http_response_free(r);
	scep_ca_free(ca);
	return rc;
}

/* ---- algorithms ---- */

void
scep_pick_algs(unsigned caps, struct scep_algs *out)
{
	out->weak = 0;
	if (caps & SCEP_CAP_AES) {
		out->cipher = "AES-128-CBC";
	} else {
		/* RFC 8894 section 3.5.2: without AES the CA must take DES3. */
		out->cipher = "DES-EDE3-CBC";
		out->weak = 1;
	}
	if (caps & SCEP_CAP_SHA512) {
		out->digest = "SHA512";
	} else if (caps & SCEP_CAP_SHA256) {
		out->digest = "SHA256";
	} else {
		out->digest = "SHA1";
		out->weak = 1;
	}
}

/* ---- failInfo ---- */

const char *
scep_fail_info_text(int fail_info)
{
	switch (fail_info) {
	case 0: return _("badAlg: the CA does not accept the algorithm used");
	case 1: return _("badMessageCheck: the CA could not verify the request's signature");
	case 2: return _("badRequest: the CA refused the request (for example a wrong "
		    "challenge password, or a name or key it does not allow)");
	case 3: return _("badTime: the request's signing time is too far from the CA's clock");
	case 4: return _("badCertId: the CA does not know the certificate named in the request");
	default: return _("the CA gave no reason");
	}
}

void
scep_reply_clear(struct scep_reply *r)
{
	if (r == NULL)
		return;
	free(r->fail_text);
	free(r->pem_chain);
	memset(r, 0, sizeof(*r));
}

/* ---- the request ---- */

int
scep_transaction_id(EVP_PKEY *key, char out[65], struct err *e)
{
	unsigned char *der = NULL, md[32];
	int len = i2d_PUBKEY(key, &der), i;

	if (len <= 0)
		return err_openssl(e, "%s", _("cannot encode the public key"));
	if (EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		return err_openssl(e, "%s", _("cannot hash the public key"));
	}
	OPENSSL_free(der);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02X", md[i]);
	return 0;
}

int
scep_csr_build(EVP_PKEY *key, const char *subject, const char *const *names,
    size_t n_names, const char *challenge, unsigned char **der, size_t *len,
    struct err *e)
{
	return enroll_csr_build(key, subject, names, n_names, challenge, EVP_sha256(), der,
	    len, e);
}

int
scep_transient_cert(EVP_PKEY *key, const unsigned char *csr, size_t csr_len, X509 **out,
    struct err *e)
{
	const unsigned char *p = csr;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)csr_len);
	X509 *c = X509_new();
	unsigned char serial[8];
	BIGNUM *bn = NULL;
	int rc = -1;

	*out = NULL;
	if (req == NULL || c == NULL) {
		err_openssl(e, "%s", _("cannot build the transient signing certificate"));
		goto out;
	}
	if (RAND_bytes(serial, sizeof(serial)) != 1 ||
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) == NULL ||
	    !X509_set_version(c, 2) ||
	    !X509_set_subject_name(c, X509_REQ_get_subject_name(req)) ||
	    !X509_set_issuer_name(c, X509_REQ_get_subject_name(req)) ||
	    X509_gmtime_adj(X509_getm_notBefore(c), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(c), 86400) == NULL ||
	    !X509_set_pubkey(c, key) || X509_sign(c, key, EVP_sha256()) <= 0) {
		err_openssl(e, "%s", _("cannot build the transient signing certificate"));
		goto out;
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	BN_free(bn);
	X509_free(c);
	X509_REQ_free(req);
	return rc;
}

/* Adds a PrintableString or OCTET STRING signed attribute. Returns 0 or -1. */
static int
add_attr(PKCS7_SIGNER_INFO *si, int nid, int type, const void *data, int len)
{
	ASN1_STRING *s = ASN1_STRING_type_new(type);

	if (s == NULL || !ASN1_STRING_set(s, data, len) ||
	    !PKCS7_add_signed_attribute(si, nid, type, s)) {
		ASN1_STRING_free(s);
		return -1;
	}
	return 0;
}

/*
 * CertPoll's IssuerAndSubject: the CA's name and the subject of rq->csr,
 * DER in *der (OPENSSL_free). Returns 0 or -1.
 */
static int
poll_content(const struct scep_request *rq, unsigned char **der, int *len, struct err *e)
{
	const unsigned char *p = rq->csr;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)rq->csr_len);
	SCEP_ISSUER_AND_SUBJECT *ias = SCEP_ISSUER_AND_SUBJECT_new();
	int rc = -1;

	*der = NULL;
	if (req == NULL || ias == NULL ||
	    !X509_NAME_set(&ias->issuer, X509_get_subject_name(rq->ca->ca)) ||
	    !X509_NAME_set(&ias->subject, X509_REQ_get_subject_name(req)) ||
	    (*len = i2d_SCEP_ISSUER_AND_SUBJECT(ias, der)) <= 0) {
		err_openssl(e, "%s", _("cannot build the SCEP CertPoll"));
		goto out;
	}
	rc = 0;
out:
	SCEP_ISSUER_AND_SUBJECT_free(ias);
	X509_REQ_free(req);
	return rc;
}

/*
 * The pkiMessage: rq->csr (or for CertPoll the IssuerAndSubject) enveloped to the recipient, signed by
 * rq->signer with the SCEP attributes. Returns 0 and *der, *len
 * (OPENSSL_free), or -1.
 */
static int
build_message(const struct scep_request *rq, const struct scep_algs *algs,
    const unsigned char nonce[16], unsigned char **der, int *len, struct err *e)
{
	STACK_OF(X509) *rcpt = sk_X509_new_null();
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, algs->cipher, NULL);
	const EVP_MD *md = EVP_get_digestbyname(algs->digest);
	BIO *in = NULL, *data = NULL;
	PKCS7 *env = NULL, *p7 = NULL;
	PKCS7_SIGNER_INFO *si;
	unsigned char *env_der = NULL, *content = NULL;
	char type[8];
	int env_len, content_len = 0, rc = -1;

	*der = NULL;
	if (rcpt == NULL || cipher == NULL || md == NULL ||
	    !sk_X509_push(rcpt, rq->ca->recipient)) {
		err_openssl(e, _("cannot use %s with %s"), algs->cipher, algs->digest);
		goto out;
	}
	if (rq->type == SCEP_MSG_CERTPOLL) {
		if (poll_content(rq, &content, &content_len, e) != 0)
			goto out;
	} else if ((content = OPENSSL_memdup(rq->csr, rq->csr_len)) == NULL) {
		err_nomem(e);
		goto out;
	} else {
		content_len = (int)rq->csr_len;
	}
	if ((in = BIO_new_mem_buf(content, content_len)) == NULL ||
	    (env = PKCS7_encrypt(rcpt, in, cipher, PKCS7_BINARY)) == NULL ||
	    (env_len = i2d_PKCS7(env, &env_der)) <= 0) {
		err_openssl(e, "%s", _("cannot encrypt the SCEP request"));
		goto out;
	}
	snprintf(type, sizeof(type), "%d", (int)rq->type);
	if ((p7 = PKCS7_sign(NULL, NULL, NULL, NULL, PKCS7_BINARY | PKCS7_PARTIAL)) == NULL ||
	    (si = PKCS7_sign_add_signer(p7, rq->signer, rq->signer_key, md,
	    PKCS7_BINARY | PKCS7_NOSMIMECAP)) == NULL ||
	    add_attr(si, nid_message_type, V_ASN1_PRINTABLESTRING, type, -1) != 0 ||
	    add_attr(si, nid_transaction_id, V_ASN1_PRINTABLESTRING, rq->transaction_id,
	    -1) != 0 ||
	    add_attr(si, nid_sender_nonce, V_ASN1_OCTET_STRING, nonce, 16) != 0 ||
	    (data = BIO_new_mem_buf(env_der, env_len)) == NULL ||
	    !PKCS7_final(p7, data, PKCS7_BINARY) || (*len = i2d_PKCS7(p7, der)) <= 0) {
		err_openssl(e, "%s", _("cannot sign the SCEP request"));
		goto out;
	}
	rc = 0;
out:
	BIO_free(data);
	BIO_free(in);
	OPENSSL_free(env_der);
	OPENSSL_free(content);
	PKCS7_free(env);
	PKCS7_free(p7);
	EVP_CIPHER_free(cipher);
	sk_X509_free(rcpt);
	return rc;
}

/* "message=" and the base64 of der, percent-encoded, for a GET. Returns it (free()) or NULL. */
static char *
get_message_param(const unsigned char *der, int len)
{
	size_t b64 = 4 * (((size_t)len + 2) / 3) + 1, i, o = 0, cap = 3 * b64 + 16;
	unsigned char *tmp = malloc(b64);
	char *s = malloc(cap);

	if (tmp == NULL || s == NULL || EVP_EncodeBlock(tmp, der, len) < 0) {
		free(tmp);
		free(s);
		return NULL;
	}
	o = (size_t)snprintf(s, cap, "&message=");
	for (i = 0; tmp[i] != '\0'; i++) {
		if (tmp[i] == '+' || tmp[i] == '/' || tmp[i] == '=')
			o += (size_t)snprintf(s + o, cap - o, "%%%02X", tmp[i]);
		else
			s[o++] = (char)tmp[i];
	}
	s[o] = '\0';
	free(tmp);
	return s;
}

/* A signed PrintableString/UTF8String attribute as a C string (borrowed), or NULL. */
static const ASN1_STRING *
signed_string(PKCS7_SIGNER_INFO *si, int nid)
{
	ASN1_TYPE *t = PKCS7_get_signed_attribute(si, nid);

	if (t == NULL)
		return NULL;
	if (t->type == V_ASN1_PRINTABLESTRING || t->type == V_ASN1_UTF8STRING ||
	    t->type == V_ASN1_OCTET_STRING || t->type == V_ASN1_IA5STRING)
		return t->value.asn1_string;
	return NULL;
}

static int
string_is(const ASN1_STRING *s, const char *want)
{
	size_t n = strlen(want);

	return s != NULL && (size_t)ASN1_STRING_length(s) == n &&
	    memcmp(ASN1_STRING_get0_data(s), want, n) == 0;
}

/* A NUL-terminated, sanitised copy of s, or NULL. */
static char *
string_dup(const ASN1_STRING *s)
{
	char raw[512], clean[512];
	int n = ASN1_STRING_length(s);

	if (n < 0)
		return NULL;
	if (n >= (int)sizeof(raw))
		n = sizeof(raw) - 1;
	memcpy(raw, ASN1_STRING_get0_data(s), (size_t)n);
	raw[n] = '\0';
	safetext_copy(clean, sizeof(clean), raw);
	return strdup(clean);
}

static void
warn(struct scep_reply *r, const char *msg)
{
	size_t n = strlen(r->warnings);

	snprintf(r->warnings + n, sizeof(r->warnings) - n, "%s%s", n > 0 ? "\n" : "", msg);
}

/*
 * Decrypts the enveloped data env_der with key/cert into *out (a memory
 * BIO). Single DES needs OpenSSL's legacy provider: it is loaded into a
 * library context of its own for this one decryption, and the reply says so.
 */
static int
decrypt_envelope(const unsigned char *env_der, long env_len, EVP_PKEY *key, X509 *cert,
    BIO *out, struct scep_reply *r, struct err *e)
{
	const unsigned char *p = env_der;
	OSSL_LIB_CTX *lctx = NULL;
	OSSL_PROVIDER *dflt = NULL, *legacy = NULL;
	PKCS7 *env = NULL;
	int nid, rc = -1;

	env = d2i_PKCS7(NULL, &p, env_len);
	if (env == NULL || !PKCS7_type_is_enveloped(env) || env->d.enveloped == NULL ||
	    env->d.enveloped->enc_data == NULL || env->d.enveloped->enc_data->algorithm == NULL) {
		err_openssl(e, "%s", _("SCEP CertRep: the content is not PKCS#7 enveloped data"));
		e->kind = ERR_PROTO;
		goto out;
	}
	nid = OBJ_obj2nid(env->d.enveloped->enc_data->algorithm->algorithm);
	if (nid == NID_des_cbc) {
		lctx = OSSL_LIB_CTX_new();
		if (lctx == NULL || (dflt = OSSL_PROVIDER_load(lctx, "default")) == NULL ||
		    (legacy = OSSL_PROVIDER_load(lctx, "legacy")) == NULL) {
			err_openssl(e, "%s", _("SCEP CertRep: the CA encrypted its answer with "
			    "single DES, which needs OpenSSL's legacy provider, and it cannot "
			    "be loaded"));
			goto out;
		}
		PKCS7_free(env);
		p = env_der;
		env = PKCS7_new_ex(lctx, NULL);
		if (env == NULL || d2i_PKCS7(&env, &p, env_len) == NULL) {
			err_openssl(e, "%s", _("SCEP CertRep: the content is not PKCS#7 "
			    "enveloped data"));
			goto out;
		}
		warn(r, _("the CA encrypted its answer with single DES (broken since the "
		    "1990s); it was read with OpenSSL's legacy provider"));
	}
	if (!PKCS7_decrypt(env, key, cert, out, 0)) {
		err_openssl(e, "%s", _("SCEP CertRep: cannot decrypt the CA's answer"));
		e->kind = ERR_PROTO;
		goto out;
	}
	rc = 0;
out:
	PKCS7_free(env);
	OSSL_PROVIDER_unload(legacy);
	OSSL_PROVIDER_unload(dflt);
	OSSL_LIB_CTX_free(lctx);
	return rc;
}

static int
append_pem(BIO *b, X509 *c)
{
	return PEM_write_bio_X509(b, c) == 1 ? 0 : -1;
}

/*
 * The issued certificate from the degenerate PKCS#7 (DER in dec): the one
 * holding the request's public key, then the CA certificates that came
 * with it, else rq->ca's CA. Fills r->pem_chain. Returns 0 or -1.
 */
static int
issued_chain(const struct scep_request *rq, BIO *dec, struct scep_reply *r, struct err *e)
{
	const unsigned char *p;
	long n;
	char *data;
	PKCS7 *p7;
	STACK_OF(X509) *certs;
	X509 *leaf = NULL;
	X509_REQ *req;
	EVP_PKEY *pub;
	BIO *pem = NULL;
	BUF_MEM *bm;
	int i, rc = -1, cas = 0;

	n = BIO_get_mem_data(dec, &data);
	p = (const unsigned char *)data;
	p7 = d2i_PKCS7(NULL, &p, n);
	if (p7 == NULL || !PKCS7_type_is_signed(p7) || (certs = p7->d.sign->cert) == NULL) {
		err_openssl(e, "%s", _("SCEP CertRep: the decrypted answer holds no certificates"));
		e->kind = ERR_PROTO;
		PKCS7_free(p7);
		return -1;
	}
	p = rq->csr;
	req = d2i_X509_REQ(NULL, &p, (long)rq->csr_len);
	pub = req != NULL ? X509_REQ_get0_pubkey(req) : NULL;
	for (i = 0; pub != NULL && i < sk_X509_num(certs) && leaf == NULL; i++)
		if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, i)), pub) == 1)
			leaf = sk_X509_value(certs, i);
	if (leaf == NULL) {
		err_set(e, ERR_PROTO, "%s", _("SCEP CertRep: no certificate in the answer holds "
		    "the requested key"));
		goto out;
	}
	if ((pem = BIO_new(BIO_s_mem())) == NULL || append_pem(pem, leaf) != 0)
		goto nomem;
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);

		if (c != leaf && is_ca_cert(c)) {
			if (append_pem(pem, c) != 0)
				goto nomem;
			cas++;
		}
	}
	if (cas == 0 && append_pem(pem, rq->ca->ca) != 0)
		goto nomem;
	BIO_get_mem_ptr(pem, &bm);
	if ((r->pem_chain = malloc(bm->length + 1)) == NULL)
		goto nomem;
	memcpy(r->pem_chain, bm->data, bm->length);
	r->pem_chain[bm->length] = '\0';
	rc = 0;
	goto out;
nomem:
	err_nomem(e);
out:
	BIO_free(pem);
	X509_REQ_free(req);
	PKCS7_free(p7);
	return rc;
}

/* Reads the CertRep in body. Returns 0 (any pkiStatus) or -1. */
static int
read_certrep(const struct scep_request *rq, const unsigned char nonce[16],
    const char *body, size_t len, struct scep_reply *r, struct err *e)
{
	const unsigned char *p = (const unsigned char *)body;
	STACK_OF(PKCS7_SIGNER_INFO) *sis;
	PKCS7_SIGNER_INFO *si;
	const ASN1_STRING *s;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
	BIO *content = NULL, *dec = NULL;
	char *cdata;
	long clen;
	int rc = -1;

	if (p7 == NULL || !PKCS7_type_is_signed(p7)) {
		err_openssl(e, "%s", _("SCEP CertRep: the answer is not PKCS#7 signed data"));
		e->kind = ERR_PROTO;
		goto out;
	}
	/* Signed by one of the CA's certificates (the ones the user trusted), nobody else. */
	if ((content = BIO_new(BIO_s_mem())) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (PKCS7_verify(p7, rq->ca->certs, NULL, NULL, content,
	    PKCS7_NOVERIFY | PKCS7_NOINTERN | PKCS7_BINARY) != 1) {
		err_openssl(e, "%s", _("SCEP CertRep: the signature is not the CA's"));
		e->kind = ERR_PROTO;
		goto out;
	}
	if ((sis = PKCS7_get_signer_info(p7)) == NULL || sk_PKCS7_SIGNER_INFO_num(sis) != 1) {
		err_set(e, ERR_PROTO, "%s", _("SCEP CertRep: not exactly one signer"));
		goto out;
	}
	si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
	if (!string_is(signed_string(si, nid_message_type), "3")) {
		err_set(e, ERR_PROTO, "%s", _("SCEP: the answer is not a CertRep"));
		goto out;
	}
	if (!string_is(signed_string(si, nid_transaction_id), rq->transaction_id)) {
		err_set(e, ERR_PROTO, "%s", _("SCEP CertRep: the answer is for another transaction"));
		goto out;
	}
	s = signed_string(si, nid_recipient_nonce);
	if (s == NULL || ASN1_STRING_length(s) != 16 ||
	    memcmp(ASN1_STRING_get0_data(s), nonce, 16) != 0) {
		err_set(e, ERR_PROTO, "%s", _("SCEP CertRep: the recipient nonce is not the one "
		    "sent (a replayed answer?)"));
		goto out;
	}
	s = signed_string(si, nid_pki_status);
	if (string_is(s, "0")) {
		r->status = SCEP_SUCCESS;
	} else if (string_is(s, "2")) {
		r->status = SCEP_FAILURE;
		r->fail_info = -1;
		s = signed_string(si, nid_fail_info);
		if (s != NULL && ASN1_STRING_length(s) == 1 &&
		    ASN1_STRING_get0_data(s)[0] >= '0' && ASN1_STRING_get0_data(s)[0] <= '4')
			r->fail_info = ASN1_STRING_get0_data(s)[0] - '0';
		if ((s = signed_string(si, nid_fail_info_text)) != NULL)
			r->fail_text = string_dup(s);
		rc = 0;
		goto out;
	} else if (string_is(s, "3")) {
		r->status = SCEP_PENDING;
		rc = 0;
		goto out;
	} else {
		err_set(e, ERR_PROTO, "%s", _("SCEP CertRep: no valid pkiStatus"));
		goto out;
	}
	clen = BIO_get_mem_data(content, &cdata);
	if ((dec = BIO_new(BIO_s_mem())) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (decrypt_envelope((const unsigned char *)cdata, clen, rq->signer_key, rq->signer,
	    dec, r, e) != 0 || issued_chain(rq, dec, r, e) != 0)
		goto out;
	rc = 0;
out:
	BIO_free(dec);
	BIO_free(content);
	PKCS7_free(p7);
	return rc;
}

int
scep_pki_operation(struct http *h, const struct scep_request *rq, struct scep_reply *out,
    struct err *e)
{
	struct http_response *resp = NULL;
	struct scep_algs algs;
	unsigned char nonce[16], *der = NULL;
	char *u = NULL, *param = NULL;
	int len = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	out->fail_info = -1;
	if (oids(e) != 0)
		return -1;
	scep_pick_algs(rq->caps, &algs);
	if (algs.weak) {
		char w[200];

		snprintf(w, sizeof(w), _("the CA offers nothing stronger than %s with %s"),
		    algs.cipher, algs.digest);
		warn(out, w);
	}
	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		err_openssl(e, "%s", _("cannot make a nonce"));
		goto out;
	}
	if (build_message(rq, &algs, nonce, &der, &len, e) != 0)
		goto out;
	if (rq->caps & SCEP_CAP_POST) {
		if ((u = op_url(rq->url, "PKIOperation", NULL)) == NULL) {
			err_nomem(e);
			goto out;
		}
		rc = http_request(h, "POST", u, "application/x-pki-message", (const char *)der,
		    (size_t)len, &resp, e);
	} else {
		if ((param = get_message_param(der, len)) == NULL ||
		    (u = op_url(rq->url, "PKIOperation", param)) == NULL) {
			err_nomem(e);
			goto out;
		}
		rc = http_request(h, "GET", u, NULL, NULL, 0, &resp, e);
	}
	if (rc != 0) {
		err_prefix(e, "SCEP PKIOperation");
		rc = -1;
		goto out;
	}
	rc = -1;
	if (resp->status != 200) {
		err_set(e, ERR_PROTO, _("SCEP PKIOperation: the server answered HTTP %ld"),
		    resp->status);
		e->http_status = (int)resp->status;
		e->retryable = resp->status >= 500 || resp->status == 429;
		goto out;
	}
	if (read_certrep(rq, nonce, resp->body, resp->body_len, out, e) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		scep_reply_clear(out);
	http_response_free(resp);
	free(param);
	free(u);
	OPENSSL_free(der);
	return rc;
}
