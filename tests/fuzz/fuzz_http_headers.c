/*
 * A whole header block, one line per '\n', as libcurl hands it over:
 * status lines (a new one forgets the headers before it), Location,
 * Content-Type, Replay-Nonce, Retry-After, Link, and anything else.
 */
#include "config.h"

#include <stdint.h>

#include "http_headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http h;
	struct http_response *r = fuzz_response_new(&h);
	size_t i = 0, j, n;
	char *line;

	while (i < size) {
		for (j = i; j < size && data[j] != '\n'; j++)
			;
		n = j - i + (j < size);	/* with its '\n', as curl passes it */
		/* libcurl hands over a copy the callback may not keep. */
		if ((line = malloc(n > 0 ? n : 1)) == NULL)
			abort();
		memcpy(line, data + i, n);
		if (header_cb(line, 1, n, &h) != n) {
			free(line);
			break;
		}
		free(line);
		i = j + 1;
	}
	check_response(r);
	if (r->location != NULL)
		(void)strlen(r->location);
	http_response_free(r);
	return 0;
}
