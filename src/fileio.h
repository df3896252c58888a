/* Small file helpers shared by the CLI, deployment and the webroot solver. */
#ifndef CERTDECK_FILEIO_H
#define CERTDECK_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * Reads a whole regular file of at most max bytes. Returns 0 and *out
 * (NUL-terminated, free with free()) and *len, or -1 with a message that
 * names the file.
 */
int fileio_read(const char *path, size_t max, char **out, size_t *len, struct err *e);

/* Lower-case hex of n bytes. Returns a string to free(), or NULL. */
char *fileio_hex(const unsigned char *data, size_t n);

/* Who owns a file written by fileio_stage, and its mode. */
struct fileio_perm {
	int mode;		/* permission bits, set after the owner (whatever the umask) */
	uid_t uid;		/* (uid_t)-1: the writer's */
	gid_t gid;		/* (gid_t)-1: the writer's */
	const char *owner;	/* uid and gid as the user named them, for messages; */
	const char *group;	/* may be NULL */
};

/*
 * Writes data into a new temporary dot file beside path (removing ones a
 * crashed run left there), gives it perm's owner and mode, and syncs it;
 * renaming it over path is the caller's. Returns 0 and *tmp (its path;
 * free() it), or -1 and no temporary file is left.
 */
int fileio_stage(const char *path, const char *data, size_t len,
    const struct fileio_perm *perm, char **tmp, struct err *e);

/* Syncs the directory that holds path (after a rename into it). Returns 0 or -1. */
int fileio_sync_dir(const char *path, struct err *e);

/*
 * Replaces path atomically: fileio_stage, rename, fileio_sync_dir. A
 * reader sees the old file or the whole new one. Returns 0 or -1 (path is
 * untouched unless the rename happened).
 */
int fileio_write_atomic(const char *path, const char *data, size_t len,
    const struct fileio_perm *perm, struct err *e);

#endif
