/*
 * Issuance: an order row in the store driven to a stored certificate.
 * Every protocol step is committed before the next one starts (order URL,
 * authorizations, key and CSR before finalize, certificate), so running
 * the same order again after a crash resumes it instead of starting over.
 */
#ifndef CERTDECK_ISSUE_H
#define CERTDECK_ISSUE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* How to prove control and what key to use; kept as JSON in the order. */
struct issue_settings {
	char *challenge;	/* "http-01" (default), "dns-01", "tls-alpn-01" */
	char *http_addr;	/* standalone responder address, NULL = any */
	int http_port;		/* default 80 */
	char *webroot;		/* http-01 by files instead of a responder */
	char *dns_provider;	/* dns-01: "hook" (NULL too), "rfc2136" or "pdns" */
	char *dns_hook;		/* dns-01 program */
	char *dns_server;	/* rfc2136: HOST[:PORT] */
	char *tsig_key_file;	/* rfc2136: absolute path of the key (never the secret) */
	char *dns_zone;		/* rfc2136: the zone, NULL: SOA lookup */
	char *challenge_alias;	/* rfc2136: records at _acme-challenge.ZONE, NULL: CNAMEs */
	char *pdns_url;		/* pdns: the API's base URL */
	char *pdns_api_key_file; /* pdns: absolute path of the API key (never the key) */
	char *pdns_server_id;	/* pdns: NULL: "localhost" */
	char *dns_resolvers;	/* propagation check servers, host:port,... */
	int dns_timeout;	/* propagation check limit, seconds */
	int dns_hook_timeout;	/* seconds before the hook is killed; 0: the default */
	char *tls_addr;
	int tls_port;		/* default 443 */
	char *key_type;		/* "ec256" (default), ... */
	char *preferred_chain;	/* issuer CN to prefer among alternate chains */
};

/* Frees the strings of s (not s itself). */
void issue_settings_clear(struct issue_settings *s);

/* Serialises s. Returns JSON text (free()), or NULL. */
char *issue_settings_to_json(const struct issue_settings *s);

/* Parses settings JSON (missing members get defaults). Returns 0 or -1. */
int issue_settings_from_json(const char *json, struct issue_settings *out, struct err *e);

/* Progress: step k of n, a translated message. Called on the running thread. */
struct issue_progress {
	void (*fn)(void *arg, int step, int steps, const char *msg);
	/*
	 * Asked between committed steps; non-zero stops the run there
	 * (shutdown or cancel): issue_order_run then fails with e->retryable
	 * set and "stopped" in e->msg. May be NULL.
	 */
	int (*should_stop)(void *arg);
	void *arg;
	/*
	 * May be NULL: the shutdown flag itself, for waits on other threads
	 * (a solver's DNS propagation wait), where should_stop cannot be asked.
	 */
	const volatile sig_atomic_t *stop;
};

/*
 * Records a new order (status "new", nothing sent yet) for names under
 * account_id. Returns 0 and *order_id, or -1.
 */
int issue_order_create(struct store *st, int64_t account_id, const char *const *names,
    size_t n_names, const char *profile, const char *replaces,
    const struct issue_settings *settings, int64_t *order_id, struct err *e);

/*
 * Checks that key_pem is a private key certdeck can use for a certificate,
 * before an order is made for it. Returns 0 or -1 (e says why).
 */
int issue_key_check(const char *key_pem, struct err *e);

/*
 * Makes a new order use a given certificate key (PEM text, e.g. one the
 * user keeps in an HSM-backed file) instead of a fresh one: stores the
 * key and links it. Returns 0 or -1 (not a usable key).
 */
int issue_order_set_key(struct store *st, int64_t order_id, const char *key_pem,
    struct err *e);

/* What issue_submit records: one issuance the CLI or the TUI asks for. */
struct issue_request {
	int64_t account_id;
	const char *const *names;	/* DNS names, wildcards or IP addresses */
	size_t n_names;
	const char *profile;		/* a CA profile, or NULL */
	const struct issue_settings *settings;
	const char *key_pem;		/* the user's key (see issue_key_check), NULL: a fresh one */
	const char *key_label;		/* prefixes errors about key_pem ("x.pem: ..."), or NULL */
	const char *params;		/* the issue job's params JSON (deploy targets), or NULL */
};

/*
 * Records a new order for req (with its key when req->key_pem is set) and
 * queues the issue job that runs it, attributed to actor (may be NULL),
 * in one transaction: on failure nothing is left behind. Returns 0,
 * *order_id and *job_id, or -1 (e->kind ERR_USAGE for names or settings
 * that cannot make an order).
 */
int issue_submit(struct store *st, const struct issue_request *req, const char *actor,
    int64_t *order_id, int64_t *job_id, struct err *e);

struct account_cache;

/*
 * Runs or resumes order_id until its certificate is stored, reusing the
 * account session in cache when given (NULL: a session of its own).
 * Returns 0 and *cert_id, or -1: e names the identifier and carries the
 * CA's problem; e->retryable tells whether running it again later may
 * succeed. The order and its state stay in the store either way.
 */
int issue_order_run(struct store *st, int64_t order_id, const struct issue_progress *p,
    struct account_cache *cache, int64_t *cert_id, struct err *e);

#endif
