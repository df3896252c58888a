#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "i18n.h"
#include "probe.h"
#include "safetext.h"

#define DEFAULT_TIMEOUT_MS 10000
/* A STARTTLS reply line longer than this is not a server we can talk to. */
#define LINE_MAX_LEN 1024

static const char *const starttls_names[PROBE_STARTTLS_COUNT] = {
	[PROBE_TLS] = "", [PROBE_SMTP] = "smtp", [PROBE_IMAP] = "imap", [PROBE_POP3] = "pop3",
};

const char *
probe_starttls_name(enum probe_starttls p)
{
	return (unsigned)p < PROBE_STARTTLS_COUNT ? starttls_names[p] : "";
}

int
probe_starttls_parse(const char *s, enum probe_starttls *out, struct err *e)
{
	int i;

	if (s == NULL || s[0] == '\0' || strcmp(s, "none") == 0) {
		*out = PROBE_TLS;
		return 0;
	}
	for (i = 1; i < PROBE_STARTTLS_COUNT; i++)
		if (strcmp(s, starttls_names[i]) == 0) {
			*out = (enum probe_starttls)i;
			return 0;
		}
	return err_set(e, ERR_USAGE, _("unknown STARTTLS protocol '%s' (smtp, imap or pop3)"), s);
}

int
probe_default_port(enum probe_starttls p)
{
	switch (p) {
	case PROBE_SMTP: return 25;
	case PROBE_IMAP: return 143;
	case PROBE_POP3: return 110;
	default: return 443;
	}
}

static int
parse_port(const char *s, int *port)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int
probe_parse_target(const char *s, int default_port, char *host, size_t size, int *port,
    struct err *e)
{
	const char *h = s, *colon = NULL;
	size_t hl;

	*port = default_port;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			goto bad;
		h = s + 1;
		hl = (size_t)(close - h);
		if (close[1] == ':')
			colon = close + 1;
	} else {
		colon = strchr(s, ':');
		/* Two colons and no brackets: a bare IPv6 address without a port. */
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;
		hl = colon != NULL ? (size_t)(colon - s) : strlen(s);
	}
	if (hl == 0 || hl >= size)
		goto bad;
	if (colon != NULL && parse_port(colon + 1, port) != 0)
		return err_set(e, ERR_USAGE, _("'%s': the port must be a number from 1 to 65535"), s);
	memcpy(host, h, hl);
	host[hl] = '\0';
	return 0;
bad:
	return err_set(e, ERR_USAGE, _("'%s' is not HOST[:PORT]"), s);
}

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until fd is ready for events or the deadline passes. Returns 0
 * when ready, -1 with e on timeout or a poll error.
 */
static int
wait_fd(int fd, short events, long long deadline, const char *what, struct err *e)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int rc;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			err_set(e, ERR_NET, _("timed out %s"), what);
			e->retryable = 1;
			return -1;
		}
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return err_set(e, ERR_NET, "%s: %s", what, strerror(errno));
	}
}

/* Connects to one address without blocking past the deadline. Returns the fd, or -1. */
static int
connect_one(const struct addrinfo *ai, long long deadline, struct err *e)
{
	int fd, soerr = 0;
	socklen_t sl = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0)
		return err_set(e, ERR_NET, _("cannot make a socket: %s"), strerror(errno));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		err_set(e, ERR_NET, _("cannot connect: %s"), strerror(errno));
		goto fail;
	}
	if (wait_fd(fd, POLLOUT, deadline, _("connecting"), e) != 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
		err_set(e, ERR_NET, _("cannot connect: %s"), strerror(soerr != 0 ? soerr : errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * Resolves and connects to host:port, trying each address in turn.
 * Returns a non-blocking fd, or -1 with e naming host and port. (The
 * resolver itself has no deadline: getaddrinfo cannot be given one.)
 */
static int
connect_to(const char *host, int port, long long deadline, struct err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL, *ai;
	char service[8];
	int rc, fd = -1;

	snprintf(service, sizeof(service), "%d", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		err_set(e, ERR_NET, _("cannot resolve %s: %s"), host, gai_strerror(rc));
		e->retryable = 1;
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, deadline, e);
	freeaddrinfo(res);
	if (fd < 0) {
		err_prefix(e, "%s:%d", host, port);
		e->kind = ERR_NET;
		e->retryable = 1;
	}
	return fd;
}

/* Sends all of s before the deadline. Returns 0 or -1. */
static int
send_all(int fd, const char *s, long long deadline, struct err *e)
{
	size_t len = strlen(s), done = 0;
	ssize_t n;

	while (done < len) {
		if (wait_fd(fd, POLLOUT, deadline, _("sending the STARTTLS request"), e) != 0)
			return -1;
		n = send(fd, s + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return err_set(e, ERR_NET, _("sending the STARTTLS request: %s"),
			    strerror(errno));
		if (n > 0)
			done += (size_t)n;
	}
	return 0;
}

/*
 * Reads one line (CRLF or LF, stripped) a byte at a time: nothing past
 * the line may be consumed, since the TLS handshake follows it on the
 * same socket. Returns 0 or -1.
 */
static int
read_line(int fd, char *buf, size_t size, long long deadline, struct err *e)
{
	size_t len = 0;
	ssize_t n;
	char c;

	for (;;) {
		if (wait_fd(fd, POLLIN, deadline, _("waiting for the server's STARTTLS reply"),
		    e) != 0)
			return -1;
		n = recv(fd, &c, 1, 0);
		if (n == 0)
			return err_set(e, ERR_NET, "%s",
			    _("the server closed the connection during STARTTLS"));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return err_set(e, ERR_NET, _("reading the STARTTLS reply: %s"),
			    strerror(errno));
		}
		if (c == '\n')
			break;
		if (len + 1 >= size || len >= LINE_MAX_LEN)
			return err_set(e, ERR_NET, "%s", _("the server's STARTTLS reply line is too long"));
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return 0;
}

/*
 * The server's reply escaped as the store keeps text from outside (the
 * message is stored, notified and printed). Returns text to free(), or
 * NULL when out of memory.
 */
static char *
quoted(const char *reply)
{
	return safetext_escape(reply, strlen(reply), 0);
}

/* Says the server refused STARTTLS, quoting its reply. */
static int
refused(const char *proto, const char *reply, struct err *e)
{
	char *q = quoted(reply);

	if (q == NULL)
		return err_nomem(e);
	err_set(e, ERR_NET, _("the %s server refused STARTTLS: %.200s"), proto, q);
	free(q);
	return -1;
}

/* Says the line is no SMTP reply, quoting it. Returns -1. */
static int
not_smtp(const char *line, struct err *e)
{
	char *q = quoted(line);

	if (q == NULL)
		return err_nomem(e);
	err_set(e, ERR_NET, _("not an SMTP reply: %.200s"), q);
	free(q);
	return -1;
}

/*
 * Reads an SMTP reply (RFC 5321 4.2: "250-..." lines then "250 ...").
 * Returns 0 and the reply code in *code, or -1.
 */
static int
smtp_reply(int fd, char *line, size_t size, int *code, long long deadline, struct err *e)
{
	do {
		if (read_line(fd, line, size, deadline, e) != 0)
			return -1;
		if (strlen(line) < 3 || line[0] < '1' || line[0] > '5')
			return not_smtp(line, e);
	} while (line[3] == '-');
	*code = atoi(line);
	return 0;
}

/* The plain-text part of a STARTTLS protocol, up to where TLS starts. Returns 0 or -1. */
static int
starttls(int fd, enum probe_starttls p, long long deadline, struct err *e)
{
	char line[LINE_MAX_LEN + 2];
	int code;

	switch (p) {
	case PROBE_TLS:
		return 0;
	case PROBE_SMTP:
		if (smtp_reply(fd, line, sizeof(line), &code, deadline, e) != 0)
			return -1;
		if (code != 220)
			return refused("SMTP", line, e);
		if (send_all(fd, "EHLO certdeck.invalid\r\n", deadline, e) != 0 ||
		    smtp_reply(fd, line, sizeof(line), &code, deadline, e) != 0)
			return -1;
		if (code != 250)
			return refused("SMTP", line, e);
		if (send_all(fd, "STARTTLS\r\n", deadline, e) != 0 ||
		    smtp_reply(fd, line, sizeof(line), &code, deadline, e) != 0)
			return -1;
		return code == 220 ? 0 : refused("SMTP", line, e);
	case PROBE_IMAP:
		/* The greeting; any untagged lines after STARTTLS come before the tagged reply. */
		if (read_line(fd, line, sizeof(line), deadline, e) != 0)
			return -1;
		if (strncasecmp(line, "* OK", 4) != 0)
			return refused("IMAP", line, e);
		if (send_all(fd, "c1 STARTTLS\r\n", deadline, e) != 0)
			return -1;
		do {
			if (read_line(fd, line, sizeof(line), deadline, e) != 0)
				return -1;
		} while (line[0] == '*');
		return strncasecmp(line, "c1 OK", 5) == 0 ? 0 : refused("IMAP", line, e);
	case PROBE_POP3:
		if (read_line(fd, line, sizeof(line), deadline, e) != 0)
			return -1;
		if (strncmp(line, "+OK", 3) != 0)
			return refused("POP3", line, e);
		if (send_all(fd, "STLS\r\n", deadline, e) != 0 ||
		    read_line(fd, line, sizeof(line), deadline, e) != 0)
			return -1;
		return strncmp(line, "+OK", 3) == 0 ? 0 : refused("POP3", line, e);
	default:
		return err_set(e, ERR_USAGE, "%s", _("unknown STARTTLS protocol"));
	}
}

/* Runs the handshake on the non-blocking fd until done or the deadline. Returns 0 or -1. */
static int
handshake(SSL *ssl, int fd, long long deadline, struct err *e)
{
	int rc, why;

	for (;;) {
		ERR_clear_error();
		rc = SSL_connect(ssl);
		if (rc == 1)
			return 0;
		why = SSL_get_error(ssl, rc);
		if (why == SSL_ERROR_WANT_READ) {
			if (wait_fd(fd, POLLIN, deadline, _("in the TLS handshake"), e) != 0)
				return -1;
		} else if (why == SSL_ERROR_WANT_WRITE) {
			if (wait_fd(fd, POLLOUT, deadline, _("in the TLS handshake"), e) != 0)
				return -1;
		} else {
			if (ERR_peek_last_error() != 0)
				err_openssl(e, "%s", _("TLS handshake failed"));
			else
				err_set(e, ERR_NET, "%s", _("TLS handshake failed: the server closed the connection"));
			e->kind = ERR_NET;
			return -1;
		}
	}
}

/* 1 when s is an IPv4 or IPv6 literal. */
static int
is_address(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* The served chain (leaf first) as PEM. Returns 0 and r->pem_chain, or -1. */
static int
chain_pem(SSL *ssl, struct probe_result *r, struct err *e)
{
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
	BIO *bio = NULL;
	BUF_MEM *mem;
	int i, n;

	n = sk != NULL ? sk_X509_num(sk) : 0;
	if (n <= 0)
		return err_set(e, ERR_NET, "%s", _("the server sent no certificate"));
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return err_openssl(e, "%s", _("cannot write the served chain"));
	for (i = 0; i < n; i++)
		if (PEM_write_bio_X509(bio, sk_X509_value(sk, i)) != 1) {
			BIO_free(bio);
			return err_openssl(e, "%s", _("cannot write the served chain"));
		}
	BIO_get_mem_ptr(bio, &mem);
	r->pem_chain = malloc(mem->length + 1);
	if (r->pem_chain == NULL) {
		BIO_free(bio);
		return err_nomem(e);
	}
	memcpy(r->pem_chain, mem->data, mem->length);
	r->pem_chain[mem->length] = '\0';
	r->chain_len = (size_t)n;
	BIO_free(bio);
	return 0;
}

/*
 * Takes the leaf's facts from the certificate the handshake decoded (the
 * same parser as the store's, without decoding the chain again). Returns
 * 0 or -1.
 */
static int
leaf_facts(SSL *ssl, struct probe_result *r, struct err *e)
{
	struct cert_info *leaf = NULL;
	X509 *x = SSL_get0_peer_certificate(ssl);

	if (x == NULL)
		return err_set(e, ERR_NET, "%s", _("the server sent no certificate"));
	if (crypto_cert_info(x, &leaf, e) != 0)
		return err_prefix(e, "%s", _("the served certificate"));
	memcpy(r->fingerprint, leaf->fingerprint, sizeof(r->fingerprint));
	r->subject = leaf->subject;
	leaf->subject = NULL;
	r->issuer = leaf->issuer;
	leaf->issuer = NULL;
	r->names = leaf->sans;
	r->n_names = leaf->n_sans;
	leaf->sans = NULL;
	leaf->n_sans = 0;
	r->not_before = leaf->not_before;
	r->not_after = leaf->not_after;
	cert_info_free(leaf);
	return 0;
}

/* Sets name_ok: the leaf against the checked name (a DNS name, or an address). */
static void
check_name(SSL *ssl, const char *name, int name_is_address, struct probe_result *r)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);

	snprintf(r->checked_name, sizeof(r->checked_name), "%s", name);
	if (leaf == NULL)
		return;
	if (name_is_address)
		r->name_ok = X509_check_ip_asc(leaf, name, 0) == 1;
	else
		r->name_ok = X509_check_host(leaf, name, 0, 0, NULL) == 1;
}

struct probe_trust {
	SSL_CTX *ctx;
};

int
probe_trust_new(const char *ca_bundle, struct probe_trust **out, struct err *e)
{
	struct probe_trust *t;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return err_nomem(e);
	if ((t->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		free(t);
		return err_openssl(e, "%s", _("cannot set up TLS"));
	}
	/*
	 * Verification never aborts the handshake: an untrusted chain is what
	 * a probe reports, so the chain is read first and judged after. No
	 * session is ever resumed: a resumed handshake sends no certificate.
	 */
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	if (ca_bundle != NULL) {
		if (SSL_CTX_load_verify_file(t->ctx, ca_bundle) != 1) {
			err_openssl(e, _("cannot read the CA bundle %s"), ca_bundle);
			e->kind = ERR_INPUT;
			probe_trust_free(t);
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		err_openssl(e, "%s", _("cannot load the system's trust store"));
		probe_trust_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void
probe_trust_free(struct probe_trust *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

int
probe_run(const struct probe_opts *o, struct probe_result *r, struct err *e)
{
	long long deadline;
	const char *name = o->sni != NULL && o->sni[0] != '\0' ? o->sni : o->host;
	int name_is_address = is_address(name);
	struct probe_trust *own = NULL, *trust = o->trust;
	SSL *ssl = NULL;
	long vr;
	int fd, rc = -1;

	memset(r, 0, sizeof(*r));
	if (trust == NULL) {
		if (probe_trust_new(o->ca_bundle, &own, e) != 0)
			return -1;
		trust = own;
	}
	/* The timeout is the server's: it starts once the local setup is done. */
	deadline = now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
	if ((fd = connect_to(o->host, o->port, deadline, e)) < 0) {
		probe_trust_free(own);
		return -1;
	}
	if (starttls(fd, o->starttls, deadline, e) != 0) {
		err_prefix(e, "%s:%d", o->host, o->port);
		e->kind = ERR_NET;
		goto out;
	}
	if ((ssl = SSL_new(trust->ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		err_openssl(e, "%s", _("cannot set up TLS"));
		goto out;
	}
	/* RFC 6066 3: an address is never sent as the server name. */
	if (!name_is_address && SSL_set_tlsext_host_name(ssl, name) != 1) {
		err_openssl(e, _("'%s' cannot be sent as the server name"), name);
		e->kind = ERR_USAGE;
		goto out;
	}
	if (handshake(ssl, fd, deadline, e) != 0) {
		err_prefix(e, "%s:%d", o->host, o->port);
		goto out;
	}
	if (chain_pem(ssl, r, e) != 0 || leaf_facts(ssl, r, e) != 0)
		goto out;
	vr = SSL_get_verify_result(ssl);
	r->chain_ok = vr == X509_V_OK;
	if (!r->chain_ok)
		snprintf(r->verify_error, sizeof(r->verify_error), "%s",
		    X509_verify_cert_error_string(vr));
	check_name(ssl, name, name_is_address, r);
	snprintf(r->protocol, sizeof(r->protocol), "%s", SSL_get_version(ssl));
	snprintf(r->cipher, sizeof(r->cipher), "%s", SSL_get_cipher_name(ssl));
	/* A polite close; a server that does not answer it is no concern of ours. */
	SSL_shutdown(ssl);
	rc = 0;
out:
	if (rc != 0)
		probe_result_free(r);
	SSL_free(ssl);
	probe_trust_free(own);
	close(fd);
	ERR_clear_error();
	return rc;
}

void
probe_result_free(struct probe_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->pem_chain);
	free(r->subject);
	free(r->issuer);
	for (i = 0; i < r->n_names; i++)
		free(r->names[i]);
	free(r->names);
	memset(r, 0, sizeof(*r));
}
