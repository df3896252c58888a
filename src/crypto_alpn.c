/*
 * The tls-alpn-01 validation certificate (RFC 8737): a fresh key and a
 * self-signed certificate carrying the acmeIdentifier extension. The
 * solver (solver_alpn.c) serves it; building and signing it is crypto's.
 */
#include "config.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "crypto_priv.h"
#include "i18n.h"

/* id-pe-acmeIdentifier, RFC 8737 section 6.1. */
#define OID_ACME_IDENTIFIER "1.3.6.1.5.5.7.1.31"

/* The one SAN, critical: the subject is empty (RFC 5280 section 4.2.1.6). */
static int
add_san(X509 *x, const char *name)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gn;
	int is_ip, ok = 0;

	gn = crypto_general_name(name, &is_ip);
	if (gens == NULL || gn == NULL || !sk_GENERAL_NAME_push(gens, gn)) {
		GENERAL_NAME_free(gn);
		goto out;
	}
	ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 1, X509V3_ADD_DEFAULT) == 1;
out:
	GENERAL_NAMES_free(gens);
	return ok;
}

/*
 * The critical acmeIdentifier extension. Its extnValue is the DER of an
 * OCTET STRING holding the digest: OpenSSL encodes that inner value, and
 * the extension wraps it in the outer OCTET STRING.
 */
static int
add_acme_identifier(X509 *x, const unsigned char digest[32])
{
	ASN1_OBJECT *obj = NULL;
	ASN1_OCTET_STRING *inner = NULL, *outer = NULL;
	X509_EXTENSION *ext = NULL;
	unsigned char *der = NULL;
	int len, ok = 0;

	obj = OBJ_txt2obj(OID_ACME_IDENTIFIER, 1);
	inner = ASN1_OCTET_STRING_new();
	outer = ASN1_OCTET_STRING_new();
	if (obj == NULL || inner == NULL || outer == NULL ||
	    !ASN1_OCTET_STRING_set(inner, digest, 32) ||
	    (len = i2d_ASN1_OCTET_STRING(inner, &der)) <= 0 ||
	    !ASN1_OCTET_STRING_set(outer, der, len))
		goto out;
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, outer);
	ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
out:
	X509_EXTENSION_free(ext);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(outer);
	ASN1_OCTET_STRING_free(inner);
	ASN1_OBJECT_free(obj);
	return ok;
}

int
crypto_alpn_cert_new(const char *name, const unsigned char digest[32], X509 **cert,
    EVP_PKEY **key, struct err *e)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	BIGNUM *bn = NULL;
	unsigned char serial[16];
	int rc = -1;

	*cert = NULL;
	*key = NULL;
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (k == NULL) {
		err_openssl(e, "%s", _("cannot generate the tls-alpn-01 key"));
		goto out;
	}
	x = X509_new();
	if (x == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;	/* positive */
	serial[0] |= 0x01;	/* and without a leading zero byte */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600) == NULL ||
	    !X509_set_pubkey(x, k) ||
	    !add_san(x, name) ||
	    !add_acme_identifier(x, digest) ||
	    X509_sign(x, k, EVP_sha256()) <= 0)
		goto fail;
	*cert = x;
	*key = k;
	x = NULL;
	k = NULL;
	rc = 0;
	goto out;
fail:
	err_openssl(e, "%s", _("cannot build the tls-alpn-01 certificate"));
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}
