#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "base64url.h"
#include "jws.h"
#include "tap.h"

/* RFC 7638 section 3.1. */
static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4"
    "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char rfc7638_e[] = "AQAB";
static const char rfc7638_thumb[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

static const char test_url[] = "https://127.0.0.1:14000/acme/new-order";
static const char test_kid[] = "https://127.0.0.1:14000/my-account/1";
static const char test_nonce[] = "Zm9vbm9uY2UxMjM";
static const char test_payload[] = "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.test\"}]}";

/* Decodes base64url into a NUL-terminated buffer; NULL on a malformed input. */
static unsigned char *
b64dec(const char *s, size_t *len)
{
	unsigned char *raw = NULL, *buf;
	size_t n = 0;

	if (s == NULL || base64url_decode(s, &raw, &n) == -1)
		return NULL;
	buf = malloc(n + 1);
	if (buf != NULL) {
		memcpy(buf, raw, n);
		buf[n] = '\0';
	}
	free(raw);
	if (len != NULL)
		*len = n;
	return buf;
}

static BIGNUM *
b64_bn(const char *s)
{
	size_t n = 0;
	unsigned char *raw = b64dec(s, &n);
	BIGNUM *bn = raw != NULL ? BN_bin2bn(raw, (int)n, NULL) : NULL;

	free(raw);
	return bn;
}

static EVP_PKEY *
key_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY *key = NULL;

	if (ctx == NULL || params == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static EVP_PKEY *
rsa_public(const char *n64, const char *e64)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = b64_bn(n64), *e = b64_bn(e64);
	EVP_PKEY *key = NULL;

	if (bld != NULL && n != NULL && e != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		key = key_from_params("RSA", bld);
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

/* Rebuilds an EC public key from the JWK's x and y, as a CA would. */
static EVP_PKEY *
ec_public(const char *crv, const char *x64, const char *y64)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	unsigned char *x = NULL, *y = NULL, point[1 + 2 * 66];
	size_t xl = 0, yl = 0;
	EVP_PKEY *key = NULL;

	x = b64dec(x64, &xl);
	y = b64dec(y64, &yl);
	if (bld != NULL && x != NULL && y != NULL && xl == yl && xl <= 66) {
		point[0] = 0x04;
		memcpy(point + 1, x, xl);
		memcpy(point + 1 + xl, y, yl);
		if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, crv, 0) &&
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
		    1 + xl + yl))
			key = key_from_params("EC", bld);
	}
	free(x);
	free(y);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

/* Public key from a JWK object. */
static EVP_PKEY *
jwk_public(const cJSON *jwk)
{
	const char *kty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk, "kty"));

	if (kty != NULL && strcmp(kty, "RSA") == 0)
		return rsa_public(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk, "n")),
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk, "e")));
	if (kty != NULL && strcmp(kty, "EC") == 0)
		return ec_public(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk, "crv")),
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk, "x")),
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk, "y")));
	return NULL;
}

/* Names of obj's members joined with commas, in order. */
static void
member_names(const cJSON *obj, char *buf, size_t size)
{
	const cJSON *it;

	buf[0] = '\0';
	cJSON_ArrayForEach(it, obj) {
		if (buf[0] != '\0')
			strncat(buf, ",", size - strlen(buf) - 1);
		strncat(buf, it->string, size - strlen(buf) - 1);
	}
}

/*
 * Verifies a JWS signature independently: EC r||s goes back to DER first.
 * Returns 1 on a good signature, 0 otherwise.
 */
static int
verify(EVP_PKEY *key, const char *alg, const char *prot, const char *payload,
    const char *sig64)
{
	const char *md = strcmp(alg, "ES384") == 0 ? "SHA384" : "SHA256";
	size_t siglen = 0, tbslen = strlen(prot) + 1 + strlen(payload), half;
	unsigned char *sig = b64dec(sig64, &siglen), *der = NULL, *p;
	char *tbs = malloc(tbslen + 1);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *ec = NULL;
	BIGNUM *r, *s;
	int derlen, good = 0;

	if (sig == NULL || tbs == NULL || ctx == NULL)
		goto out;
	memcpy(tbs, prot, strlen(prot));
	tbs[strlen(prot)] = '.';
	memcpy(tbs + strlen(prot) + 1, payload, strlen(payload) + 1);
	if (alg[0] == 'E') {
		half = siglen / 2;
		if (siglen % 2 != 0 || (ec = ECDSA_SIG_new()) == NULL)
			goto out;
		r = BN_bin2bn(sig, (int)half, NULL);
		s = BN_bin2bn(sig + half, (int)half, NULL);
		if (r == NULL || s == NULL || !ECDSA_SIG_set0(ec, r, s)) {
			BN_free(r);
			BN_free(s);
			goto out;
		}
		if ((derlen = i2d_ECDSA_SIG(ec, NULL)) <= 0 ||
		    (der = malloc((size_t)derlen)) == NULL)
			goto out;
		p = der;
		i2d_ECDSA_SIG(ec, &p);
		free(sig);
		sig = der;
		der = NULL;
		siglen = (size_t)derlen;
	}
	good = EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, (unsigned char *)tbs, tbslen) == 1;
out:
	ECDSA_SIG_free(ec);
	EVP_MD_CTX_free(ctx);
	free(der);
	free(tbs);
	free(sig);
	return good;
}

static const char *
str_member(const cJSON *obj, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

/* Signs once and checks everything a CA would check. */
static void
check_sign(EVP_PKEY *key, const char *alg, size_t want_siglen, const char *kid,
    const char *nonce, const char *payload)
{
	struct err e;
	char *out = NULL, *thumb = NULL, *jwk_text = NULL, names[128], what[160];
	cJSON *jws = NULL, *prot = NULL, *own_jwk = NULL;
	const char *prot64, *pay64, *sig64;
	unsigned char *prot_text = NULL, *pay_text = NULL, *sig = NULL;
	size_t siglen = 0;
	const cJSON *jwk;
	EVP_PKEY *pub = NULL;
	char *tampered = NULL;

	snprintf(what, sizeof(what), "%s %s%s%s", alg, kid ? "kid" : "jwk",
	    nonce ? "" : " no-nonce", payload ? "" : " POST-as-GET");
	diag("%s", what);
	err_clear(&e);
	if (!ok(jws_sign(key, kid, nonce, test_url, payload, &out, &e) == 0, "jws_sign")) {
		diag("%s", e.msg);
		return;
	}
	jws = cJSON_Parse(out);
	ok(jws != NULL && cJSON_IsObject(jws), "output is a JSON object");
	member_names(jws, names, sizeof(names));
	is_str(names, "protected,payload,signature", "flattened members");
	prot64 = str_member(jws, "protected");
	pay64 = str_member(jws, "payload");
	sig64 = str_member(jws, "signature");
	ok(prot64 != NULL && pay64 != NULL && sig64 != NULL, "members are strings");
	if (prot64 == NULL || pay64 == NULL || sig64 == NULL)
		goto out;

	prot_text = b64dec(prot64, NULL);
	ok(prot_text != NULL, "protected header decodes");
	prot = prot_text ? cJSON_Parse((char *)prot_text) : NULL;
	ok(prot != NULL, "protected header is JSON");
	is_str(str_member(prot, "alg"), alg, "alg");
	is_str(str_member(prot, "url"), test_url, "url");
	is_str(str_member(prot, "nonce"), nonce, "nonce (absent when not given)");
	jwk = cJSON_GetObjectItemCaseSensitive(prot, "jwk");
	if (kid != NULL) {
		is_str(str_member(prot, "kid"), kid, "kid");
		ok(jwk == NULL, "no jwk next to kid");
		member_names(prot, names, sizeof(names));
		is_str(names, nonce ? "alg,kid,nonce,url" : "alg,kid,url", "header members");
	} else {
		ok(cJSON_GetObjectItemCaseSensitive(prot, "kid") == NULL, "no kid next to jwk");
		ok(cJSON_IsObject(jwk), "jwk is an object");
		ok(jws_jwk(key, &own_jwk, &e) == 0 && cJSON_Compare(jwk, own_jwk, 1),
		    "embedded jwk is jws_jwk's");
		member_names(prot, names, sizeof(names));
		is_str(names, nonce ? "alg,jwk,nonce,url" : "alg,jwk,url", "header members");
		/* The thumbprint is SHA-256 of this exact, ordered JWK. */
		jwk_text = cJSON_PrintUnformatted(jwk);
		ok(jws_thumbprint(key, &thumb, &e) == 0, "thumbprint");
		if (jwk_text != NULL && thumb != NULL) {
			unsigned char md[32];
			unsigned int mdlen = 0;
			char *want;

			EVP_Digest(jwk_text, strlen(jwk_text), md, &mdlen, EVP_sha256(), NULL);
			want = base64url_encode(md, mdlen);
			is_str(thumb, want, "thumbprint is SHA-256 of the embedded jwk");
			free(want);
		}
		/* Verifying with the key rebuilt from the jwk proves the jwk right. */
		pub = jwk_public(jwk);
		ok(pub != NULL && EVP_PKEY_eq(pub, key) == 1, "jwk rebuilds the same public key");
		ok(pub != NULL && verify(pub, alg, prot64, pay64, sig64),
		    "signature verifies with the jwk's key");
	}

	if (payload != NULL) {
		pay_text = b64dec(pay64, NULL);
		is_str((char *)pay_text, payload, "payload decodes back");
	} else {
		is_str(pay64, "", "POST-as-GET payload is the empty string");
	}
	sig = b64dec(sig64, &siglen);
	is_int(siglen, want_siglen, "signature length");
	ok(verify(key, alg, prot64, pay64, sig64), "signature verifies");

	tampered = base64url_encode("{\"evil\":1}", 10);
	ok(!verify(key, alg, prot64, tampered, sig64), "tampered payload fails");
	free(tampered);
	tampered = strdup(prot64);
	tampered[strlen(tampered) / 2] ^= 1;
	ok(!verify(key, alg, tampered, pay64, sig64), "tampered header fails");
out:
	free(tampered);
	EVP_PKEY_free(pub);
	free(sig);
	free(pay_text);
	free(jwk_text);
	free(thumb);
	cJSON_Delete(own_jwk);
	cJSON_Delete(prot);
	free(prot_text);
	cJSON_Delete(jws);
	free(out);
}

static void
check_jwk_shape(EVP_PKEY *key, const char *alg)
{
	struct err e;
	cJSON *jwk = NULL;
	char names[64];
	unsigned char *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;

	err_clear(&e);
	if (!ok(jws_jwk(key, &jwk, &e) == 0, "jws_jwk")) {
		diag("%s", e.msg);
		return;
	}
	member_names(jwk, names, sizeof(names));
	if (alg[0] == 'E') {
		size_t want = strcmp(alg, "ES256") == 0 ? 32 : 48;

		is_str(names, "crv,kty,x,y", "EC jwk members in RFC 7638 order");
		is_str(str_member(jwk, "crv"), want == 32 ? "P-256" : "P-384", "crv");
		is_str(str_member(jwk, "kty"), "EC", "kty");
		a = b64dec(str_member(jwk, "x"), &al);
		b = b64dec(str_member(jwk, "y"), &bl);
		is_int(al, want, "x is full length");
		is_int(bl, want, "y is full length");
	} else {
		is_str(names, "e,kty,n", "RSA jwk members in RFC 7638 order");
		is_str(str_member(jwk, "kty"), "RSA", "kty");
		is_str(str_member(jwk, "e"), "AQAB", "e is minimal");
		a = b64dec(str_member(jwk, "n"), &al);
		is_int(al, 256, "n is 256 bytes");
		ok(a != NULL && al > 0 && a[0] != 0, "n has no leading zero");
	}
	free(a);
	free(b);
	cJSON_Delete(jwk);
}

/*
 * r and s have a leading zero byte once in 256 signatures: sign often
 * enough that the left padding is exercised, and check every one.
 */
static void
check_many(EVP_PKEY *key, const char *alg, size_t want_siglen)
{
	struct err e;
	int i, bad = 0;

	err_clear(&e);
	for (i = 0; i < 400; i++) {
		char *out = NULL;
		cJSON *jws = NULL;
		unsigned char *sig = NULL;
		size_t siglen = 0;

		if (jws_sign(key, test_kid, test_nonce, test_url, test_payload, &out, &e) == -1 ||
		    (jws = cJSON_Parse(out)) == NULL ||
		    (sig = b64dec(str_member(jws, "signature"), &siglen)) == NULL ||
		    siglen != want_siglen ||
		    !verify(key, alg, str_member(jws, "protected"), str_member(jws, "payload"),
		    str_member(jws, "signature")))
			bad++;
		free(sig);
		cJSON_Delete(jws);
		free(out);
	}
	is_int(bad, 0, "400 signatures all full length and valid");
}

static void
check_key(EVP_PKEY *key, const char *want_alg, size_t siglen)
{
	struct err e;
	const char *alg = NULL;

	err_clear(&e);
	ok(key != NULL, "test key generated");
	if (key == NULL)
		return;
	ok(jws_alg(key, &alg, &e) == 0, "jws_alg");
	is_str(alg, want_alg, "alg name");
	check_jwk_shape(key, want_alg);
	check_sign(key, want_alg, siglen, test_kid, test_nonce, test_payload);
	check_sign(key, want_alg, siglen, NULL, test_nonce, test_payload);
	check_sign(key, want_alg, siglen, test_kid, test_nonce, NULL);
	check_sign(key, want_alg, siglen, NULL, NULL, test_payload);
	if (want_alg[0] == 'E')
		check_many(key, want_alg, siglen);
}

static void
check_rfc7638(void)
{
	struct err e;
	EVP_PKEY *key = rsa_public(rfc7638_n, rfc7638_e);
	char *thumb = NULL, *out = NULL, *ka = NULL;
	cJSON *jwk = NULL;

	err_clear(&e);
	ok(key != NULL, "RFC 7638 public key built");
	if (key == NULL)
		return;
	ok(jws_thumbprint(key, &thumb, &e) == 0, "thumbprint of a public-only key");
	is_str(thumb, rfc7638_thumb, "RFC 7638 3.1 thumbprint");
	ok(jws_jwk(key, &jwk, &e) == 0, "jwk of the RFC key");
	is_str(str_member(jwk, "n"), rfc7638_n, "n round-trips");
	is_str(str_member(jwk, "e"), rfc7638_e, "e round-trips");

	err_clear(&e);
	ok(jws_sign(key, test_kid, test_nonce, test_url, test_payload, &out, &e) == -1,
	    "signing with a public-only key fails");
	ok(e.msg[0] != '\0', "and says why");
	free(out);

	/* RFC 8555 8.1 */
	ok(jws_key_authorization(key, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", &ka,
	    &e) == 0, "key authorization");
	is_str(ka, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
	    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "key authorization is token.thumbprint");
	free(ka);
	{
		static const char *const bad[] = { "a b", "../x", "", "$(id)", "a.b", "a/b",
		    "tok\n" };
		char long_token[258];
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char what[64];

			ka = NULL;
			err_clear(&e);
			snprintf(what, sizeof(what), "bad token %zu refused", i);
			ok(jws_key_authorization(key, bad[i], &ka, &e) == -1 && ka == NULL, what);
			is_int(e.kind, ERR_PROTO, "as a protocol error");
		}
		ka = NULL;
		ok(jws_key_authorization(key, NULL, &ka, &e) == -1, "NULL token refused");
		memset(long_token, 'A', 256);
		long_token[256] = '\0';
		ok(jws_key_authorization(key, long_token, &ka, &e) == 0, "256-char token accepted");
		free(ka);
		ka = NULL;
		long_token[256] = 'A';
		long_token[257] = '\0';
		ok(jws_key_authorization(key, long_token, &ka, &e) == -1, "257-char token refused");
	}
	cJSON_Delete(jwk);
	free(thumb);
	EVP_PKEY_free(key);
}

static void
check_dns01(void)
{
	struct err e;
	char *v = NULL, *want;
	const char *ka = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
	    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
	unsigned char md[32];
	unsigned int mdlen = 0;

	err_clear(&e);
	/* printf %s 'token.thumb' | openssl dgst -sha256 -binary | basenc --base64url */
	ok(jws_dns01_value("token.thumb", &v, &e) == 0, "dns01 value");
	is_str(v, "lCdftpJCXapaZHkBGIZbcubeKW8RmA0jSG_aZN01zbU", "dns01 fixed vector");
	free(v);
	v = NULL;
	ok(jws_dns01_value(ka, &v, &e) == 0, "dns01 value of the RFC key's authorization");
	ok(EVP_Digest(ka, strlen(ka), md, &mdlen, EVP_sha256(), NULL) == 1, "EVP_Digest");
	want = base64url_encode(md, mdlen);
	is_str(v, want, "dns01 value is base64url(SHA-256)");
	is_str(v, "ZTRx1Ckl1-tM05o5zaizTTA0yUy5AGereMgSNWC6Ll8", "and matches openssl dgst");
	free(want);
	free(v);
}

static unsigned char *
hmac_sha256(const unsigned char *key, size_t keylen, const char *data, size_t *outlen)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	unsigned char *out = malloc(32);
	char digest[] = "SHA256";

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx == NULL || out == NULL || !EVP_MAC_init(ctx, key, keylen, params) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)data, strlen(data)) ||
	    !EVP_MAC_final(ctx, out, outlen, 32)) {
		free(out);
		out = NULL;
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return out;
}

static void
check_eab(EVP_PKEY *account)
{
	struct err e;
	static const unsigned char raw_key[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0xcc, 0xdd, 0xee, 0xff, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
		0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	};
	char *key64 = base64url_encode(raw_key, sizeof(raw_key)), *jwk_text = NULL;
	char *tbs = NULL, names[64];
	cJSON *eab = NULL, *prot = NULL, *jwk = NULL;
	const char *prot64, *pay64, *sig64;
	unsigned char *prot_text = NULL, *pay_text = NULL, *sig = NULL, *want = NULL;
	size_t siglen = 0, wantlen = 0;
	const char *new_acct = "https://127.0.0.1:14000/sign-me-up";

	err_clear(&e);
	if (!ok(jws_eab(account, "kid-1", key64, new_acct, &eab, &e) == 0, "jws_eab")) {
		diag("%s", e.msg);
		goto out;
	}
	member_names(eab, names, sizeof(names));
	is_str(names, "protected,payload,signature", "EAB members");
	prot64 = str_member(eab, "protected");
	pay64 = str_member(eab, "payload");
	sig64 = str_member(eab, "signature");
	if (!ok(prot64 && pay64 && sig64, "EAB members are strings"))
		goto out;
	prot_text = b64dec(prot64, NULL);
	prot = prot_text ? cJSON_Parse((char *)prot_text) : NULL;
	member_names(prot, names, sizeof(names));
	is_str(names, "alg,kid,url", "EAB header has alg, kid, url only");
	is_str(str_member(prot, "alg"), "HS256", "EAB alg");
	is_str(str_member(prot, "kid"), "kid-1", "EAB kid");
	is_str(str_member(prot, "url"), new_acct, "EAB url");

	ok(jws_jwk(account, &jwk, &e) == 0, "account jwk");
	jwk_text = cJSON_PrintUnformatted(jwk);
	pay_text = b64dec(pay64, NULL);
	is_str((char *)pay_text, jwk_text, "EAB payload is the account jwk");

	sig = b64dec(sig64, &siglen);
	is_int(siglen, 32, "HS256 signature length");
	tbs = malloc(strlen(prot64) + strlen(pay64) + 2);
	snprintf(tbs, strlen(prot64) + strlen(pay64) + 2, "%s.%s", prot64, pay64);
	want = hmac_sha256(raw_key, sizeof(raw_key), tbs, &wantlen);
	ok(want != NULL && sig != NULL && wantlen == siglen && memcmp(sig, want, siglen) == 0,
	    "EAB signature is HMAC-SHA256 with the decoded key");

	cJSON_Delete(eab);
	eab = NULL;
	err_clear(&e);
	ok(jws_eab(account, "kid-1", "not base64!", new_acct, &eab, &e) == -1 && eab == NULL,
	    "EAB refuses a key that is not base64url");
	ok(e.msg[0] != '\0', "and says why");
	ok(jws_eab(account, "kid-1", "abc+/def", new_acct, &eab, &e) == -1,
	    "EAB refuses standard base64 characters");
	ok(jws_eab(account, "kid-1", "Z", new_acct, &eab, &e) == -1,
	    "EAB refuses an impossible length");
	ok(jws_eab(account, "kid-1", "", new_acct, &eab, &e) == -1, "EAB refuses an empty key");
	ok(jws_eab(account, NULL, key64, new_acct, &eab, &e) == -1, "EAB needs a kid");
out:
	free(want);
	free(tbs);
	free(sig);
	free(pay_text);
	free(jwk_text);
	cJSON_Delete(jwk);
	cJSON_Delete(prot);
	free(prot_text);
	cJSON_Delete(eab);
	free(key64);
}

static void
check_unsupported(void)
{
	struct err e;
	const char *alg = NULL;
	char *out = NULL;
	EVP_PKEY *key;

	err_clear(&e);
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	ok(key != NULL && jws_alg(key, &alg, &e) == -1, "P-521 refused");
	ok(key != NULL && jws_sign(key, NULL, NULL, test_url, NULL, &out, &e) == -1,
	    "signing with P-521 refused");
	EVP_PKEY_free(key);
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ok(key != NULL && jws_alg(key, &alg, &e) == -1, "Ed25519 refused");
	EVP_PKEY_free(key);
	ok(jws_alg(NULL, &alg, &e) == -1, "NULL key refused");
	ok(jws_dns01_value(NULL, &out, &e) == -1, "NULL key authorization refused");
}

int
main(void)
{
	EVP_PKEY *ec256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	check_rfc7638();
	check_key(ec256, "ES256", 64);
	check_key(ec384, "ES384", 96);
	check_key(rsa, "RS256", 256);
	check_eab(ec256);
	check_eab(rsa);
	check_dns01();
	check_unsupported();
	EVP_PKEY_free(ec256);
	EVP_PKEY_free(ec384);
	EVP_PKEY_free(rsa);
	return done_testing();
}
