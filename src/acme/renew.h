/*
 * Renewal: what is due (lifetime fraction or the CA's ARI window), and
 * turning a certificate into a new order with the same names, challenge
 * settings, key type, profile and deploy targets.
 */
#ifndef CERTDECK_RENEW_H
#define CERTDECK_RENEW_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/*
 * Refreshes the ARI window of every certificate whose check is due (at
 * most every 12 hours, Retry-After honoured), setting its renew_at to a
 * random moment inside the window. CAs without renewalInfo are asked
 * again after a week. Costs one indexed query when nothing is due.
 * Returns the number of certificates checked, or -1 (*e holds the last
 * failure; other certificates were still checked).
 */
int renew_refresh_ari(struct store *st, struct err *e);

/*
 * Calls cb for every certificate due for renewal now (valid, issued
 * through an order, renew_at passed). Returns 0, cb's value, or -1.
 */
int renew_due(struct store *st, int (*cb)(int64_t cert_id, void *arg), void *arg,
    struct err *e);

/*
 * Records the order that renews cert_id: same account, identifiers,
 * settings and profile; ARI "replaces" when the certificate has an AKI;
 * the old key when reuse_key. Call it inside the caller's transaction, so
 * the job that asked can record the order in the same commit. Returns 0
 * and *order_id, or -1 (e.g. an imported certificate, which has no order
 * to copy).
 */
int renew_create_order(struct store *st, int64_t cert_id, int reuse_key,
    int64_t *order_id, struct err *e);

/*
 * Marks old_id replaced by new_id and carries its deploy targets over, in
 * one transaction. Returns 0 or -1.
 */
int renew_link(struct store *st, int64_t old_id, int64_t new_id, struct err *e);

#endif
