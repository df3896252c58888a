/* Certificate IDs for shell completion: read-only, from an index, fast on large stores. */
#ifndef CERTDECK_STORE_CERT_IDS_H
#define CERTDECK_STORE_CERT_IDS_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/*
 * Calls cb(id, name, arg) in ID order for each certificate not replaced by
 * a renewal whose decimal ID starts with prefix ("" or NULL for all).
 * The IDs come from the status index alone; name (borrowed for the call)
 * is read only when at most names_max certificates match, else it is
 * NULL. cb returns 0 to go on, non-zero to stop. Returns 0, cb's value,
 * or -1 (a prefix that is not digits matches nothing: 0).
 */
int store_cert_ids(struct store *st, const char *prefix, long names_max,
    int (*cb)(int64_t id, const char *name, void *arg), void *arg, struct err *e);

#endif
