/*
 * A SCEP CertRep as scep_pki_operation reads it: the fuzzer's bytes answer
 * a PKCSReq to a CA (an RSA key and self-signed certificate made once per
 * process, read through scep_get_ca like a real one).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "scep.h"

static struct scep_ca *ca;
static EVP_PKEY *key;
static X509 *signer;
static unsigned char *csr;
static size_t csr_len;
static char txid[65];

static void
setup(void)
{
	const char *names[] = { "fuzz.test" };
	EVP_PKEY *ca_key = EVP_RSA_gen(2048);
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	unsigned char *der = NULL;
	struct http *h = NULL;
	struct err e;
	int len;

	err_clear(&e);
	key = EVP_RSA_gen(2048);
	if (ca_key == NULL || key == NULL || c == NULL || n == NULL ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"fuzz CA",
	    -1, -1, 0) || !X509_set_version(c, 2) || !X509_set_subject_name(c, n) ||
	    !X509_set_issuer_name(c, n) || !X509_gmtime_adj(X509_getm_notBefore(c), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(c), 86400) || !X509_set_pubkey(c, ca_key) ||
	    X509_sign(c, ca_key, EVP_sha256()) <= 0 || (len = i2d_X509(c, &der)) <= 0)
		abort();
	fake_http_push(200, "application/x-x509-ca-cert", der, (size_t)len, NULL, -1);
	if (http_new(NULL, &h, &e) != 0 || scep_get_ca(h, "http://ca.test/scep", &ca, &e) != 0 ||
	    scep_csr_build(key, NULL, names, 1, "challenge", &csr, &csr_len, &e) != 0 ||
	    scep_transient_cert(key, csr, csr_len, &signer, &e) != 0 ||
	    scep_transaction_id(key, txid, &e) != 0)
		abort();
	http_free(h);
	fake_http_reset();
	OPENSSL_free(der);
	X509_NAME_free(n);
	X509_free(c);
	EVP_PKEY_free(ca_key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scep_request rq = { 0 };
	struct scep_reply reply;
	struct http *h = NULL;
	struct err e;

	if (ca == NULL)
		setup();
	err_clear(&e);
	rq.url = "http://ca.test/scep";
	rq.ca = ca;
	rq.caps = SCEP_CAP_AES | SCEP_CAP_SHA256 | SCEP_CAP_POST;
	rq.type = SCEP_MSG_PKCSREQ;
	rq.csr = csr;
	rq.csr_len = csr_len;
	rq.signer = signer;
	rq.signer_key = key;
	rq.transaction_id = txid;
	fake_http_push(200, "application/x-pki-message", data, size, NULL, -1);
	if (http_new(NULL, &h, &e) != 0)
		abort();
	/* Signed by nobody the CA trusts, for no nonce we sent: never accepted. */
	if (scep_pki_operation(h, &rq, &reply, &e) == 0)
		abort();
	http_free(h);
	fake_http_reset();
	return 0;
}
