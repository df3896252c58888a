#include "config.h"

#include <errno.h>
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
#include "dns_msg.h"
#include "i18n.h"
#include "solver.h"
#include "solver_priv.h"
#include "subproc.h"
#include "timefmt.h"

#define HOOK_TIMEOUT_DEFAULT 60		/* seconds */
#define PROPAGATION_DEFAULT 120		/* seconds */
#define TAIL_MAX 512			/* bytes of hook output in a message */

struct dns01 {
	pthread_mutex_t lock;	/* one hook run at a time; guards hook_timeout */
	char *prog;
	struct dns_server *resolvers;
	size_t nresolvers;
	int propagation_timeout;
	int hook_timeout;
};

static const struct solver_ops dns01_ops;


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
			seen[i] = (char)dns_txt_query(&d->resolvers[i], record, value, 1,
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
	if (dns01_txt_value(c->key_authorization, value, e) == -1)
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

	if (s == NULL)
		return;
	d = s->priv;
	if (d != NULL) {
		dns_server_list_free(d->resolvers, d->nresolvers);
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
	if (dns_server_list_parse(resolvers, _("DNS resolver"), &d->resolvers,
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
