/* RFC 3339 times from the CA (expires, ARI windows): timefmt_parse_rfc3339. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[64];
	long long t = 42, back;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (timefmt_parse_rfc3339(s, &t) == 0) {
		/* What it parsed prints and parses back to the same second. */
		timefmt_rfc3339(t, buf, sizeof(buf));
		if (timefmt_parse_rfc3339(buf, &back) == 0 && back != t)
			abort();
		timefmt_utc(t, 1, buf, sizeof(buf));
	} else if (t != 42) {
		abort();	/* a failure leaves *out alone */
	}
	free(s);
	return 0;
}
