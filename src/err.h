/*
 * Errors carry detail, not prints. Engine functions return 0 or -1 and fill
 * a caller's struct err with a translated message and, for ACME, the
 * RFC 7807 problem document the server sent. A struct err owns no heap
 * memory: it can live on the stack and needs no free.
 */
#ifndef CERTDECK_ERR_H
#define CERTDECK_ERR_H

#include <stddef.h>

enum err_kind {
	ERR_NONE,
	ERR_USAGE,	/* the caller asked for something malformed */
	ERR_INPUT,	/* a file or value the user gave is not usable */
	ERR_IO,		/* file system */
	ERR_STORE,	/* SQLite */
	ERR_CRYPTO,	/* OpenSSL */
	ERR_NET,	/* transport: DNS, TCP, TLS, timeouts */
	ERR_PROTO,	/* the server broke the protocol (bad JSON, missing field) */
	ERR_ACME,	/* the server answered with a problem document */
	ERR_KIND_COUNT
};

struct err {
	enum err_kind kind;
	int retryable;		/* 1 when trying again later may succeed */
	long retry_after;	/* seconds the server asked us to wait, -1 if none */
	int http_status;	/* 0 when no HTTP exchange was involved */
	char msg[1024];		/* translated, one line, no trailing newline */
	char problem_type[160];	/* e.g. urn:ietf:params:acme:error:badNonce */
	char problem_detail[1024]; /* detail plus subproblems, one line */
};

/* Resets e to "no error". Accepts NULL. */
void err_clear(struct err *e);

/*
 * Sets kind and a printf-style message (already translated by the caller).
 * Returns -1 so callers can write "return err_set(...)". Accepts NULL e.
 */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Sets the one translated "out of memory" message (kind ERR_IO, not
 * retryable). Returns -1. Accepts NULL e.
 */
int err_nomem(struct err *e);

/*
 * Like err_set for ERR_CRYPTO, appending the reason at the top of the
 * OpenSSL error queue and draining the whole queue. Returns -1.
 */
int err_openssl(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Prefixes the existing message with more context ("file.pem: ...").
 * Returns -1.
 */
int err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Short untranslated name of a kind, for logs and JSON ("net", "acme"). */
const char *err_kind_name(enum err_kind kind);

#endif
