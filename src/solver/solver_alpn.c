#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "crypto.h"
#include "i18n.h"
#include "solver.h"
#include "solver_priv.h"

/* RFC 8737 section 6.2. */
#define ACME_TLS_ALPN "acme-tls/1"
#define CONN_TIMEOUT_SEC 10
/* At most this many connections at once (a thread each), and per peer address. */
#define ALPN_CONN_MAX 256
#define ALPN_PEER_MAX 128

/* One presented challenge: the certificate served for its SNI name. */
struct alpn_cert {
	char *sni;		/* lower case, no trailing dot */
	char *token;
	X509 *cert;
	EVP_PKEY *key;
	struct alpn_cert *next;
};

struct alpn {
	pthread_mutex_t lock;	/* certs, conns, nconns, stopping */
	pthread_cond_t idle;	/* signalled when nconns drops to 0 */
	struct alpn_cert *certs;
	SSL_CTX *ctx;
	int lfd;
	int wake[2];		/* a byte on wake[1] stops the accept thread */
	pthread_t thread;
	int thread_started;
	int port;
	struct alpn_conn *conns;	/* sockets being served, to cut them short in free */
	size_t nconns, conns_cap;
	int stopping;
};

/* One connection being served, and who from (IPv4 as v4-mapped IPv6). */
struct alpn_conn {
	int fd;
	unsigned char peer[16];
};

struct conn_arg {
	struct alpn *a;
	int fd;
};

static const struct solver_ops alpn_ops;

static void
cert_free(struct alpn_cert *c)
{
	if (c == NULL)
		return;
	free(c->sni);
	free(c->token);
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	free(c);
}

/*
 * The name a validator sends in SNI: the DNS name itself, or for an IP
 * address its reverse-mapping name (RFC 8738 section 6). Caller frees.
 */
static char *
sni_name(const char *identifier, int family)
{
	unsigned char ip[16];
	char *out;
	size_t n, i, o = 0;

	if (family == AF_INET) {
		if (inet_pton(AF_INET, identifier, ip) != 1 || (out = malloc(32)) == NULL)
			return NULL;
		snprintf(out, 32, "%u.%u.%u.%u.in-addr.arpa", ip[3], ip[2], ip[1], ip[0]);
		return out;
	}
	if (family == AF_INET6) {
		static const char hex[] = "0123456789abcdef";

		if (inet_pton(AF_INET6, identifier, ip) != 1 || (out = malloc(74)) == NULL)
			return NULL;
		for (i = 16; i-- > 0;) {
			out[o++] = hex[ip[i] & 0x0f];
			out[o++] = '.';
			out[o++] = hex[ip[i] >> 4];
			out[o++] = '.';
		}
		memcpy(out + o, "ip6.arpa", 9);
		return out;
	}
	n = strlen(identifier);
	if (n > 0 && identifier[n - 1] == '.')
		n--;
	if ((out = strndup(identifier, n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return out;
}

/* ---- TLS callbacks ---------------------------------------------------- */

/* Does a ClientHello ALPN extension body offer acme-tls/1? */
static int
offers_acme_tls(const unsigned char *p, size_t len)
{
	size_t list, i;

	if (len < 2)
		return 0;
	list = (size_t)p[0] << 8 | p[1];
	if (list + 2 != len)
		return 0;
	for (i = 2; i < len;) {
		size_t n = p[i];

		if (i + 1 + n > len)
			return 0;
		if (n == strlen(ACME_TLS_ALPN) && memcmp(p + i + 1, ACME_TLS_ALPN, n) == 0)
			return 1;
		i += 1 + n;
	}
	return 0;
}

/* The host_name from a ClientHello server_name extension body, normalized. */
static int
parse_sni(const unsigned char *p, size_t len, char *out, size_t size)
{
	size_t list, i;

	if (len < 2)
		return -1;
	list = (size_t)p[0] << 8 | p[1];
	if (list + 2 != len)
		return -1;
	for (i = 2; i + 3 <= len;) {
		unsigned type = p[i];
		size_t n = (size_t)p[i + 1] << 8 | p[i + 2], k;

		if (i + 3 + n > len)
			return -1;
		if (type == TLSEXT_NAMETYPE_host_name) {
			if (n == 0 || n >= size)
				return -1;
			for (k = 0; k < n; k++) {
				unsigned char ch = p[i + 3 + k];

				if (ch == '\0' || ch >= 0x80)
					return -1;
				out[k] = (char)tolower(ch);
			}
			if (out[n - 1] == '.')
				n--;
			out[n] = '\0';
			return n > 0 ? 0 : -1;
		}
		i += 3 + n;
	}
	return -1;
}

/*
 * Runs before anything is negotiated: refuses a hello that does not offer
 * acme-tls/1 (RFC 8737 section 4: this port answers validations only) or
 * names no presented identifier, and otherwise installs that certificate.
 */
static int
client_hello_cb(SSL *ssl, int *al, void *arg)
{
	struct alpn *a = arg;
	const unsigned char *p;
	size_t len;
	char sni[256];
	struct alpn_cert *c;
	int found = 0;

	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation,
	    &p, &len) || !offers_acme_tls(p, len)) {
		*al = SSL_AD_NO_APPLICATION_PROTOCOL;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) ||
	    parse_sni(p, len, sni, sizeof(sni)) == -1) {
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_CLIENT_HELLO_ERROR;
	}
	pthread_mutex_lock(&a->lock);
	for (c = a->certs; c != NULL; c = c->next) {
		if (strcmp(c->sni, sni) == 0) {
			/* The SSL takes its own references: cleanup may free c later. */
			found = SSL_use_certificate(ssl, c->cert) == 1 &&
			    SSL_use_PrivateKey(ssl, c->key) == 1;
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
	if (!found) {
		*al = c == NULL ? SSL_AD_UNRECOGNIZED_NAME : SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

static int
alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned int i;

	for (i = 0; i < inlen;) {
		unsigned int n = in[i];

		if (i + 1 + n > inlen)
			break;
		if (n == strlen(ACME_TLS_ALPN) && memcmp(in + i + 1, ACME_TLS_ALPN, n) == 0) {
			*out = in + i + 1;
			*outlen = (unsigned char)n;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + n;
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* ---- listener --------------------------------------------------------- */

static void *
conn_run(void *arg)
{
	struct conn_arg *ca = arg;
	struct alpn *a = ca->a;
	int fd = ca->fd;
	struct timeval tv = { .tv_sec = CONN_TIMEOUT_SEC };
	SSL *ssl;
	size_t i;

	free(ca);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ssl = SSL_new(a->ctx);
	/* The validator hangs up after the handshake (RFC 8737 section 3). */
	if (ssl != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1)
		(void)SSL_shutdown(ssl);
	SSL_free(ssl);
	ERR_clear_error();

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->nconns; i++) {
		if (a->conns[i].fd == fd) {
			a->conns[i] = a->conns[--a->nconns];
			break;
		}
	}
	/* Closed under the lock so free() never shuts down a reused number. */
	close(fd);
	if (a->nconns == 0)
		pthread_cond_broadcast(&a->idle);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/*
 * Hands fd (from peer) to a detached thread of its own; closes it on
 * failure, and at once when ALPN_CONN_MAX connections are served already
 * or ALPN_PEER_MAX from this peer: a thread per connection, but bounded.
 */
static void
conn_start(struct alpn *a, int fd, const unsigned char peer[16])
{
	struct conn_arg *ca = NULL;
	struct alpn_conn *grown;
	pthread_attr_t attr;
	pthread_t t;
	size_t i, same = 0;
	int started = 0;

	pthread_mutex_lock(&a->lock);
	if (a->stopping || a->nconns >= ALPN_CONN_MAX)
		goto out;
	for (i = 0; i < a->nconns; i++)
		same += memcmp(a->conns[i].peer, peer, 16) == 0;
	if (same >= ALPN_PEER_MAX)
		goto out;
	if (a->nconns == a->conns_cap) {
		size_t cap = a->conns_cap ? a->conns_cap * 2 : 16;

		grown = reallocarray(a->conns, cap, sizeof(*grown));
		if (grown == NULL)
			goto out;
		a->conns = grown;
		a->conns_cap = cap;
	}
	ca = malloc(sizeof(*ca));
	if (ca == NULL || pthread_attr_init(&attr) != 0)
		goto out;
	ca->a = a;
	ca->fd = fd;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	a->conns[a->nconns].fd = fd;
	memcpy(a->conns[a->nconns].peer, peer, 16);
	a->nconns++;
	if (pthread_create(&t, &attr, conn_run, ca) == 0)
		started = 1;
	else
		a->nconns--;
	pthread_attr_destroy(&attr);
out:
	pthread_mutex_unlock(&a->lock);
	if (!started) {
		free(ca);
		close(fd);
	}
}

static void *
accept_run(void *arg)
{
	struct alpn *a = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = a->lfd, .events = POLLIN },
			{ .fd = a->wake[0], .events = POLLIN },
		};
		struct sockaddr_storage ss;
		socklen_t slen;
		unsigned char peer[16];
		int fd;

		if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents != 0)
			break;
		if ((p[0].revents & POLLIN) == 0)
			continue;
		slen = sizeof(ss);
		fd = accept4(a->lfd, (struct sockaddr *)&ss, &slen, SOCK_CLOEXEC);
		if (fd == -1) {
			/* Out of descriptors: back off instead of spinning. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				(void)poll(NULL, 0, 100);
			continue;
		}
		memset(peer, 0, sizeof(peer));
		if (ss.ss_family == AF_INET6) {
			memcpy(peer, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		} else if (ss.ss_family == AF_INET) {
			peer[10] = peer[11] = 0xff;
			memcpy(peer + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		}
		conn_start(a, fd, peer);
	}
	return NULL;
}

/* ---- the solver ------------------------------------------------------- */

static int
alpn_present(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct alpn *a = s->priv;
	struct alpn_cert *ac;
	unsigned char digest[32];
	int family;

	if (solver_check_challenge(c, e) == -1)
		return -1;
	if (strncmp(c->identifier, "*.", 2) == 0)
		return err_set(e, ERR_USAGE, "%s",
		    _("tls-alpn-01 cannot validate a wildcard identifier"));
	family = solver_ip_family(c->identifier);
	ac = calloc(1, sizeof(*ac));
	if (ac == NULL || (ac->sni = sni_name(c->identifier, family)) == NULL ||
	    (ac->token = strdup(c->token)) == NULL) {
		cert_free(ac);
		return err_nomem(e);
	}
	/* The certificate names the IP literal, or the normalized DNS name (the SNI form). */
	if (crypto_sha256(c->key_authorization, strlen(c->key_authorization), digest, e) != 0 ||
	    crypto_alpn_cert_new(family != 0 ? c->identifier : ac->sni, digest, &ac->cert,
	    &ac->key, e) == -1) {
		cert_free(ac);
		return -1;
	}
	/* Newest first: a later challenge for the same name wins. */
	pthread_mutex_lock(&a->lock);
	ac->next = a->certs;
	a->certs = ac;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

static int
alpn_cleanup(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct alpn *a = s->priv;
	struct alpn_cert **pp, *gone = NULL;
	char *sni;

	if (solver_check_challenge(c, e) == -1)
		return -1;
	sni = sni_name(c->identifier, solver_ip_family(c->identifier));
	if (sni == NULL)
		return err_nomem(e);
	pthread_mutex_lock(&a->lock);
	for (pp = &a->certs; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->sni, sni) == 0 && strcmp((*pp)->token, c->token) == 0) {
			gone = *pp;
			*pp = gone->next;
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
	free(sni);
	cert_free(gone);
	return 0;
}

static void
alpn_free(struct solver *s)
{
	struct alpn *a;
	struct alpn_cert *c;
	size_t i;

	if (s == NULL)
		return;
	a = s->priv;
	if (a != NULL) {
		pthread_mutex_lock(&a->lock);
		a->stopping = 1;
		/* Connections in a handshake end now, not at their timeout. */
		for (i = 0; i < a->nconns; i++)
			(void)shutdown(a->conns[i].fd, SHUT_RDWR);
		pthread_mutex_unlock(&a->lock);
		if (a->thread_started) {
			while (write(a->wake[1], "x", 1) == -1 && errno == EINTR)
				;
			pthread_join(a->thread, NULL);
		}
		pthread_mutex_lock(&a->lock);
		while (a->nconns > 0)
			pthread_cond_wait(&a->idle, &a->lock);
		pthread_mutex_unlock(&a->lock);
		if (a->lfd != -1)
			close(a->lfd);
		if (a->wake[0] != -1)
			close(a->wake[0]);
		if (a->wake[1] != -1)
			close(a->wake[1]);
		while ((c = a->certs) != NULL) {
			a->certs = c->next;
			cert_free(c);
		}
		SSL_CTX_free(a->ctx);
		free(a->conns);
		pthread_cond_destroy(&a->idle);
		pthread_mutex_destroy(&a->lock);
		free(a);
	}
	free(s);
}

static const struct solver_ops alpn_ops = {
	.type = "tls-alpn-01",
	.present = alpn_present,
	.cleanup = alpn_cleanup,
	.free = alpn_free,
};

int
solver_alpn_new(const char *addr, int port, struct solver **out, struct err *e)
{
	struct solver *s;
	struct alpn *a;
	sigset_t all, old;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	a = calloc(1, sizeof(*a));
	if (s == NULL || a == NULL) {
		free(s);
		free(a);
		return err_nomem(e);
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->idle, NULL);
	a->lfd = a->wake[0] = a->wake[1] = -1;
	s->ops = &alpn_ops;
	s->priv = a;

	a->ctx = SSL_CTX_new(TLS_server_method());
	if (a->ctx == NULL || !SSL_CTX_set_min_proto_version(a->ctx, TLS1_2_VERSION)) {
		err_openssl(e, "%s", _("cannot set up TLS for tls-alpn-01"));
		goto fail;
	}
	/* Every handshake must show the certificate: no resumption. */
	SSL_CTX_set_session_cache_mode(a->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(a->ctx, SSL_OP_NO_TICKET);
	(void)SSL_CTX_set_num_tickets(a->ctx, 0);
	SSL_CTX_set_client_hello_cb(a->ctx, client_hello_cb, a);
	SSL_CTX_set_alpn_select_cb(a->ctx, alpn_select_cb, a);

	if (pipe2(a->wake, O_CLOEXEC) == -1) {
		err_set(e, ERR_IO, _("cannot create a pipe: %s"), strerror(errno));
		goto fail;
	}
	if (solver_listen(addr, port, &a->lfd, &a->port, e) == -1)
		goto fail;
	/* The threads take no signals: SIGPIPE on a dropped peer stays harmless. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&a->thread, NULL, accept_run, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		err_set(e, ERR_IO, _("cannot start the tls-alpn-01 thread: %s"), strerror(rc));
		goto fail;
	}
	a->thread_started = 1;
	*out = s;
	return 0;
fail:
	solver_free(s);
	return -1;
}

int
solver_alpn_port(struct solver *s)
{
	if (s == NULL || s->ops != &alpn_ops)
		return -1;
	return ((struct alpn *)s->priv)->port;
}
