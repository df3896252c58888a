/*
 * check_judge: each verdict from a probe result and the store's lineage,
 * without a network (tests/cli/test_endpoints.sh does it against real
 * servers): the order the states are decided in, the expiry threshold,
 * an older certificate of the lineage, another lineage's, one not stored,
 * and the endpoint following its lineage to the current certificate.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "store_cert.h"
#include "store_endpoint.h"
#include "tap.h"

#define NOW 1800000000LL
#define DAY 86400LL

static char tmp[64];

/* Inserts a certificate with fingerprint fp (64 hex digits made from n). */
static int64_t
add_cert(struct store *st, int n, long long not_after, int64_t replaced_by)
{
	static char fps[8][80];
	char *sans[1] = { (char *)"www.example.org" };
	struct cert_row r;
	struct err e;
	int64_t id = 0;

	memset(&r, 0, sizeof(r));
	snprintf(fps[n], sizeof(fps[n]), "%064x", (unsigned)n);
	r.name = sans[0];
	r.sans = sans;
	r.n_sans = 1;
	r.subject = (char *)"CN=www.example.org";
	r.serial = (char *)"01";
	r.not_before = not_after - 90 * DAY;
	r.not_after = not_after;
	r.key_type = (char *)"ec256";
	r.fingerprint = fps[n];
	r.pem_chain = (char *)"-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n";
	r.status = replaced_by > 0 ? CERT_REPLACED : CERT_VALID;
	r.replaced_by = replaced_by;
	r.source = (char *)"import";
	err_clear(&e);
	if (store_cert_insert(st, &r, &id, &e) != 0)
		diag("insert: %s", e.msg);
	return id;
}

/* A probe result serving certificate n (0: one the store does not hold). */
static void
served(struct probe_result *r, int n, long long not_after, int name_ok, int chain_ok)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->fingerprint, sizeof(r->fingerprint), "%064x", (unsigned)(n > 0 ? n : 7));
	r->subject = (char *)"CN=www.example.org";
	r->not_after = not_after;
	r->name_ok = name_ok;
	r->chain_ok = chain_ok;
	snprintf(r->verify_error, sizeof(r->verify_error), "%s", chain_ok ? "" : "self-signed certificate");
	snprintf(r->protocol, sizeof(r->protocol), "TLSv1.3");
	snprintf(r->cipher, sizeof(r->cipher), "TLS_AES_128_GCM_SHA256");
}

/* Judges r for ep; returns the state (EP_STATE_COUNT when judging failed), message in msg. */
static enum endpoint_state
judge(struct store *st, const struct endpoint_row *ep, const struct probe_result *r,
    const struct err *pe, int days, char *msg, size_t n, int64_t *cert_out)
{
	struct endpoint_row out = { 0 };
	enum endpoint_state s;
	struct err e;

	err_clear(&e);
	msg[0] = '\0';
	if (check_judge(st, ep, r, pe, NOW, days, &out, &e) != 0) {
		diag("check_judge: %s", e.msg);
		s = EP_STATE_COUNT;
	} else {
		s = out.state;
	}
	snprintf(msg, n, "%s", out.message != NULL ? out.message : "");
	if (cert_out != NULL)
		*cert_out = out.cert_id;
	free(out.fingerprint);
	free(out.protocol);
	free(out.cipher);
	free(out.message);
	return s;
}

int
main(void)
{
	struct endpoint_row ep = { 0 };
	struct probe_result r;
	struct store *st = NULL;
	struct err e, pe;
	char path[128], msg[1024];
	int64_t c1, c2, c3, cur = 0;

	snprintf(tmp, sizeof(tmp), "/tmp/certdeck-check-XXXXXX");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("CERTDECK_NOW");
	snprintf(path, sizeof(path), "%s/store.db", tmp);
	err_clear(&e);
	if (store_open(path, STORE_CREATE, &st, &e) != 0) {
		ok(0, "open a store");
		diag("%s", e.msg);
		return done_testing();
	}
	/* c1 was renewed by c2; c3 is another lineage for the same name. */
	c2 = add_cert(st, 2, NOW + 60 * DAY, 0);
	c1 = add_cert(st, 1, NOW + 20 * DAY, c2);
	c3 = add_cert(st, 3, NOW + 80 * DAY, 0);
	ok(c1 > 0 && c2 > 0 && c3 > 0, "three certificates, c1 replaced by c2");
	ep.id = 1;
	ep.cert_id = c1;
	ep.host = (char *)"127.0.0.1";
	ep.port = 443;
	ep.sni = (char *)"www.example.org";

	served(&r, 2, NOW + 60 * DAY, 1, 1);
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), &cur), EP_OK,
	    "the lineage's current certificate, valid and named: ok");
	is_int(cur, c2, "... the endpoint moves to the current certificate");
	ok(msg[0] == '\0', "... with no message");
	is_int(judge(st, &ep, &r, NULL, 61, msg, sizeof(msg), NULL), EP_EXPIRING,
	    "within --days of its end: expiring");
	ok(strstr(msg, "expires in 60 days") != NULL, "... saying when");
	served(&r, 2, NOW - DAY, 1, 1);
	is_int(judge(st, &ep, &r, NULL, 0, msg, sizeof(msg), NULL), EP_EXPIRING,
	    "expired, even with --days 0: expiring");
	ok(strstr(msg, "has expired") != NULL, "... saying it has expired");

	served(&r, 1, NOW + 20 * DAY, 1, 1);
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), NULL), EP_STALE,
	    "the certificate c2 replaced: stale");
	ok(strstr(msg, "renewed but not deployed") != NULL, "... saying why");
	ep.cert_id = c2;
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), NULL), EP_STALE,
	    "... also when the endpoint already follows c2");
	served(&r, 3, NOW + 80 * DAY, 1, 1);
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), NULL), EP_UNKNOWN,
	    "another lineage's certificate: unknown");
	ok(strstr(msg, "not certificate") != NULL, "... naming it");
	served(&r, 0, NOW + 80 * DAY, 1, 1);
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), NULL), EP_UNKNOWN,
	    "a certificate the store lacks: unknown");
	ok(strstr(msg, "does not hold") != NULL, "... saying so");

	served(&r, 2, NOW + 60 * DAY, 0, 0);
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), NULL), EP_NAME_MISMATCH,
	    "a wrong name is decided before an untrusted chain");
	served(&r, 2, NOW + 60 * DAY, 1, 0);
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), NULL), EP_UNTRUSTED,
	    "an untrusted chain of the current certificate: untrusted-chain");
	ok(strstr(msg, "self-signed") != NULL, "... with the verifier's reason");
	served(&r, 1, NOW + 20 * DAY, 1, 0);
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), NULL), EP_UNTRUSTED,
	    "an untrusted chain is decided before stale");

	err_clear(&pe);
	err_set(&pe, ERR_NET, "127.0.0.1:443: cannot connect: Connection refused");
	is_int(judge(st, &ep, NULL, &pe, 14, msg, sizeof(msg), NULL), EP_UNREACHABLE,
	    "no probe result: unreachable");
	is_str(msg, "127.0.0.1:443: cannot connect: Connection refused",
	    "... the probe's error is the message");

	ep.cert_id = c3 + 100;
	served(&r, 2, NOW + 60 * DAY, 1, 1);
	is_int(judge(st, &ep, &r, NULL, 14, msg, sizeof(msg), NULL), EP_STATE_COUNT,
	    "an endpoint whose certificate is gone cannot be judged (-1)");

	store_close(st);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-wal", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-shm", tmp);
	unlink(path);
	rmdir(tmp);
	return done_testing();
}
