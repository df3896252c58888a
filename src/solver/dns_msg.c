#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netdb.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base64url.h"
#include "crypto.h"
#include "dns_msg.h"
#include "solver.h"
#include "i18n.h"
#include "timefmt.h"

#define DNS_UDP_PAYLOAD 1232		/* EDNS0 size that avoids fragmentation */
#define LOOKUP_TIMEOUT_S 5		/* one SOA, NS or address lookup */
#define ZONE_DEPTH_MAX 128		/* labels walked up looking for a SOA */

const char *
dns_rcode_name(int rcode)
{
	ldns_lookup_table *t = ldns_lookup_by_id(ldns_rcodes, rcode);

	return t != NULL && t->name != NULL ? t->name : "an unknown RCODE";
}

/* ---- servers ---------------------------------------------------------- */

int
dns_server_parse(const char *spec, int dflt_port, const char *what,
    struct dns_server *out, struct err *e)
{
	struct addrinfo hints, *res = NULL;
	char host[256], dport[8];
	const char *port, *colon;
	size_t hl;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(dport, sizeof(dport), "%d", dflt_port);
	port = dport;
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
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(out->ss)) {
		if (res != NULL)
			freeaddrinfo(res);
		return err_set(e, ERR_INPUT, "%s %s: %s", what, host,
		    rc != 0 ? gai_strerror(rc) : _("no usable address"));
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	return err_set(e, ERR_INPUT, _("%s: write it host:port or [IPv6]:port"), what);
}

void
dns_server_clear(struct dns_server *s)
{
	free(s->name);
	s->name = NULL;
}

void
dns_server_list_free(struct dns_server *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		dns_server_clear(&v[i]);
	free(v);
}

int
dns_server_list_parse(const char *list, const char *what, struct dns_server **out,
    size_t *n, struct err *e)
{
	char *copy, *tok, *save = NULL;
	struct dns_server *v = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return 0;
	if ((copy = strdup(list)) == NULL)
		return err_nomem(e);
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t", &save)) {
		struct dns_server *g = reallocarray(v, k + 1, sizeof(*v));

		if (g == NULL)
			goto oom;
		v = g;
		if (dns_server_parse(tok, 53, what, &v[k], e) == -1)
			goto fail;
		if ((v[k].name = strdup(tok)) == NULL)
			goto oom;
		k++;
	}
	free(copy);
	*out = v;
	*n = k;
	return 0;
oom:
	err_nomem(e);
fail:
	free(copy);
	dns_server_list_free(v, k);
	return -1;
}

/* ---- TXT queries ------------------------------------------------------ */

/* A query in wire form (free()), with an EDNS0 OPT record. Returns 0 or -1. */
static int
build_query(const char *name, ldns_rr_type type, unsigned id, int recursive,
    uint8_t **wire, size_t *len)
{
	ldns_rdf *owner = ldns_dname_new_frm_str(name);
	ldns_pkt *q;
	int rc = -1;

	if (owner == NULL)
		return -1;
	q = ldns_pkt_query_new(owner, type, LDNS_RR_CLASS_IN, recursive ? LDNS_RD : 0);
	if (q == NULL)
		return -1;	/* owner was taken even on failure */
	ldns_pkt_set_id(q, (uint16_t)id);
	ldns_pkt_set_edns_udp_size(q, DNS_UDP_PAYLOAD);
	if (ldns_pkt2wire(wire, q, len) == LDNS_STATUS_OK)
		rc = 0;
	ldns_pkt_free(q);
	return rc;
}

/* 1 when the TXT record's strings, one of them or all joined, are value. */
static int
txt_rr_is(const ldns_rr *rr, const char *value)
{
	size_t vlen = strlen(value), jl = 0, i;
	char joined[65536];

	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(f);
		size_t n;

		if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR || ldns_rdf_size(f) < 1)
			return 0;
		n = d[0];
		if (n + 1 > ldns_rdf_size(f))
			return 0;
		/* A value may be split into <character-string>s: compare both ways. */
		if (n == vlen && memcmp(d + 1, value, n) == 0)
			return 1;
		if (jl + n > sizeof(joined))
			return 0;
		memcpy(joined + jl, d + 1, n);
		jl += n;
	}
	return jl == vlen && memcmp(joined, value, vlen) == 0;
}

int
dns_txt_seen(const unsigned char *m, size_t len, unsigned id, const char *value)
{
	ldns_pkt *p = NULL;
	ldns_rr_list *an;
	size_t i;
	int seen = 0;

	if (len < 12 || (((unsigned)m[0] << 8) | m[1]) != id || (m[2] & 0x80) == 0)
		return -1;
	if ((m[3] & 0x0f) != 0)
		return 0;	/* NXDOMAIN, SERVFAIL...: not there (yet) */
	if (ldns_wire2pkt(&p, m, len) != LDNS_STATUS_OK)
		return 0;	/* ours, but truncated or garbled: not seen */
	an = ldns_pkt_answer(p);
	for (i = 0; an != NULL && i < ldns_rr_list_rr_count(an) && !seen; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT &&
		    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN)
			seen = txt_rr_is(rr, value);
	}
	ldns_pkt_free(p);
	return seen;
}

int
dns_txt_query(const struct dns_server *s, const char *record, const char *value,
    int recursive, int timeout_ms)
{
	unsigned char resp[4096], rnd[2];
	uint8_t *q = NULL;
	size_t qlen;
	unsigned id;
	long long deadline = timefmt_now_ms() + timeout_ms;
	int fd, seen = 0;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return 0;
	id = (unsigned)rnd[0] << 8 | rnd[1];
	if (build_query(record, LDNS_RR_TYPE_TXT, id, recursive, &q, &qlen) == -1)
		return 0;
	fd = socket(s->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		free(q);
		return 0;
	}
	/* connect() makes the kernel drop datagrams from anyone else. */
	if (connect(fd, (const struct sockaddr *)&s->ss, s->len) == -1 ||
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
		got = dns_txt_seen(resp, (size_t)n, id, value);
		if (got >= 0) {
			seen = got;
			break;
		}
	}
out:
	free(q);
	close(fd);
	return seen;
}

/* ---- lookups through a resolver ---------------------------------------- */

/* An ldns resolver asking servers (or /etc/resolv.conf's). NULL on failure. */
static ldns_resolver *
open_resolver(const struct dns_server *servers, size_t n, struct err *e)
{
	ldns_resolver *r = NULL;
	struct timeval tv = { LOOKUP_TIMEOUT_S, 0 };
	size_t i;

	if (n == 0) {
		if (ldns_resolver_new_frm_file(&r, NULL) != LDNS_STATUS_OK) {
			err_set(e, ERR_NET, "%s", _("cannot read the system's DNS resolvers "
			    "(/etc/resolv.conf); name one with --dns-resolver"));
			return NULL;
		}
	} else {
		if ((r = ldns_resolver_new()) == NULL) {
			err_nomem(e);
			return NULL;
		}
		for (i = 0; i < n; i++) {
			uint16_t port = 0;
			ldns_rdf *a = ldns_sockaddr_storage2rdf(&servers[i].ss, &port);

			if (a == NULL || ldns_resolver_push_nameserver(r, a) != LDNS_STATUS_OK) {
				ldns_rdf_deep_free(a);
				ldns_resolver_deep_free(r);
				err_nomem(e);
				return NULL;
			}
			ldns_rdf_deep_free(a);
			/* ldns has one port per resolver: the first server's. */
			if (i == 0)
				ldns_resolver_set_port(r, port);
		}
	}
	ldns_resolver_set_timeout(r, tv);
	ldns_resolver_set_retry(r, 2);
	ldns_resolver_set_recursive(r, true);
	ldns_resolver_set_dnssec(r, false);
	return r;
}

/* One lookup; *out is the answer (ldns_pkt_free) or NULL with e set. */
static int
lookup(ldns_resolver *r, const char *name, ldns_rr_type type, ldns_pkt **out,
    struct err *e)
{
	ldns_rdf *owner = ldns_dname_new_frm_str(name);
	ldns_status st;

	*out = NULL;
	if (owner == NULL)
		return err_set(e, ERR_INPUT, _("%s is not a DNS name"), name);
	st = ldns_resolver_query_status(out, r, owner, type, LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_rdf_deep_free(owner);
	if (st != LDNS_STATUS_OK || *out == NULL) {
		ldns_pkt_free(*out);
		*out = NULL;
		err_set(e, ERR_NET, _("no answer from the DNS resolver for %s: %s"), name,
		    ldns_get_errorstr_by_id(st));
		e->retryable = 1;
		return -1;
	}
	return 0;
}

/* The owner name of rr as text ("example.org."), or NULL. */
static char *
owner_str(const ldns_rr *rr)
{
	return ldns_rdf2str(ldns_rr_owner(rr));
}

int
dns_find_zone(const struct dns_server *resolvers, size_t n, const char *name,
    char **zone, struct err *e)
{
	ldns_resolver *r;
	ldns_rdf *cur;
	int depth, rc = -1;

	*zone = NULL;
	if ((r = open_resolver(resolvers, n, e)) == NULL)
		return -1;
	if ((cur = ldns_dname_new_frm_str(name)) == NULL) {
		ldns_resolver_deep_free(r);
		return err_set(e, ERR_INPUT, _("%s is not a DNS name"), name);
	}
	/*
	 * Ask for the SOA of the name: the answer holds it at a zone's apex,
	 * the authority section names the zone for any name below an apex.
	 * A server that says neither is asked about the parent next.
	 */
	for (depth = 0; depth < ZONE_DEPTH_MAX && ldns_dname_label_count(cur) > 0; depth++) {
		ldns_pkt *p = NULL;
		ldns_rr_list *l;
		ldns_rdf *parent;
		char *text = ldns_rdf2str(cur);
		int lrc;

		if (text == NULL)
			break;
		lrc = lookup(r, text, LDNS_RR_TYPE_SOA, &p, e);
		free(text);
		if (lrc == -1)
			goto out;
		if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR &&
		    ldns_pkt_get_rcode(p) != LDNS_RCODE_NXDOMAIN) {
			err_set(e, ERR_NET, _("cannot find the DNS zone of %s: the resolver "
			    "answered %s"), name, dns_rcode_name(ldns_pkt_get_rcode(p)));
			e->retryable = 1;
			ldns_pkt_free(p);
			goto out;
		}
		l = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_SOA, LDNS_SECTION_ANSWER);
		if (l == NULL)
			l = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_SOA, LDNS_SECTION_AUTHORITY);
		if (l != NULL && ldns_rr_list_rr_count(l) > 0) {
			*zone = owner_str(ldns_rr_list_rr(l, 0));
			ldns_rr_list_deep_free(l);
			ldns_pkt_free(p);
			rc = *zone != NULL ? 0 : err_nomem(e);
			goto out;
		}
		ldns_rr_list_deep_free(l);
		ldns_pkt_free(p);
		parent = ldns_dname_left_chop(cur);
		ldns_rdf_deep_free(cur);
		cur = parent;
		if (cur == NULL)
			break;
	}
	err_set(e, ERR_INPUT, _("cannot find the DNS zone of %s: no SOA record above it "
	    "(set it with --dns-zone)"), name);
out:
	ldns_rdf_deep_free(cur);
	ldns_resolver_deep_free(r);
	return rc;
}

#define CNAME_HOPS_MAX 8

int
dns_follow_cname(const struct dns_server *resolvers, size_t n, const char *name,
    char **target, struct err *e)
{
	ldns_resolver *r;
	char *seen[CNAME_HOPS_MAX + 1] = { NULL };
	char *cur;
	int hops, rc = -1, i;

	*target = NULL;
	if ((r = open_resolver(resolvers, n, e)) == NULL)
		return -1;
	if ((cur = strdup(name)) == NULL) {
		ldns_resolver_deep_free(r);
		return err_nomem(e);
	}
	for (hops = 0;; hops++) {
		ldns_pkt *p = NULL;
		ldns_rr_list *l;
		ldns_rdf *owner;
		char *next = NULL;
		size_t k;

		for (i = 0; i < hops; i++) {
			if (strcasecmp(seen[i], cur) == 0) {
				err_set(e, ERR_INPUT, _("CNAME loop: %s leads back to %s"), name, cur);
				goto out;
			}
		}
		if (hops > CNAME_HOPS_MAX) {
			err_set(e, ERR_INPUT, _("%s: more than %d CNAMEs in a row"), name,
			    CNAME_HOPS_MAX);
			goto out;
		}
		seen[hops] = cur;
		if (lookup(r, cur, LDNS_RR_TYPE_CNAME, &p, e) == -1)
			goto out;
		owner = ldns_dname_new_frm_str(cur);
		l = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_CNAME, LDNS_SECTION_ANSWER);
		for (k = 0; owner != NULL && l != NULL && k < ldns_rr_list_rr_count(l); k++) {
			const ldns_rr *rr = ldns_rr_list_rr(l, k);

			if (ldns_dname_compare(ldns_rr_owner(rr), owner) == 0 &&
			    ldns_rr_rd_count(rr) > 0) {
				next = ldns_rdf2str(ldns_rr_rdf(rr, 0));
				break;
			}
		}
		ldns_rdf_deep_free(owner);
		ldns_rr_list_deep_free(l);
		ldns_pkt_free(p);
		if (next == NULL) {
			/* No alias (any more): cur holds the records. */
			if ((*target = strdup(cur)) == NULL)
				err_nomem(e);
			else
				rc = 0;
			goto out;
		}
		cur = next;
	}
out:
	for (i = 0; i <= CNAME_HOPS_MAX; i++)
		if (seen[i] != cur)
			free(seen[i]);
	free(cur);
	ldns_resolver_deep_free(r);
	return rc;
}

/* Appends addr (A or AAAA rdf) of ns to the list as "ns (addr)". */
static int
push_addr(struct dns_server **v, size_t *k, const char *ns, const ldns_rdf *addr)
{
	struct dns_server *g;
	struct sockaddr_storage *ss;
	size_t sl = 0, nl;
	char *a;

	ss = ldns_rdf2native_sockaddr_storage(addr, 53, &sl);
	if (ss == NULL)
		return 0;	/* not an address: skipped */
	a = ldns_rdf2str(addr);
	g = reallocarray(*v, *k + 1, sizeof(**v));
	if (g == NULL || a == NULL) {
		if (g != NULL)
			*v = g;
		free(ss);
		free(a);
		return -1;
	}
	*v = g;
	memset(&g[*k], 0, sizeof(g[*k]));
	memcpy(&g[*k].ss, ss, sl < sizeof(g[*k].ss) ? sl : sizeof(g[*k].ss));
	g[*k].len = (socklen_t)sl;
	free(ss);
	nl = strlen(ns) + strlen(a) + 4;
	if ((g[*k].name = malloc(nl)) == NULL) {
		free(a);
		return -1;
	}
	snprintf(g[*k].name, nl, "%s (%s)", ns, a);
	free(a);
	(*k)++;
	return 0;
}

/* Adds the A/AAAA records of ns found in list. Returns how many, or -1. */
static int
addrs_from(const ldns_rr_list *list, const ldns_rdf *ns, const char *ns_text,
    struct dns_server **v, size_t *k)
{
	size_t i;
	int found = 0;

	for (i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);

		if ((ldns_rr_get_type(rr) != LDNS_RR_TYPE_A &&
		    ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA) ||
		    ldns_dname_compare(ldns_rr_owner(rr), ns) != 0 || ldns_rr_rd_count(rr) < 1)
			continue;
		if (push_addr(v, k, ns_text, ldns_rr_rdf(rr, 0)) == -1)
			return -1;
		found++;
	}
	return found;
}

int
dns_zone_servers(const struct dns_server *resolvers, size_t n, const char *zone,
    struct dns_server **out, size_t *nout, struct err *e)
{
	ldns_resolver *r;
	ldns_pkt *p = NULL;
	ldns_rr_list *ns = NULL;
	struct dns_server *v = NULL;
	size_t k = 0, i;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	if ((r = open_resolver(resolvers, n, e)) == NULL)
		return -1;
	if (lookup(r, zone, LDNS_RR_TYPE_NS, &p, e) == -1)
		goto out;
	ns = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_NS, LDNS_SECTION_ANSWER);
	if (ns == NULL || ldns_rr_list_rr_count(ns) == 0) {
		err_set(e, ERR_NET, _("the DNS zone %s has no NS records"), zone);
		e->retryable = 1;
		goto out;
	}
	for (i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		const ldns_rdf *target = ldns_rr_rdf(ldns_rr_list_rr(ns, i), 0);
		char *text = target != NULL ? ldns_rdf2str(target) : NULL;
		int found;
		static const ldns_rr_type types[] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA };
		size_t t;

		if (text == NULL) {
			err_nomem(e);
			goto out;
		}
		/* Glue first; else ask for the addresses. */
		found = addrs_from(ldns_pkt_additional(p), target, text, &v, &k);
		for (t = 0; found == 0 && t < 2; t++) {
			ldns_pkt *a = NULL;
			struct err ignore;
			int got;

			err_clear(&ignore);
			if (lookup(r, text, types[t], &a, &ignore) == -1)
				continue;
			got = addrs_from(ldns_pkt_answer(a), target, text, &v, &k);
			ldns_pkt_free(a);
			if (got == -1) {
				found = -1;
				break;
			}
		}
		free(text);
		if (found == -1) {
			err_nomem(e);
			goto out;
		}
	}
	if (k == 0) {
		err_set(e, ERR_NET, _("no address for any nameserver of the DNS zone %s"), zone);
		e->retryable = 1;
		goto out;
	}
	*out = v;
	*nout = k;
	v = NULL;
	k = 0;
	rc = 0;
out:
	dns_server_list_free(v, k);
	ldns_rr_list_deep_free(ns);
	ldns_pkt_free(p);
	ldns_resolver_deep_free(r);
	return rc;
}

/* base64url(SHA-256(key authorization)), RFC 8555 section 8.4. */
int
dns01_txt_value(const char *keyauth, char **out, struct err *e)
{
	unsigned char md[32];

	if (crypto_sha256(keyauth, strlen(keyauth), md, e) != 0)
		return err_prefix(e, "%s", _("cannot hash the key authorization"));
	*out = base64url_encode(md, sizeof(md));
	return *out == NULL ? err_nomem(e) : 0;
}

/* "_acme-challenge.NAME." for an identifier ("*." dropped); caller frees. */
char *
dns01_record_name(const char *identifier)
{
	size_t n;
	char *p;

	if (strncmp(identifier, "*.", 2) == 0)
		identifier += 2;
	n = strlen(identifier);
	if (n > 0 && identifier[n - 1] == '.')
		n--;
	if ((p = malloc(n + sizeof("_acme-challenge.."))) == NULL)
		return NULL;
	snprintf(p, n + sizeof("_acme-challenge.."), "_acme-challenge.%.*s.", (int)n, identifier);
	return p;
}

/*
 * Asks every authoritative server of zone directly (no recursion) until
 * each serves every item's value. Returns 0, or -1 naming the servers
 * that did not.
 */
int
dns_await_authorities(const struct dns_server *resolvers, size_t nresolvers, const char *zone,
    const struct dns_wait *it, size_t ni, int timeout_s, const struct solver_challenge *c,
    struct err *e)
{
	long long deadline = timefmt_now_ms() + (long long)timeout_s * 1000;
	long long interval = 50, left;
	struct dns_server *ns = NULL;
	size_t n = 0, i, j, missing;
	char *seen = NULL, names[1024] = "";
	size_t o = 0;
	int rc = -1;

	if (dns_zone_servers(resolvers, nresolvers, zone, &ns, &n, e) == -1)
		return -1;
	if ((seen = calloc(n * ni + 1, 1)) == NULL) {
		dns_server_list_free(ns, n);
		return err_nomem(e);
	}
	for (;;) {
		missing = 0;
		for (i = 0; i < n; i++) {
			for (j = 0; j < ni; j++) {
				if (seen[i * ni + j])
					continue;
				left = deadline - timefmt_now_ms();
				seen[i * ni + j] = (char)dns_txt_query(&ns[i], it[j].record,
				    it[j].value, 0, (int)(left < 50 ? 50 : left > 1000 ? 1000 : left));
				if (!seen[i * ni + j])
					missing++;
			}
		}
		if (missing == 0) {
			rc = 0;
			goto out;
		}
		left = deadline - timefmt_now_ms();
		if (left <= 0)
			break;
		if ((c->stop != NULL && *c->stop) ||
		    (c->should_stop != NULL && c->should_stop(c->stop_arg))) {
			err_set(e, ERR_NONE, "%s", _("stopped while waiting for DNS propagation"));
			e->retryable = 1;
			goto out;
		}
		(void)poll(NULL, 0, (int)(left < interval ? left : interval));
		interval = interval * 2 > 1000 ? 1000 : interval * 2;
	}
	for (i = 0; i < n && o < sizeof(names); i++) {
		for (j = 0; j < ni && seen[i * ni + j]; j++)
			;
		if (j < ni)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", o > 0 ? ", " : "",
			    ns[i].name);
	}
	err_set(e, ERR_NET, _("TXT record %s not served after %d s by these nameservers of "
	    "%s: %s"), it[0].record, timeout_s, zone, names);
	e->retryable = 1;
out:
	free(seen);
	dns_server_list_free(ns, n);
	return rc;
}
