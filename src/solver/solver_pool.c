#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "solver_pool.h"

struct pooled {
	char key[512];
	struct solver *solver;
	int refs;
	struct pooled *next;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pooled *pool;

/* What makes two orders able to share one solver. */
static void
pool_key(const struct solver_config *set, char *buf, size_t n)
{
	if (strcmp(set->challenge, "http-01") == 0 && set->webroot != NULL)
		snprintf(buf, n, "webroot|%s", set->webroot);
	else if (strcmp(set->challenge, "http-01") == 0)
		snprintf(buf, n, "http|%s|%d", set->http_addr ? set->http_addr : "*", set->http_port);
	else if (strcmp(set->challenge, "tls-alpn-01") == 0)
		snprintf(buf, n, "alpn|%s|%d", set->tls_addr ? set->tls_addr : "*", set->tls_port);
	else if (set->dns_provider != NULL && strcmp(set->dns_provider, "rfc2136") == 0)
		snprintf(buf, n, "rfc2136|%s|%s|%s|%s|%s|%d", set->dns_server ? set->dns_server : "",
		    set->tsig_key_file ? set->tsig_key_file : "",
		    set->dns_zone ? set->dns_zone : "",
		    set->challenge_alias ? set->challenge_alias : "",
		    set->dns_resolvers ? set->dns_resolvers : "", set->dns_timeout);
	else if (set->dns_provider != NULL && strcmp(set->dns_provider, "pdns") == 0)
		snprintf(buf, n, "pdns|%s|%s|%s|%s|%s|%s|%d", set->pdns_url ? set->pdns_url : "",
		    set->pdns_api_key_file ? set->pdns_api_key_file : "",
		    set->pdns_server_id ? set->pdns_server_id : "",
		    set->dns_zone ? set->dns_zone : "",
		    set->challenge_alias ? set->challenge_alias : "",
		    set->dns_resolvers ? set->dns_resolvers : "", set->dns_timeout);
	else
		snprintf(buf, n, "dns|%s|%s|%d|%d", set->dns_hook ? set->dns_hook : "",
		    set->dns_resolvers ? set->dns_resolvers : "", set->dns_timeout,
		    set->dns_hook_timeout);
}

static int
make(const struct solver_config *set, struct solver **out, struct err *e)
{
	const char *ch = set->challenge;

	if (strcmp(ch, "http-01") == 0) {
		if (set->webroot != NULL)
			return solver_http01_webroot_new(set->webroot, out, e);
		return solver_http01_standalone_new(set->http_addr, set->http_port, out, e);
	}
	if (strcmp(ch, "dns-01") == 0 && set->dns_provider != NULL &&
	    strcmp(set->dns_provider, "rfc2136") == 0) {
		struct solver_rfc2136_config rc = {
			.server = set->dns_server, .key_file = set->tsig_key_file,
			.zone = set->dns_zone, .resolvers = set->dns_resolvers,
			.challenge_alias = set->challenge_alias,
			.propagation_timeout = set->dns_timeout,
		};

		return solver_dns01_rfc2136_new(&rc, out, e);
	}
	if (strcmp(ch, "dns-01") == 0 && set->dns_provider != NULL &&
	    strcmp(set->dns_provider, "pdns") == 0) {
		struct solver_pdns_config pc = {
			.url = set->pdns_url, .key_file = set->pdns_api_key_file,
			.server_id = set->pdns_server_id,
			.zone = set->dns_zone, .resolvers = set->dns_resolvers,
			.challenge_alias = set->challenge_alias,
			.propagation_timeout = set->dns_timeout,
		};

		return solver_dns01_pdns_new(&pc, out, e);
	}
	if (strcmp(ch, "dns-01") == 0) {
		if (set->dns_provider != NULL && strcmp(set->dns_provider, "hook") != 0)
			return err_set(e, ERR_USAGE, _("unknown DNS provider '%s' (rfc2136, pdns "
			    "or hook)"), set->dns_provider);
		if (set->dns_hook == NULL)
			return err_set(e, ERR_USAGE, "%s", _("dns-01 needs --dns-hook PROGRAM"));
		if (solver_dns01_hook_new(set->dns_hook, set->dns_resolvers, set->dns_timeout,
		    out, e) == -1)
			return -1;
		if (set->dns_hook_timeout > 0)
			(void)solver_dns01_set_hook_timeout(*out, set->dns_hook_timeout);
		return 0;
	}
	if (strcmp(ch, "tls-alpn-01") == 0)
		return solver_alpn_new(set->tls_addr, set->tls_port, out, e);
	return err_set(e, ERR_USAGE, _("unknown challenge type '%s'"), ch);
}

int
solver_pool_get(const struct solver_config *set, struct solver **out, struct err *e)
{
	struct pooled *p;
	char key[512];
	int rc = 0;

	pool_key(set, key, sizeof(key));
	pthread_mutex_lock(&pool_lock);
	for (p = pool; p != NULL && strcmp(p->key, key) != 0; p = p->next)
		;
	if (p == NULL) {
		p = calloc(1, sizeof(*p));
		if (p == NULL) {
			rc = err_nomem(e);
		} else if (make(set, &p->solver, e) != 0) {
			free(p);
			p = NULL;
			rc = -1;
		} else {
			memcpy(p->key, key, sizeof(p->key));
			p->next = pool;
			pool = p;
		}
	}
	if (p != NULL) {
		p->refs++;
		*out = p->solver;
	}
	pthread_mutex_unlock(&pool_lock);
	return rc;
}

void
solver_pool_put(struct solver *s)
{
	struct pooled **pp;

	if (s == NULL)
		return;
	pthread_mutex_lock(&pool_lock);
	for (pp = &pool; *pp != NULL && (*pp)->solver != s; pp = &(*pp)->next)
		;
	/*
	 * An unused solver stays up: the next order on this port would
	 * otherwise pay for a new listener. solver_pool_flush() stops it.
	 */
	if (*pp != NULL)
		(*pp)->refs--;
	pthread_mutex_unlock(&pool_lock);
}

void
solver_pool_flush(void)
{
	struct pooled **pp = &pool, *p, *idle = NULL;

	pthread_mutex_lock(&pool_lock);
	while ((p = *pp) != NULL) {
		if (p->refs == 0) {
			*pp = p->next;
			p->next = idle;
			idle = p;
		} else {
			pp = &p->next;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	while ((p = idle) != NULL) {
		idle = p->next;
		solver_free(p->solver);
		free(p);
	}
}
