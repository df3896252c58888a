#include "config.h"

#include <stdlib.h>

#include "strv.h"

int
strv_push(char ***v, size_t *n, char *s)
{
	char **nv;

	if (s == NULL)
		return -1;
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (nv == NULL) {
		free(s);
		return -1;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
