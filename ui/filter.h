/*
 * The certificate filter language of the TUI's "/" prompt. Terms are
 * separated by spaces and all must hold:
 *   TEXT            a name (any SAN) contains TEXT, case-insensitively
 *   exp<30d exp>7d  expires within / after a time from now (d, h, w;
 *                   a plain number is days; may be negative)
 *   status:WORD     valid, expiring, expired, revoked, replaced, failed
 *                   (a unique prefix is enough)
 *   issuer:TEXT     the issuer's name contains TEXT
 *   account:ID      issued through that account
 *   key:TYPE        key type starts with TYPE (rsa, ec256, ...)
 *   kind:KIND       server, client, codesign, email, ca, or all; without
 *                   it CA certificates are not shown
 *   source:WORD     certdeck, certbot, acme.sh, lego, scan, import, probe, scep, est
 *   path:PREFIX     found in a file whose path starts with PREFIX
 *   served:WORD     an endpoint's last check found WORD (ok, expiring,
 *                   stale, unknown, untrusted-chain, name-mismatch,
 *                   unreachable, revoked), or none: no endpoints
 *   revocation:WORD good, revoked, unknown, or unchecked
 * A field with nothing after it yet ("status:") is ignored, so that the
 * incremental prompt can show results while it is being typed.
 */
#ifndef CERTDECK_UI_FILTER_H
#define CERTDECK_UI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store_cert.h"

#define FILTER_MAX_NAMES 8

enum filter_status {
	FILTER_STATUS_ANY,
	FILTER_STATUS_VALID,
	FILTER_STATUS_EXPIRING,
	FILTER_STATUS_EXPIRED,
	FILTER_STATUS_REVOKED,
	FILTER_STATUS_REPLACED,
	FILTER_STATUS_FAILED,
	FILTER_STATUS_COUNT
};

struct filter {
	char *names[FILTER_MAX_NAMES];	/* name substrings */
	size_t n_names;
	int has_before;			/* exp<: not_after < now + before */
	long long before;
	int has_after;			/* exp>: not_after > now + after */
	long long after;
	enum filter_status status;
	char *issuer;
	int64_t account_id;		/* 0 for any */
	char *key;
	unsigned kinds;			/* cert_query.kinds: 0 for the default */
	char *source;
	char *path;
	int contradictory;		/* two terms that cannot both hold */
	const char *served;		/* a static word (see filter_to_query) */
	const char *revocation;		/* ... or NULL for any */
};

/* The user-visible word of a status, untranslated ("expiring"). */
const char *filter_status_name(enum filter_status s);

/*
 * Parses text into f (zeroed first; release with filter_clear). Returns 0,
 * or -1 with e filled (f is then cleared).
 */
int filter_parse(const char *text, struct filter *f, struct err *e);

/* Frees f's strings and zeroes it. */
void filter_clear(struct filter *f);

/* 1 when f has no condition at all. */
int filter_is_empty(const struct filter *f);

/*
 * Maps f onto a store query at time now. The query borrows f's strings.
 * The longest name term goes to the store; the others are for
 * filter_match_names. Returns 0, or 1 when nothing can match.
 */
int filter_to_query(const struct filter *f, long long now, struct cert_query *q);

/*
 * Checks the name terms the store did not check: 1 when every one is a
 * substring (ASCII case-insensitive) of one of the names.
 */
int filter_match_names(const struct filter *f, char *const *names, size_t n);

#endif
