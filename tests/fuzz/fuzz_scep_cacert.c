/*
 * SCEP GetCACert as scep_get_ca reads it: the first byte picks the content
 * type (even: one certificate, application/x-x509-ca-cert; odd: the RA and
 * CA in a degenerate PKCS#7, application/x-x509-ca-ra-cert), the rest is
 * the body.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scep.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scep_ca *ca = NULL;
	struct http *h = NULL;
	struct err e;

	if (size < 1)
		return 0;
	err_clear(&e);
	fake_http_push(200, data[0] & 1 ? "application/x-x509-ca-ra-cert" :
	    "application/x-x509-ca-cert", data + 1, size - 1, NULL, -1);
	if (http_new(NULL, &h, &e) != 0)
		abort();
	if (scep_get_ca(h, "http://ca.test/scep", &ca, &e) == 0) {
		/* The roles point into the set, and the fingerprint is 64 hex digits. */
		if (ca->ca == NULL || ca->recipient == NULL || strlen(ca->ca_fingerprint) != 64 ||
		    strspn(ca->ca_fingerprint, "0123456789abcdef") != 64)
			abort();
		scep_ca_free(ca);
	}
	http_free(h);
	fake_http_reset();
	return 0;
}
