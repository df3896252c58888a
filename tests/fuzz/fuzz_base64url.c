/* base64url (RFC 4648 5): decode, the token check, and the round trip. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *enc;
	unsigned char *dec = NULL, *again = NULL;
	size_t n, n2;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	(void)base64url_is_token(s, 256);
	if (base64url_decode(s, &dec, &n) == 0) {
		if ((enc = base64url_encode(dec, n)) == NULL)
			abort();
		if (base64url_decode(enc, &again, &n2) != 0 || n2 != n ||
		    (n > 0 && memcmp(again, dec, n) != 0))
			abort();
		free(again);
		free(enc);
		free(dec);
	}
	/* Any bytes encode and decode back. */
	if ((enc = base64url_encode(data, size)) == NULL)
		abort();
	if (size > 0 && !base64url_is_token(enc, (size_t)-1))
		abort();
	if (base64url_decode(enc, &dec, &n) != 0 || n != size ||
	    (size > 0 && memcmp(dec, data, size) != 0))
		abort();
	free(dec);
	free(enc);
	free(s);
	return 0;
}
