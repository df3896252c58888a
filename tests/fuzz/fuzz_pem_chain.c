/*
 * A PEM chain as the CA sends it: crypto_chain_parse into cert_info,
 * crypto_chain_verify_links and crypto_cert_der.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *pem = malloc(size + 1);
	struct cert_info **chain = NULL;
	unsigned char *der = NULL;
	size_t n = 0, der_len, i, k;
	struct err e;

	if (pem == NULL)
		abort();
	memcpy(pem, data, size);
	pem[size] = '\0';
	err_clear(&e);
	if (crypto_chain_parse(pem, size, &chain, &n, &e) == 0) {
		if (n == 0)
			abort();
		for (i = 0; i < n; i++) {
			if (chain[i]->subject == NULL || chain[i]->serial == NULL ||
			    strlen(chain[i]->fingerprint) != 64)
				abort();
			for (k = 0; k < chain[i]->n_sans; k++)
				(void)strlen(chain[i]->sans[k]);
			for (k = 0; k < chain[i]->n_crl_urls; k++)
				(void)strlen(chain[i]->crl_urls[k]);
		}
		cert_info_chain_free(chain, n);
	}
	err_clear(&e);
	(void)crypto_chain_verify_links(pem, size, &e);
	err_clear(&e);
	if (crypto_cert_der(pem, size, &der, &der_len, &e) == 0)
		free(der);
	free(pem);
	return 0;
}
