/*
 * The DNS answer parser of the dns-01 propagation check (txt_seen in
 * src/solver/solver_dns01.c, compiled into this target: it is static).
 * The input is a response datagram of at most the 4096 bytes the check
 * receives; the query ID and the value looked for are fixed.
 */
#include "config.h"

#include "../../src/solver/solver_dns01.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char m[4096];
	int rc;

	if (size > sizeof(m))
		return 0;
	memcpy(m, data, size);
	rc = txt_seen(m, size, 0x1234, "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0");
	if (rc < -1 || rc > 1)
		abort();
	/* Any ID: the header checks are not the only way out. */
	if (size >= 2)
		(void)txt_seen(m, size, get16(m), "x");
	return 0;
}
