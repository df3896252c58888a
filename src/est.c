#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "strfmt.h"
#include "est.h"
#include "i18n.h"
#include "safetext.h"

#define WELL_KNOWN "/.well-known/est"

char *
est_url(const char *url, const char *label, const char *op)
{
	size_t n = strlen(url);
	const char *wk = n >= strlen(WELL_KNOWN) &&
	    strcmp(url + n - strlen(WELL_KNOWN), WELL_KNOWN) == 0 ? "" : WELL_KNOWN;
	char *out;

	while (n > 0 && url[n - 1] == '/' && wk[0] != '\0')
		n--;
	if (str_printf(&out, "%.*s%s%s%s/%s", (int)n, url, wk, label != NULL ? "/" : "",
	    label != NULL ? label : "", op) < 0)
		return NULL;
	return out;
}

/* Decodes base64 with any whitespace. Returns 0 and *der, *der_len (free()), or -1. */
static int
b64_decode(const char *in, size_t len, unsigned char **der, size_t *der_len, struct err *e)
{
	char *clean = malloc(len + 1);
	size_t n = 0, i, pad = 0;
	int out;

	*der = NULL;
	*der_len = 0;
	if (clean == NULL)
		return err_nomem(e);
	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)in[i]))
			clean[n++] = in[i];
	clean[n] = '\0';
	if (n == 0 || n % 4 != 0 || strspn(clean, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=") != n) {
		free(clean);
		return err_set(e, ERR_PROTO, "%s", _("the EST server's answer is not base64"));
	}
	if ((*der = malloc(n / 4 * 3 + 1)) == NULL) {
		free(clean);
		return err_nomem(e);
	}
	out = EVP_DecodeBlock(*der, (const unsigned char *)clean, (int)n);
	if (clean[n - 1] == '=')
		pad++;
	if (clean[n - 2] == '=')
		pad++;
	free(clean);
	if (out < 0 || (size_t)out < pad) {
		free(*der);
		*der = NULL;
		return err_set(e, ERR_PROTO, "%s", _("the EST server's answer is not base64"));
	}
	*der_len = (size_t)out - pad;
	return 0;
}

int
est_parse_certs(const char *body, size_t len, STACK_OF(X509) **out, struct err *e)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t der_len;
	PKCS7 *p7 = NULL;
	STACK_OF(X509) *certs = NULL;
	int i, rc = -1;

	*out = NULL;
	if (b64_decode(body, len, &der, &der_len, e) != 0)
		return -1;
	p = der;
	p7 = d2i_PKCS7(NULL, &p, (long)der_len);
	if (p7 == NULL || p != der + der_len) {
		ERR_clear_error();
		err_set(e, ERR_PROTO, "%s", _("the EST server's answer is not a PKCS#7 message"));
		goto out;
	}
	/* certs-only is a degenerate SignedData: certificates, no signers. */
	if (!PKCS7_type_is_signed(p7) || p7->d.sign == NULL || p7->d.sign->cert == NULL ||
	    sk_X509_num(p7->d.sign->cert) == 0) {
		err_set(e, ERR_PROTO, "%s", _("the EST server's PKCS#7 holds no certificates"));
		goto out;
	}
	if ((certs = sk_X509_new_null()) == NULL) {
		err_nomem(e);
		goto out;
	}
	for (i = 0; i < sk_X509_num(p7->d.sign->cert); i++) {
		X509 *c = sk_X509_value(p7->d.sign->cert, i);

		if (X509_up_ref(c) != 1 || !sk_X509_push(certs, c)) {
			X509_free(c);
			err_nomem(e);
			goto out;
		}
	}
	*out = certs;
	certs = NULL;
	rc = 0;
out:
	sk_X509_pop_free(certs, X509_free);
	PKCS7_free(p7);
	free(der);
	return rc;
}

/* Why a response is not what op wanted, with a short sanitised excerpt. */
static int
http_status_error(const struct http_response *r, const char *url, struct err *e)
{
	char excerpt[128];

	safetext_copy(excerpt, sizeof(excerpt), r->body != NULL ? r->body : "");
	excerpt[strcspn(excerpt, "\r\n")] = '\0';
	if (r->status == 401 || r->status == 403) {
		err_set(e, ERR_INPUT, _("the EST server refused the credentials (HTTP %ld) at %s"
		    "%s%s"), r->status, url, excerpt[0] != '\0' ? ": " : "", excerpt);
		return -1;
	}
	err_set(e, ERR_PROTO, _("the EST server answered HTTP %ld at %s%s%s"), r->status, url,
	    excerpt[0] != '\0' ? ": " : "", excerpt);
	e->retryable = r->status >= 500 || r->status == 429;
	if (r->retry_after >= 0)
		e->retry_after = r->retry_after;
	return -1;
}

int
est_get_cacerts(struct http *h, const char *url, const char *label,
    STACK_OF(X509) **out, struct err *e)
{
	struct http_response *r = NULL;
	char *u = est_url(url, label, "cacerts");
	int rc = -1;

	*out = NULL;
	if (u == NULL)
		return err_nomem(e);
	if (http_request(h, "GET", u, NULL, NULL, 0, &r, e) != 0) {
		err_prefix(e, "%s", _("EST /cacerts"));
		goto out;
	}
	if (r->status != 200) {
		http_status_error(r, u, e);
		goto out;
	}
	if (est_parse_certs(r->body, r->body_len, out, e) != 0) {
		err_prefix(e, "%s", u);
		goto out;
	}
	rc = 0;
out:
	http_response_free(r);
	free(u);
	return rc;
}

/* Appends line and a line end to notes, if there is room. */
static void
note(char *notes, size_t cap, const char *line)
{
	size_t n = strlen(notes);

	if (n < cap)
		snprintf(notes + n, cap - n, "%s\n", line);
}

/* The digest and family of a signature algorithm OID; 0 when it is none of those. */
static int
sig_md(int nid, int *for_ec)
{
	static const struct { int sig, md, ec; } t[] = {
		{ NID_sha256WithRSAEncryption, NID_sha256, 0 },
		{ NID_sha384WithRSAEncryption, NID_sha384, 0 },
		{ NID_sha512WithRSAEncryption, NID_sha512, 0 },
		{ NID_ecdsa_with_SHA256, NID_sha256, 1 },
		{ NID_ecdsa_with_SHA384, NID_sha384, 1 },
		{ NID_ecdsa_with_SHA512, NID_sha512, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].sig == nid) {
			*for_ec = t[i].ec;
			return t[i].md;
		}
	return 0;
}

int
est_parse_csrattrs(const char *body, size_t len, struct est_csrattrs *out, struct err *e)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t der_len;
	STACK_OF(ASN1_TYPE) *seq = NULL;
	char name[80], line[160];
	int i, ec = 0, md;

	memset(out, 0, sizeof(*out));
	if (b64_decode(body, len, &der, &der_len, e) != 0)
		return -1;
	p = der;
	seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)der_len);
	if (seq == NULL || p != der + der_len) {
		ERR_clear_error();
		sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
		free(der);
		return err_set(e, ERR_PROTO, "%s", _("the EST server's /csrattrs is not a "
		    "CsrAttrs sequence"));
	}
	for (i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
		ASN1_TYPE *t = sk_ASN1_TYPE_value(seq, i);

		if (ASN1_TYPE_get(t) != V_ASN1_OBJECT) {
			/* An Attribute with values: certdeck sets none of those. */
			note(out->notes, sizeof(out->notes), _("the server asks for a CSR "
			    "attribute with values, which certdeck does not set"));
			continue;
		}
		if ((md = sig_md(OBJ_obj2nid(t->value.object), &ec)) != 0) {
			out->md_nid = md;
			out->md_for_ec = ec;
			continue;
		}
		if (OBJ_obj2txt(name, sizeof(name), t->value.object, 0) <= 0)
			snprintf(name, sizeof(name), "?");
		/* The challenge is RFC 7030's tls-unique binding: certdeck does not bind. */
		snprintf(line, sizeof(line), _("the server asks for %s in the CSR, which certdeck "
		    "does not set"), name);
		note(out->notes, sizeof(out->notes), line);
	}
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	free(der);
	return 0;
}

int
est_get_csrattrs(struct http *h, const char *url, const char *label,
    struct est_csrattrs *out, struct err *e)
{
	struct http_response *r = NULL;
	char *u = est_url(url, label, "csrattrs");
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (u == NULL)
		return err_nomem(e);
	if (http_request(h, "GET", u, NULL, NULL, 0, &r, e) != 0) {
		err_prefix(e, "%s", _("EST /csrattrs"));
		goto out;
	}
	if (r->status == 204 || r->status == 404 || (r->status == 200 && r->body_len == 0))
		rc = 0;		/* the server asks for nothing (RFC 7030 section 4.5.2) */
	else if (r->status != 200)
		http_status_error(r, u, e);
	else if (est_parse_csrattrs(r->body, r->body_len, out, e) != 0)
		err_prefix(e, "%s", u);
	else
		rc = 0;
out:
	http_response_free(r);
	free(u);
	return rc;
}

const EVP_MD *
est_csr_md(const struct est_csrattrs *a, EVP_PKEY *key)
{
	int ec = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC;

	/* Ed25519 and the like sign without a separate digest. */
	if (!ec && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		return NULL;
	if (a != NULL && a->md_nid != 0 && a->md_for_ec == ec)
		return EVP_get_digestbynid(a->md_nid);
	return EVP_sha256();
}

void
est_reply_clear(struct est_reply *r)
{
	if (r == NULL)
		return;
	free(r->pem);
	EVP_PKEY_free(r->key);
	memset(r, 0, sizeof(*r));
}

/* Appends c as PEM to b. Returns 0 or -1. */
static int
pem_append(BIO *b, X509 *c, struct err *e)
{
	if (PEM_write_bio_X509(b, c) != 1)
		return err_openssl(e, "%s", _("cannot write a certificate as PEM"));
	return 0;
}

int
est_parse_enroll(const char *body, size_t len, EVP_PKEY *key, struct est_reply *out,
    struct err *e)
{
	STACK_OF(X509) *certs = NULL;
	BIO *b = NULL;
	X509 *leaf = NULL;
	char *data;
	long n;
	int i, rc = -1;

	if (est_parse_certs(body, len, &certs, e) != 0)
		return -1;
	/* The issued certificate is the one for our key, wherever it is in the set. */
	for (i = 0; i < sk_X509_num(certs) && leaf == NULL; i++) {
		EVP_PKEY *pub = X509_get0_pubkey(sk_X509_value(certs, i));

		if (pub != NULL && EVP_PKEY_eq(pub, key) == 1)
			leaf = sk_X509_value(certs, i);
	}
	ERR_clear_error();
	if (leaf == NULL) {
		err_set(e, ERR_PROTO, "%s", _("the EST server's answer holds no certificate for "
		    "the key certdeck sent"));
		goto out;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (pem_append(b, leaf, e) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(certs); i++)
		if (sk_X509_value(certs, i) != leaf && pem_append(b, sk_X509_value(certs, i), e) != 0)
			goto out;
	n = BIO_get_mem_data(b, &data);
	if ((out->pem = malloc((size_t)n + 1)) == NULL) {
		err_nomem(e);
		goto out;
	}
	memcpy(out->pem, data, (size_t)n);
	out->pem[n] = '\0';
	rc = 0;
out:
	BIO_free(b);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/* The part of body (NUL-terminated) after its headers; its Content-Type into ct. */
static const char *
part_body(const char *part, const char *end, char *ct, size_t ct_cap)
{
	const char *p = part, *eol;

	ct[0] = '\0';
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			return NULL;
		if (eol == p || (eol == p + 1 && p[0] == '\r'))
			return eol + 1;		/* the blank line ends the headers */
		if ((size_t)(eol - p) > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
			const char *v = p + 13;
			size_t n = 0;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			while (v < eol && *v != ';' && *v != '\r' && *v != ' ' && n + 1 < ct_cap)
				ct[n++] = (char)tolower((unsigned char)*v++);
			ct[n] = '\0';
		}
		p = eol + 1;
	}
	return NULL;
}

/* The key of a base64 PKCS#8 part. Returns it, or NULL with e filled. */
static EVP_PKEY *
pkcs8_key(const char *b64, size_t len, struct err *e)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t der_len;
	PKCS8_PRIV_KEY_INFO *p8;
	EVP_PKEY *key = NULL;

	if (b64_decode(b64, len, &der, &der_len, e) != 0)
		return NULL;
	p = der;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)der_len);
	if (p8 != NULL && p == der + der_len)
		key = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	OPENSSL_cleanse(der, der_len);
	free(der);
	if (key == NULL) {
		ERR_clear_error();
		err_set(e, ERR_PROTO, "%s", _("the EST server's key is not an unencrypted "
		    "PKCS#8 key"));
	}
	return key;
}

int
est_parse_serverkeygen(const char *body, size_t len, struct est_reply *out, struct err *e)
{
	char *buf = malloc(len + 1), *delim = NULL, ct[64];
	const char *p, *end, *next, *b, *cert_b = NULL;
	size_t dlen, cert_len = 0;
	EVP_PKEY *key = NULL;
	int rc = -1;

	if (buf == NULL)
		return err_nomem(e);
	memcpy(buf, body, len);
	buf[len] = '\0';
	/* The delimiter: the first line that starts with "--" (RFC 2046). */
	for (p = buf; p != NULL && strncmp(p, "--", 2) != 0; ) {
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	if (p == NULL || (dlen = strcspn(p, "\r\n")) < 3 || dlen > 72) {
		err_set(e, ERR_PROTO, "%s", _("the EST server's /serverkeygen answer is not "
		    "multipart"));
		goto out;
	}
	if ((delim = malloc(dlen + 2)) == NULL) {
		err_nomem(e);
		goto out;
	}
	delim[0] = '\n';
	memcpy(delim + 1, p, dlen);
	delim[dlen + 1] = '\0';
	end = buf + len;
	p += dlen;
	/* Each part: from after a delimiter line to the next "\n--delimiter". */
	while (p < end && strncmp(p, "--", 2) != 0) {
		p += strspn(p, "\r\n");
		if ((next = strstr(p, delim)) == NULL)
			break;
		if ((b = part_body(p, next, ct, sizeof(ct))) != NULL) {
			size_t blen = (size_t)(next - b);

			if (strcmp(ct, "application/pkcs8") == 0 && key == NULL) {
				if ((key = pkcs8_key(b, blen, e)) == NULL)
					goto out;
			} else if (strcmp(ct, "application/pkcs7-mime") == 0 && cert_b == NULL) {
				cert_b = b;
				cert_len = blen;
			}
		}
		p = next + 1 + dlen;	/* past "\n" and the delimiter */
	}
	if (key == NULL || cert_b == NULL) {
		err_set(e, ERR_PROTO, "%s", _("the EST server's /serverkeygen answer lacks the "
		    "key or the certificate"));
		goto out;
	}
	if (est_parse_enroll(cert_b, cert_len, key, out, e) != 0)
		goto out;
	out->key = key;
	key = NULL;
	rc = 0;
out:
	EVP_PKEY_free(key);
	free(delim);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

int
est_enroll(struct http *h, const char *url, const char *label, enum est_op eop,
    const unsigned char *csr, size_t csr_len, EVP_PKEY *key, struct est_reply *out,
    struct err *e)
{
	const char *op = eop == EST_SIMPLEREENROLL ? "simplereenroll" :
	    eop == EST_SERVERKEYGEN ? "serverkeygen" : "simpleenroll";
	struct http_response *r = NULL;
	char *u = est_url(url, label, op), *b64 = NULL;
	int rc = -1, n;

	memset(out, 0, sizeof(*out));
	if (u == NULL || csr_len > HTTP_MAX_BODY ||
	    (b64 = malloc(((csr_len + 2) / 3) * 4 + 1)) == NULL) {
		err_nomem(e);
		goto out;
	}
	n = EVP_EncodeBlock((unsigned char *)b64, csr, (int)csr_len);
	if (http_request(h, "POST", u, "application/pkcs10", b64, (size_t)n, &r, e) != 0) {
		err_prefix(e, "EST /%s", op);
		goto out;
	}
	if (r->status == 202) {
		/* RFC 7030 section 4.2.3: held; send the same request again later. */
		out->pending = 1;
		out->retry_after = r->retry_after >= 0 ? r->retry_after : EST_RETRY_DEFAULT_S;
		rc = 0;
		goto out;
	}
	if (r->status != 200) {
		http_status_error(r, u, e);
		goto out;
	}
	if (eop == EST_SERVERKEYGEN ? est_parse_serverkeygen(r->body, r->body_len, out, e) :
	    est_parse_enroll(r->body, r->body_len, key, out, e)) {
		err_prefix(e, "%s", u);
		goto out;
	}
	rc = 0;
out:
	http_response_free(r);
	free(b64);
	free(u);
	return rc;
}
