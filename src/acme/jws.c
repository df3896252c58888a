#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "base64url.h"
#include "i18n.h"
#include "jws.h"

#define SHA256_LEN 32
#define HS256_MAX 64		/* room for any HMAC output we ask for */

/* What one account key signs with. */
struct jws_kind {
	const char *alg;	/* JOSE name */
	const char *crv;	/* JWK curve, NULL for RSA */
	const char *digest;	/* OpenSSL digest name */
	size_t coord_len;	/* EC coordinate and r/s length, 0 for RSA */
};

static const struct jws_kind kind_es256 = { "ES256", "P-256", "SHA256", 32 };
static const struct jws_kind kind_es384 = { "ES384", "P-384", "SHA384", 48 };
static const struct jws_kind kind_rs256 = { "RS256", NULL, "SHA256", 0 };

static int
nomem(struct err *e)
{
	return err_nomem(e);
}

static int
kind_of(EVP_PKEY *key, const struct jws_kind **out, struct err *e)
{
	char group[80];
	size_t glen = 0;
	int nid;

	if (key == NULL)
		return err_set(e, ERR_USAGE, "%s", _("no key given"));
	if (EVP_PKEY_is_a(key, "RSA")) {
		*out = &kind_rs256;
		return 0;
	}
	if (!EVP_PKEY_is_a(key, "EC"))
		return err_set(e, ERR_INPUT, "%s",
		    _("unsupported key type for JWS (want EC P-256, P-384 or RSA)"));
	if (!EVP_PKEY_get_group_name(key, group, sizeof(group), &glen))
		return err_openssl(e, "%s", _("cannot read the EC key's curve"));
	/* Providers may report either the SEC/X9.62 or the NIST name. */
	nid = OBJ_sn2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	if (nid == NID_X9_62_prime256v1) {
		*out = &kind_es256;
		return 0;
	}
	if (nid == NID_secp384r1) {
		*out = &kind_es384;
		return 0;
	}
	return err_set(e, ERR_INPUT, _("unsupported EC curve for JWS: %s"), group);
}

int
jws_alg(EVP_PKEY *key, const char **alg, struct err *e)
{
	const struct jws_kind *k;

	if (kind_of(key, &k, e) == -1)
		return -1;
	*alg = k->alg;
	return 0;
}

/* Adds name: base64url(bytes) to obj. */
static int
add_b64(cJSON *obj, const char *name, const unsigned char *buf, size_t len,
    struct err *e)
{
	char *s = base64url_encode(buf, len);
	int rc = 0;

	if (s == NULL || cJSON_AddStringToObject(obj, name, s) == NULL)
		rc = nomem(e);
	free(s);
	return rc;
}

/*
 * Adds a key parameter as base64url: left-padded to pad bytes, or in its
 * minimal big-endian form when pad is 0.
 */
static int
add_bn(cJSON *obj, const char *name, EVP_PKEY *key, const char *param,
    size_t pad, struct err *e)
{
	BIGNUM *bn = NULL;
	unsigned char *buf = NULL;
	int len, rc = -1;

	if (!EVP_PKEY_get_bn_param(key, param, &bn)) {
		err_openssl(e, _("cannot read the key parameter %s"), param);
		goto out;
	}
	len = pad > 0 ? (int)pad : BN_num_bytes(bn);
	if (len <= 0) {
		err_set(e, ERR_INPUT, _("key parameter %s is empty"), param);
		goto out;
	}
	if ((buf = malloc((size_t)len)) == NULL) {
		nomem(e);
		goto out;
	}
	if (pad > 0 ? BN_bn2binpad(bn, buf, len) != len : BN_bn2bin(bn, buf) != len) {
		err_set(e, ERR_INPUT, _("key parameter %s has the wrong size"), param);
		goto out;
	}
	rc = add_b64(obj, name, buf, (size_t)len, e);
out:
	free(buf);
	BN_free(bn);
	return rc;
}

int
jws_jwk(EVP_PKEY *key, cJSON **out, struct err *e)
{
	const struct jws_kind *k;
	cJSON *jwk = NULL;
	int rc = -1;

	if (kind_of(key, &k, e) == -1)
		return -1;
	if ((jwk = cJSON_CreateObject()) == NULL) {
		nomem(e);
		goto out;
	}
	/* Members in RFC 7638 order: the thumbprint hashes this exact text. */
	if (k->crv != NULL) {
		if (cJSON_AddStringToObject(jwk, "crv", k->crv) == NULL ||
		    cJSON_AddStringToObject(jwk, "kty", "EC") == NULL) {
			nomem(e);
			goto out;
		}
		if (add_bn(jwk, "x", key, OSSL_PKEY_PARAM_EC_PUB_X, k->coord_len, e) == -1 ||
		    add_bn(jwk, "y", key, OSSL_PKEY_PARAM_EC_PUB_Y, k->coord_len, e) == -1)
			goto out;
	} else {
		if (add_bn(jwk, "e", key, OSSL_PKEY_PARAM_RSA_E, 0, e) == -1)
			goto out;
		if (cJSON_AddStringToObject(jwk, "kty", "RSA") == NULL) {
			nomem(e);
			goto out;
		}
		if (add_bn(jwk, "n", key, OSSL_PKEY_PARAM_RSA_N, 0, e) == -1)
			goto out;
	}
	*out = jwk;
	jwk = NULL;
	rc = 0;
out:
	cJSON_Delete(jwk);
	return rc;
}

/* base64url(SHA-256(len bytes of data)). */
static int
sha256_b64(const void *data, size_t len, char **out, struct err *e)
{
	unsigned char md[SHA256_LEN];
	size_t mdlen = 0;

	if (!EVP_Q_digest(NULL, "SHA256", NULL, data, len, md, &mdlen) ||
	    mdlen != sizeof(md))
		return err_openssl(e, "%s", _("SHA-256 failed"));
	if ((*out = base64url_encode(md, mdlen)) == NULL)
		return nomem(e);
	return 0;
}

/* base64url of obj as compact JSON text. */
static int
json_b64(const cJSON *obj, char **out, struct err *e)
{
	char *text = cJSON_PrintUnformatted(obj);

	if (text == NULL)
		return nomem(e);
	*out = base64url_encode(text, strlen(text));
	free(text);
	if (*out == NULL)
		return nomem(e);
	return 0;
}

int
jws_thumbprint(EVP_PKEY *key, char **out, struct err *e)
{
	cJSON *jwk = NULL;
	char *text = NULL;
	int rc = -1;

	if (jws_jwk(key, &jwk, e) == -1)
		goto out;
	if ((text = cJSON_PrintUnformatted(jwk)) == NULL) {
		nomem(e);
		goto out;
	}
	rc = sha256_b64(text, strlen(text), out, e);
out:
	free(text);
	cJSON_Delete(jwk);
	return rc;
}

/* "a.b": a JWS signing input or a key authorization. */
static char *
dot_join(const char *a, const char *b)
{
	size_t al = strlen(a), bl = strlen(b);
	char *s = malloc(al + bl + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, a, al);
	s[al] = '.';
	memcpy(s + al + 1, b, bl + 1);
	return s;
}

/* {"protected","payload","signature"}, the flattened JSON serialization. */
static int
flattened(const char *prot, const char *payload, const unsigned char *sig,
    size_t siglen, cJSON **out, struct err *e)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj == NULL || cJSON_AddStringToObject(obj, "protected", prot) == NULL ||
	    cJSON_AddStringToObject(obj, "payload", payload) == NULL) {
		cJSON_Delete(obj);
		return nomem(e);
	}
	if (add_b64(obj, "signature", sig, siglen, e) == -1) {
		cJSON_Delete(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

/*
 * Signs tbs with key. JWS wants ECDSA as raw r||s (RFC 7518 3.4), not
 * the DER OpenSSL produces, so EC signatures are converted.
 */
static int
sign_raw(EVP_PKEY *key, const struct jws_kind *k, const char *tbs,
    unsigned char **sig, size_t *siglen, struct err *e)
{
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *ec = NULL;
	unsigned char *der = NULL, *raw = NULL;
	const unsigned char *p;
	const BIGNUM *r, *s;
	size_t len = 0;
	int n, rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		nomem(e);
		goto out;
	}
	/* RSA keys default to PKCS#1 v1.5 padding, which RS256 is. */
	if (!EVP_DigestSignInit_ex(ctx, NULL, k->digest, NULL, NULL, key, NULL) ||
	    !EVP_DigestSign(ctx, NULL, &len, (const unsigned char *)tbs, strlen(tbs))) {
		err_openssl(e, _("cannot sign with %s"), k->alg);
		goto out;
	}
	if ((der = malloc(len)) == NULL) {
		nomem(e);
		goto out;
	}
	if (!EVP_DigestSign(ctx, der, &len, (const unsigned char *)tbs, strlen(tbs))) {
		err_openssl(e, _("cannot sign with %s"), k->alg);
		goto out;
	}
	if (k->coord_len == 0) {
		*sig = der;
		*siglen = len;
		der = NULL;
		rc = 0;
		goto out;
	}
	p = der;
	if (len > 0x7fffffff || (ec = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL) {
		err_openssl(e, "%s", _("cannot decode the ECDSA signature"));
		goto out;
	}
	ECDSA_SIG_get0(ec, &r, &s);
	if ((raw = malloc(2 * k->coord_len)) == NULL) {
		nomem(e);
		goto out;
	}
	n = (int)k->coord_len;
	if (BN_bn2binpad(r, raw, n) != n || BN_bn2binpad(s, raw + n, n) != n) {
		err_set(e, ERR_CRYPTO, "%s", _("ECDSA signature value out of range"));
		goto out;
	}
	*sig = raw;
	*siglen = 2 * k->coord_len;
	raw = NULL;
	rc = 0;
out:
	free(raw);
	ECDSA_SIG_free(ec);
	free(der);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
jws_sign(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
    const char *payload, char **out, struct err *e)
{
	const struct jws_kind *k;
	cJSON *prot = NULL, *jwk = NULL, *jws = NULL;
	char *prot64 = NULL, *pay64 = NULL, *tbs = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int rc = -1;

	if (url == NULL)
		return err_set(e, ERR_USAGE, "%s", _("JWS without a URL"));
	if (kind_of(key, &k, e) == -1)
		return -1;
	if ((prot = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(prot, "alg", k->alg) == NULL) {
		nomem(e);
		goto out;
	}
	if (kid != NULL) {
		if (cJSON_AddStringToObject(prot, "kid", kid) == NULL) {
			nomem(e);
			goto out;
		}
	} else {
		if (jws_jwk(key, &jwk, e) == -1)
			goto out;
		if (!cJSON_AddItemToObject(prot, "jwk", jwk)) {
			nomem(e);
			goto out;
		}
		jwk = NULL;
	}
	if ((nonce != NULL && cJSON_AddStringToObject(prot, "nonce", nonce) == NULL) ||
	    cJSON_AddStringToObject(prot, "url", url) == NULL) {
		nomem(e);
		goto out;
	}
	if (json_b64(prot, &prot64, e) == -1)
		goto out;
	/* POST-as-GET signs an empty payload (RFC 8555 6.3). */
	pay64 = payload != NULL ? base64url_encode(payload, strlen(payload)) : strdup("");
	if (pay64 == NULL || (tbs = dot_join(prot64, pay64)) == NULL) {
		nomem(e);
		goto out;
	}
	if (sign_raw(key, k, tbs, &sig, &siglen, e) == -1)
		goto out;
	if (flattened(prot64, pay64, sig, siglen, &jws, e) == -1)
		goto out;
	if ((*out = cJSON_PrintUnformatted(jws)) == NULL) {
		nomem(e);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(jws);
	free(sig);
	free(tbs);
	free(pay64);
	free(prot64);
	cJSON_Delete(jwk);
	cJSON_Delete(prot);
	return rc;
}

int
jws_eab(EVP_PKEY *account_key, const char *eab_kid,
    const char *hmac_key_b64url, const char *url, cJSON **out, struct err *e)
{
	cJSON *prot = NULL, *jwk = NULL;
	char *prot64 = NULL, *pay64 = NULL, *tbs = NULL;
	unsigned char *hkey = NULL, mac[HS256_MAX];
	size_t hkey_len = 0, mac_len = 0;
	int rc = -1;

	if (eab_kid == NULL || eab_kid[0] == '\0' || url == NULL ||
	    hmac_key_b64url == NULL)
		return err_set(e, ERR_USAGE, "%s",
		    _("external account binding needs a key ID, an HMAC key and a URL"));
	if (base64url_decode(hmac_key_b64url, &hkey, &hkey_len) == -1 || hkey_len == 0) {
		err_set(e, ERR_INPUT, "%s",
		    _("the external account binding HMAC key is not valid base64url"));
		goto out;
	}
	if ((prot = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(prot, "alg", "HS256") == NULL ||
	    cJSON_AddStringToObject(prot, "kid", eab_kid) == NULL ||
	    cJSON_AddStringToObject(prot, "url", url) == NULL) {
		nomem(e);
		goto out;
	}
	if (json_b64(prot, &prot64, e) == -1)
		goto out;
	if (jws_jwk(account_key, &jwk, e) == -1 || json_b64(jwk, &pay64, e) == -1)
		goto out;
	if ((tbs = dot_join(prot64, pay64)) == NULL) {
		nomem(e);
		goto out;
	}
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, hkey, hkey_len,
	    (const unsigned char *)tbs, strlen(tbs), mac, sizeof(mac), &mac_len) == NULL) {
		err_openssl(e, "%s", _("HMAC-SHA256 failed"));
		goto out;
	}
	rc = flattened(prot64, pay64, mac, mac_len, out, e);
out:
	if (hkey != NULL) {
		OPENSSL_cleanse(hkey, hkey_len);
		free(hkey);
	}
	free(tbs);
	free(pay64);
	free(prot64);
	cJSON_Delete(jwk);
	cJSON_Delete(prot);
	return rc;
}

int
jws_key_authorization(EVP_PKEY *account_key, const char *token, char **out,
    struct err *e)
{
	char *thumb = NULL;
	int rc = -1;

	/* The token comes from the CA and ends up in file names and DNS. */
	if (!base64url_is_token(token, 256))
		return err_set(e, ERR_PROTO, "%s",
		    _("the challenge token is not a base64url string"));
	if (jws_thumbprint(account_key, &thumb, e) == -1)
		goto out;
	if ((*out = dot_join(token, thumb)) == NULL) {
		nomem(e);
		goto out;
	}
	rc = 0;
out:
	free(thumb);
	return rc;
}

int
jws_dns01_value(const char *key_authorization, char **out, struct err *e)
{
	if (key_authorization == NULL)
		return err_set(e, ERR_USAGE, "%s", _("no key authorization given"));
	return sha256_b64(key_authorization, strlen(key_authorization), out, e);
}
