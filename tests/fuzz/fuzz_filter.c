/* The screen's filter language (ui/filter.c): parse, query, name match. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char n0[] = "www.example.test", n1[] = "*.apps.example.test", n2[] = "127.0.0.1";
	char *names[] = { n0, n1, n2 };
	struct filter f;
	struct cert_query q;
	struct err e;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	err_clear(&e);
	if (filter_parse(text, &f, &e) == 0) {
		if (f.n_names > FILTER_MAX_NAMES)
			abort();
		(void)filter_is_empty(&f);
		memset(&q, 0, sizeof(q));
		(void)filter_to_query(&f, 1800000000LL, &q);
		(void)filter_match_names(&f, names, 3);
		(void)filter_status_name(f.status);
		filter_clear(&f);
	}
	free(text);
	return 0;
}
