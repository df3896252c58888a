/*
 * Unit tests for src/crypto.c. Run by test_crypto.sh with a directory of
 * fixtures made by the openssl command; without one, only the tests that
 * need no fixtures run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cjson/cJSON.h>

#include "base64url.h"
#include "crypto.h"
#include "tap.h"

static const char *fixtures;

static char *
slurp(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf = NULL;
	long n;

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* Concatenates fixture files into one malloc'd text. */
static char *
cat(const char *a, const char *b, const char *c)
{
	const char *names[3] = { a, b, c };
	char *out = NULL, *part;
	size_t len = 0, n, i;

	for (i = 0; i < 3 && names[i] != NULL; i++) {
		part = slurp(names[i], &n);
		out = realloc(out, len + n + 1);
		if (out == NULL)
			exit(1);
		memcpy(out + len, part, n + 1);
		len += n;
		free(part);
	}
	return out;
}

/* Looks up "key=value" in expected.txt. Returns a malloc'd value. */
static char *
expected(const char *key)
{
	char *text = slurp("expected.txt", NULL), *line, *save = NULL, *val = NULL;
	size_t kl = strlen(key);

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			val = strdup(line + kl + 1);
			break;
		}
	}
	free(text);
	if (val == NULL) {
		printf("Bail out! %s missing from expected.txt\n", key);
		exit(1);
	}
	return val;
}

/* openssl prints "AB:CD:..."; we print "abcd...". */
static char *
expected_hex(const char *key)
{
	char *v = expected(key), *r, *w;

	for (r = w = v; *r != '\0'; r++) {
		if (*r == ':')
			continue;
		*w++ = (char)(*r >= 'A' && *r <= 'F' ? *r - 'A' + 'a' : *r);
	}
	*w = '\0';
	return v;
}

static long long
expected_num(const char *key)
{
	char *v = expected(key);
	long long n = strtoll(v, NULL, 10);

	free(v);
	return n;
}

static int
has(const struct err *e, const char *what)
{
	if (strstr(e->msg, what) != NULL)
		return 1;
	diag("error message \"%s\" lacks \"%s\"", e->msg, what);
	return 0;
}

static X509 *
load_x509(const char *name)
{
	char *pem = slurp(name, NULL);
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

	BIO_free(bio);
	free(pem);
	return x;
}

static EVP_PKEY *
load_key(const char *name)
{
	struct err e;
	size_t len;
	char *pem = slurp(name, &len);
	EVP_PKEY *key = NULL;

	err_clear(&e);
	if (crypto_key_from_pem(pem, len, &key, &e) != 0)
		diag("%s: %s", name, e.msg);
	free(pem);
	return key;
}

static void
test_key_type_names(void)
{
	struct err e;
	enum key_type t = KEY_TYPE_COUNT;
	int i, all = 1;

	for (i = 0; i < KEY_TYPE_COUNT; i++) {
		if (crypto_key_type_parse(crypto_key_type_name((enum key_type)i), &t, &e) != 0 ||
		    t != (enum key_type)i)
			all = 0;
	}
	ok(all, "every key type name parses back to itself");
	is_str(crypto_key_type_name(KEY_RSA3072), "rsa3072", "name of KEY_RSA3072");
	ok(crypto_key_type_name(KEY_TYPE_COUNT) == NULL, "out-of-range type has no name");
	ok(crypto_key_type_parse("EC384", &t, &e) == 0 && t == KEY_EC384,
	    "parse is case-insensitive");
	err_clear(&e);
	ok(crypto_key_type_parse("dsa1024", &t, &e) == -1 && e.kind == ERR_INPUT &&
	    has(&e, "dsa1024"), "unknown key type refused, named in the error");
	ok(crypto_key_type_parse(NULL, &t, &e) == -1, "NULL key type refused");
}

static void
test_generate(EVP_PKEY *keys[KEY_TYPE_COUNT])
{
	static const int bits[KEY_TYPE_COUNT] = { 256, 384, 2048, 3072, 4096 };
	struct err e;
	enum key_type got;
	char what[128];
	BIGNUM *exp = NULL;
	EVP_PKEY *none = NULL;
	int i;

	for (i = 0; i < KEY_TYPE_COUNT; i++) {
		err_clear(&e);
		snprintf(what, sizeof(what), "generate %s", crypto_key_type_name((enum key_type)i));
		keys[i] = NULL;
		if (!ok(crypto_key_generate((enum key_type)i, &keys[i], &e) == 0 &&
		    keys[i] != NULL, what)) {
			diag("%s", e.msg);
			continue;
		}
		snprintf(what, sizeof(what), "%s classified as itself",
		    crypto_key_type_name((enum key_type)i));
		ok(crypto_key_type_of(keys[i], &got, &e) == 0 && got == (enum key_type)i, what);
		snprintf(what, sizeof(what), "%s has %d bits",
		    crypto_key_type_name((enum key_type)i), bits[i]);
		is_int(EVP_PKEY_get_bits(keys[i]), bits[i], what);
	}
	if (keys[KEY_RSA2048] != NULL) {
		ok(EVP_PKEY_get_bn_param(keys[KEY_RSA2048], OSSL_PKEY_PARAM_RSA_E, &exp) &&
		    BN_get_word(exp) == 65537, "RSA public exponent is 65537");
		BN_free(exp);
	}
	ok(crypto_key_generate(KEY_TYPE_COUNT, &none, &e) == -1 && none == NULL,
	    "generating an out-of-range type fails");
}

static void
test_unsupported_keys(void)
{
	struct err e;
	enum key_type t;
	EVP_PKEY *k;

	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	err_clear(&e);
	ok(k != NULL && crypto_key_type_of(k, &t, &e) == -1 && has(&e, "ed25519"),
	    "Ed25519 key is not a supported type");
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	err_clear(&e);
	ok(k != NULL && crypto_key_type_of(k, &t, &e) == -1 && has(&e, "ec521"),
	    "P-521 key is not a supported type");
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	err_clear(&e);
	ok(k != NULL && crypto_key_type_of(k, &t, &e) == -1 && has(&e, "rsa1024"),
	    "RSA-1024 key is not a supported type");
	EVP_PKEY_free(k);
}

static void
test_pem_round_trip(EVP_PKEY *key, const char *label)
{
	struct err e;
	char *pem = NULL, what[128];
	EVP_PKEY *back = NULL;

	err_clear(&e);
	snprintf(what, sizeof(what), "%s: to PEM", label);
	ok(crypto_key_to_pem(key, &pem, &e) == 0 && pem != NULL, what);
	if (pem == NULL)
		return;
	snprintf(what, sizeof(what), "%s: PEM is unencrypted PKCS#8", label);
	ok(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0 &&
	    strstr(pem, "-----END PRIVATE KEY-----\n") != NULL, what);
	snprintf(what, sizeof(what), "%s: from PEM", label);
	ok(crypto_key_from_pem(pem, strlen(pem), &back, &e) == 0 && back != NULL, what);
	snprintf(what, sizeof(what), "%s: round trip gives an equal key", label);
	ok(back != NULL && EVP_PKEY_eq(key, back) == 1, what);
	free(pem);
	EVP_PKEY_free(back);
}

static void
test_key_from_pem_errors(EVP_PKEY *key)
{
	struct err e;
	EVP_PKEY *k = (EVP_PKEY *)1;
	BIO *bio;
	char *data;
	const char *corrupt =
	    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	long n;

	err_clear(&e);
	ok(crypto_key_from_pem("hello, world\n", 13, &k, &e) == -1 && k == NULL &&
	    has(&e, "not a private key"), "garbage is not a private key");
	err_clear(&e);
	ok(crypto_key_from_pem("", 0, &k, &e) == -1 && has(&e, "not a private key"),
	    "empty text is not a private key");
	err_clear(&e);
	ok(crypto_key_from_pem(corrupt, strlen(corrupt), &k, &e) == -1 && k == NULL && e.kind == ERR_CRYPTO,
	    "a corrupt key block is an OpenSSL error");

	/* An encrypted key must fail without prompting for a passphrase. */
	bio = BIO_new(BIO_s_mem());
	if (PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), "pw", 2,
	    NULL, NULL) != 1) {
		ok(0, "write an encrypted key");
	} else {
		n = BIO_get_mem_data(bio, &data);
		err_clear(&e);
		ok(crypto_key_from_pem(data, (size_t)n, &k, &e) == -1 && k == NULL &&
		    has(&e, "encrypted"), "an encrypted key is refused, not prompted for");
	}
	BIO_free(bio);
}

/* The SAN extension of a CSR, or NULL. */
static GENERAL_NAMES *
csr_sans(X509_REQ *req, int *crit)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *gens = X509V3_get_d2i(exts, NID_subject_alt_name, crit, NULL);

	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return gens;
}

static int
csr_cn(X509_REQ *req, char *buf, int size)
{
	return X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req),
	    NID_commonName, buf, size);
}

static X509_REQ *
build_csr(EVP_PKEY *key, const char *const *names, size_t n, struct err *e)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_REQ *req = NULL;

	err_clear(e);
	if (crypto_csr_build(key, names, n, &der, &len, e) != 0) {
		diag("csr: %s", e->msg);
		return NULL;
	}
	p = der;
	req = d2i_X509_REQ(NULL, &p, (long)len);
	if (req != NULL && p != der + len) {
		X509_REQ_free(req);
		req = NULL;
	}
	free(der);
	return req;
}

static void
test_csr(EVP_PKEY *ec, EVP_PKEY *rsa)
{
	static const char *const names[] = {
		"www.example.test", "127.0.0.1", "2001:db8::5", "example.test",
	};
	static const unsigned char v4[] = { 127, 0, 0, 1 };
	static const unsigned char v6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 5 };
	char long_name[80], name64[80], cn[128];
	const char *many[101], *two[2];
	const char *bad;
	struct err e;
	X509_REQ *req;
	GENERAL_NAMES *gens;
	const GENERAL_NAME *gn;
	unsigned char *der = (unsigned char *)1;
	size_t len = 1, i;
	int crit = -1;

	req = build_csr(ec, names, 4, &e);
	ok(req != NULL, "EC CSR builds and parses back as DER");
	if (req != NULL) {
		ok(X509_REQ_verify(req, ec) == 1, "EC CSR signature verifies with the key");
		is_int(X509_REQ_get_signature_nid(req), NID_ecdsa_with_SHA256,
		    "EC CSR is signed with ecdsa-with-SHA256");
		ok(EVP_PKEY_eq(X509_REQ_get0_pubkey(req), ec) == 1, "CSR carries the public key");
		ok(csr_cn(req, cn, sizeof(cn)) > 0, "CSR has a CN");
		is_str(cn, "www.example.test", "CN is the first DNS name");
		gens = csr_sans(req, &crit);
		ok(gens != NULL && sk_GENERAL_NAME_num(gens) == 4, "CSR has 4 SANs");
		is_int(crit, 0, "SAN not critical when there is a CN");
		if (gens != NULL && sk_GENERAL_NAME_num(gens) == 4) {
			gn = sk_GENERAL_NAME_value(gens, 0);
			ok(gn->type == GEN_DNS && strcmp((const char *)
			    ASN1_STRING_get0_data(gn->d.dNSName), "www.example.test") == 0,
			    "SAN 1 is DNS:www.example.test");
			gn = sk_GENERAL_NAME_value(gens, 1);
			ok(gn->type == GEN_IPADD && ASN1_STRING_length(gn->d.iPAddress) == 4 &&
			    memcmp(ASN1_STRING_get0_data(gn->d.iPAddress), v4, 4) == 0,
			    "SAN 2 is IP:127.0.0.1");
			gn = sk_GENERAL_NAME_value(gens, 2);
			ok(gn->type == GEN_IPADD && ASN1_STRING_length(gn->d.iPAddress) == 16 &&
			    memcmp(ASN1_STRING_get0_data(gn->d.iPAddress), v6, 16) == 0,
			    "SAN 3 is IP:2001:db8::5");
			gn = sk_GENERAL_NAME_value(gens, 3);
			ok(gn->type == GEN_DNS && strcmp((const char *)
			    ASN1_STRING_get0_data(gn->d.dNSName), "example.test") == 0,
			    "SAN 4 is DNS:example.test");
		}
		GENERAL_NAMES_free(gens);
		X509_REQ_free(req);
	}

	req = build_csr(rsa, names, 1, &e);
	ok(req != NULL && X509_REQ_verify(req, rsa) == 1, "RSA CSR signature verifies");
	ok(req != NULL && X509_REQ_get_signature_nid(req) == NID_sha256WithRSAEncryption,
	    "RSA CSR is signed with sha256WithRSAEncryption");
	X509_REQ_free(req);

	/* 65 characters: too long for a CN. */
	memset(long_name, 'a', 61);
	memcpy(long_name + 61, ".com", 5);
	two[0] = long_name;
	two[1] = "short.example.test";
	req = build_csr(ec, two, 2, &e);
	ok(req != NULL && csr_cn(req, cn, sizeof(cn)) < 0,
	    "a first name over 64 characters gives no CN");
	gens = req != NULL ? csr_sans(req, &crit) : NULL;
	ok(gens != NULL && sk_GENERAL_NAME_num(gens) == 2 && crit == 1,
	    "without a CN both names are SANs and the SAN is critical");
	GENERAL_NAMES_free(gens);
	X509_REQ_free(req);

	memset(name64, 'b', 60);
	memcpy(name64 + 60, ".com", 5);
	two[0] = "192.0.2.7";
	two[1] = name64;
	req = build_csr(ec, two, 2, &e);
	ok(req != NULL && csr_cn(req, cn, sizeof(cn)) == 64 && strcmp(cn, name64) == 0,
	    "an IP first, then a 64-character DNS name: that name is the CN");
	X509_REQ_free(req);

	two[0] = "::1";
	req = build_csr(ec, two, 1, &e);
	ok(req != NULL && csr_cn(req, cn, sizeof(cn)) < 0, "an IP-only CSR has no CN");
	X509_REQ_free(req);

	for (i = 0; i < 101; i++)
		many[i] = "a.example.test";
	err_clear(&e);
	ok(crypto_csr_build(ec, many, 101, &der, &len, &e) == -1 && der == NULL &&
	    len == 0 && has(&e, "too many"), "101 names refused");
	ok(crypto_csr_build(ec, many, 100, &der, &len, &e) == 0 && der != NULL,
	    "100 names accepted");
	free(der);
	ok(crypto_csr_build(ec, many, 0, &der, &len, &e) == -1, "no names refused");
	two[0] = "ok.example.test";
	bad = "";
	two[1] = bad;
	ok(crypto_csr_build(ec, two, 2, &der, &len, &e) == -1 && has(&e, "empty"),
	    "an empty name refused");
	two[1] = "bad name.example.test";
	ok(crypto_csr_build(ec, two, 2, &der, &len, &e) == -1 && has(&e, "name 2"),
	    "a name with a space refused");
	two[1] = "bad\tname";
	ok(crypto_csr_build(ec, two, 2, &der, &len, &e) == -1, "a name with a tab refused");
	two[1] = "bad\x7fname";
	ok(crypto_csr_build(ec, two, 2, &der, &len, &e) == -1, "a name with DEL refused");
	two[1] = "bad\nname";
	ok(crypto_csr_build(ec, two, 2, &der, &len, &e) == -1, "a name with a newline refused");
	two[1] = NULL;
	ok(crypto_csr_build(ec, two, 2, &der, &len, &e) == -1, "a NULL name refused");
}

static void
test_sha256(void)
{
	static const unsigned char want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
		0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	unsigned char got[32];
	struct err e;

	ok(crypto_sha256("abc", 3, got, &e) == 0 && memcmp(got, want, 32) == 0,
	    "SHA-256 of \"abc\" (FIPS 180-2 vector)");
}

static int
same_bytes(const unsigned char *a, size_t alen, const ASN1_OCTET_STRING *b)
{
	return b != NULL && a != NULL && alen == (size_t)ASN1_STRING_length(b) &&
	    memcmp(a, ASN1_STRING_get0_data(b), alen) == 0;
}

static void
test_chain_parse(void)
{
	static const unsigned char leaf_serial_der[17] = {
		0x00, 0x8a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93,
		0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9,
	};
	struct cert_info **chain = NULL;
	struct cert_info *leaf, *in;
	struct err e;
	size_t n = 0;
	char *pem, *v;
	X509 *int_x509 = load_x509("int.pem"), *root_x509 = load_x509("root.pem");

	pem = cat("leaf.pem", "int.pem", NULL);
	err_clear(&e);
	ok(crypto_chain_parse(pem, strlen(pem), &chain, &n, &e) == 0, "parse leaf + intermediate");
	free(pem);
	is_int(n, 2, "two certificates");
	if (n != 2) {
		diag("%s", e.msg);
		cert_info_chain_free(chain, n);
		X509_free(int_x509);
		X509_free(root_x509);
		return;
	}
	leaf = chain[0];
	in = chain[1];
	is_str(leaf->subject, v = expected("leaf_subject"), "leaf subject (RFC 2253)");
	free(v);
	is_str(leaf->issuer, v = expected("leaf_issuer"), "leaf issuer (RFC 2253)");
	free(v);
	is_str(leaf->issuer_cn, "Certdeck Test Intermediate", "leaf issuer CN");
	is_str(leaf->serial, v = expected_hex("leaf_serial"), "leaf serial matches openssl");
	free(v);
	ok(leaf->serial_der_len == sizeof(leaf_serial_der) &&
	    memcmp(leaf->serial_der, leaf_serial_der, sizeof(leaf_serial_der)) == 0,
	    "leaf serial DER content keeps the 0x00 before a high bit");
	is_int(leaf->not_before, expected_num("leaf_not_before"), "leaf notBefore");
	is_int(leaf->not_after, expected_num("leaf_not_after"), "leaf notAfter");
	is_int(leaf->n_sans, 4, "leaf has 4 SANs");
	if (leaf->n_sans == 4) {
		is_str(leaf->sans[0], "www.example.test", "SAN 1 in certificate order");
		is_str(leaf->sans[1], "127.0.0.1", "SAN 2 is the IPv4 address");
		is_str(leaf->sans[2], "example.test", "SAN 3");
		is_str(leaf->sans[3], "2001:db8::5", "SAN 4 is the IPv6 address, compressed");
	}
	is_str(leaf->key_type, "ec256", "leaf key type");
	is_int(leaf->key_bits, 256, "leaf key bits");
	is_str(leaf->fingerprint, v = expected_hex("leaf_fingerprint"),
	    "leaf SHA-256 fingerprint matches openssl");
	free(v);
	ok(int_x509 != NULL &&
	    same_bytes(leaf->aki, leaf->aki_len, X509_get0_subject_key_id(int_x509)),
	    "leaf AKI is the intermediate's SKI");
	is_int(leaf->n_crl_urls, 1, "leaf has one CRL URL");
	if (leaf->n_crl_urls == 1)
		is_str(leaf->crl_urls[0], "http://crl.example.test/int.crl", "leaf CRL URL");
	is_int(leaf->is_ca, 0, "leaf is not a CA");

	is_str(in->subject, v = expected("int_subject"), "intermediate subject");
	free(v);
	is_str(in->issuer, v = expected("int_issuer"), "intermediate issuer");
	free(v);
	is_str(in->issuer_cn, "Certdeck Test Root", "intermediate issuer CN");
	is_str(in->serial, "1001", "intermediate serial");
	ok(in->serial_der_len == 2 && in->serial_der[0] == 0x10 && in->serial_der[1] == 0x01,
	    "intermediate serial DER content");
	is_int(in->not_after, expected_num("int_not_after"), "intermediate notAfter");
	is_str(in->key_type, "ec384", "intermediate key type");
	is_int(in->key_bits, 384, "intermediate key bits");
	is_str(in->fingerprint, v = expected_hex("int_fingerprint"), "intermediate fingerprint");
	free(v);
	ok(root_x509 != NULL &&
	    same_bytes(in->aki, in->aki_len, X509_get0_subject_key_id(root_x509)),
	    "intermediate AKI is the root's SKI");
	is_int(in->n_sans, 0, "intermediate has no SANs");
	is_int(in->n_crl_urls, 0, "intermediate has no CRL URL");
	is_int(in->is_ca, 1, "intermediate is a CA");
	cert_info_chain_free(chain, n);
	X509_free(int_x509);
	X509_free(root_x509);

	pem = slurp("rsa.pem", NULL);
	chain = NULL;
	ok(crypto_chain_parse(pem, strlen(pem), &chain, &n, &e) == 0 && n == 1,
	    "parse the RSA leaf");
	free(pem);
	if (n == 1) {
		is_str(chain[0]->key_type, "rsa3072", "RSA leaf key type");
		is_int(chain[0]->key_bits, 3072, "RSA leaf key bits");
		is_str(chain[0]->serial, "0abc", "serial keeps whole bytes, like openssl");
		ok(chain[0]->serial_der_len == 2 && chain[0]->serial_der[0] == 0x0a,
		    "RSA leaf serial DER content");
		is_str(chain[0]->subject, "CN=rsa.example.test,O=Caf\xc3\xa9",
		    "subject keeps UTF-8");
		is_str(chain[0]->fingerprint, v = expected_hex("rsa_fingerprint"),
		    "RSA leaf fingerprint");
		free(v);
		ok(chain[0]->aki != NULL && chain[0]->crl_urls == NULL && chain[0]->n_sans == 1,
		    "RSA leaf: AKI, no CRL URL, one SAN");
		is_int(chain[0]->not_before, expected_num("rsa_not_before"), "RSA leaf notBefore");
	}
	cert_info_chain_free(chain, n);

	pem = slurp("root.pem", NULL);
	chain = NULL;
	ok(crypto_chain_parse(pem, strlen(pem), &chain, &n, &e) == 0 && n == 1 &&
	    chain[0]->is_ca && strcmp(chain[0]->subject, chain[0]->issuer) == 0,
	    "root: a CA, issuer is subject");
	cert_info_chain_free(chain, n);
	free(pem);
}

/* Replaces every "\n" with "\r\n". */
static char *
crlf(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *w = out;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			*w++ = '\r';
		*w++ = *s;
	}
	*w = '\0';
	return out;
}

/* Expects a parse failure with a message containing what. */
static void
parse_fails(const char *pem, size_t len, const char *what, const char *label)
{
	struct cert_info **chain = (struct cert_info **)1;
	size_t n = 7;
	struct err e;

	err_clear(&e);
	if (!ok(crypto_chain_parse(pem, len, &chain, &n, &e) == -1 && chain == NULL &&
	    n == 0 && e.kind == ERR_INPUT && has(&e, what), label)) {
		if (chain != (struct cert_info **)1)
			cert_info_chain_free(chain, n);
	}
}

static void
test_chain_parse_text(void)
{
	struct cert_info **chain = NULL;
	size_t n = 0, len, l1, l2;
	struct err e;
	char *leaf = slurp("leaf.pem", &l1), *in = slurp("int.pem", &l2);
	char *key = slurp("leaf.key", NULL), *buf, *p, *w;
	char fp[65];

	/* Leaf fingerprint for comparison. */
	ok(crypto_chain_parse(leaf, l1, &chain, &n, &e) == 0 && n == 1, "parse leaf alone");
	snprintf(fp, sizeof(fp), "%s", n == 1 ? chain[0]->fingerprint : "");
	cert_info_chain_free(chain, n);

	buf = crlf(leaf);
	chain = NULL;
	ok(crypto_chain_parse(buf, strlen(buf), &chain, &n, &e) == 0 && n == 1 &&
	    strcmp(chain[0]->fingerprint, fp) == 0, "CRLF line ends parse the same");
	cert_info_chain_free(chain, n);
	free(buf);

	len = l1 + l2 + 200;
	buf = malloc(len);
	snprintf(buf, len, "Bag Attributes\n    friendlyName: x\n%ssubject=CN=...\n\n%s"
	    "trailing words\n", leaf, in);
	chain = NULL;
	ok(crypto_chain_parse(buf, strlen(buf), &chain, &n, &e) == 0 && n == 2,
	    "text around and between blocks is allowed");
	cert_info_chain_free(chain, n);

	parse_fails("", 0, "no certificate found", "empty text");
	parse_fails(NULL, 0, "no certificate found", "NULL text");
	parse_fails("hello\n", 6, "no certificate found", "garbage");
	parse_fails(key, strlen(key), "no certificate found", "a private key is no certificate");

	/* Leaf, then the first half of the intermediate. */
	snprintf(buf, len, "%s%.*s", leaf, (int)(l2 / 2), in);
	parse_fails(buf, strlen(buf), "malformed", "truncated second certificate");
	snprintf(buf, len, "%.*s", (int)(l1 - 10), leaf);
	parse_fails(buf, strlen(buf), "malformed", "truncated END line");
	parse_fails("-----BEGIN CERTIFICATE-----\nMIIB\n", 33, "malformed", "BEGIN without END");
	snprintf(buf, len, "%s-----BEGIN CERTIFICATE-----\nMIIB\n", leaf);
	parse_fails(buf, strlen(buf), "malformed", "good cert then a started block");
	snprintf(buf, len, "%s-----BEGIN CERT", leaf);
	parse_fails(buf, strlen(buf), "malformed", "good cert then half a BEGIN line");
	parse_fails("-----END CERTIFICATE-----\n", 26, "malformed", "END without BEGIN");

	/* A character that is not base64 in the body. */
	snprintf(buf, len, "%s", leaf);
	p = strchr(buf, '\n') + 10;
	*p = '!';
	parse_fails(buf, strlen(buf), "malformed", "bad base64");

	/* One whole body line gone: valid base64, truncated DER. */
	snprintf(buf, len, "%s", leaf);
	p = strchr(buf, '\n') + 1;
	p = strchr(p, '\n') + 1;
	w = strchr(p, '\n') + 1;
	memmove(p, w, strlen(w) + 1);
	parse_fails(buf, strlen(buf), "malformed", "a missing body line");

	snprintf(buf, len, "-----BEGIN CERTIFICATE-----\n%s-----END CERTIFICATE-----\n",
	    "aGVsbG8gd29ybGQ=\n");
	parse_fails(buf, strlen(buf), "malformed", "base64 of something that is not DER");

	snprintf(buf, len, "%s", leaf);
	p = strstr(buf, "-----END CERTIFICATE-----");
	memcpy(p, "-----END CERTIFICATX-----", 25);
	parse_fails(buf, strlen(buf), "malformed", "END label differs from BEGIN");

	free(buf);
	len = l1 + strlen(key) + 1;
	buf = malloc(len);
	snprintf(buf, len, "%s%s", leaf, key);
	parse_fails(buf, strlen(buf), "unexpected", "a key block inside a chain");
	snprintf(buf, len, "%s\ngarbage\n", leaf);
	chain = NULL;
	ok(crypto_chain_parse(buf, strlen(buf), &chain, &n, &e) == 0 && n == 1,
	    "trailing garbage without BEGIN is ignored");
	cert_info_chain_free(chain, n);
	free(buf);
	free(key);
	free(leaf);
	free(in);
}

static void
test_keys_and_links(EVP_PKEY *fresh_ec)
{
	struct err e;
	EVP_PKEY *leaf_key = load_key("leaf.key"), *rsa_key = load_key("rsa.key");
	EVP_PKEY *sec1 = load_key("leaf-sec1.key"), *pkcs1 = load_key("rsa-pkcs1.key");
	EVP_PKEY *k = NULL;
	char *leaf = slurp("leaf.pem", NULL), *enc;
	char *pem;
	size_t len;

	ok(leaf_key != NULL && rsa_key != NULL, "read PKCS#8 keys made by openssl");
	ok(sec1 != NULL && leaf_key != NULL && EVP_PKEY_eq(sec1, leaf_key) == 1,
	    "read a SEC1 EC key");
	ok(pkcs1 != NULL && rsa_key != NULL && EVP_PKEY_eq(pkcs1, rsa_key) == 1,
	    "read a PKCS#1 RSA key");
	err_clear(&e);
	ok(crypto_key_from_pem(leaf, strlen(leaf), &k, &e) == -1 &&
	    has(&e, "not a private key"), "a certificate is not a private key");
	enc = slurp("leaf-enc.key", &len);
	err_clear(&e);
	ok(crypto_key_from_pem(enc, len, &k, &e) == -1 && has(&e, "encrypted"),
	    "openssl-encrypted key refused");
	free(enc);
	pem = cat("leaf.pem", "leaf.key", NULL);
	ok(crypto_key_from_pem(pem, strlen(pem), &k, &e) == 0 && leaf_key != NULL &&
	    EVP_PKEY_eq(k, leaf_key) == 1, "key found after a certificate in one file");
	EVP_PKEY_free(k);
	free(pem);

	is_int(crypto_cert_matches_key(leaf, strlen(leaf), leaf_key, &e), 1,
	    "leaf matches its key");
	is_int(crypto_cert_matches_key(leaf, strlen(leaf), rsa_key, &e), 0,
	    "leaf does not match an RSA key");
	is_int(crypto_cert_matches_key(leaf, strlen(leaf), fresh_ec, &e), 0,
	    "leaf does not match another EC key");
	err_clear(&e);
	is_int(crypto_cert_matches_key("junk", 4, leaf_key, &e), -1,
	    "matches_key on garbage is an error");
	ok(has(&e, "no certificate found"), "and says why");

	pem = cat("leaf.pem", "int.pem", NULL);
	is_int(crypto_chain_verify_links(pem, strlen(pem), &e), 0, "leaf <- intermediate links");
	free(pem);
	pem = cat("leaf.pem", "int.pem", "root.pem");
	is_int(crypto_chain_verify_links(pem, strlen(pem), &e), 0, "leaf <- int <- root links");
	free(pem);
	pem = cat("rsa.pem", "int.pem", NULL);
	is_int(crypto_chain_verify_links(pem, strlen(pem), &e), 0, "RSA leaf <- intermediate");
	free(pem);
	is_int(crypto_chain_verify_links(leaf, strlen(leaf), &e), 0, "a single cert is fine");
	pem = cat("int.pem", "leaf.pem", NULL);
	err_clear(&e);
	is_int(crypto_chain_verify_links(pem, strlen(pem), &e), -1, "swapped chain fails");
	ok(has(&e, "certificate 1"), "and names the broken link");
	free(pem);
	pem = cat("leaf.pem", "root.pem", NULL);
	is_int(crypto_chain_verify_links(pem, strlen(pem), &e), -1,
	    "leaf followed by the root (skipped intermediate) fails");
	free(pem);
	pem = cat("leaf.pem", "evil.pem", NULL);
	err_clear(&e);
	is_int(crypto_chain_verify_links(pem, strlen(pem), &e), -1,
	    "same issuer name, wrong key: fails");
	ok(has(&e, "not signed"), "and says the signature is wrong");
	free(pem);
	pem = cat("leaf.pem", "int.pem", "evil.pem");
	is_int(crypto_chain_verify_links(pem, strlen(pem), &e), -1,
	    "unrelated third certificate fails");
	free(pem);
	is_int(crypto_chain_verify_links("", 0, &e), -1, "empty chain is an error");

	free(leaf);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(sec1);
	EVP_PKEY_free(pkcs1);
}

/* Adds BIGNUM param of key as base64url member name of o. */
static void
jwk_add_bn(cJSON *o, const char *name, EVP_PKEY *key, const char *param, int pad)
{
	BIGNUM *bn = NULL;
	unsigned char buf[1024];
	char *b64;
	int n;

	if (!EVP_PKEY_get_bn_param(key, param, &bn))
		return;
	n = pad > 0 ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
	b64 = base64url_encode(buf, (size_t)n);
	cJSON_AddStringToObject(o, name, b64);
	free(b64);
	BN_clear_free(bn);
}

/* The JWK text of a private key, as certbot writes private_key.json. */
static char *
jwk_of(EVP_PKEY *key, int with_crt)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (EVP_PKEY_is_a(key, "RSA")) {
		cJSON_AddStringToObject(o, "kty", "RSA");
		jwk_add_bn(o, "n", key, OSSL_PKEY_PARAM_RSA_N, 0);
		jwk_add_bn(o, "e", key, OSSL_PKEY_PARAM_RSA_E, 0);
		jwk_add_bn(o, "d", key, OSSL_PKEY_PARAM_RSA_D, 0);
		if (with_crt) {
			jwk_add_bn(o, "p", key, OSSL_PKEY_PARAM_RSA_FACTOR1, 0);
			jwk_add_bn(o, "q", key, OSSL_PKEY_PARAM_RSA_FACTOR2, 0);
			jwk_add_bn(o, "dp", key, OSSL_PKEY_PARAM_RSA_EXPONENT1, 0);
			jwk_add_bn(o, "dq", key, OSSL_PKEY_PARAM_RSA_EXPONENT2, 0);
			jwk_add_bn(o, "qi", key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 0);
		}
	} else {
		cJSON_AddStringToObject(o, "kty", "EC");
		cJSON_AddStringToObject(o, "crv", EVP_PKEY_get_bits(key) == 384 ? "P-384" : "P-256");
		jwk_add_bn(o, "x", key, OSSL_PKEY_PARAM_EC_PUB_X, EVP_PKEY_get_bits(key) / 8);
		jwk_add_bn(o, "y", key, OSSL_PKEY_PARAM_EC_PUB_Y, EVP_PKEY_get_bits(key) / 8);
		jwk_add_bn(o, "d", key, OSSL_PKEY_PARAM_PRIV_KEY, 0);
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static void
test_key_from_jwk(EVP_PKEY *ec256, EVP_PKEY *ec384, EVP_PKEY *rsa)
{
	EVP_PKEY *back = NULL;
	struct err e;
	char *j;
	enum key_type kt;

	j = jwk_of(rsa, 1);
	ok(crypto_key_from_jwk(j, &back, &e) == 0, "an RSA JWK (with CRT members) is read");
	ok(back != NULL && EVP_PKEY_eq(back, rsa) == 1, "... as the same key");
	ok(back != NULL && crypto_key_type_of(back, &kt, NULL) == 0 && kt == KEY_RSA2048,
	    "... of type rsa2048");
	EVP_PKEY_free(back);
	back = NULL;
	free(j);
	j = jwk_of(rsa, 0);
	ok(crypto_key_from_jwk(j, &back, &e) == 0, "an RSA JWK with n, e and d only is read");
	ok(back != NULL && EVP_PKEY_eq(back, rsa) == 1, "... as the same key");
	EVP_PKEY_free(back);
	back = NULL;
	free(j);
	j = jwk_of(ec256, 0);
	ok(crypto_key_from_jwk(j, &back, &e) == 0, "an EC P-256 JWK is read");
	ok(back != NULL && EVP_PKEY_eq(back, ec256) == 1, "... as the same key");
	EVP_PKEY_free(back);
	back = NULL;
	free(j);
	j = jwk_of(ec384, 0);
	ok(crypto_key_from_jwk(j, &back, &e) == 0, "an EC P-384 JWK is read");
	ok(back != NULL && EVP_PKEY_eq(back, ec384) == 1, "... as the same key");
	EVP_PKEY_free(back);
	back = NULL;
	free(j);
	ok(crypto_key_from_jwk("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", &back, &e) == -1 &&
	    back == NULL && strstr(e.msg, "private") != NULL, "a public JWK is refused, saying why");
	ok(crypto_key_from_jwk("{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}", &back, &e) == -1,
	    "an OKP JWK is refused");
	ok(crypto_key_from_jwk("{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AA\",\"y\":\"AA\","
	    "\"d\":\"AA\"}", &back, &e) == -1, "a P-521 JWK is refused");
	ok(crypto_key_from_jwk("not json", &back, &e) == -1, "text that is not JSON is refused");
	ok(crypto_key_from_jwk("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"d\":\"!!\"}", &back,
	    &e) == -1, "a member that is not base64url is refused");
}

int
main(int argc, char **argv)
{
	EVP_PKEY *keys[KEY_TYPE_COUNT];
	int i;

	test_key_type_names();
	test_generate(keys);
	test_unsupported_keys();
	if (keys[KEY_EC256] != NULL)
		test_pem_round_trip(keys[KEY_EC256], "ec256");
	if (keys[KEY_EC384] != NULL)
		test_pem_round_trip(keys[KEY_EC384], "ec384");
	if (keys[KEY_RSA2048] != NULL)
		test_pem_round_trip(keys[KEY_RSA2048], "rsa2048");
	if (keys[KEY_EC256] != NULL)
		test_key_from_pem_errors(keys[KEY_EC256]);
	if (keys[KEY_EC256] != NULL && keys[KEY_RSA2048] != NULL)
		test_csr(keys[KEY_EC256], keys[KEY_RSA2048]);
	test_sha256();
	if (keys[KEY_EC256] != NULL && keys[KEY_EC384] != NULL && keys[KEY_RSA2048] != NULL)
		test_key_from_jwk(keys[KEY_EC256], keys[KEY_EC384], keys[KEY_RSA2048]);
	if (argc > 1) {
		fixtures = argv[1];
		test_chain_parse();
		test_chain_parse_text();
		if (keys[KEY_EC256] != NULL)
			test_keys_and_links(keys[KEY_EC256]);
	} else {
		diag("no fixture directory given: certificate tests skipped");
	}
	for (i = 0; i < KEY_TYPE_COUNT; i++)
		EVP_PKEY_free(keys[i]);
	return done_testing();
}
