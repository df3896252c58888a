/*
 * dns-01 by RFC 2136 dynamic updates signed with TSIG (RFC 8945), built
 * with ldns. Presenting adds the TXT records of all challenges of a zone
 * in one UPDATE (the zone that holds _acme-challenge.NAME, found by SOA
 * lookup unless given) and waits until every authoritative nameserver of
 * the zone serves them all; cleanup deletes exactly those records (class
 * NONE), so a second value at the same name (a wildcard and its apex)
 * and records of others stay.
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
	char *alias;			/* --challenge-alias: "_acme-challenge.ZONE.", or NULL */
	struct dns_server *resolvers;	/* zone and NS lookups; none: resolv.conf */
	size_t nresolvers;
	int propagation_timeout;
};

static const struct solver_ops rfc2136_ops;


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
	if (rcode == LDNS_RCODE_REFUSED && add)
		return err_set(e, ERR_INPUT, _("DNS server %s refused to add TXT %s in zone %s "
		    "with the TSIG key %s (its update-policy does not allow it)"), d->server.name,
		    record, zone, d->key.name);
	if (rcode == LDNS_RCODE_REFUSED)
		return err_set(e, ERR_INPUT, _("DNS server %s refused to delete TXT %s in zone %s "
		    "with the TSIG key %s (its update-policy does not allow it)"), d->server.name,
		    record, zone, d->key.name);
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
 * Sends the signed UPDATE pkt over TCP (a batch of records outgrows a
 * datagram) and reads the answer into *ans even when its TSIG does not
 * verify: an unsigned BADKEY or BADSIG answer says why. Returns
 * LDNS_STATUS_OK (answer verified), LDNS_STATUS_CRYPTO_TSIG_BOGUS (*ans
 * set, not verified), or a network error (*ans NULL).
 */
static ldns_status
exchange(struct rfc2136 *d, const ldns_pkt *pkt, ldns_pkt **ans)
{
	struct timeval tv = { UPDATE_TIMEOUT_S, 0 };
	ldns_buffer *q = ldns_buffer_new(LDNS_MAX_PACKETLEN);
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ldns_status st;
	const ldns_rr *qt = ldns_pkt_tsig(pkt);

	*ans = NULL;
	if (q == NULL)
		return LDNS_STATUS_MEM_ERR;
	st = ldns_pkt2buffer_wire(q, pkt);
	if (st == LDNS_STATUS_OK)
		st = ldns_tcp_send(&wire, q, &d->server.ss, d->server.len, tv, &wlen);
	ldns_buffer_free(q);
	if (st != LDNS_STATUS_OK)
		return st;
	st = ldns_wire2pkt(ans, wire, wlen);
	if (st == LDNS_STATUS_OK && ldns_pkt_id(*ans) != ldns_pkt_id(pkt))
		st = LDNS_STATUS_ERR;
	if (st != LDNS_STATUS_OK) {
		ldns_pkt_free(*ans);
		*ans = NULL;
		free(wire);
		return st;
	}
	if (qt == NULL || ldns_rr_rd_count(qt) < 4 ||
	    !ldns_pkt_tsig_verify(*ans, wire, wlen, d->key.name, d->key.secret,
	    ldns_rr_rdf(qt, 3)))
		st = LDNS_STATUS_CRYPTO_TSIG_BOGUS;
	free(wire);
	return st;
}

/* One record of a batch: where it goes and what it says. */
struct item {
	char *record;		/* "_acme-challenge.NAME." */
	char *value;
	char *zone;		/* "example.org." */
	int done;		/* handled (grouped into a zone's message) */
};

/*
 * Sends one UPDATE for zone adding (or deleting) the TXT records of the n
 * items. Returns 0 or -1.
 */
static int
send_update(struct rfc2136 *d, const char *zone, struct item *const *it, size_t n,
    int add, struct err *e)
{
	ldns_rr_list *up = ldns_rr_list_new();
	ldns_rdf *zname = ldns_dname_new_frm_str(zone);
	ldns_pkt *pkt = NULL, *ans = NULL;
	ldns_status st;
	size_t i;
	int rc = -1;

	if (up == NULL || zname == NULL) {
		ldns_rdf_deep_free(zname);
		err_nomem(e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		ldns_rr *rr = txt_rr(it[i]->record, it[i]->value, add);

		if (rr == NULL || !ldns_rr_list_push_rr(up, rr)) {
			ldns_rr_free(rr);
			ldns_rdf_deep_free(zname);
			err_nomem(e);
			goto out;
		}
	}
	pkt = ldns_update_pkt_new(zname, LDNS_RR_CLASS_IN, NULL, up, NULL);
	if (pkt == NULL) {
		err_nomem(e);
		goto out;
	}
	ldns_pkt_set_rd(pkt, false);
	ldns_pkt_set_random_id(pkt);
	if (ldns_pkt_tsig_sign(pkt, d->key.name, d->key.secret, TSIG_FUDGE, d->key.algorithm,
	    NULL) != LDNS_STATUS_OK) {
		err_set(e, ERR_INPUT, _("cannot sign the update with the TSIG key %s from %s"),
		    d->key.name, d->key_file);
		goto out;
	}
	st = exchange(d, pkt, &ans);
	if (n > 1) {
		char desc[600];

		snprintf(desc, sizeof(desc), _("%s and %zu more"), it[0]->record, n - 1);
		rc = update_result(d, zone, desc, add, st, ans, e);
	} else {
		rc = update_result(d, zone, it[0]->record, add, st, ans, e);
	}
out:
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

/* Waits for the items' records at every authoritative server of zone (dns_await_authorities). */
static int
await_authorities(struct rfc2136 *d, const char *zone, struct item *const *it, size_t ni,
    const struct solver_challenge *c, struct err *e)
{
	struct dns_wait *w = calloc(ni + 1, sizeof(*w));
	size_t j;
	int rc;

	if (w == NULL)
		return err_nomem(e);
	for (j = 0; j < ni; j++) {
		w[j].record = it[j]->record;
		w[j].value = it[j]->value;
	}
	rc = dns_await_authorities(d->resolvers, d->nresolvers, zone, w, ni,
	    d->propagation_timeout, c, e);
	free(w);
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
	if ((*record = dns01_record_name(c->identifier)) == NULL)
		return err_nomem(e);
	if (dns01_txt_value(c->key_authorization, value, e) == -1) {
		free(*record);
		*record = NULL;
		return -1;
	}
	return 0;
}

/*
 * Where the record really goes: --challenge-alias, else where the CNAMEs
 * from _acme-challenge.NAME lead (a delegation keeps the DNS credentials
 * for the real zone off this machine). Replaces *record. Returns 0 or -1.
 */
static int
alias_of(struct rfc2136 *d, char **record, struct err *e)
{
	char *target;

	if (d->alias != NULL)
		target = strdup(d->alias);
	else if (dns_follow_cname(d->resolvers, d->nresolvers, *record, &target, e) == -1)
		return -1;
	if (target == NULL)
		return err_nomem(e);
	free(*record);
	*record = target;
	return 0;
}

static void
items_free(struct item *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].record);
		free(v[i].value);
		free(v[i].zone);
	}
	free(v);
}

/*
 * Adds (add = 1) or deletes the records of n challenges: one UPDATE per
 * zone, and after adding, one propagation wait per zone for all of its
 * records. ok[i] and errs[i] per challenge. Returns 0 when all succeeded.
 */
static int
run_batch(struct rfc2136 *d, const struct solver_challenge *c, size_t n, int add, int *ok,
    struct err *errs)
{
	struct item *v = calloc(n + 1, sizeof(*v)), **group = calloc(n + 1, sizeof(*group));
	size_t i, j, k, *gi = calloc(n + 1, sizeof(*gi));
	int rc = 0;

	for (i = 0; i < n; i++) {
		ok[i] = 0;
		err_clear(&errs[i]);
	}
	if (v == NULL || group == NULL || gi == NULL) {
		for (i = 0; i < n; i++)
			err_nomem(&errs[i]);
		rc = -1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (prepare(&c[i], &v[i].record, &v[i].value, &errs[i]) == -1 ||
		    alias_of(d, &v[i].record, &errs[i]) == -1) {
			v[i].done = 1;
			continue;
		}
		/* A wildcard and its apex share the record: one lookup does for both. */
		for (j = 0; j < i; j++)
			if (v[j].zone != NULL && strcmp(v[j].record, v[i].record) == 0)
				break;
		if (j < i && (v[i].zone = strdup(v[j].zone)) == NULL)
			err_nomem(&errs[i]);
		else if (j == i)
			(void)zone_of(d, v[i].record, &v[i].zone, &errs[i]);
		if (v[i].zone == NULL)
			v[i].done = 1;
	}
	for (i = 0; i < n; i++) {
		struct err ge;

		if (v[i].done)
			continue;
		for (k = 0, j = i; j < n; j++) {
			if (!v[j].done && strcmp(v[j].zone, v[i].zone) == 0) {
				group[k] = &v[j];
				gi[k++] = j;
				v[j].done = 1;
			}
		}
		err_clear(&ge);
		if (send_update(d, v[i].zone, group, k, add, &ge) == 0 &&
		    (!add || await_authorities(d, v[i].zone, group, k, &c[i], &ge) == 0)) {
			for (j = 0; j < k; j++)
				ok[gi[j]] = 1;
			continue;
		}
		if (add && ge.kind != ERR_INPUT) {
			struct err ignore;

			/* Not presented after all: the records go again (no cleanup follows). */
			err_clear(&ignore);
			(void)send_update(d, v[i].zone, group, k, 0, &ignore);
		}
		for (j = 0; j < k; j++)
			errs[gi[j]] = ge;
	}
	for (i = 0; i < n; i++)
		if (!ok[i])
			rc = -1;
out:
	items_free(v, n);
	free(group);
	free(gi);
	return rc;
}

static int
rfc2136_present_batch(struct solver *s, const struct solver_challenge *c, size_t n,
    int *ok, struct err *errs)
{
	return run_batch(s->priv, c, n, 1, ok, errs);
}

static int
rfc2136_cleanup_batch(struct solver *s, const struct solver_challenge *c, size_t n,
    int *ok, struct err *errs)
{
	return run_batch(s->priv, c, n, 0, ok, errs);
}

static int
rfc2136_present(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	int ok;

	return run_batch(s->priv, c, 1, 1, &ok, e);
}

static int
rfc2136_cleanup(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	int ok;

	return run_batch(s->priv, c, 1, 0, &ok, e);
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
		free(d->alias);
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
	.present_batch = rfc2136_present_batch,
	.cleanup_batch = rfc2136_cleanup_batch,
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
	if (c->challenge_alias != NULL && c->challenge_alias[0] != '\0') {
		zl = strlen(c->challenge_alias);
		if ((d->alias = malloc(zl + sizeof("_acme-challenge.."))) == NULL)
			goto oom;
		snprintf(d->alias, zl + sizeof("_acme-challenge.."), "_acme-challenge.%s%s",
		    c->challenge_alias, c->challenge_alias[zl - 1] == '.' ? "" : ".");
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
