/*
 * Drift: whether each endpoint serves what the store says it should.
 * check_run probes the endpoints concurrently (threads, each probe with
 * its own deadline; the store is not touched from them), then judges
 * every result against the endpoint's certificate lineage and records it
 * (endpoints.state and what was served) in one transaction.
 */
#ifndef CERTDECK_CHECK_H
#define CERTDECK_CHECK_H

#include <stddef.h>

#include "err.h"
#include "probe.h"
#include "store.h"
#include "store_endpoint.h"

/* A served current certificate expiring within this many days is "expiring". */
#define CHECK_EXPIRING_DAYS_DEFAULT 14
#define CHECK_TIMEOUT_MS_DEFAULT 10000
#define CHECK_THREADS_MAX 32

struct check_opts {
	int expiring_days;	/* < 0: CHECK_EXPIRING_DAYS_DEFAULT; 0: never expiring */
	int timeout_ms;		/* per endpoint; <= 0: CHECK_TIMEOUT_MS_DEFAULT */
	int threads;		/* probes at once; <= 0: as many as endpoints, up to the max */
	const char *ca_bundle;	/* trust anchors for every endpoint; NULL: the system's */
};

/*
 * Judges one probe of ep at now: r is the probe's result, or NULL when it
 * failed with probe_err. Fills out's last-check fields (checked, state,
 * fingerprint, served_cert_id, served_not_after, protocol, cipher,
 * message: strings the caller frees, as endpoint_row_free does) and, once
 * the lineage is read, out->cert_id with its current certificate (the
 * endpoint follows renewals); the others untouched. out may be ep. Returns 0, or -1 when the store cannot be read.
 */
int check_judge(struct store *st, const struct endpoint_row *ep, const struct probe_result *r,
    const struct err *probe_err, long long now, int expiring_days, struct endpoint_row *out,
    struct err *e);

/*
 * Probes every endpoint in list (n of them) and records each verdict in
 * the store, filling each row's last-check fields as recorded. Returns 0
 * (whatever the verdicts), or -1 when threads or the store fail (nothing
 * is then recorded).
 */
int check_run(struct store *st, struct endpoint_row **list, size_t n,
    const struct check_opts *o, struct err *e);

#endif
