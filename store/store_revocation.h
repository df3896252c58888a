/*
 * Revocation status as the CA publishes it: one row per certificate
 * checked (good, revoked or unknown, and when to ask again), and the CRLs
 * fetched, cached by URL until their nextUpdate. The checking itself is
 * src/revocation.c; this is only where its answers are kept.
 */
#ifndef CERTDECK_STORE_REVOCATION_H
#define CERTDECK_STORE_REVOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum revocation_state {
	REVOCATION_GOOD,
	REVOCATION_REVOKED,
	REVOCATION_UNKNOWN,
	REVOCATION_STATE_COUNT
};

/* "good", "revoked", "unknown"; as stored. */
const char *store_revocation_state_name(enum revocation_state s);

struct revocation_row {
	int64_t cert_id;
	enum revocation_state state;
	char method[8];		/* "crl", "ocsp" or "" (none could be asked) */
	char source_url[512];	/* the CRL or responder asked, or "" */
	int reason;		/* RFC 5280 CRLReason when revoked, else -1 */
	long long revoked_at;	/* Unix seconds when revoked, else 0 */
	char detail[512];	/* why unknown (translated when written), or "" */
	long long checked_at;
	long long next_check;	/* when the answer may have changed */
};

/*
 * Records (replaces) the status of r->cert_id. A certificate certdeck
 * renews (issued through an order) that its CA revoked becomes due for
 * renewal at once. Returns 0, or -1.
 */
int store_revocation_put(struct store *st, const struct revocation_row *r, struct err *e);

/* The status of cert_id. Returns 0 and fills *out, 1 when never checked, or -1. */
int store_revocation_get(struct store *st, int64_t cert_id, struct revocation_row *out,
    struct err *e);

/*
 * The certificates to check at now, in id order: current (not replaced),
 * not expired, not revoked through certdeck, not CA certificates (a
 * scanned trust store's roots name no CRL), and either never checked or
 * past their next_check. Fills up to max ids. Returns the count, or -1.
 */
int store_revocation_due(struct store *st, long long now, int64_t *ids, size_t max,
    struct err *e);

/* Makes every recorded status due at now (`revocation --force`). Returns 0, or -1. */
int store_revocation_expire_all(struct store *st, long long now, struct err *e);

/* A cached CRL: DER bytes and its validity (0 when absent). */
struct crl_entry {
	unsigned char *der;	/* malloc()ed; the caller frees */
	size_t der_len;
	long long this_update, next_update, fetched_at;
};

/* The cached CRL of url. Returns 0 and fills *out, 1 when none, or -1. */
int store_crl_get(struct store *st, const char *url, struct crl_entry *out, struct err *e);

/* Caches (replaces) the CRL of url; c->der is only read. Returns 0, or -1. */
int store_crl_put(struct store *st, const char *url, const struct crl_entry *c,
    struct err *e);

#endif
