/* Retry-After header values (RFC 9110 10.2.3): delay-seconds or an HTTP-date. */
#include "config.h"

#include <stdint.h>

#include "http_headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http h;
	struct http_response *r = fuzz_response_new(&h);

	(void)feed_header(&h, "Retry-After", data, size);
	check_response(r);
	http_response_free(r);
	return 0;
}
