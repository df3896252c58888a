/* SHA-256, and the small helpers the crypto_*.c files share (crypto_priv.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "crypto_priv.h"
#include "i18n.h"

char *
crypto_dup_mem(const void *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

const char *
crypto_find(const char *p, const char *end, const char *needle)
{
	if (p >= end)
		return NULL;
	return memmem(p, (size_t)(end - p), needle, strlen(needle));
}

int
crypto_sha256(const void *data, size_t len, unsigned char out[32], struct err *e)
{
	unsigned int n = 0;

	/* The one SHA-256 of the engine: every other caller comes here. */
	if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) || n != 32)
		return err_openssl(e, _("cannot compute SHA-256"));
	return 0;
}
