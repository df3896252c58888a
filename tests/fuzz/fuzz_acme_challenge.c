/*
 * A challenge object (RFC 8555 7.1.5, 8): the input is one challenge,
 * served inside an otherwise valid authorization, then the answer to
 * responding to it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "fuzz.h"

static const char head[] = "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\","
    "\"value\":\"a.test\"},\"challenges\":[";
static const char tail[] = "]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_client *c = fuzz_client();
	struct acme_authz *a = NULL;
	struct err e;
	char *body;
	size_t n = sizeof(head) - 1 + size + sizeof(tail) - 1, i;

	if ((body = malloc(n)) == NULL)
		abort();
	memcpy(body, head, sizeof(head) - 1);
	if (size > 0)
		memcpy(body + sizeof(head) - 1, data, size);
	memcpy(body + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
	err_clear(&e);
	fake_http_push(200, "application/json", body, n, NULL, -1);
	free(body);
	if (acme_authz_get(c, "https://ca.test/authz/1", &a, &e) == 0) {
		for (i = 0; i < a->n_challenges; i++) {
			if (a->challenges[i].token != NULL &&
			    !base64url_is_token(a->challenges[i].token, 256))
				abort();
		}
		(void)acme_authz_challenge(a, "dns-01");
		acme_authz_free(a);
	}
	fake_http_reset();
	/* The challenge's own answer to "{}". */
	err_clear(&e);
	fake_http_push(200, "application/json", data, size, NULL, -1);
	(void)acme_challenge_respond(c, "https://ca.test/chall/1", &e);
	fake_http_reset();
	return 0;
}
