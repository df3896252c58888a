/*
 * DNS messages for dns-01, built and parsed with ldns: the servers a user
 * names, TXT queries and their answers (the propagation check), the zone
 * that holds a name (SOA lookup) and the zone's authoritative servers.
 * No function here prints; each fills a struct err.
 */
#ifndef CERTDECK_DNS_MSG_H
#define CERTDECK_DNS_MSG_H

#include <stddef.h>
#include <sys/socket.h>

#include "err.h"

struct dns_server {
	struct sockaddr_storage ss;
	socklen_t len;
	char *name;		/* for messages: as the user wrote it, or "ns1.x. (addr)" */
};

/*
 * Parses "host:port", "[v6]:port", "host" or a bare IPv6 address (port
 * dflt_port) and resolves host. Returns 0 and fills *out (name is a copy
 * of spec; free with dns_server_clear), or -1. what names the setting in
 * messages ("DNS resolver", "DNS server").
 */
int dns_server_parse(const char *spec, int dflt_port, const char *what,
    struct dns_server *out, struct err *e);

/* Frees out->name. */
void dns_server_clear(struct dns_server *s);

/* Frees a list of n servers and the array. Accepts NULL. */
void dns_server_list_free(struct dns_server *v, size_t n);

/*
 * Parses a comma- or space-separated list of servers (see
 * dns_server_parse). Returns 0 and *out, *n (free with
 * dns_server_list_free; NULL and 0 for an empty list), or -1.
 */
int dns_server_list_parse(const char *list, const char *what, struct dns_server **out,
    size_t *n, struct err *e);

/*
 * Looks for value among the TXT records of a response datagram (a
 * CNAME'd record's TXT counts). Returns 1 when seen, 0 when not (an
 * error rcode, no such record), -1 when the packet is not an answer to
 * query id.
 */
int dns_txt_seen(const unsigned char *m, size_t len, unsigned id, const char *value);

/*
 * One UDP TXT query for record to s within timeout_ms, with RD set when
 * recursive. Returns 1 when value is seen, else 0.
 */
int dns_txt_query(const struct dns_server *s, const char *record, const char *value,
    int recursive, int timeout_ms);

/*
 * The zone that holds name ("_acme-challenge.www.example.org."), by SOA
 * lookup through resolvers (NULL or n == 0: /etc/resolv.conf). Returns 0
 * and *zone ("example.org.", free()), or -1 naming the name.
 */
int dns_find_zone(const struct dns_server *resolvers, size_t n, const char *name,
    char **zone, struct err *e);

/*
 * Follows CNAME records from name (the way a CA resolving it would): the
 * name that holds its records, looked up through resolvers as above.
 * Returns 0 and *target (name itself when it is no alias; free()), or -1
 * for a loop or a chain longer than 8.
 */
int dns_follow_cname(const struct dns_server *resolvers, size_t n, const char *name,
    char **target, struct err *e);

/*
 * The authoritative servers of zone: its NS records and their addresses
 * (port 53), looked up through resolvers as above. Returns 0 and *out,
 * *nout (free with dns_server_list_free), or -1.
 */
int dns_zone_servers(const struct dns_server *resolvers, size_t n, const char *zone,
    struct dns_server **out, size_t *nout, struct err *e);

/* "REFUSED", "NOTAUTH"...: the name of a DNS response code (static). */
const char *dns_rcode_name(int rcode);

/* A TXT record dns-01 waits for: its owner name and the value it must serve. */
struct dns_wait {
	const char *record;	/* "_acme-challenge.NAME." */
	const char *value;
};

struct solver_challenge;

/*
 * Asks every authoritative server of zone directly (no recursion) until
 * each serves every one of the n records' values, within timeout_s; c's
 * stop flag and should_stop end the wait early (ERR_NONE, retryable).
 * Returns 0, or -1 naming the servers that did not serve them.
 */
int dns_await_authorities(const struct dns_server *resolvers, size_t nresolvers,
    const char *zone, const struct dns_wait *it, size_t n, int timeout_s,
    const struct solver_challenge *c, struct err *e);

/* The dns-01 TXT value: base64url(SHA-256(key authorization)), RFC 8555 8.4. Returns 0 or -1. */
int dns01_txt_value(const char *keyauth, char **out, struct err *e);

/* "_acme-challenge.NAME." for an identifier ("*." dropped); NULL when out of memory. */
char *dns01_record_name(const char *identifier);

#endif
