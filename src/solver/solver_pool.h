/*
 * Solvers shared by every worker thread of a process: one http-01 or
 * tls-alpn-01 responder per address and port, whatever the number of
 * orders in flight. Reference counted; unused ones stay up until flushed,
 * so back-to-back orders do not rebuild listeners.
 */
#ifndef CERTDECK_SOLVER_POOL_H
#define CERTDECK_SOLVER_POOL_H

#include "err.h"
#include "solver.h"

/*
 * The shared solver for set, made on first use. Returns 0 and *out (give
 * back with solver_pool_put), or -1.
 */
int solver_pool_get(const struct solver_config *set, struct solver **out, struct err *e);

/* Releases a solver from solver_pool_get; it stays up for the next order. Accepts NULL. */
void solver_pool_put(struct solver *s);

/* Stops every solver nobody uses (an idle worker frees its ports). */
void solver_pool_flush(void);

#endif
