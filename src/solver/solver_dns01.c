#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base64url.h"
#include "crypto.h"
#include "i18n.h"
#include "solver.h"
#include "solver_priv.h"
#include "subproc.h"
#include "timefmt.h"

#define HOOK_TIMEOUT_DEFAULT 60		/* seconds */
#define PROPAGATION_DEFAULT 120		/* seconds */
#define TAIL_MAX 512			/* bytes of hook output in a message */
#define DNS_TYPE_TXT 16
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1
#define DNS_UDP_PAYLOAD 1232		/* EDNS0 size that avoids fragmentation */

struct resolver {
	struct sockaddr_storage ss;
	socklen_t len;
	char *name;		/* as the user wrote it, for messages */
};

struct dns01 {
	pthread_mutex_t lock;	/* one hook run at a time; guards hook_timeout */
	char *prog;
	struct resolver *resolvers;
	size_t nresolvers;
	int propagation_timeout;
	int hook_timeout;
};

static const struct solver_ops dns01_ops;

/* base64url(SHA-256(key authorization)), RFC 8555 section 8.4. */
static int
dns01_value(const char *keyauth, char **out, struct err *e)
{
	unsigned char md[32];

	if (crypto_sha256(keyauth, strlen(keyauth), md, e) != 0)
		return err_prefix(e, "%s", _("cannot hash the key authorization"));
	*out = base64url_encode(md, sizeof(md));
	if (*out == NULL)
		return err_nomem(e);
	return 0;
}

/* The domain without "*." and without a trailing dot; caller frees. */
static char *
bare_domain(const char *identifier)
{
	size_t n;

	if (strncmp(identifier, "*.", 2) == 0)
		identifier += 2;
	n = strlen(identifier);
	if (n > 0 && identifier[n - 1] == '.')
		n--;
	return strndup(identifier, n);
}

static char *
str_concat(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

/* ---- running the hook ------------------------------------------------- */

/*
 * Runs PROG ACTION RECORD VALUE (see subproc_run); the tail of its output
 * goes into error messages. Returns 0 when it exits 0 in time, else -1.
 * The calling convention is three operands and no options, and stays so:
 * VALUE is base64url and may begin with '-', so a hook that parses options
 * must stop at its first operand (ACTION is always "add" or "del"), as
 * POSIX getopt does; the same values are in CERTDECK_ACTION, _RECORD and
 * _VALUE for hooks that would rather not parse argv at all.
 */
static int
run_hook(struct dns01 *d, const char *action, const struct solver_challenge *c,
    const char *domain, const char *record, const char *value, struct err *e)
{
	char *vars[5] = { NULL };
	const char *argv[5];
	char **envp = NULL;
	char line[TAIL_MAX + 8];
	struct subproc_result res;
	int rc = -1, timeout;
	size_t i;

	vars[0] = str_concat("CERTDECK_DOMAIN=", domain, "");
	vars[1] = str_concat("CERTDECK_RECORD=", record, "");
	vars[2] = str_concat("CERTDECK_VALUE=", value, "");
	vars[3] = str_concat("CERTDECK_TOKEN=", c->token, "");
	vars[4] = str_concat("CERTDECK_ACTION=", action, "");
	for (i = 0; i < 5; i++)
		if (vars[i] == NULL)
			break;
	if (i < 5 || (envp = subproc_envp(vars, 5)) == NULL) {
		err_nomem(e);
		goto out;
	}
	argv[0] = d->prog;
	argv[1] = action;
	argv[2] = record;
	argv[3] = value;
	argv[4] = NULL;

	pthread_mutex_lock(&d->lock);
	timeout = d->hook_timeout;
	rc = subproc_run(argv, envp, timeout, &res, e);
	pthread_mutex_unlock(&d->lock);
	if (rc == -1) {
		if (res.failed == SUBPROC_FAIL_PREPARE)
			err_set(e, ERR_IO, "%s", _("cannot prepare to run the hook"));
		else if (res.failed == SUBPROC_FAIL_EXEC)
			err_set(e, ERR_IO, _("cannot run the dns-01 hook %s: %s"), d->prog,
			    strerror(res.error));
		else if (res.failed == SUBPROC_FAIL_WAIT)
			err_set(e, ERR_IO, _("cannot wait for the dns-01 hook: %s"),
			    strerror(res.error));
		goto out;
	}
	rc = -1;
	subproc_tail_line(&res, TAIL_MAX, line, sizeof(line));
	if (res.timed_out) {
		err_set(e, ERR_IO, _("dns-01 hook %s %s %s: no exit after %d s, killed%s%s"),
		    d->prog, action, record, timeout, line[0] ? ": " : "", line);
		e->retryable = 1;
	} else if (res.exited && res.status != 0) {
		err_set(e, ERR_IO, _("dns-01 hook %s %s %s failed with exit status %d%s%s"),
		    d->prog, action, record, res.status, line[0] ? ": " : "", line);
	} else if (!res.exited) {
		err_set(e, ERR_IO, _("dns-01 hook %s %s %s killed by signal %d%s%s"),
		    d->prog, action, record, res.signal, line[0] ? ": " : "", line);
	} else {
		rc = 0;
	}
out:
	for (i = 0; i < 5; i++)
		free(vars[i]);
	free(envp);
	return rc;
}

/* ---- propagation check ---------------------------------------------- */

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* A TXT query for name ("a.b.c." or "a.b.c") with an EDNS0 OPT record. */
static int
build_query(const char *name, unsigned id, unsigned char *q, size_t size, size_t *len)
{
	size_t o = 12;
	const char *p = name;

	if (size < 12 + 255 + 4 + 11)
		return -1;
	memset(q, 0, 12);
	put16(q, id);
	q[2] = 0x01;		/* RD: resolvers recurse, authorities ignore it */
	put16(q + 4, 1);	/* QDCOUNT */
	put16(q + 10, 1);	/* ARCOUNT: OPT */
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);

		if (n == 0 || n > 63 || o + 1 + n + 1 > 12 + 255)
			return -1;
		q[o++] = (unsigned char)n;
		memcpy(q + o, p, n);
		o += n;
		p += n;
		if (*p == '.')
			p++;
	}
	q[o++] = 0;
	put16(q + o, DNS_TYPE_TXT);
	put16(q + o + 2, DNS_CLASS_IN);
	o += 4;
	q[o++] = 0;		/* OPT: root name */
	put16(q + o, DNS_TYPE_OPT);
	put16(q + o + 2, DNS_UDP_PAYLOAD);
	memset(q + o + 4, 0, 6);	/* extended RCODE, version, flags, RDLENGTH */
	o += 10;
	*len = o;
	return 0;
}

/* Moves *off past a (possibly compressed) name. Returns 0 or -1. */
static int
skip_name(const unsigned char *m, size_t len, size_t *off)
{
	size_t o = *off;
	int hops;

	for (hops = 0; hops < 128; hops++) {
		unsigned b;

		if (o >= len)
			return -1;
		b = m[o];
		if (b == 0) {
			*off = o + 1;
			return 0;
		}
		if ((b & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if ((b & 0xc0) != 0)
			return -1;
		o += 1 + b;
	}
	return -1;
}

/*
 * Looks for value among the TXT records of a response (a CNAME'd record's
 * TXT counts: the answer section holds only what our question led to).
 * Returns 1 when seen, 0 when not, -1 when the packet is not our answer.
 */
static int
txt_seen(const unsigned char *m, size_t len, unsigned id, const char *value)
{
	size_t off = 12, vlen = strlen(value);
	unsigned qd, an, i;

	if (len < 12 || get16(m) != id || (m[2] & 0x80) == 0)
		return -1;
	if ((m[3] & 0x0f) != 0)
		return 0;	/* NXDOMAIN, SERVFAIL...: not there (yet) */
	qd = get16(m + 4);
	an = get16(m + 6);
	for (i = 0; i < qd; i++) {
		if (skip_name(m, len, &off) == -1 || off + 4 > len)
			return -1;
		off += 4;
	}
	for (i = 0; i < an; i++) {
		unsigned type, class, rdlen;
		size_t end;

		if (skip_name(m, len, &off) == -1 || off + 10 > len)
			return 0;
		type = get16(m + off);
		class = get16(m + off + 2);
		rdlen = get16(m + off + 8);
		off += 10;
		end = off + rdlen;
		if (end > len)
			return 0;
		if (type == DNS_TYPE_TXT && class == DNS_CLASS_IN) {
			/* A value may be split into <character-string>s: compare both ways. */
			char joined[4096];	/* rdlen <= the 4096-byte packet */
			size_t jl = 0, p = off;

			while (p < end) {
				size_t n = m[p];

				if (p + 1 + n > end)
					break;
				if (n == vlen && memcmp(m + p + 1, value, n) == 0)
					return 1;
				memcpy(joined + jl, m + p + 1, n);
				jl += n;
				p += 1 + n;
			}
			if (jl == vlen && memcmp(joined, value, vlen) == 0)
				return 1;
		}
		off = end;
	}
	return 0;
}

/* One UDP query to r within timeout_ms. Returns 1 when value is seen, else 0. */
static int
query_once(const struct resolver *r, const char *record, const char *value,
    int timeout_ms)
{
	unsigned char q[512], resp[4096];
	unsigned char rnd[2];
	size_t qlen;
	unsigned id;
	long long deadline = timefmt_now_ms() + timeout_ms;
	int fd, seen = 0;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return 0;
	id = get16(rnd);
	if (build_query(record, id, q, sizeof(q), &qlen) == -1)
		return 0;
	fd = socket(r->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 0;
	/* connect() makes the kernel drop datagrams from anyone else. */
	if (connect(fd, (const struct sockaddr *)&r->ss, r->len) == -1 ||
	    send(fd, q, qlen, 0) != (ssize_t)qlen)
		goto out;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - timefmt_now_ms();
		ssize_t n;
		int got;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = recv(fd, resp, sizeof(resp), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;	/* ICMP port unreachable and the like */
		got = txt_seen(resp, (size_t)n, id, value);
		if (got >= 0) {
			seen = got;
			break;
		}
	}
out:
	close(fd);
	return seen;
}

/* Polls every resolver until each shows value, or the timeout passes. */
static int
await_propagation(struct dns01 *d, const char *record, const char *value,
    const volatile sig_atomic_t *stop, struct err *e)
{
	long long deadline = timefmt_now_ms() + (long long)d->propagation_timeout * 1000;
	long long interval = 50;
	char *seen;
	size_t i, missing;
	int rc = -1;

	seen = calloc(d->nresolvers, 1);
	if (seen == NULL)
		return err_nomem(e);
	for (;;) {
		long long left;

		missing = 0;
		for (i = 0; i < d->nresolvers; i++) {
			if (seen[i])
				continue;
			left = deadline - timefmt_now_ms();
			seen[i] = (char)query_once(&d->resolvers[i], record, value,
			    (int)(left < 50 ? 50 : left > 1000 ? 1000 : left));
			if (!seen[i])
				missing++;
		}
		if (missing == 0) {
			rc = 0;
			break;
		}
		left = deadline - timefmt_now_ms();
		if (left <= 0)
			break;
		if (stop != NULL && *stop) {
			/* Ctrl-C or a shutdown: not a failure of the record, try later. */
			free(seen);
			err_set(e, ERR_NONE, "%s", _("stopped while waiting for DNS propagation"));
			e->retryable = 1;
			return -1;
		}
		(void)poll(NULL, 0, (int)(left < interval ? left : interval));
		interval = interval * 2 > 1000 ? 1000 : interval * 2;
	}
	if (rc == -1) {
		char names[512] = "";
		size_t o = 0;

		for (i = 0; i < d->nresolvers && o < sizeof(names); i++) {
			if (seen[i])
				continue;
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
			    o > 0 ? ", " : "", d->resolvers[i].name);
		}
		err_set(e, ERR_NET, _("TXT record %s not visible after %d s at %s"), record,
		    d->propagation_timeout, names);
		e->retryable = 1;
	}
	free(seen);
	return rc;
}

/* "host:port", "[v6]:port", "host" or a bare IPv6 address (port 53). */
static int
parse_resolver(const char *spec, struct resolver *r, struct err *e)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *port = "53", *colon;
	size_t hl;
	int rc;

	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':'))
			goto bad;
		hl = (size_t)(rb - spec - 1);
		spec++;
		if (rb[1] == ':')
			port = rb + 2;
	} else if ((colon = strchr(spec, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		hl = (size_t)(colon - spec);
		port = colon + 1;
	} else {
		hl = strlen(spec);
	}
	if (hl == 0 || hl >= sizeof(host) || port[0] == '\0')
		goto bad;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(r->ss)) {
		if (res != NULL)
			freeaddrinfo(res);
		return err_set(e, ERR_INPUT, _("DNS resolver %s: %s"), host,
		    rc != 0 ? gai_strerror(rc) : _("no usable address"));
	}
	memcpy(&r->ss, res->ai_addr, res->ai_addrlen);
	r->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	return err_set(e, ERR_INPUT, "%s",
	    _("a DNS resolver must be written host:port or [IPv6]:port"));
}

/* ---- the solver ------------------------------------------------------- */

/* Checks the challenge and derives domain, record and value (caller frees). */
static int
prepare(const struct solver_challenge *c, char **domain, char **record, char **value,
    struct err *e)
{
	*domain = *record = *value = NULL;
	if (solver_check_challenge(c, e) == -1)
		return -1;
	if (solver_ip_family(c->identifier) != 0)
		return err_set(e, ERR_USAGE, "%s",
		    _("dns-01 cannot validate an IP address identifier"));
	*domain = bare_domain(c->identifier);
	if (*domain == NULL ||
	    (*record = str_concat("_acme-challenge.", *domain, ".")) == NULL)
		goto oom;
	if (dns01_value(c->key_authorization, value, e) == -1)
		goto fail;
	return 0;
oom:
	err_nomem(e);
fail:
	free(*domain);
	free(*record);
	*domain = *record = NULL;
	return -1;
}

static int
dns01_present(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct dns01 *d = s->priv;
	char *domain, *record, *value;
	int rc = -1;

	if (prepare(c, &domain, &record, &value, e) == -1)
		return -1;
	if (run_hook(d, "add", c, domain, record, value, e) == -1)
		goto out;
	if (d->nresolvers > 0 && await_propagation(d, record, value, c->stop, e) == -1) {
		struct err ignore;

		/* Not presented after all: the record goes again (the caller will not clean up). */
		err_clear(&ignore);
		(void)run_hook(d, "del", c, domain, record, value, &ignore);
		goto out;
	}
	rc = 0;
out:
	free(domain);
	free(record);
	free(value);
	return rc;
}

static int
dns01_cleanup(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct dns01 *d = s->priv;
	char *domain, *record, *value;
	int rc;

	if (prepare(c, &domain, &record, &value, e) == -1)
		return -1;
	rc = run_hook(d, "del", c, domain, record, value, e);
	free(domain);
	free(record);
	free(value);
	return rc;
}

static void
dns01_free(struct solver *s)
{
	struct dns01 *d;
	size_t i;

	if (s == NULL)
		return;
	d = s->priv;
	if (d != NULL) {
		for (i = 0; i < d->nresolvers; i++)
			free(d->resolvers[i].name);
		free(d->resolvers);
		free(d->prog);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
	free(s);
}

static const struct solver_ops dns01_ops = {
	.type = "dns-01",
	.present = dns01_present,
	.cleanup = dns01_cleanup,
	.free = dns01_free,
};

int
solver_dns01_hook_new(const char *prog, const char *resolvers,
    int propagation_timeout, struct solver **out, struct err *e)
{
	struct solver *s;
	struct dns01 *d;
	char *list = NULL, *tok, *save = NULL;

	*out = NULL;
	if (prog == NULL || prog[0] == '\0')
		return err_set(e, ERR_USAGE, "%s", _("no dns-01 hook program given"));
	s = calloc(1, sizeof(*s));
	d = calloc(1, sizeof(*d));
	if (s == NULL || d == NULL) {
		free(s);
		free(d);
		return err_nomem(e);
	}
	pthread_mutex_init(&d->lock, NULL);
	s->ops = &dns01_ops;
	s->priv = d;
	d->hook_timeout = HOOK_TIMEOUT_DEFAULT;
	d->propagation_timeout = propagation_timeout > 0 ? propagation_timeout :
	    PROPAGATION_DEFAULT;
	if ((d->prog = strdup(prog)) == NULL)
		goto oom;
	if (resolvers != NULL) {
		if ((list = strdup(resolvers)) == NULL)
			goto oom;
		for (tok = strtok_r(list, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save)) {
			struct resolver *r;

			r = reallocarray(d->resolvers, d->nresolvers + 1, sizeof(*r));
			if (r == NULL)
				goto oom;
			d->resolvers = r;
			r = &d->resolvers[d->nresolvers];
			memset(r, 0, sizeof(*r));
			if (parse_resolver(tok, r, e) == -1)
				goto fail;
			if ((r->name = strdup(tok)) == NULL)
				goto oom;
			d->nresolvers++;
		}
		free(list);
		list = NULL;
	}
	*out = s;
	return 0;
oom:
	err_nomem(e);
fail:
	free(list);
	solver_free(s);
	return -1;
}

int
solver_dns01_set_hook_timeout(struct solver *s, int seconds)
{
	struct dns01 *d;

	if (s == NULL || s->ops != &dns01_ops || seconds < 1)
		return -1;
	d = s->priv;
	pthread_mutex_lock(&d->lock);
	d->hook_timeout = seconds;
	pthread_mutex_unlock(&d->lock);
	return 0;
}
