#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "i18n.h"
#include "store_cert.h"
#include "store_revocation.h"

/*
 * Whether stored certificate id is revoked: through certdeck, or as its
 * CA's CRL or OCSP answer said at the last `certdeck revocation`.
 */
static int
served_revoked(struct store *st, int64_t id, int *revoked, struct err *e)
{
	struct cert_row *row = NULL;
	struct revocation_row rv;
	int rc;

	*revoked = 0;
	if ((rc = store_cert_get(st, id, &row, e)) < 0)
		return -1;
	if (rc == 0 && row->status == CERT_REVOKED)
		*revoked = 1;
	cert_row_free(row);
	if (*revoked || rc != 0)
		return 0;
	if ((rc = store_revocation_get(st, id, &rv, e)) < 0)
		return -1;
	*revoked = rc == 0 && rv.state == REVOCATION_REVOKED;
	return 0;
}

/*
 * Entries kept of a lineage: more than the store walks each way (1000),
 * so the newest, the certificate that should be served, is never cut off.
 */
#define LINEAGE_MAX 4096

static char *
dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

/* Sets out->message to a formatted copy. Returns 0, or -1 when out of memory. */
static int __attribute__((format(printf, 3, 4)))
say(struct endpoint_row *out, struct err *e, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(out->message);
	if ((out->message = strdup(buf)) == NULL)
		return err_nomem(e);
	return 0;
}

/* The name an endpoint's certificate must be valid for. */
static const char *
endpoint_name(const struct endpoint_row *ep)
{
	return ep->sni != NULL ? ep->sni : ep->host;
}

int
check_judge(struct store *st, const struct endpoint_row *ep, const struct probe_result *r,
    const struct err *probe_err, long long now, int expiring_days, struct endpoint_row *out,
    struct err *e)
{
	struct cert_history h = { 0 };
	int64_t served = 0, current;
	size_t i;
	int rc, in_lineage = 0;

	out->checked = now;
	out->has_state = 1;
	if (r == NULL) {
		out->state = EP_UNREACHABLE;
		return say(out, e, "%s", probe_err != NULL ? probe_err->msg : _("unreachable"));
	}
	out->fingerprint = strdup(r->fingerprint);
	out->protocol = dup_or_null(r->protocol);
	out->cipher = dup_or_null(r->cipher);
	out->served_not_after = r->not_after;
	if (out->fingerprint == NULL)
		return err_nomem(e);
	rc = store_cert_find_fingerprint(st, r->fingerprint, &served, e);
	if (rc == -1)
		return -1;
	out->served_cert_id = rc == 0 ? served : 0;
	rc = store_cert_history(st, ep->cert_id, LINEAGE_MAX, &h, e);
	if (rc != 0)
		return rc == 1 ? err_set(e, ERR_INPUT, _("no certificate #%lld"),
		    (long long)ep->cert_id) : -1;
	/* Newest first: the head is what should be served now. */
	current = h.links[0].id;
	/* The endpoint follows its lineage, as deploy targets follow a renewal. */
	out->cert_id = current;
	for (i = 0; i < h.n && served > 0; i++)
		if (h.links[i].id == served)
			in_lineage = 1;
	cert_history_clear(&h);

	if (!r->name_ok) {
		out->state = EP_NAME_MISMATCH;
		return say(out, e, _("the served certificate (%s) is not valid for %s"),
		    r->subject != NULL ? r->subject : "?", endpoint_name(ep));
	}
	if (!r->chain_ok) {
		out->state = EP_UNTRUSTED;
		return say(out, e, _("the served chain does not verify: %s"), r->verify_error);
	}
	if (served > 0) {
		int revoked = 0;

		if (served_revoked(st, served, &revoked, e) != 0)
			return -1;
		if (revoked) {
			out->state = EP_REVOKED;
			return say(out, e, _("serves certificate #%lld, which is revoked"),
			    (long long)served);
		}
	}
	if (served == current) {
		long long left = (long long)r->not_after - now;

		if (left < (long long)expiring_days * 86400) {
			out->state = EP_EXPIRING;
			return left > 0 ?
			    say(out, e, _("serves certificate #%lld, which expires in %lld days"),
			    (long long)served, left / 86400) :
			    say(out, e, _("serves certificate #%lld, which has expired"),
			    (long long)served);
		}
		out->state = EP_OK;
		free(out->message);
		out->message = NULL;
		return 0;
	}
	if (in_lineage) {
		out->state = EP_STALE;
		return say(out, e, _("serves certificate #%lld, replaced by #%lld: renewed but "
		    "not deployed"), (long long)served, (long long)current);
	}
	out->state = EP_UNKNOWN;
	if (served > 0)
		return say(out, e, _("serves certificate #%lld, which is not certificate #%lld "
		    "or one of its renewals"), (long long)served, (long long)current);
	return say(out, e, _("serves a certificate the store does not hold (SHA-256 %s)"),
	    r->fingerprint);
}

/* One probe's slot: what the thread fills, the main thread judges. */
struct slot {
	const struct endpoint_row *ep;
	struct probe_result r;
	struct err err;
	int ok;
};

struct pool {
	struct slot *slots;
	size_t n, next;
	const struct check_opts *o;
	struct probe_trust *trust;	/* one for all probes */
	pthread_mutex_t lock;
};

static void *
prober(void *arg)
{
	struct pool *p = arg;
	struct probe_opts po;
	struct slot *s;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		s = p->next < p->n ? &p->slots[p->next++] : NULL;
		pthread_mutex_unlock(&p->lock);
		if (s == NULL)
			return NULL;
		memset(&po, 0, sizeof(po));
		po.host = s->ep->host;
		po.port = s->ep->port;
		po.sni = s->ep->sni;
		po.trust = p->trust;
		po.timeout_ms = p->o->timeout_ms > 0 ? p->o->timeout_ms : CHECK_TIMEOUT_MS_DEFAULT;
		if (probe_starttls_parse(s->ep->starttls, &po.starttls, &s->err) == 0)
			s->ok = probe_run(&po, &s->r, &s->err) == 0;
	}
}

/* Empties a row's last-check fields (strings freed). */
static void
clear_last(struct endpoint_row *r)
{
	free(r->fingerprint);
	free(r->protocol);
	free(r->cipher);
	free(r->message);
	r->fingerprint = r->protocol = r->cipher = r->message = NULL;
	r->served_cert_id = 0;
	r->served_not_after = 0;
}

int
check_run(struct store *st, struct endpoint_row **list, size_t n,
    const struct check_opts *o, struct err *e)
{
	struct pool p = { .n = n, .o = o };
	pthread_t tids[CHECK_THREADS_MAX];
	size_t nt, started = 0, i;
	int days = o->expiring_days >= 0 ? o->expiring_days : CHECK_EXPIRING_DAYS_DEFAULT;
	long long now;
	int rc = -1;

	if (n == 0)
		return 0;
	if (probe_trust_new(o->ca_bundle, &p.trust, e) != 0)
		return -1;
	if ((p.slots = calloc(n, sizeof(*p.slots))) == NULL) {
		probe_trust_free(p.trust);
		return err_nomem(e);
	}
	for (i = 0; i < n; i++) {
		p.slots[i].ep = list[i];
		err_clear(&p.slots[i].err);
	}
	pthread_mutex_init(&p.lock, NULL);
	nt = o->threads > 0 ? (size_t)o->threads : n;
	if (nt > n)
		nt = n;
	if (nt > CHECK_THREADS_MAX)
		nt = CHECK_THREADS_MAX;
	for (started = 0; started < nt; started++)
		if (pthread_create(&tids[started], NULL, prober, &p) != 0)
			break;
	/* With no thread at all, this one probes: the check still happens. */
	if (started == 0)
		prober(&p);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&p.lock);

	now = store_now();
	if (store_begin(st, e) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct slot *s = &p.slots[i];

		clear_last(list[i]);
		if (check_judge(st, list[i], s->ok ? &s->r : NULL, &s->err, now, days, list[i],
		    e) != 0 || store_endpoint_record(st, list[i]->id, list[i], e) == -1) {
			store_rollback(st);
			goto out;
		}
	}
	if (store_commit(st, e) != 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		probe_result_free(&p.slots[i].r);
	free(p.slots);
	probe_trust_free(p.trust);
	return rc;
}

