/*
 * Certificate files as `certdeck scan` and `import` find them on a host:
 * crypto_bundle_read on any bytes (PEM with certificates, PKCS#7 and key
 * blocks, DER, PKCS#7, PKCS#12). The first byte says whether the file's
 * name promised certificate material and whether a password is given;
 * what was read is then taken through what scan does with it: each
 * certificate's chain as PEM, parsed again as the store's readers parse
 * it, and each key's and certificate's public-key digest.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "crypto_bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_bundle *b = NULL;
	struct cert_info **chain = NULL;
	unsigned char dig[32];
	struct err e = { 0 };
	char *pem = NULL;
	size_t n = 0, k;
	int rc, i;

	if (size < 1 || size > 1024 * 1024)
		return 0;
	rc = crypto_bundle_read(data + 1, size - 1, (data[0] & 2) ? "secret" : NULL,
	    data[0] & 1, &b, &e);
	if (rc == 0 && b == NULL)
		abort();
	if (rc != 0 && b != NULL)
		abort();	/* nothing is returned in part */
	if (rc < 0 && e.msg[0] == '\0')
		abort();	/* and a failure says why */
	for (i = 0; rc == 0 && i < sk_X509_num(b->certs); i++) {
		if (crypto_bundle_chain_pem(b, i, &pem, &e) != 0)
			continue;
		if (crypto_chain_parse(pem, strlen(pem), &chain, &n, &e) == 0)
			cert_info_chain_free(chain, n);
		chain = NULL;
		free(pem);
		pem = NULL;
		(void)crypto_cert_pubkey_digest(sk_X509_value(b->certs, i), dig, &e);
	}
	for (k = 0; rc == 0 && k < b->n_keys; k++)
		(void)crypto_pubkey_digest(b->keys[k], dig, &e);
	crypto_bundle_free(b);
	return 0;
}
