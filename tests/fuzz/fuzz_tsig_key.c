/*
 * TSIG key files for --dns rfc2136 (tsig_key_parse: BIND's tsig-keygen
 * format and Knot's keymgr -t one): written by another tool, and the
 * parser's messages must never quote the secret. What parses has a
 * qualified name, an algorithm certdeck signs with and a secret.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tsig_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsig_key k = { 0 };
	struct err e = { 0 };
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (tsig_key_parse(s, "fuzz.key", &k, &e) == 0) {
		size_t n = k.name != NULL ? strlen(k.name) : 0;

		if (n == 0 || k.name[n - 1] != '.' || k.algorithm == NULL || k.secret == NULL ||
		    k.secret[0] == '\0')
			abort();
		/* The secret never shows in a message (none here, but none later either). */
		tsig_key_clear(&k);
	} else if (e.msg[0] == '\0') {
		abort();	/* a failure says why */
	}
	free(s);
	return 0;
}
