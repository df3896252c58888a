/*
 * Endpoints: where a certificate should be served (host, port, server
 * name, STARTTLS) and what the last probe there found. The probing is
 * src/probe.c's, the judging src/check.c's; this is the bookkeeping.
 */
#ifndef CERTDECK_STORE_ENDPOINT_H
#define CERTDECK_STORE_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* What check found at an endpoint, worst last but one (see src/check.h). */
enum endpoint_state {
	EP_OK,			/* serves the lineage's current certificate, all good */
	EP_EXPIRING,		/* ... which expires soon */
	EP_STALE,		/* serves an older certificate of the lineage */
	EP_UNKNOWN,		/* serves a certificate of no stored lineage of its own */
	EP_UNTRUSTED,		/* the served chain does not verify */
	EP_NAME_MISMATCH,	/* the served certificate is not valid for the name */
	EP_UNREACHABLE,		/* no connection, STARTTLS or handshake */
	EP_REVOKED,		/* the served certificate is revoked */
	EP_STATE_COUNT
};

/*
 * "ok", "expiring", "stale", "unknown", "untrusted-chain", "name-mismatch",
 * "unreachable", "revoked".
 */
const char *store_endpoint_state_name(enum endpoint_state s);

/* Parses a state name. Returns 0 and *out, or -1. */
int store_endpoint_state_parse(const char *name, enum endpoint_state *out);

struct endpoint_row {
	int64_t id;
	int64_t cert_id;	/* the certificate (any of its lineage) meant to be served */
	char *host;
	int port;
	char *sni;		/* server name to ask for; NULL: the host */
	char *starttls;		/* "smtp", "imap", "pop3", or NULL */
	long long created;
	/* The last check; checked is 0 (and the rest NULL/0) when never checked. */
	long long checked;
	int has_state;
	enum endpoint_state state;
	char *fingerprint;	/* served leaf's SHA-256; NULL when unreachable */
	int64_t served_cert_id;	/* the store's certificate with it, 0 when none */
	long long served_not_after;
	char *protocol;
	char *cipher;
	char *message;		/* what is wrong, one line; NULL when ok */
	long long state_since;	/* when it entered this state (read only) */
};

/* Frees a row and its strings. Accepts NULL. */
void endpoint_row_free(struct endpoint_row *r);

/* Frees an array from store_endpoint_list. Accepts NULL. */
void endpoint_list_free(struct endpoint_row **list, size_t n);

/*
 * Adds an endpoint (r->cert_id, host, port, sni, starttls; the rest is
 * ignored). Returns 0 and *id_out, 1 when there is no such certificate,
 * or -1 (ERR_INPUT when the same host, port and server name is already
 * an endpoint).
 */
int store_endpoint_add(struct store *st, const struct endpoint_row *r, int64_t *id_out,
    struct err *e);

/*
 * The endpoints of one certificate's lineage row (cert_id 0: all), in id
 * order. Returns 0 and *out, *n (free with endpoint_list_free; *out is
 * NULL when *n is 0), or -1.
 */
int store_endpoint_list(struct store *st, int64_t cert_id, struct endpoint_row ***out,
    size_t *n, struct err *e);

/* One endpoint. Returns 0 and *out (free with endpoint_row_free), 1 when absent, or -1. */
int store_endpoint_get(struct store *st, int64_t id, struct endpoint_row **out,
    struct err *e);

/* Removes endpoint id. Returns 0, 1 when there is none, or -1. */
int store_endpoint_remove(struct store *st, int64_t id, struct err *e);

/*
 * Records a check of endpoint id: checked, the state and what was seen
 * (r's last-check fields; NULL strings clear them), and r->cert_id as its
 * certificate when not 0 (the lineage's current one). Returns 0, 1 when
 * the endpoint is gone, or -1.
 */
int store_endpoint_record(struct store *st, int64_t id, const struct endpoint_row *r,
    struct err *e);

/*
 * Calls cb for every endpoint with its certificate's name (both borrowed
 * for the call), worst verdict first, then those never checked, then the
 * ones that are ok; at most max (0: all). cb returns 0 to go on, non-zero
 * to stop (that value is returned). Returns 0, cb's value, or -1.
 */
int store_endpoint_each(struct store *st, size_t max,
    int (*cb)(const struct endpoint_row *r, const char *cert_name, void *arg), void *arg,
    struct err *e);

/*
 * The worst last verdict among cert_id's endpoints: *worst is an enum
 * endpoint_state, EP_STATE_COUNT when none was checked yet, or -1 when
 * the certificate has no endpoints. Returns 0, or -1.
 */
int store_endpoint_worst(struct store *st, int64_t cert_id, int *worst, struct err *e);

/* What store_endpoint_drift hands its callback, borrowed for the call. */
struct endpoint_drift {
	int64_t id;
	int64_t cert_id;
	const char *cert_name;	/* the endpoint's certificate's name */
	const char *host;
	int port;
	const char *sni;	/* NULL: the host */
	enum endpoint_state state;
	long long since;	/* when it entered the state */
	const char *message;
};

/*
 * Calls cb for each endpoint whose last check found drift (any state but
 * ok and expiring: an expiring certificate is the certificate's own
 * condition), in id order. cb returns 0 to go on, non-zero to stop (that
 * value is returned). Returns 0, cb's value, or -1.
 */
int store_endpoint_drift(struct store *st, int (*cb)(const struct endpoint_drift *d, void *arg),
    void *arg, struct err *e);

#endif
