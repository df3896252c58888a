#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "crypto_bundle.h"
#include "crypto_priv.h"
#include "i18n.h"

void
crypto_bundle_free(struct crypto_bundle *b)
{
	size_t i;

	if (b == NULL)
		return;
	sk_X509_pop_free(b->certs, X509_free);
	for (i = 0; i < b->n_keys; i++)
		EVP_PKEY_free(b->keys[i]);
	free(b->keys);
	free(b);
}

static struct crypto_bundle *
bundle_new(void)
{
	struct crypto_bundle *b = calloc(1, sizeof(*b));

	if (b != NULL && (b->certs = sk_X509_new_null()) == NULL) {
		free(b);
		b = NULL;
	}
	return b;
}

/* Takes x over (freed on failure). */
static int
add_cert(struct crypto_bundle *b, X509 *x, struct err *e)
{
	if (!sk_X509_push(b->certs, x)) {
		X509_free(x);
		return err_nomem(e);
	}
	return 0;
}

/* Takes k over (freed on failure). */
static int
add_key(struct crypto_bundle *b, EVP_PKEY *k, struct err *e)
{
	EVP_PKEY **grown = realloc(b->keys, (b->n_keys + 1) * sizeof(*grown));

	if (grown == NULL) {
		EVP_PKEY_free(k);
		return err_nomem(e);
	}
	b->keys = grown;
	b->keys[b->n_keys++] = k;
	return 0;
}

/* Up-refs and adds each certificate of sk. */
static int
add_certs(struct crypto_bundle *b, const STACK_OF(X509) *sk, struct err *e)
{
	int i;

	for (i = 0; sk != NULL && i < sk_X509_num(sk); i++) {
		X509 *x = sk_X509_value(sk, i);

		if (!X509_up_ref(x))
			return err_nomem(e);
		if (add_cert(b, x, e) == -1)
			return -1;
	}
	return 0;
}

/* The certificates of a signed PKCS#7 structure. */
static int
add_pkcs7(struct crypto_bundle *b, const unsigned char *der, long len, struct err *e)
{
	const unsigned char *q = der;
	PKCS7 *p7 = d2i_PKCS7(NULL, &q, len);
	STACK_OF(X509) *certs = NULL;
	int rc;

	if (p7 == NULL || q != der + len) {
		PKCS7_free(p7);
		ERR_clear_error();
		return err_set(e, ERR_INPUT, "%s", _("corrupt PKCS#7 data"));
	}
	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		certs = p7->d.sign->cert;
	else if (PKCS7_type_is_signedAndEnveloped(p7) && p7->d.signed_and_enveloped != NULL)
		certs = p7->d.signed_and_enveloped->cert;
	rc = add_certs(b, certs, e);
	PKCS7_free(p7);
	return rc;
}

static int
password_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pw = u;
	size_t n;

	(void)rwflag;
	if (pw == NULL || size <= 0)
		return -1;
	n = strlen(pw);
	if (n > (size_t)size)
		n = (size_t)size;
	memcpy(buf, pw, n);
	return (int)n;
}

/* A private key block in text[0, len): read it (with the password), or count it locked. */
static int
add_pem_key(struct crypto_bundle *b, const char *text, size_t len, const char *password,
    struct err *e)
{
	BIO *bio;
	EVP_PKEY *k;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(text, (int)len)) == NULL)
		return err_nomem(e);
	k = PEM_read_bio_PrivateKey(bio, NULL, password_cb, (void *)password);
	BIO_free(bio);
	ERR_clear_error();
	if (k == NULL) {
		b->locked_keys++;
		return 0;
	}
	return add_key(b, k, e);
}

static int
is_key_label(const char *name)
{
	size_t n = strlen(name);

	return n >= 11 && strcmp(name + n - 11, "PRIVATE KEY") == 0;
}

/* Every block of a PEM text; other kinds of blocks (CSRs, parameters) are skipped. */
static int
read_pem(struct crypto_bundle *b, const char *text, size_t len, const char *password,
    struct err *e)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	const unsigned char *q;
	long dlen = 0;
	size_t before, after;
	unsigned long err;
	X509 *x;
	int rc = -1;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(text, (int)len)) == NULL)
		return err_nomem(e);
	for (;;) {
		before = len - (size_t)BIO_ctrl_pending(bio);
		ERR_clear_error();
		if (!PEM_read_bio(bio, &name, &header, &data, &dlen)) {
			err = ERR_peek_last_error();
			ERR_clear_error();
			if (ERR_GET_LIB(err) == ERR_LIB_PEM &&
			    ERR_GET_REASON(err) == PEM_R_NO_START_LINE)
				break;	/* no further block: the normal end */
			err_set(e, ERR_INPUT, "%s", _("truncated or corrupt PEM block"));
			goto out;
		}
		after = len - (size_t)BIO_ctrl_pending(bio);
		if (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0 ||
		    strcmp(name, "TRUSTED CERTIFICATE") == 0) {
			q = data;
			x = strcmp(name, "TRUSTED CERTIFICATE") == 0 ?
			    d2i_X509_AUX(NULL, &q, dlen) : d2i_X509(NULL, &q, dlen);
			if (x == NULL || q != data + dlen) {
				X509_free(x);
				ERR_clear_error();
				err_set(e, ERR_INPUT, "%s", _("corrupt certificate (bad DER)"));
				goto out;
			}
			if (add_cert(b, x, e) == -1)
				goto out;
		} else if (strcmp(name, "PKCS7") == 0 || strcmp(name, "CERTIFICATE CHAIN") == 0) {
			if (add_pkcs7(b, data, dlen, e) == -1)
				goto out;
		} else if (is_key_label(name)) {
			/* Decoded again by OpenSSL's key reader, which knows every form. */
			if (add_pem_key(b, text + before, after - before, password, e) == -1)
				goto out;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, (size_t)dlen);
		name = header = NULL;
		data = NULL;
		dlen = 0;
	}
	rc = 0;
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_clear_free(data, (size_t)dlen);
	BIO_free(bio);
	return rc;
}

/* A PKCS#12 file: with the password, else without one. */
static int
read_pkcs12(struct crypto_bundle *b, PKCS12 *p12, const char *password, struct err *e)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;
	int ok;

	ok = password != NULL && PKCS12_parse(p12, password, &key, &cert, &ca);
	if (!ok) {
		ERR_clear_error();
		ok = PKCS12_parse(p12, NULL, &key, &cert, &ca);
	}
	ERR_clear_error();
	if (!ok)
		return err_set(e, ERR_INPUT, "%s", password != NULL ?
		    _("cannot open the PKCS#12 file (wrong password?)") :
		    _("cannot open the PKCS#12 file (a password is needed: --password-file)"));
	if (cert != NULL && add_cert(b, cert, e) == -1) {
		cert = NULL;
		goto fail;
	}
	cert = NULL;
	if (add_certs(b, ca, e) == -1)
		goto fail;
	sk_X509_pop_free(ca, X509_free);
	ca = NULL;
	if (key != NULL && add_key(b, key, e) == -1)
		return -1;
	return 0;
fail:
	sk_X509_pop_free(ca, X509_free);
	EVP_PKEY_free(key);
	return -1;
}

/* One DER object: a certificate, PKCS#7, PKCS#12 or a private key. Returns 0, 1 (none) or -1. */
static int
read_der(struct crypto_bundle *b, const unsigned char *data, size_t len, const char *password,
    int expect, struct err *e)
{
	const unsigned char *q;
	X509 *x;
	PKCS7 *p7;
	PKCS12 *p12;
	EVP_PKEY *k;
	int rc;

	if (len > LONG_MAX)
		return 1;
	q = data;
	if ((x = d2i_X509(NULL, &q, (long)len)) != NULL) {
		if (q == data + len)
			return add_cert(b, x, e);
		X509_free(x);
	}
	q = data;
	if ((p7 = d2i_PKCS7(NULL, &q, (long)len)) != NULL) {
		PKCS7_free(p7);
		if (q == data + len)
			return add_pkcs7(b, data, (long)len, e);
	}
	q = data;
	if ((p12 = d2i_PKCS12(NULL, &q, (long)len)) != NULL) {
		rc = q == data + len ? read_pkcs12(b, p12, password, e) : 2;
		PKCS12_free(p12);
		if (rc != 2)
			return rc;
	}
	q = data;
	if ((k = d2i_AutoPrivateKey(NULL, &q, (long)len)) != NULL) {
		if (q == data + len)
			return add_key(b, k, e);
		EVP_PKEY_free(k);
	}
	ERR_clear_error();
	if (expect)
		return err_set(e, ERR_INPUT, "%s",
		    _("corrupt or truncated data (not a certificate, PKCS#7, PKCS#12 or key)"));
	return 1;
}

int
crypto_bundle_read(const unsigned char *data, size_t len, const char *password,
    int expect, struct crypto_bundle **out, struct err *e)
{
	struct crypto_bundle *b;
	int rc;

	*out = NULL;
	if ((b = bundle_new()) == NULL)
		return err_nomem(e);
	if (len > 0 && memmem(data, len, "-----BEGIN ", 11) != NULL)
		rc = read_pem(b, (const char *)data, len, password, e);
	else if (len > 0 && data[0] == 0x30)
		rc = read_der(b, data, len, password, expect, e);
	else
		rc = 1;
	if (rc == 0 && sk_X509_num(b->certs) == 0 && b->n_keys == 0 && b->locked_keys == 0)
		rc = 1;
	if (rc != 0) {
		crypto_bundle_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* Appends x's PEM to bio. */
static int
write_pem(BIO *bio, X509 *x, struct err *e)
{
	if (!PEM_write_bio_X509(bio, x))
		return err_openssl(e, _("cannot encode the certificate"));
	return 0;
}

int
crypto_bundle_chain_pem(const struct crypto_bundle *b, int i, char **pem, struct err *e)
{
	int n = sk_X509_num(b->certs), depth, j, cur = i;
	BIO *bio;
	char *data;
	long len;
	int rc = -1;

	*pem = NULL;
	if (i < 0 || i >= n)
		return err_set(e, ERR_USAGE, "%s", _("no such certificate in the file"));
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return err_nomem(e);
	if (write_pem(bio, sk_X509_value(b->certs, i), e) == -1)
		goto out;
	/* Up the issuers the file holds; depth bounds a cycle of cross-signed CAs. */
	for (depth = 0; depth < 8; depth++) {
		X509 *c = sk_X509_value(b->certs, cur);

		if (X509_check_issued(c, c) == X509_V_OK)
			break;	/* self-issued: the top */
		for (j = 0; j < n; j++)
			if (j != cur && j != i &&
			    X509_check_issued(sk_X509_value(b->certs, j), c) == X509_V_OK)
				break;
		if (j == n)
			break;
		if (write_pem(bio, sk_X509_value(b->certs, j), e) == -1)
			goto out;
		cur = j;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || (*pem = crypto_dup_mem(data, (size_t)len)) == NULL) {
		err_nomem(e);
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	BIO_free(bio);
	return rc;
}

int
crypto_pubkey_digest(EVP_PKEY *key, unsigned char out[32], struct err *e)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(key, &der), rc;

	if (n <= 0)
		return err_openssl(e, _("cannot encode a public key"));
	rc = crypto_sha256(der, (size_t)n, out, e);
	OPENSSL_free(der);
	return rc;
}

int
crypto_cert_pubkey_digest(X509 *x, unsigned char out[32], struct err *e)
{
	unsigned char *der = NULL;
	int n, rc;

	/*
	 * The certificate's own SubjectPublicKeyInfo, re-encoded from its
	 * parsed fields: no provider encoder, which in OpenSSL 3.0 cost
	 * more than the rest of reading a certificate.
	 */
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (n <= 0)
		return err_openssl(e, _("cannot encode a public key"));
	rc = crypto_sha256(der, (size_t)n, out, e);
	OPENSSL_free(der);
	return rc;
}

void
crypto_bundle_key_type(EVP_PKEY *key, char *buf, size_t size)
{
	crypto_describe_key(key, buf, size);
}
