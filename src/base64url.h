/* base64url without padding (RFC 4648 section 5), as JOSE and ACME use it. */
#ifndef CERTDECK_BASE64URL_H
#define CERTDECK_BASE64URL_H

#include <stddef.h>

/*
 * Encodes len bytes. Returns a NUL-terminated string the caller frees with
 * free(), or NULL when out of memory.
 */
char *base64url_encode(const void *data, size_t len);

/*
 * Decodes a base64url string (padding tolerated, no other characters).
 * Returns 0 and fills *out (caller frees with free()) and *out_len, or -1
 * on a malformed input or out of memory.
 */
int base64url_decode(const char *s, unsigned char **out, size_t *out_len);

/*
 * Returns 1 when s is non-empty, at most max_len characters long and only
 * [A-Za-z0-9_-]: the check every CA-supplied token passes before it is used.
 */
int base64url_is_token(const char *s, size_t max_len);

#endif
