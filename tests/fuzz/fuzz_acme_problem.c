/*
 * Problem documents (RFC 7807, RFC 8555 6.7): acme_problem_to_err on an
 * error answer, and the signed request that meets one (badNonce retries).
 * The first byte picks the HTTP status.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const long statuses[] = { 400, 403, 404, 409, 429, 500, 503, 200 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_client *c = fuzz_client();
	struct http_response r;
	struct http_response *out = NULL;
	struct err e;
	long status = 400;
	char ctype[] = "application/problem+json";

	if (size > 0) {
		status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
		data++;
		size--;
	}
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = fuzz_strndup(data, size);
	r.body_len = size;
	r.content_type = ctype;
	r.retry_after = 60;
	err_clear(&e);
	if (acme_problem_to_err(&r, "https://ca.test/x", &e) != -1 ||
	    strlen(e.problem_detail) >= sizeof(e.problem_detail) ||
	    strlen(e.problem_type) >= sizeof(e.problem_type))
		abort();
	(void)acme_problem_to_err(&r, "https://ca.test/x", NULL);
	free(r.body);
	/* Through a request: at most a few badNonce rounds. */
	acme_client_set_nonce_retries(c, 2);
	err_clear(&e);
	fake_http_push(status, "application/problem+json", data, size, NULL, -1);
	fake_http_push(status, "application/problem+json", data, size, NULL, -1);
	fake_http_push(status, "application/problem+json", data, size, NULL, -1);
	if (acme_post(c, "https://ca.test/x", "{}", 0, &out, &e) == 0)
		http_response_free(out);
	fake_http_reset();
	return 0;
}
