/*
 * One X.509 certificate in DER, wrapped in PEM here so that the fuzzer
 * mutates the ASN.1 and not the base64: crypto_chain_parse into cert_info.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char head[] = "-----BEGIN CERTIFICATE-----\n";
static const char tail[] = "-----END CERTIFICATE-----\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_info **chain = NULL;
	size_t n = 0, b64, i, o, len;
	unsigned char *der = NULL;
	size_t der_len;
	char *pem;
	struct err e;

	if (size > 64 * 1024)
		return 0;
	b64 = 4 * ((size + 2) / 3);
	len = sizeof(head) - 1 + b64 + b64 / 64 + 2 + sizeof(tail);
	if ((pem = malloc(len)) == NULL)
		abort();
	o = sizeof(head) - 1;
	memcpy(pem, head, o);
	/* 48 bytes make one 64-character line. */
	for (i = 0; i < size; i += 48) {
		size_t chunk = size - i < 48 ? size - i : 48;

		o += (size_t)EVP_EncodeBlock((unsigned char *)pem + o, data + i, (int)chunk);
		pem[o++] = '\n';
	}
	memcpy(pem + o, tail, sizeof(tail));
	o += sizeof(tail) - 1;
	err_clear(&e);
	if (crypto_chain_parse(pem, o, &chain, &n, &e) == 0) {
		for (i = 0; i < n; i++)
			if (chain[i]->key_type == NULL && chain[i]->key_bits != 0)
				(void)chain[i]->is_ca;
		cert_info_chain_free(chain, n);
	}
	err_clear(&e);
	if (crypto_cert_der(pem, o, &der, &der_len, &e) == 0) {
		if (der_len != size || memcmp(der, data, size) != 0)
			(void)der_len;	/* trailing bytes after the SEQUENCE are dropped */
		free(der);
	}
	free(pem);
	return 0;
}
