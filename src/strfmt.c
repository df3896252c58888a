#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "strfmt.h"

int
str_vprintf(char **out, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	*out = NULL;
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0 || (*out = malloc((size_t)n + 1)) == NULL) {
		va_end(again);
		return -1;
	}
	if (vsnprintf(*out, (size_t)n + 1, fmt, again) != n) {
		free(*out);
		*out = NULL;
		n = -1;
	}
	va_end(again);
	return n;
}

int
str_printf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = str_vprintf(out, fmt, ap);
	va_end(ap);
	return n;
}
