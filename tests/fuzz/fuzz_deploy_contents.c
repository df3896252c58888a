/*
 * The deploy content builder (deploy_contents_build): the chain splitter,
 * the link check and the key match. The input is a PEM chain, then
 * optionally a NUL byte and a private key in PEM.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *key = NULL;
	struct deploy_contents c;
	struct err e;
	size_t i;

	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (strlen(buf) < size)
		key = buf + strlen(buf) + 1;
	memset(&c, 0, sizeof(c));
	err_clear(&e);
	if (deploy_contents_build(buf, key, &c, &e) == 0) {
		for (i = 0; i < DEPLOY_FILE_COUNT; i++)
			if (c.data[i] != NULL && strlen(c.data[i]) != c.len[i])
				abort();
		deploy_contents_clear(&c);
	}
	free(buf);
	return 0;
}
