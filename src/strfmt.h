/*
 * Formatting into a string of its own: a portable, checked asprintf (which
 * is a GNU extension and leaves its pointer undefined when it fails).
 */
#ifndef CERTDECK_STRFMT_H
#define CERTDECK_STRFMT_H

#include <stdarg.h>

/*
 * Formats into a new string. Returns its length and *out (free()), or -1
 * with *out NULL when memory runs out or the format fails.
 */
int str_printf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* str_printf with a va_list (ap is consumed). */
int str_vprintf(char **out, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
