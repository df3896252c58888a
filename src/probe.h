/*
 * Probing what a TLS endpoint serves: connect (with a deadline), speak
 * STARTTLS where asked, do the handshake and read the served chain. It
 * blocks for up to the timeout, so it runs in the CLI or a worker
 * thread, never on the UI thread. It neither reads nor writes the store:
 * classifying a result against the store's certificates is check's job.
 */
#ifndef CERTDECK_PROBE_H
#define CERTDECK_PROBE_H

#include <stddef.h>
#include <time.h>

#include "err.h"

/* The plain-text protocols that upgrade to TLS in band. */
enum probe_starttls {
	PROBE_TLS,		/* TLS from the first byte */
	PROBE_SMTP,		/* RFC 3207: EHLO, STARTTLS */
	PROBE_IMAP,		/* RFC 3501: a STARTTLS */
	PROBE_POP3,		/* RFC 2595: STLS */
	PROBE_STARTTLS_COUNT
};

/* "" (none), "smtp", "imap", "pop3"; as stored and typed. */
const char *probe_starttls_name(enum probe_starttls p);

/* Parses "smtp", "imap", "pop3" (or "none"/"" for plain TLS). Returns 0 and *out, or -1. */
int probe_starttls_parse(const char *s, enum probe_starttls *out, struct err *e);

/* The port a protocol listens on when none is given: 443, 25, 143, 110. */
int probe_default_port(enum probe_starttls p);

/*
 * Splits "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT" into host (copied
 * into host, size bytes) and *port (default_port when none). Returns 0,
 * or -1 (ERR_USAGE) for an empty host, a bad port or a host too long.
 */
int probe_parse_target(const char *s, int default_port, char *host, size_t size, int *port,
    struct err *e);

/*
 * The TLS client setup and trust anchors, made once and shared by any
 * number of probes, in any threads (OpenSSL 3 makes a context slowly: a
 * check of many endpoints makes one).
 */
struct probe_trust;

/*
 * Makes the shared setup trusting ca_bundle (a PEM file), or the system's
 * trust store when NULL. Returns 0 and *out (free with probe_trust_free),
 * or -1 (ERR_INPUT when the bundle cannot be read).
 */
int probe_trust_new(const char *ca_bundle, struct probe_trust **out, struct err *e);

/* Frees it. Accepts NULL. */
void probe_trust_free(struct probe_trust *t);

struct probe_opts {
	const char *host;	/* name or address to connect to */
	int port;
	const char *sni;	/* server name sent and checked; NULL: host (unless an address) */
	enum probe_starttls starttls;
	struct probe_trust *trust; /* shared setup; NULL: one made from ca_bundle */
	const char *ca_bundle;	/* PEM file of trust anchors; NULL: the system store */
	int timeout_ms;		/* for connect, STARTTLS and handshake together; <= 0: 10 s */
};

/* What one probe saw. All strings are owned by the result (probe_result_free). */
struct probe_result {
	char *pem_chain;	/* the served chain as PEM, leaf first */
	size_t chain_len;	/* certificates in it */
	char fingerprint[65];	/* SHA-256 of the leaf's DER, lower-case hex */
	char *subject;		/* leaf subject, RFC 2253 one-line */
	char *issuer;		/* leaf issuer, RFC 2253 one-line */
	char **names;		/* leaf DNS names and IP literals */
	size_t n_names;
	time_t not_before, not_after;
	int chain_ok;		/* 1 when the chain verifies against the trust anchors */
	char verify_error[160];	/* why not, when chain_ok is 0 */
	int name_ok;		/* 1 when the leaf is valid for the checked name */
	char checked_name[256];	/* the name name_ok is about ("" when none: an address) */
	char protocol[16];	/* "TLSv1.3" */
	char cipher[64];	/* "TLS_AES_256_GCM_SHA384" */
};

/*
 * Probes o->host:o->port. Returns 0 and fills *r (free its contents with
 * probe_result_free; an untrusted chain or a wrong name is a result, not
 * an error), or -1 with e (ERR_NET: no connection, a timeout, the
 * STARTTLS dialogue or the handshake failed; r then holds nothing).
 */
int probe_run(const struct probe_opts *o, struct probe_result *r, struct err *e);

/* Frees what a result holds and zeroes it. Accepts NULL. */
void probe_result_free(struct probe_result *r);

#endif
