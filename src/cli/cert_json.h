/* The JSON form of a stored certificate, shared by `list --json` and `show --json`. */
#ifndef CERTDECK_CERT_JSON_H
#define CERTDECK_CERT_JSON_H

#include <cjson/cJSON.h>

#include "err.h"
#include "store_cert.h"
#include "store_revocation.h"

/*
 * Builds the object for row as seen at now; with_pem adds the chain.
 * Returns the object (free with cJSON_Delete), or NULL when out of memory.
 */
cJSON *cert_json(const struct cert_row *row, long long now, int with_pem);

/*
 * Adds "locations" to o: every file certificate id was found in (path,
 * mtime, inode, size, seen_at). Returns 0 or -1.
 */
int cert_json_add_locations(cJSON *o, struct store *st, int64_t id, struct err *e);

/*
 * Adds "revocation" to o: null when never checked (r NULL), else
 * {"state": "good"|"revoked"|"unknown", "method", "url", "reason",
 * "revoked_at", "detail", "checked_at", "next_check"}. Returns 0, or -1
 * when out of memory.
 */
int cert_json_add_revocation(cJSON *o, const struct revocation_row *r);

/*
 * Looks up certificate id's revocation status in st and adds it to o as
 * cert_json_add_revocation does. Returns 0, or -1 (e filled).
 */
int cert_json_revocation_of(cJSON *o, struct store *st, int64_t id, struct err *e);

#endif
