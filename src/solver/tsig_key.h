/*
 * TSIG keys for RFC 2136 updates, read from the file tsig-keygen writes:
 *   key "name" { algorithm hmac-sha256; secret "base64"; };
 * or the one Knot's keymgr -t writes:
 *   key:
 *     - id: name
 *       algorithm: hmac-sha256
 *       secret: base64
 * The secret stays in memory only: it is never copied into the store, an
 * argv, an event or a message, and it is wiped when the key is cleared.
 */
#ifndef CERTDECK_TSIG_KEY_H
#define CERTDECK_TSIG_KEY_H

#include "err.h"

struct tsig_key {
	char *name;		/* "name." (the key's owner name, fully qualified) */
	char *algorithm;	/* "hmac-sha256." or "hmac-sha512." */
	char *secret;		/* base64, as in the file; wiped by tsig_key_clear */
};

/*
 * Reads the first key of the file at path: a regular file (no link
 * followed) that no other user or group may read or write. Returns 0 and
 * fills *out (clear with tsig_key_clear), or -1 with a message naming
 * the file and never quoting the secret.
 */
int tsig_key_load(const char *path, struct tsig_key *out, struct err *e);

/*
 * Parses key file text (see above; comments "#", "//" and C-style are
 * skipped). label names the source in messages. Returns 0 and *out, or -1.
 */
int tsig_key_parse(const char *text, const char *label, struct tsig_key *out,
    struct err *e);

/* Wipes the secret and frees the strings of k (not k itself). */
void tsig_key_clear(struct tsig_key *k);

#endif
