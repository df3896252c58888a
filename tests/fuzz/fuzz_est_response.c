/*
 * EST answers as src/est.c parses them: the first byte picks the parser
 * (0: /cacerts certs-only, 1: /csrattrs, 2: a /simpleenroll answer for a
 * fixed key, 3: a /serverkeygen multipart answer), the rest is the body.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "est.h"
#include "fuzz.h"

static EVP_PKEY *key;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *certs = NULL;
	struct est_csrattrs attrs;
	struct est_reply reply = { 0 };
	struct err e;
	const char *body;

	if (size < 1)
		return 0;
	if (key == NULL && (key = EVP_EC_gen("P-256")) == NULL)
		abort();
	err_clear(&e);
	body = (const char *)data + 1;
	switch (data[0] % 4) {
	case 0:
		if (est_parse_certs(body, size - 1, &certs, &e) == 0) {
			if (sk_X509_num(certs) < 1)
				abort();
			sk_X509_pop_free(certs, X509_free);
		}
		break;
	case 1:
		if (est_parse_csrattrs(body, size - 1, &attrs, &e) == 0 &&
		    memchr(attrs.notes, '\0', sizeof(attrs.notes)) == NULL)
			abort();
		break;
	case 3:
		if (est_parse_serverkeygen(body, size - 1, &reply, &e) == 0) {
			/* The certificate is the key's. */
			if (reply.key == NULL || reply.pem == NULL)
				abort();
		}
		est_reply_clear(&reply);
		break;
	default:
		if (est_parse_enroll(body, size - 1, key, &reply, &e) == 0) {
			/* Only ever a certificate for our key, as PEM. */
			if (reply.pem == NULL || strncmp(reply.pem, "-----BEGIN CERTIFICATE-----",
			    27) != 0)
				abort();
		}
		est_reply_clear(&reply);
		break;
	}
	return 0;
}
