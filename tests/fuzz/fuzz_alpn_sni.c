/*
 * The tls-alpn-01 responder's ClientHello parsers (parse_sni and
 * offers_acme_tls in src/solver/solver_alpn.c, compiled into this target:
 * they are static): the server_name and ALPN extension bodies as OpenSSL
 * hands them over. The first byte picks which; the rest is the body.
 */
#include "config.h"

#include "../../src/solver/solver_alpn.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sni[256];
	size_t i;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		(void)offers_acme_tls(data + 1, size - 1);
		return 0;
	}
	if (parse_sni(data + 1, size - 1, sni, sizeof(sni)) == 0) {
		if (sni[0] == '\0' || strlen(sni) >= sizeof(sni))
			abort();
		for (i = 0; sni[i] != '\0'; i++)
			if ((unsigned char)sni[i] >= 0x80 ||
			    (sni[i] >= 'A' && sni[i] <= 'Z'))
				abort();
	}
	return 0;
}
