/*
 * The one HTTP client: libcurl with connection reuse, a per-CA trust
 * bundle, timeouts and a cap on response size; also the SMTP submission
 * of notice mails, libcurl's too. The only private key it sees is an EST
 * client certificate's, in memory, wiped when the client is freed.
 */
#ifndef CERTDECK_HTTP_H
#define CERTDECK_HTTP_H

#include <stddef.h>

#include "err.h"

#define HTTP_MAX_BODY (1024 * 1024)

struct http;

struct http_response {
	long status;
	char *body;		/* NUL-terminated (body_len excludes the NUL) */
	size_t body_len;
	char *content_type;	/* without parameters, lower-case, or NULL */
	char *location;		/* or NULL */
	char *replay_nonce;	/* or NULL */
	long retry_after;	/* seconds (from delta or HTTP-date), -1 if absent */
	char **links_alternate;	/* Link: rel="alternate" targets */
	size_t n_links_alternate;
	char *link_up;		/* Link: rel="up", or NULL */
	char *link_index;	/* Link: rel="index", or NULL */
};

/*
 * Creates a client. ca_bundle is a PEM file of trusted roots, or NULL for
 * the system store. Returns 0 and *out (free with http_free), or -1.
 */
int http_new(const char *ca_bundle, struct http **out, struct err *e);

/*
 * Like http_new, trusting the roots in ca_pem (PEM text, as the store
 * keeps a CA's bundle; NULL for the system store). Returns 0 and *out, or -1.
 */
int http_new_pem(const char *ca_pem, struct http **out, struct err *e);

/*
 * HTTP basic authentication for every later request (EST), over https://
 * only; user NULL turns it off. The password is copied and wiped on
 * http_free. Returns 0 or -1.
 */
int http_set_basic_auth(struct http *h, const char *user, const char *password,
    struct err *e);

/*
 * A TLS client certificate (PEM, the chain after the leaf allowed) and its
 * key (PEM) for every later request (EST re-enrolment); NULL turns it off.
 * Both are copied; the key is wiped on http_free. Returns 0 or -1.
 */
int http_set_client_cert(struct http *h, const char *cert_pem, const char *key_pem,
    struct err *e);

/*
 * A header "name: value" sent with every later request (a DNS provider's
 * API key); name NULL removes it. The value is copied and wiped on
 * http_free; it never appears in messages. Returns 0 or -1.
 */
int http_set_secret_header(struct http *h, const char *name, const char *value,
    struct err *e);

/*
 * RFC 7030 section 4.1.1's bootstrap: later requests do not verify the
 * server's certificate. Only for fetching a CA's certificates that the
 * caller then checks by fingerprint; never with credentials set.
 */
void http_set_bootstrap(struct http *h);

/* Frees a client and its connections. Accepts NULL. */
void http_free(struct http *h);

/*
 * Performs one request. method is "GET", "HEAD", "POST" or "PATCH"; body may be
 * NULL. Any HTTP status is a success here (the caller judges it); -1 means
 * no usable response: transport failure (retryable), TLS failure, or a
 * body over HTTP_MAX_BODY. Returns 0 and *out (free with
 * http_response_free), or -1.
 */
int http_request(struct http *h, const char *method, const char *url,
    const char *content_type, const char *body, size_t body_len,
    struct http_response **out, struct err *e);

/* One mail for http_smtp_send; every member borrowed. */
struct http_mail {
	const char *url;	/* smtp://host[:port] (STARTTLS required) or smtps:// */
	const char *from;	/* the envelope sender */
	const char *to;		/* the one recipient */
	const char *user;	/* the login, or NULL for none */
	const char *password;
	const char *message;	/* the whole message, CRLF line ends */
	size_t len;
};

/*
 * Submits m over SMTP with TLS (STARTTLS on smtp://, which must be
 * offered), verified against the client's roots. Returns 0 when the
 * server took it, or -1 with e naming the URL and the reason
 * (e->retryable for connection trouble and 4xx replies).
 */
int http_smtp_send(struct http *h, const struct http_mail *m, struct err *e);

/* Frees a response. Accepts NULL. */
void http_response_free(struct http_response *r);

/*
 * Returns how many new connections the last http_request opened (0 when
 * it reused one), for tests and logs.
 */
long http_last_connects(const struct http *h);

#endif
