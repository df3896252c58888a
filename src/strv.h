/* Counted string vectors: a char ** with its length beside it. */
#ifndef CERTDECK_STRV_H
#define CERTDECK_STRV_H

#include <stddef.h>

/*
 * Appends s (taken over) to the vector *v of *n strings, growing it.
 * Returns 0, or -1 when s is NULL or memory runs out (s is freed).
 */
int strv_push(char ***v, size_t *n, char *s);

/* Frees the n strings of v and v itself. Accepts NULL. */
void strv_free(char **v, size_t n);

#endif
