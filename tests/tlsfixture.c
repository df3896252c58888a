#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "tlsfixture.h"

EVP_PKEY *
tlsfix_key(void)
{
	return EVP_EC_gen("P-256");
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

X509 *
tlsfix_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
    long nb_off, long na_off, int ca, const char *sans)
{
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char serial[12];
	BIGNUM *bn = NULL;
	int ok = 0;

	if (x == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), nb_off);
	X509_gmtime_adj(X509_getm_notAfter(x), na_off);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
	    -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	if (add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" :
	    "critical,CA:FALSE") != 0 ||
	    add_ext(x, issuer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature") != 0 ||
	    add_ext(x, issuer, NID_subject_key_identifier, "hash") != 0 ||
	    (issuer != NULL && add_ext(x, issuer, NID_authority_key_identifier,
	    "keyid:always") != 0) ||
	    (!ca && add_ext(x, issuer, NID_ext_key_usage, "serverAuth") != 0) ||
	    (sans != NULL && add_ext(x, issuer, NID_subject_alt_name, sans) != 0))
		goto out;
	if (X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) <= 0)
		goto out;
	ok = 1;
out:
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

static char *
bio_text(BIO *b)
{
	char *data, *s;
	long n = BIO_get_mem_data(b, &data);

	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	return s;
}

char *
tlsfix_cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b != NULL && PEM_write_bio_X509(b, x))
		s = bio_text(b);
	BIO_free(b);
	return s;
}

char *
tlsfix_key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b != NULL && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		s = bio_text(b);
	BIO_free(b);
	return s;
}

int
tlsfix_server(char **cert_pem, char **key_pem, char **ca_pem)
{
	EVP_PKEY *cak = tlsfix_key(), *k = tlsfix_key();
	X509 *ca = NULL, *x = NULL;
	int rc = -1;

	*cert_pem = *key_pem = *ca_pem = NULL;
	if (cak == NULL || k == NULL ||
	    (ca = tlsfix_cert("certdeck test server CA", cak, NULL, NULL, -3600, 86400, 1,
	    NULL)) == NULL ||
	    (x = tlsfix_cert("localhost", k, ca, cak, -3600, 86400, 0,
	    "DNS:localhost,IP:127.0.0.1")) == NULL)
		goto out;
	*cert_pem = tlsfix_cert_pem(x);
	*key_pem = tlsfix_key_pem(k);
	*ca_pem = tlsfix_cert_pem(ca);
	if (*cert_pem == NULL || *key_pem == NULL || *ca_pem == NULL) {
		free(*cert_pem);
		free(*key_pem);
		free(*ca_pem);
		*cert_pem = *key_pem = *ca_pem = NULL;
		goto out;
	}
	rc = 0;
out:
	X509_free(ca);
	X509_free(x);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k);
	return rc;
}

int
tlsfix_write(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp) ||
	    (f = fopen(tmp, "w")) == NULL)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}
