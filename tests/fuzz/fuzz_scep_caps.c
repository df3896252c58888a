/* SCEP GetCACaps (RFC 8894 section 3.5.2) as scep_get_caps parses it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scep.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scep_caps caps;
	struct http *h = NULL;
	struct err e;
	size_t i;

	err_clear(&e);
	fake_http_push(200, "text/plain", data, size, NULL, -1);
	if (http_new(NULL, &h, &e) != 0)
		abort();
	if (scep_get_caps(h, "http://ca.test/scep", &caps, &e) == 0) {
		/* Every word is non-empty, without line ends, and was counted. */
		for (i = 0; i < caps.n_words; i++)
			if (caps.words[i] == NULL || caps.words[i][0] == '\0' ||
			    strpbrk(caps.words[i], "\r\n") != NULL)
				abort();
		scep_caps_clear(&caps);
	}
	http_free(h);
	fake_http_reset();
	return 0;
}
