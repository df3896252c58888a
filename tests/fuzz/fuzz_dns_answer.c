/*
 * The DNS answer parser of the dns-01 propagation checks (dns_txt_seen in
 * src/solver/dns_msg.c, which parses with ldns). The input is a response
 * datagram of at most the 4096 bytes the check receives; the query ID and
 * the value looked for are fixed, then taken from the input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char m[4096];
	int rc;

	if (size > sizeof(m))
		return 0;
	memcpy(m, data, size);
	rc = dns_txt_seen(m, size, 0x1234, "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0");
	if (rc < -1 || rc > 1)
		abort();
	/* Any ID: the header checks are not the only way out. */
	if (size >= 2)
		(void)dns_txt_seen(m, size, (unsigned)m[0] << 8 | m[1], "x");
	return 0;
}
