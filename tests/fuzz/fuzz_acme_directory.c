/* The ACME directory (RFC 8555 7.1.1) as acme_client_new parses it. */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_client *c = NULL, *f = NULL;
	const struct acme_directory *d;
	struct err e;

	err_clear(&e);
	fake_http_push(200, "application/json", data, size, NULL, -1);
	if (acme_client_new(FUZZ_DIRECTORY_URL, NULL, &c, &e) == 0) {
		d = acme_client_directory(c);
		/* What the CLI and the store read of it. */
		(void)acme_client_directory_json(c);
		if (d->n_profiles > 0 && (d->profiles[0] == NULL ||
		    d->profile_descriptions[d->n_profiles - 1] == NULL))
			abort();
		/* A fork parses the same text again. */
		if (acme_client_fork(c, &f, &e) == 0)
			acme_client_free(f);
		acme_client_free(c);
	}
	fake_http_reset();
	return 0;
}
