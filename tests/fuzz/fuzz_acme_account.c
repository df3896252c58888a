/* An account object (RFC 8555 7.1.2) as acme_account_update reads it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_client *c = fuzz_client();
	struct acme_account *a = NULL;
	struct err e;
	size_t i;

	err_clear(&e);
	fake_http_push(200, "application/json", data, size, NULL, -1);
	if (acme_account_update(c, NULL, 0, &a, &e) == 0) {
		if (a->status == NULL)
			abort();
		for (i = 0; i < a->n_contacts; i++)
			(void)strlen(a->contacts[i]);
		acme_account_free(a);
	}
	fake_http_reset();
	return 0;
}
