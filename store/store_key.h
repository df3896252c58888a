/* Private keys in the store. Keys never leave it except by deployment. */
#ifndef CERTDECK_STORE_KEY_H
#define CERTDECK_STORE_KEY_H

#include <stdint.h>

#include "store.h"

/* Stores a PEM key of the given type name ("ec256"...). Returns 0 and *id_out, or -1. */
int store_key_insert(struct store *st, const char *type, const char *pem,
    int64_t *id_out, struct err *e);

/*
 * Fetches a key's PEM. Returns 0 and *pem (free with free(), after
 * wiping it with OPENSSL_cleanse), 1 when no such id, or -1.
 */
int store_key_get(struct store *st, int64_t id, char **pem, char **type, struct err *e);

#endif
