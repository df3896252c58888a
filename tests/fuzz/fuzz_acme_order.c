/* An order object (RFC 8555 7.1.3) as acme_order_get and acme_order_new read it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
check(const struct acme_order *o)
{
	size_t i;

	if (o->status == NULL || o->finalize == NULL)
		abort();
	for (i = 0; i < o->n_identifiers; i++) {
		if (o->identifiers[i].type != NULL)
			(void)strlen(o->identifiers[i].type);
	}
	for (i = 0; i < o->n_authorizations; i++)
		(void)strlen(o->authorizations[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "a.test", "127.0.0.1" };
	struct acme_client *c = fuzz_client();
	struct acme_identifier *ids = NULL;
	struct acme_order *o = NULL;
	struct err e;

	err_clear(&e);
	fake_http_push(200, "application/json", data, size, NULL, 3);
	if (acme_order_get(c, "https://ca.test/order/1", &o, &e) == 0) {
		check(o);
		acme_order_free(o);
	}
	fake_http_reset();
	/* newOrder: the same body, 201 with a Location. */
	err_clear(&e);
	if (acme_identifiers_from_names(names, 2, &ids, &e) != 0)
		abort();
	fake_http_push(201, "application/json", data, size, "https://ca.test/order/2", -1);
	if (acme_order_new(c, ids, 2, NULL, NULL, &o, &e) == 0) {
		check(o);
		acme_order_free(o);
	}
	fake_http_reset();
	acme_identifiers_free(ids, 2);
	return 0;
}
