/* A renewalInfo answer (RFC 9773 4.2) as acme_renewal_info_get reads it. */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_client *c = fuzz_client();
	struct acme_renewal_info ri;
	struct err e;

	err_clear(&e);
	fake_http_push(200, "application/json", data, size, NULL, 21600);
	if (acme_renewal_info_get(c, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", &ri, &e) == 0) {
		if (ri.window_end < ri.window_start)
			abort();
		free(ri.explanation_url);
	}
	fake_http_reset();
	return 0;
}
