/* The JSON form of a stored certificate, shared by `list --json` and `show --json`. */
#ifndef CERTDECK_CERT_JSON_H
#define CERTDECK_CERT_JSON_H

#include <cjson/cJSON.h>

#include "err.h"
#include "store_cert.h"

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

#endif
