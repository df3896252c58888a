/* Small file helpers shared by the CLI and deployment. */
#ifndef CERTDECK_FILEIO_H
#define CERTDECK_FILEIO_H

#include <stddef.h>

#include "err.h"

/*
 * Reads a whole regular file of at most max bytes. Returns 0 and *out
 * (NUL-terminated, free with free()) and *len, or -1 with a message that
 * names the file.
 */
int fileio_read(const char *path, size_t max, char **out, size_t *len, struct err *e);

/* Lower-case hex of n bytes. Returns a string to free(), or NULL. */
char *fileio_hex(const unsigned char *data, size_t n);

#endif
