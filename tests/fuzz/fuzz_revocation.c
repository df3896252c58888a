/*
 * What a CA publishes about revocation, as revocation_check reads it: the
 * first byte picks a certificate naming a CRL (0) or only an OCSP responder
 * (1); the rest is the body the server answers with (a CRL, DER or PEM, or
 * an OCSP response). The CA is fixed (its certificates below; the seeds are
 * a CRL and OCSP answers it signed), so mutations reach the lookup, the
 * reason and the time checks and not only the signature check.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "revocation.h"
#include "store.h"
#include "store_revocation.h"

/* Inside the seeds' validity (thisUpdate 2026-12-06 21:13 UTC). */
#define FUZZ_NOW 1796595182LL

static const char ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBezCCASGgAwIBAgIUG+f3jAhoczYiEOvKhU56fqAohtYwCgYIKoZIzj0EAwIw\n"
    "EjEQMA4GA1UEAwwHRnV6eiBDQTAgFw0yNjEyMDYyMTEzMDJaGA8yMTI2MTExMjIx\n"
    "MTMwMlowEjEQMA4GA1UEAwwHRnV6eiBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
    "A0IABBmse9IowW1rxkB1tFvjXpJzSqMjcdrp3bXbUQ0neUXKnBXjeRQMdJBl7v6f\n"
    "dc1Qis4xs6u/7NxCsNgl41UAdGijUzBRMB0GA1UdDgQWBBTmDPpz1a/pC3KQkU0g\n"
    "uSHMkqU6+DAfBgNVHSMEGDAWgBTmDPpz1a/pC3KQkU0guSHMkqU6+DAPBgNVHRMB\n"
    "Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCYbCG55hUmGMbyvDpAt5os0XOx\n"
    "3woyat4HDh3DkKR9IgIgbH+M2xtxELq9e2aTfmgTEVMVi9JELJ+u8E8AWd3jobU=\n"
    "-----END CERTIFICATE-----\n";

static const char crl_leaf_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBgjCCASigAwIBAgICEAAwCgYIKoZIzj0EAwIwEjEQMA4GA1UEAwwHRnV6eiBD\n"
    "QTAgFw0yNjEyMDYyMTEzMDJaGA8yMTI2MTExMjIxMTMwMlowEzERMA8GA1UEAwwI\n"
    "Y3JsLnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASoAdjMS0wh4GroHD6m\n"
    "xeMeQdQYEEQW8k/hrW5J7iymLdbh9blMlqvgqiqg5yHHzvL7G+IBDN79U56nGkEn\n"
    "SnhSo2swaTAnBgNVHR8EIDAeMBygGqAYhhZodHRwOi8vY3JsLnRlc3QvY2EuY3Js\n"
    "MB0GA1UdDgQWBBTzAswxQI3Bi1cMWWn3OlACiQjyLjAfBgNVHSMEGDAWgBTmDPpz\n"
    "1a/pC3KQkU0guSHMkqU6+DAKBggqhkjOPQQDAgNIADBFAiEA1vpRv8e1QoXQ+6E1\n"
    "KLSJoSKrfQhWbD5CemAVbD46NbcCIBcb8rUeZyjUG8SYXD7HUbr1dGafLjWFdle1\n"
    "uQ9gfvi7\n"
    "-----END CERTIFICATE-----\n";

static const char ocsp_leaf_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBiDCCAS+gAwIBAgICEAEwCgYIKoZIzj0EAwIwEjEQMA4GA1UEAwwHRnV6eiBD\n"
    "QTAgFw0yNjEyMDYyMTEzMDJaGA8yMTI2MTExMjIxMTMwMlowFDESMBAGA1UEAwwJ\n"
    "b2NzcC50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtSA5U6yMpyAWseRk\n"
    "7AQR9l1LPmw2JZ5foyUECUHB2eD/otEz7pmsJ9CQvYNf64zxaMJlQ8rme1TZMUpZ\n"
    "wcFApKNxMG8wLQYIKwYBBQUHAQEEITAfMB0GCCsGAQUFBzABhhFodHRwOi8vb2Nz\n"
    "cC50ZXN0LzAdBgNVHQ4EFgQUZDU8qnNdCltS2gKc2qs+CpDekO4wHwYDVR0jBBgw\n"
    "FoAU5gz6c9Wv6QtykJFNILkhzJKlOvgwCgYIKoZIzj0EAwIDRwAwRAIgW1QdifUJ\n"
    "5yNbKTVaakfjaDUe53nezCjahWMzRQ7z8pACIBvs1lUqlCaA28R/pAgNY6HAH201\n"
    "fltQWDlyjt0Ud7Ua\n"
    "-----END CERTIFICATE-----\n";

static struct store *st;
static struct http *h;
static char *chains[2];

static void
setup(void)
{
	char dir[] = "/tmp/certdeck-fuzz-rev.XXXXXX", path[64];
	struct err e = { 0 };

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (store_open(path, STORE_CREATE, &st, &e) != 0 || http_new(NULL, &h, &e) != 0)
		abort();
	/* The file goes; the open handle keeps the store for this process. */
	unlink(path);
	if ((chains[0] = malloc(sizeof(crl_leaf_pem) + sizeof(ca_pem))) == NULL ||
	    (chains[1] = malloc(sizeof(ocsp_leaf_pem) + sizeof(ca_pem))) == NULL)
		abort();
	snprintf(chains[0], sizeof(crl_leaf_pem) + sizeof(ca_pem), "%s%s", crl_leaf_pem, ca_pem);
	snprintf(chains[1], sizeof(ocsp_leaf_pem) + sizeof(ca_pem), "%s%s", ocsp_leaf_pem, ca_pem);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct crl_entry stale = { .der = (unsigned char *)"", .next_update = 1 };
	struct revocation_row r;
	struct crl_entry cached;
	struct err e = { 0 };
	int which, rc;

	if (st == NULL)
		setup();
	if (size < 1)
		return 0;
	which = data[0] & 1;
	/* No CRL from an earlier input: each one is fetched from this input. */
	rc = store_crl_get(st, "http://crl.test/ca.crl", &cached, &e);
	if (rc < 0)
		abort();
	if (rc == 0) {
		free(cached.der);
		if (cached.der_len > 0 && store_crl_put(st, "http://crl.test/ca.crl", &stale,
		    &e) != 0)
			abort();
	}
	fake_http_reset();
	fake_http_push(200, which ? "application/ocsp-response" : "application/pkix-crl",
	    data + 1, size - 1, NULL, -1);
	memset(&r, 0, sizeof(r));
	r.cert_id = 1;
	if (revocation_check(st, h, chains[which], FUZZ_NOW, &r, &e) != 0)
		abort();	/* only the store or memory may fail */
	if (r.cert_id != 1 || (unsigned)r.state >= REVOCATION_STATE_COUNT)
		abort();
	if (r.state != REVOCATION_UNKNOWN && r.method[0] == '\0')
		abort();	/* an answer says where it came from */
	if (r.state == REVOCATION_UNKNOWN && r.detail[0] == '\0')
		abort();	/* and no answer says why */
	if (r.next_check <= FUZZ_NOW)
		abort();
	return 0;
}
