/*
 * Challenge solvers: one interface, present and clean up. A solver may be
 * asked to present several challenges at once (one order, many names) and
 * from several worker threads; implementations lock their own state.
 */
#ifndef CERTDECK_SOLVER_H
#define CERTDECK_SOLVER_H

#include <signal.h>

#include "err.h"

struct solver_challenge {
	const char *identifier;	/* "example.com", "*.example.com" or an IP literal */
	const char *token;	/* checked with base64url_is_token() by the solver too */
	const char *key_authorization; /* token "." account key thumbprint */
	/* May be NULL; when it turns non-zero a long wait (DNS propagation) stops. */
	const volatile sig_atomic_t *stop;
	/*
	 * May be NULL: asked between polls of such a wait, non-zero stops it
	 * too (a cancelled job). Only present_batch, which runs on the
	 * caller's thread, calls it; present on other threads never does.
	 */
	int (*should_stop)(void *arg);
	void *stop_arg;
};

struct solver;

/*
 * Which solver an order wants and where it listens or writes: the part of
 * an order's settings the solvers need. The strings are borrowed.
 */
struct solver_config {
	const char *challenge;	/* "http-01", "dns-01" or "tls-alpn-01" */
	const char *http_addr;	/* standalone responder address, NULL = any */
	int http_port;
	const char *webroot;	/* http-01 by files instead of a responder */
	const char *dns_provider; /* dns-01: "hook" (NULL too) or "rfc2136" */
	const char *dns_hook;	/* dns-01 program */
	const char *dns_server;	/* rfc2136: HOST[:PORT] the updates go to */
	const char *tsig_key_file; /* rfc2136: the key (tsig-keygen's format) */
	const char *dns_zone;	/* rfc2136: the zone, NULL: found by SOA lookup */
	const char *challenge_alias; /* rfc2136: records at _acme-challenge.ZONE */
	const char *pdns_url;	/* pdns: the API's base URL */
	const char *pdns_api_key_file; /* pdns: the X-API-Key value (0600) */
	const char *pdns_server_id; /* pdns: NULL: "localhost" */
	const char *dns_resolvers; /* propagation check servers, host:port,... */
	int dns_timeout;	/* propagation check limit, seconds */
	int dns_hook_timeout;	/* seconds before the hook is killed; 0: the default */
	const char *tls_addr;
	int tls_port;
};

struct solver_ops {
	const char *type;	/* "http-01", "dns-01" or "tls-alpn-01" */
	/* Makes the response available. Returns 0 or -1. */
	int (*present)(struct solver *s, const struct solver_challenge *c, struct err *e);
	/* Withdraws it; called even when validation failed. Returns 0 or -1. */
	int (*cleanup)(struct solver *s, const struct solver_challenge *c, struct err *e);
	/* Stops listeners and frees everything. */
	void (*free)(struct solver *s);
	/*
	 * Optional (NULL: present is called per challenge): presents n
	 * challenges at once (dns-01 by RFC 2136: one UPDATE per zone).
	 * Sets ok[i] to 1 for each presented, else fills errs[i]. Returns 0
	 * when all were presented, else -1.
	 */
	int (*present_batch)(struct solver *s, const struct solver_challenge *c, size_t n,
	    int *ok, struct err *errs);
	/* Optional: cleanup for n challenges at once; ok[i] and errs[i] as above. */
	int (*cleanup_batch)(struct solver *s, const struct solver_challenge *c, size_t n,
	    int *ok, struct err *errs);
};

struct solver {
	const struct solver_ops *ops;
	void *priv;
};

/* Calls s->ops->free. Accepts NULL. */
void solver_free(struct solver *s);

/*
 * http-01 standalone responder on addr:port (addr NULL = all addresses).
 * Serves only /.well-known/acme-challenge/<token> for tokens presented.
 * Returns 0 and *out, or -1 (e.g. the port is taken).
 */
int solver_http01_standalone_new(const char *addr, int port, struct solver **out,
    struct err *e);

/*
 * The TCP port a standalone http-01 responder listens on (useful after
 * asking for port 0). Returns the port, or -1 when s is not one.
 */
int solver_http01_port(struct solver *s);

/* http-01 by writing files under webroot. Returns 0 and *out, or -1. */
int solver_http01_webroot_new(const char *webroot, struct solver **out, struct err *e);

/*
 * dns-01 through a user program run without a shell:
 *   PROG add _acme-challenge.NAME. VALUE   /   PROG del _acme-challenge.NAME. VALUE
 * with CERTDECK_DOMAIN, CERTDECK_RECORD, CERTDECK_VALUE, CERTDECK_TOKEN in
 * the environment. resolvers is NULL or a comma-separated list of
 * host:port DNS servers to poll for the TXT record before returning from
 * present (propagation check), giving up after propagation_timeout seconds
 * (<= 0: 120). "[v6]:port" and a bare host (port 53) are accepted too.
 * Returns 0 and *out, or -1.
 */
int solver_dns01_hook_new(const char *prog, const char *resolvers,
    int propagation_timeout, struct solver **out, struct err *e);

/*
 * Sets how many seconds one run of the hook may take before it (and its
 * process group) is killed; the default is 60. Returns 0, or -1 when s is
 * not a dns-01 hook solver or seconds < 1.
 */
int solver_dns01_set_hook_timeout(struct solver *s, int seconds);

/* What an RFC 2136 solver needs; the strings are borrowed. */
struct solver_rfc2136_config {
	const char *server;	/* HOST[:PORT] (port 53 by default) */
	const char *key_file;	/* TSIG key file, mode 0600 or stricter */
	const char *zone;	/* NULL: the zone is found by SOA lookup */
	const char *challenge_alias; /* records go to _acme-challenge.ZONE; NULL: CNAMEs */
	const char *resolvers;	/* NULL or host:port,... for the lookups */
	int propagation_timeout; /* seconds (<= 0: 120) */
};

/*
 * dns-01 by RFC 2136 UPDATE messages signed with TSIG (hmac-sha256 or
 * hmac-sha512) sent to c->server, at _acme-challenge.NAME or where its
 * CNAMEs lead (c->challenge_alias: _acme-challenge.ALIAS). present adds the TXT record and waits
 * until every authoritative nameserver of the zone serves it; cleanup
 * deletes only that record. The key file is read here (refused when
 * other users may read it); its secret never leaves the solver. Returns
 * 0 and *out, or -1.
 */
int solver_dns01_rfc2136_new(const struct solver_rfc2136_config *c, struct solver **out,
    struct err *e);

/* What a PowerDNS API solver needs; the strings are borrowed. */
struct solver_pdns_config {
	const char *url;	/* "http://127.0.0.1:8081" (loopback, or https) */
	const char *key_file;	/* the API key, one line, mode 0600 or stricter */
	const char *server_id;	/* NULL: "localhost" */
	const char *ca_bundle;	/* https roots, NULL: the system store */
	const char *zone;	/* NULL: the zone is found by SOA lookup */
	const char *challenge_alias; /* records go to _acme-challenge.ZONE; NULL: CNAMEs */
	const char *resolvers;	/* NULL or host:port,... for the lookups */
	int propagation_timeout; /* seconds (<= 0: 120) */
};

/*
 * dns-01 through the PowerDNS authoritative server's HTTP API: PATCH of
 * the zone's TXT rrset at _acme-challenge.NAME (REPLACE with the values
 * there plus ours; on cleanup with the rest, or DELETE when none remain),
 * then the wait until every authoritative nameserver serves it. The key
 * is read here and sent only as the X-API-Key header. Returns 0 and
 * *out, or -1 (a key file others can read is refused).
 */
int solver_dns01_pdns_new(const struct solver_pdns_config *c, struct solver **out,
    struct err *e);

/*
 * Reads a PowerDNS API key file: a regular file no group or other user
 * can read, one line. Returns 0 and *out (wipe and free), or -1.
 */
int solver_pdns_key_load(const char *path, char **out, struct err *e);

/*
 * tls-alpn-01 (RFC 8737) responder on addr:port answering ALPN
 * "acme-tls/1" with a self-signed certificate carrying the acmeIdentifier
 * extension, chosen by SNI. Returns 0 and *out, or -1.
 */
int solver_alpn_new(const char *addr, int port, struct solver **out, struct err *e);

/* The TCP port a tls-alpn-01 responder listens on, or -1 when s is not one. */
int solver_alpn_port(struct solver *s);

#endif
