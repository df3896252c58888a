/*
 * Keys and certificate requests: key types, generation, PEM in and out,
 * the store's keys, and CSRs. Certificate parsing is crypto_cert.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base64url.h"
#include "crypto.h"
#include "crypto_priv.h"
#include "i18n.h"
#include "store_key.h"

/* Let's Encrypt and most CAs refuse more names than this in one order. */
#define CSR_MAX_NAMES 100
/* X.520 ub-common-name: a longer CN makes the CSR invalid. */
#define CN_MAX 64

static const struct {
	const char *name;
	const char *curve;	/* NULL for RSA */
	unsigned int bits;
} key_types[KEY_TYPE_COUNT] = {
	[KEY_EC256] = { "ec256", "P-256", 256 },
	[KEY_EC384] = { "ec384", "P-384", 384 },
	[KEY_RSA2048] = { "rsa2048", NULL, 2048 },
	[KEY_RSA3072] = { "rsa3072", NULL, 3072 },
	[KEY_RSA4096] = { "rsa4096", NULL, 4096 },
};

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

const char *
crypto_key_type_name(enum key_type type)
{
	if ((unsigned)type >= KEY_TYPE_COUNT)
		return NULL;
	return key_types[type].name;
}

int
crypto_key_type_parse(const char *name, enum key_type *out, struct err *e)
{
	int i;

	for (i = 0; name != NULL && i < KEY_TYPE_COUNT; i++) {
		if (strcasecmp(name, key_types[i].name) == 0) {
			*out = (enum key_type)i;
			return 0;
		}
	}
	return err_set(e, ERR_INPUT,
	    _("unknown key type \"%s\" (use ec256, ec384, rsa2048, rsa3072 or rsa4096)"),
	    name != NULL ? name : "");
}

int
crypto_key_generate(enum key_type type, EVP_PKEY **out, struct err *e)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	OSSL_PARAM params[3];
	size_t bits;
	unsigned int exponent = 65537;
	int rc = -1;

	*out = NULL;
	if ((unsigned)type >= KEY_TYPE_COUNT)
		return err_set(e, ERR_USAGE, _("unknown key type %d"), (int)type);
	if (key_types[type].curve != NULL) {
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)key_types[type].curve, 0);
		params[1] = OSSL_PARAM_construct_end();
	} else {
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
		bits = key_types[type].bits;
		params[0] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits);
		params[1] = OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &exponent);
		params[2] = OSSL_PARAM_construct_end();
	}
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_params(ctx, params) <= 0 ||
	    EVP_PKEY_generate(ctx, &key) <= 0) {
		err_openssl(e, _("cannot generate a %s key"), key_types[type].name);
		goto out;
	}
	*out = key;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* NID of an EC key's named curve, or NID_undef. */
static int
ec_curve_nid(EVP_PKEY *key)
{
	char group[80];
	int nid;

	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL)) {
		ERR_clear_error();
		return NID_undef;
	}
	nid = OBJ_sn2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	return nid;
}

void
crypto_describe_key(EVP_PKEY *key, char *buf, size_t size)
{
	const char *name;
	int bits = EVP_PKEY_get_bits(key);

	if (EVP_PKEY_is_a(key, "RSA")) {
		snprintf(buf, size, "rsa%d", bits);
	} else if (EVP_PKEY_is_a(key, "EC")) {
		switch (ec_curve_nid(key)) {
		case NID_X9_62_prime256v1:
			snprintf(buf, size, "ec256");
			break;
		case NID_secp384r1:
			snprintf(buf, size, "ec384");
			break;
		case NID_secp521r1:
			snprintf(buf, size, "ec521");
			break;
		case NID_undef:
			snprintf(buf, size, "ec%d", bits);
			break;
		default:
			/* Not a NIST curve: "ec256" would hide which one. */
			snprintf(buf, size, "ec-%s", OBJ_nid2sn(ec_curve_nid(key)));
			break;
		}
	} else {
		name = EVP_PKEY_get0_type_name(key);
		if (name == NULL)
			name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
		snprintf(buf, size, "%s", name != NULL ? name : "unknown");
	}
	lower(buf);
}

int
crypto_key_type_of(EVP_PKEY *key, enum key_type *out, struct err *e)
{
	char desc[64];
	int i;

	if (key == NULL)
		return err_set(e, ERR_USAGE, _("no key given"));
	crypto_describe_key(key, desc, sizeof(desc));
	for (i = 0; i < KEY_TYPE_COUNT; i++) {
		if (strcmp(desc, key_types[i].name) == 0) {
			*out = (enum key_type)i;
			return 0;
		}
	}
	return err_set(e, ERR_INPUT,
	    _("unsupported key type %s (use ec256, ec384, rsa2048, rsa3072 or rsa4096)"),
	    desc);
}

int
crypto_key_to_pem(EVP_PKEY *key, char **out, struct err *e)
{
	BIO *bio = NULL;
	char *data = NULL;
	long len;
	int rc = -1;

	*out = NULL;
	if (key == NULL)
		return err_set(e, ERR_USAGE, _("no key given"));
	/* Secure-heap memory BIO: the encoder's buffer holds the secret too. */
	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
	    NULL, NULL)) {
		err_openssl(e, _("cannot encode the private key"));
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || data == NULL) {
		err_openssl(e, _("cannot encode the private key"));
		goto out;
	}
	*out = crypto_dup_mem(data, (size_t)len);
	OPENSSL_cleanse(data, (size_t)len);
	if (*out == NULL) {
		err_nomem(e);
		goto out;
	}
	rc = 0;
out:
	BIO_free(bio);
	return rc;
}

/* Never let OpenSSL prompt on the terminal for a passphrase. */
static int
refuse_passphrase(char *buf, int size, int rwflag, void *u)
{
	*(int *)u = 1;
	return -1;
}

/* Does the text hold a "-----BEGIN ... PRIVATE KEY-----" line? */
static int
has_private_key_block(const char *pem, size_t len)
{
	const char *p = pem, *end = pem + len, *b, *close;
	static const char tail[] = "PRIVATE KEY-----";

	while ((b = crypto_find(p, end, CRYPTO_PEM_BEGIN)) != NULL) {
		close = crypto_find(b + strlen(CRYPTO_PEM_BEGIN), end, CRYPTO_PEM_DASHES);
		if (close == NULL)
			return 0;
		close += strlen(CRYPTO_PEM_DASHES);
		if ((size_t)(close - b) >= strlen(CRYPTO_PEM_BEGIN) + strlen(tail) &&
		    memcmp(close - strlen(tail), tail, strlen(tail)) == 0)
			return 1;
		p = close;
	}
	return 0;
}

int
crypto_key_from_pem(const char *pem, size_t len, EVP_PKEY **out, struct err *e)
{
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	int asked = 0, rc = -1;

	*out = NULL;
	if (pem == NULL || !has_private_key_block(pem, len))
		return err_set(e, ERR_INPUT, _("not a private key"));
	if (len > INT_MAX)
		return err_set(e, ERR_INPUT, _("private key text is too large"));
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		err_openssl(e, _("cannot read the private key"));
		goto out;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, refuse_passphrase, &asked);
	if (key == NULL) {
		if (asked) {
			ERR_clear_error();
			err_set(e, ERR_INPUT,
			    _("the private key is encrypted; certdeck needs it unencrypted"));
		} else {
			err_openssl(e, _("cannot read the private key"));
		}
		goto out;
	}
	*out = key;
	rc = 0;
out:
	BIO_free(bio);
	return rc;
}

int
crypto_key_load(struct store *st, int64_t id, EVP_PKEY **out, struct err *e)
{
	char *pem = NULL, *type = NULL;
	int rc;

	*out = NULL;
	rc = store_key_get(st, id, &pem, &type, e);
	if (rc != 0)
		return rc;
	rc = crypto_key_from_pem(pem, strlen(pem), out, e);
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	free(type);
	return rc;
}

/* A SAN must be a non-empty printable token; spaces and controls are never valid. */
static int
check_name(const char *name, size_t idx, struct err *e)
{
	const unsigned char *p;

	if (name == NULL || name[0] == '\0')
		return err_set(e, ERR_INPUT, _("name %zu is empty"), idx + 1);
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return err_set(e, ERR_INPUT,
			    _("name %zu contains a space or a control character"),
			    idx + 1);
	return 0;
}

GENERAL_NAME *
crypto_general_name(const char *name, int *is_ip)
{
	GENERAL_NAME *gn;
	ASN1_STRING *s;
	unsigned char addr[16];
	int alen = 0, type;

	if (inet_pton(AF_INET, name, addr) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, name, addr) == 1)
		alen = 16;
	*is_ip = alen != 0;
	gn = GENERAL_NAME_new();
	if (alen != 0) {
		s = ASN1_OCTET_STRING_new();
		type = GEN_IPADD;
		if (s != NULL && !ASN1_OCTET_STRING_set(s, addr, alen)) {
			ASN1_OCTET_STRING_free(s);
			s = NULL;
		}
	} else {
		s = ASN1_IA5STRING_new();
		type = GEN_DNS;
		if (s != NULL && !ASN1_STRING_set(s, name, -1)) {
			ASN1_IA5STRING_free(s);
			s = NULL;
		}
	}
	if (gn == NULL || s == NULL) {
		GENERAL_NAME_free(gn);
		ASN1_STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, type, s);
	return gn;
}

int
crypto_csr_build(EVP_PKEY *key, const char *const *names, size_t n_names,
    unsigned char **der, size_t *der_len, struct err *e)
{
	X509_REQ *req = NULL;
	X509_NAME *subject = NULL;
	GENERAL_NAMES *gens = NULL;
	GENERAL_NAME *gn;
	X509_EXTENSION *ext = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	const char *cn = NULL;
	unsigned char *buf = NULL, *p;
	int len, is_ip, seen_dns = 0, rc = -1;
	size_t i;

	*der = NULL;
	*der_len = 0;
	if (key == NULL)
		return err_set(e, ERR_USAGE, _("no key given"));
	if (n_names == 0)
		return err_set(e, ERR_INPUT,
		    _("a certificate request needs at least one name"));
	if (n_names > CSR_MAX_NAMES)
		return err_set(e, ERR_INPUT,
		    _("too many names (%zu); one certificate holds at most %d"),
		    n_names, CSR_MAX_NAMES);
	for (i = 0; i < n_names; i++)
		if (check_name(names[i], i, e) == -1)
			return -1;

	gens = sk_GENERAL_NAME_new_null();
	if (gens == NULL) {
		err_nomem(e);
		goto out;
	}
	for (i = 0; i < n_names; i++) {
		gn = crypto_general_name(names[i], &is_ip);
		if (gn == NULL || !sk_GENERAL_NAME_push(gens, gn)) {
			GENERAL_NAME_free(gn);
			err_openssl(e, _("cannot build the certificate request"));
			goto out;
		}
		if (!is_ip && !seen_dns) {
			seen_dns = 1;
			if (strlen(names[i]) <= CN_MAX)
				cn = names[i];
		}
	}

	req = X509_REQ_new();
	subject = X509_NAME_new();
	if (req == NULL || subject == NULL ||
	    !X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    (cn != NULL && !X509_NAME_add_entry_by_NID(subject, NID_commonName,
	    MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)) ||
	    !X509_REQ_set_subject_name(req, subject)) {
		err_openssl(e, _("cannot build the certificate request"));
		goto out;
	}
	/* RFC 5280 4.2.1.6: with an empty subject the SAN must be critical. */
	ext = X509V3_EXT_i2d(NID_subject_alt_name, cn == NULL, gens);
	exts = sk_X509_EXTENSION_new_null();
	if (ext == NULL || exts == NULL || !sk_X509_EXTENSION_push(exts, ext)) {
		err_openssl(e, _("cannot build the certificate request"));
		goto out;
	}
	ext = NULL;	/* now owned by exts */
	if (!X509_REQ_add_extensions(req, exts) ||
	    !X509_REQ_set_pubkey(req, key)) {
		err_openssl(e, _("cannot build the certificate request"));
		goto out;
	}
	if (X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
		err_openssl(e, _("cannot sign the certificate request"));
		goto out;
	}
	len = i2d_X509_REQ(req, NULL);
	if (len <= 0) {
		err_openssl(e, _("cannot encode the certificate request"));
		goto out;
	}
	buf = malloc((size_t)len);
	if (buf == NULL) {
		err_nomem(e);
		goto out;
	}
	p = buf;
	if (i2d_X509_REQ(req, &p) != len) {
		err_openssl(e, _("cannot encode the certificate request"));
		goto out;
	}
	*der = buf;
	*der_len = (size_t)len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(subject);
	X509_REQ_free(req);
	return rc;
}

/* ---- JWK private keys (other clients' account keys) ---- */

/* A base64url member of jwk as a BIGNUM (BN_free), or NULL. */
static BIGNUM *
jwk_bn(const cJSON *jwk, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(jwk, name);
	unsigned char *raw = NULL;
	size_t n = 0;
	BIGNUM *bn;

	if (!cJSON_IsString(v) || base64url_decode(v->valuestring, &raw, &n) != 0)
		return NULL;
	bn = n > 0 && n <= 1024 ? BN_bin2bn(raw, (int)n, NULL) : NULL;
	OPENSSL_clear_free(raw, n);
	return bn;
}

/* Adds the RSA members of jwk (RFC 7518 section 6.3) to bld. Returns 0 or -1. */
static int
jwk_rsa_params(const cJSON *jwk, OSSL_PARAM_BLD *bld, BIGNUM **bns)
{
	static const char *const members[8] = { "n", "e", "d", "p", "q", "dp", "dq", "qi" };
	static const char *const params[8] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	int i;

	for (i = 0; i < 8; i++) {
		bns[i] = jwk_bn(jwk, members[i]);
		/* n, e and d are needed; the CRT members only when all are there. */
		if (bns[i] == NULL && i < 3)
			return -1;
	}
	for (i = 0; i < 8; i++) {
		if (i >= 3 && (bns[3] == NULL || bns[4] == NULL || bns[5] == NULL ||
		    bns[6] == NULL || bns[7] == NULL))
			break;
		if (!OSSL_PARAM_BLD_push_BN(bld, params[i], bns[i]))
			return -1;
	}
	return 0;
}

/* Adds the EC members of jwk (RFC 7518 section 6.2) to bld. Returns 0 or -1. */
static int
jwk_ec_params(const cJSON *jwk, OSSL_PARAM_BLD *bld, BIGNUM **bns, unsigned char *pub,
    size_t *pub_len)
{
	const cJSON *crv = cJSON_GetObjectItemCaseSensitive(jwk, "crv");
	const char *group;
	int size;

	if (!cJSON_IsString(crv))
		return -1;
	if (strcmp(crv->valuestring, "P-256") == 0) {
		group = "prime256v1";
		size = 32;
	} else if (strcmp(crv->valuestring, "P-384") == 0) {
		group = "secp384r1";
		size = 48;
	} else {
		return -1;
	}
	bns[0] = jwk_bn(jwk, "x");
	bns[1] = jwk_bn(jwk, "y");
	bns[2] = jwk_bn(jwk, "d");
	if (bns[0] == NULL || bns[1] == NULL || bns[2] == NULL)
		return -1;
	/* The public point, uncompressed: 04 || x || y, each padded to the field size. */
	pub[0] = 4;
	if (BN_bn2binpad(bns[0], pub + 1, size) != size ||
	    BN_bn2binpad(bns[1], pub + 1 + size, size) != size)
		return -1;
	*pub_len = 1 + 2 * (size_t)size;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, *pub_len) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bns[2]))
		return -1;
	return 0;
}

int
crypto_key_from_jwk(const char *json, EVP_PKEY **out, struct err *e)
{
	cJSON *jwk = NULL;
	const cJSON *kty;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *bns[8] = { NULL };
	unsigned char pub[1 + 2 * 48];
	size_t pub_len = 0, i;
	int rc = -1, is_rsa;

	*out = NULL;
	if ((jwk = cJSON_Parse(json)) == NULL)
		return err_set(e, ERR_INPUT, "%s", _("not a JSON Web Key"));
	kty = cJSON_GetObjectItemCaseSensitive(jwk, "kty");
	if (!cJSON_IsString(kty) || (strcmp(kty->valuestring, "RSA") != 0 &&
	    strcmp(kty->valuestring, "EC") != 0)) {
		err_set(e, ERR_INPUT, "%s", _("a JSON Web Key of a kind certdeck does not use "
		    "(only RSA and EC P-256/P-384)"));
		goto out;
	}
	is_rsa = strcmp(kty->valuestring, "RSA") == 0;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL) {
		err_nomem(e);
		goto out;
	}
	if ((is_rsa ? jwk_rsa_params(jwk, bld, bns) :
	    jwk_ec_params(jwk, bld, bns, pub, &pub_len)) != 0) {
		ERR_clear_error();
		err_set(e, ERR_INPUT, "%s", _("the JSON Web Key lacks a private member or is "
		    "malformed"));
		goto out;
	}
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, is_rsa ? "RSA" : "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) <= 0) {
		*out = NULL;
		err_openssl(e, "%s", _("cannot build a key from the JSON Web Key"));
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < sizeof(bns) / sizeof(bns[0]); i++)
		BN_clear_free(bns[i]);
	OPENSSL_cleanse(pub, sizeof(pub));
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	cJSON_Delete(jwk);
	return rc;
}
