/* An authorization object (RFC 8555 7.1.4) as acme_authz_get reads it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_client *c = fuzz_client();
	struct acme_authz *a = NULL;
	const struct acme_challenge *ch;
	struct err e;
	size_t i;

	err_clear(&e);
	fake_http_push(200, "application/json", data, size, NULL, -1);
	if (acme_authz_get(c, "https://ca.test/authz/1", &a, &e) == 0) {
		if (a->status == NULL || a->identifier.value == NULL)
			abort();
		/* What the solvers are handed: tokens are base64url or absent. */
		for (i = 0; i < a->n_challenges; i++) {
			if (a->challenges[i].type == NULL || a->challenges[i].url == NULL)
				abort();
			if (a->challenges[i].token != NULL &&
			    !base64url_is_token(a->challenges[i].token, 256))
				abort();
		}
		ch = acme_authz_challenge(a, "http-01");
		if (ch != NULL && ch->token == NULL)
			abort();
		acme_authz_free(a);
	}
	fake_http_reset();
	return 0;
}
