/* The JSON form of a stored certificate, shared by `list --json` and `show --json`. */
#ifndef CERTDECK_CERT_JSON_H
#define CERTDECK_CERT_JSON_H

#include <cjson/cJSON.h>

#include "store_cert.h"

/*
 * Builds the object for row as seen at now; with_pem adds the chain.
 * Returns the object (free with cJSON_Delete), or NULL when out of memory.
 */
cJSON *cert_json(const struct cert_row *row, long long now, int with_pem);

#endif
