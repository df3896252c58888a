/*
 * Writes N certificate files for tests/bench/scan_bench.sh: DIR/cert-NNNNN.pem,
 * each a distinct leaf (its own serial and name, one shared P-256 key)
 * signed by one generated CA, the way a host's scattered PEM files look to
 * a scanner. Usage: gen_pem DIR N
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static EVP_PKEY *
ec_key(void)
{
	return EVP_EC_gen("P-256");
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex == NULL || !X509_add_ext(x, ex, -1)) {
		fprintf(stderr, "gen_pem: extension %d\n", nid);
		exit(1);
	}
	X509_EXTENSION_free(ex);
}

static X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, long serial, const char *cn, int ca)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	char san[300];

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 90L * 86400 + serial % 1000 * 3600);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(x, key);
	if (ca) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		snprintf(san, sizeof(san), "DNS:%s", cn);
		add_ext(x, issuer, NID_basic_constraints, "CA:FALSE");
		add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
		add_ext(x, issuer, NID_subject_alt_name, san);
	}
	X509_NAME_free(name);
	if (!X509_sign(x, signer, EVP_sha256())) {
		fprintf(stderr, "gen_pem: sign\n");
		exit(1);
	}
	return x;
}

int
main(int argc, char **argv)
{
	EVP_PKEY *ca_key, *leaf_key;
	X509 *ca, *x;
	char path[4096], cn[64];
	long i, n;
	FILE *f;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: gen_pem DIR N\n");
		return 2;
	}
	ca_key = ec_key();
	leaf_key = ec_key();
	if (ca_key == NULL || leaf_key == NULL)
		return 1;
	ca = make_cert(ca_key, ca_key, NULL, 1, "Bench CA", 1);
	for (i = 1; i <= n; i++) {
		snprintf(cn, sizeof(cn), "host%05ld.bench.test", i);
		x = make_cert(leaf_key, ca_key, ca, 1000 + i, cn, 0);
		snprintf(path, sizeof(path), "%s/cert-%05ld.pem", argv[1], i);
		if ((f = fopen(path, "w")) == NULL || !PEM_write_X509(f, x) || fclose(f) != 0) {
			perror(path);
			return 1;
		}
		X509_free(x);
	}
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	return 0;
}
