/*
 * dns-01 by RFC 2136 dynamic updates signed with TSIG (RFC 8945), built
 * with ldns. present adds one TXT record to the zone that holds
 * _acme-challenge.NAME (found by SOA lookup unless the zone is given) and
 * waits until every authoritative nameserver of the zone serves it;
 * cleanup deletes exactly that record (class NONE), so a second value at
 * the same name (a wildcard and its apex) and records of others stay.
 */
#include "config.h"

#include <ldns/ldns.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "crypto.h"
#include "dns_msg.h"
#include "i18n.h"
#include "solver.h"
#include "solver_priv.h"
#include "timefmt.h"
#include "tsig_key.h"

#define PROPAGATION_DEFAULT 120		/* seconds */
#define UPDATE_TIMEOUT_S 5		/* one UPDATE exchange */
#define TXT_TTL 60			/* short: the record lives for minutes */
#define TSIG_FUDGE 300			/* seconds of clock skew, as nsupdate */
#define TSIG_BADSIG 16
#define TSIG_BADKEY 17
#define TSIG_BADTIME 18

struct rfc2136 {
	struct dns_server server;	/* where updates go */
	char *key_file;			/* for messages */
	struct tsig_key key;
	char *zone;			/* --dns-zone ("example.org."), or NULL: discover */
	struct dns_server *resolvers;	/* zone and NS lookups; none: resolv.conf */
	size_t nresolvers;
	int propagation_timeout;
};

static const struct solver_ops rfc2136_ops;

/* base64url(SHA-256(key authorization)), RFC 8555 section 8.4. */
static int
txt_value(const char *keyauth, char **out, struct err *e)
{
	unsigned char md[32];

	if (crypto_sha256(keyauth, strlen(keyauth), md, e) != 0)
		return err_prefix(e, "%s", _("cannot hash the key authorization"));
	*out = base64url_encode(md, sizeof(md));
	return *out == NULL ? err_nomem(e) : 0;
}

/* "_acme-challenge.NAME." for an identifier ("*." dropped); caller frees. */
static char *
record_name(const char *identifier)
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

/* The TXT record (add: class IN; delete one RR: class NONE, TTL 0). */
static ldns_rr *
txt_rr(const char *record, const char *value, int add)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = ldns_dname_new_frm_str(record);
	ldns_rdf *txt = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_STR, value);

	if (rr == NULL || owner == NULL || txt == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(txt);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
	ldns_rr_set_class(rr, add ? LDNS_RR_CLASS_IN : LDNS_RR_CLASS_NONE);
	ldns_rr_set_ttl(rr, add ? TXT_TTL : 0);
	ldns_rr_push_rdf(rr, txt);
	return rr;
}

/* The TSIG error an unsigned NOTAUTH answer carries (BADKEY...), or 0. */
static int
tsig_error(const ldns_pkt *ans)
{
	const ldns_rr *t = ans != NULL ? ldns_pkt_tsig(ans) : NULL;

	if (t == NULL || ldns_rr_rd_count(t) < 6 || ldns_rr_rdf(t, 5) == NULL)
		return 0;
	return ldns_rdf2native_int16(ldns_rr_rdf(t, 5));
}

/* Turns an UPDATE's outcome into 0 or a message naming server, zone and key. */
static int
update_result(struct rfc2136 *d, const char *zone, const char *record, int add,
    ldns_status st, const ldns_pkt *ans, struct err *e)
{
	int rcode = ans != NULL ? (int)ldns_pkt_get_rcode(ans) : -1;
	int terr = tsig_error(ans);

	if (terr == TSIG_BADKEY || terr == TSIG_BADSIG || terr == TSIG_BADTIME) {
		return err_set(e, ERR_INPUT, _("DNS server %s rejected the TSIG key %s from %s: "
		    "%s"), d->server.name, d->key.name, d->key_file,
		    terr == TSIG_BADKEY ? _("BADKEY (the server has no key by that name and "
		    "algorithm)") : terr == TSIG_BADSIG ? _("BADSIG (the secret differs from "
		    "the server's)") : _("BADTIME (the clocks differ by more than 5 minutes)"));
	}
	if (ans == NULL) {
		err_set(e, ERR_NET, _("no answer from DNS server %s to the update of zone %s: %s"),
		    d->server.name, zone, ldns_get_errorstr_by_id(st));
		e->retryable = 1;
		return -1;
	}
	if (rcode == LDNS_RCODE_REFUSED)
		return err_set(e, ERR_INPUT, _("DNS server %s refused to %s TXT %s in zone %s "
		    "with the TSIG key %s (its update-policy does not allow it)"), d->server.name,
		    add ? _("add") : _("delete"), record, zone, d->key.name);
	if (rcode == LDNS_RCODE_NOTAUTH)
		return err_set(e, ERR_INPUT, _("DNS server %s is not authoritative for the zone "
		    "%s"), d->server.name, zone);
	if (rcode == LDNS_RCODE_NOTZONE)
		return err_set(e, ERR_INPUT, _("DNS server %s: %s is not in the zone %s"),
		    d->server.name, record, zone);
	if (rcode != LDNS_RCODE_NOERROR) {
		err_set(e, ERR_NET, _("DNS server %s answered the update of zone %s with %s"),
		    d->server.name, zone, dns_rcode_name(rcode));
		e->retryable = rcode == LDNS_RCODE_SERVFAIL;
		return -1;
	}
	if (st != LDNS_STATUS_OK)
		return err_set(e, ERR_PROTO, _("DNS server %s: the answer to the update of "
		    "zone %s is not signed with the TSIG key %s"), d->server.name, zone,
		    d->key.name);
	return 0;
}

/*
 * Sends one UPDATE for zone adding (or deleting) the TXT records of
 * record = values[i]. Returns 0 or -1.
 */
static int
send_update(struct rfc2136 *d, const char *zone, const char *record, const char *value,
    int add, struct err *e)
{
	ldns_rr_list *up = ldns_rr_list_new();
	ldns_rr *rr = txt_rr(record, value, add);
	ldns_rdf *zname = ldns_dname_new_frm_str(zone);
	ldns_resolver *r = ldns_resolver_new();
	ldns_pkt *pkt = NULL, *ans = NULL;
	ldns_rdf *addr = NULL;
	struct timeval tv = { UPDATE_TIMEOUT_S, 0 };
	uint16_t port = 53;
	ldns_status st;
	int rc = -1;

	if (up == NULL || rr == NULL || zname == NULL || r == NULL ||
	    !ldns_rr_list_push_rr(up, rr)) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(zname);
		err_nomem(e);
		goto out;
	}
	pkt = ldns_update_pkt_new(zname, LDNS_RR_CLASS_IN, NULL, up, NULL);
	if (pkt == NULL) {
		err_nomem(e);
		goto out;
	}
	ldns_pkt_set_rd(pkt, false);
	ldns_pkt_set_random_id(pkt);
	addr = ldns_sockaddr_storage2rdf(&d->server.ss, &port);
	if (addr == NULL || ldns_resolver_push_nameserver(r, addr) != LDNS_STATUS_OK) {
		err_nomem(e);
		goto out;
	}
	ldns_resolver_set_port(r, port);
	ldns_resolver_set_timeout(r, tv);
	ldns_resolver_set_retry(r, 1);
	ldns_resolver_set_recursive(r, false);
	ldns_resolver_set_tsig_keyname(r, d->key.name);
	ldns_resolver_set_tsig_algorithm(r, d->key.algorithm);
	ldns_resolver_set_tsig_keydata(r, d->key.secret);
	if (ldns_pkt_tsig_sign(pkt, d->key.name, d->key.secret, TSIG_FUDGE, d->key.algorithm,
	    NULL) != LDNS_STATUS_OK) {
		err_set(e, ERR_INPUT, _("cannot sign the update with the TSIG key %s from %s"),
		    d->key.name, d->key_file);
		goto out;
	}
	st = ldns_resolver_send_pkt(&ans, r, pkt);
	rc = update_result(d, zone, record, add, st, ans, e);
out:
	if (r != NULL && ldns_resolver_tsig_keydata(r) != NULL) {
		char *kd = (char *)ldns_resolver_tsig_keydata(r);

		explicit_bzero(kd, strlen(kd));
	}
	ldns_resolver_deep_free(r);
	ldns_rdf_deep_free(addr);
	ldns_pkt_free(pkt);
	ldns_pkt_free(ans);
	ldns_rr_list_deep_free(up);
	return rc;
}

/* The zone to update for record: --dns-zone, or the SOA lookup's. Caller frees. */
static int
zone_of(struct rfc2136 *d, const char *record, char **zone, struct err *e)
{
	if (d->zone != NULL) {
		*zone = strdup(d->zone);
		return *zone == NULL ? err_nomem(e) : 0;
	}
	return dns_find_zone(d->resolvers, d->nresolvers, record, zone, e);
}

/*
 * Asks every authoritative server of zone directly (no recursion) until
 * each serves value at record. Returns 0, or -1 naming those that did not.
 */
static int
await_authorities(struct rfc2136 *d, const char *zone, const char *record,
    const char *value, const volatile sig_atomic_t *stop, struct err *e)
{
	long long deadline = timefmt_now_ms() + (long long)d->propagation_timeout * 1000;
	long long interval = 50, left;
	struct dns_server *ns = NULL;
	size_t n = 0, i, missing;
	char *seen = NULL, names[1024] = "";
	size_t o = 0;
	int rc = -1;

	if (dns_zone_servers(d->resolvers, d->nresolvers, zone, &ns, &n, e) == -1)
		return -1;
	if ((seen = calloc(n, 1)) == NULL) {
		dns_server_list_free(ns, n);
		return err_nomem(e);
	}
	for (;;) {
		missing = 0;
		for (i = 0; i < n; i++) {
			if (seen[i])
				continue;
			left = deadline - timefmt_now_ms();
			seen[i] = (char)dns_txt_query(&ns[i], record, value, 0,
			    (int)(left < 50 ? 50 : left > 1000 ? 1000 : left));
			if (!seen[i])
				missing++;
		}
		if (missing == 0) {
			rc = 0;
			goto out;
		}
		left = deadline - timefmt_now_ms();
		if (left <= 0)
			break;
		if (stop != NULL && *stop) {
			err_set(e, ERR_NONE, "%s", _("stopped while waiting for DNS propagation"));
			e->retryable = 1;
			goto out;
		}
		(void)poll(NULL, 0, (int)(left < interval ? left : interval));
		interval = interval * 2 > 1000 ? 1000 : interval * 2;
	}
	for (i = 0; i < n && o < sizeof(names); i++) {
		if (!seen[i])
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", o > 0 ? ", " : "",
			    ns[i].name);
	}
	err_set(e, ERR_NET, _("TXT record %s not served after %d s by the nameservers of %s: "
	    "%s"), record, d->propagation_timeout, zone, names);
	e->retryable = 1;
out:
	free(seen);
	dns_server_list_free(ns, n);
	return rc;
}

/* Checks the challenge and derives record and value (caller frees). */
static int
prepare(const struct solver_challenge *c, char **record, char **value, struct err *e)
{
	*record = *value = NULL;
	if (solver_check_challenge(c, e) == -1)
		return -1;
	if (solver_ip_family(c->identifier) != 0)
		return err_set(e, ERR_USAGE, "%s",
		    _("dns-01 cannot validate an IP address identifier"));
	if ((*record = record_name(c->identifier)) == NULL)
		return err_nomem(e);
	if (txt_value(c->key_authorization, value, e) == -1) {
		free(*record);
		*record = NULL;
		return -1;
	}
	return 0;
}

static int
rfc2136_present(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct rfc2136 *d = s->priv;
	char *record, *value, *zone = NULL;
	int rc = -1;

	if (prepare(c, &record, &value, e) == -1)
		return -1;
	if (zone_of(d, record, &zone, e) == -1 ||
	    send_update(d, zone, record, value, 1, e) == -1)
		goto out;
	if (await_authorities(d, zone, record, value, c->stop, e) == -1) {
		struct err ignore;

		/* Not presented after all: the record goes again (the caller will not clean up). */
		err_clear(&ignore);
		(void)send_update(d, zone, record, value, 0, &ignore);
		goto out;
	}
	rc = 0;
out:
	free(zone);
	free(record);
	free(value);
	return rc;
}

static int
rfc2136_cleanup(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct rfc2136 *d = s->priv;
	char *record, *value, *zone = NULL;
	int rc = -1;

	if (prepare(c, &record, &value, e) == -1)
		return -1;
	if (zone_of(d, record, &zone, e) == 0)
		rc = send_update(d, zone, record, value, 0, e);
	free(zone);
	free(record);
	free(value);
	return rc;
}

static void
rfc2136_free(struct solver *s)
{
	struct rfc2136 *d;

	if (s == NULL)
		return;
	d = s->priv;
	if (d != NULL) {
		dns_server_clear(&d->server);
		tsig_key_clear(&d->key);
		free(d->key_file);
		free(d->zone);
		dns_server_list_free(d->resolvers, d->nresolvers);
		free(d);
	}
	free(s);
}

static const struct solver_ops rfc2136_ops = {
	.type = "dns-01",
	.present = rfc2136_present,
	.cleanup = rfc2136_cleanup,
	.free = rfc2136_free,
};

int
solver_dns01_rfc2136_new(const struct solver_rfc2136_config *c, struct solver **out,
    struct err *e)
{
	struct solver *s;
	struct rfc2136 *d;
	size_t zl;

	*out = NULL;
	if (c->server == NULL || c->server[0] == '\0')
		return err_set(e, ERR_USAGE, "%s", _("--dns rfc2136 needs --dns-server HOST[:PORT]"));
	if (c->key_file == NULL || c->key_file[0] == '\0')
		return err_set(e, ERR_USAGE, "%s", _("--dns rfc2136 needs --tsig-key-file FILE"));
	s = calloc(1, sizeof(*s));
	d = calloc(1, sizeof(*d));
	if (s == NULL || d == NULL) {
		free(s);
		free(d);
		return err_nomem(e);
	}
	s->ops = &rfc2136_ops;
	s->priv = d;
	d->propagation_timeout = c->propagation_timeout > 0 ? c->propagation_timeout :
	    PROPAGATION_DEFAULT;
	if (dns_server_parse(c->server, 53, _("DNS server"), &d->server, e) == -1)
		goto fail;
	if ((d->server.name = strdup(c->server)) == NULL || (d->key_file = strdup(c->key_file)) == NULL)
		goto oom;
	if (tsig_key_load(c->key_file, &d->key, e) == -1)
		goto fail;
	if (c->zone != NULL && c->zone[0] != '\0') {
		zl = strlen(c->zone);
		if ((d->zone = malloc(zl + 2)) == NULL)
			goto oom;
		snprintf(d->zone, zl + 2, "%s%s", c->zone, c->zone[zl - 1] == '.' ? "" : ".");
	}
	if (dns_server_list_parse(c->resolvers, _("DNS resolver"), &d->resolvers,
	    &d->nresolvers, e) == -1)
		goto fail;
	*out = s;
	return 0;
oom:
	err_nomem(e);
fail:
	solver_free(s);
	return -1;
}
