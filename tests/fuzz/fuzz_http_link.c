/* Link header values (RFC 8288): alternate chains, up, index. */
#include "config.h"

#include <stdint.h>

#include "http_headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http h;
	struct http_response *r = fuzz_response_new(&h);

	/* Twice: a second Link header adds to the first. */
	if (feed_header(&h, "Link", data, size))
		(void)feed_header(&h, "link", data, size);
	check_response(r);
	http_response_free(r);
	return 0;
}
