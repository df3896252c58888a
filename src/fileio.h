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
	uid_t trust_uid;	/* another user who may own the directories (0: none) */
};

/*
 * The path rule of every write below (the rule of OpenSSH's StrictModes):
 * the path is walked from / one directory at a time without following
 * symbolic links, and each directory must be owned by root, by us, by
 * perm->uid or perm->trust_uid, and be writable by no one else unless it
 * is sticky (/tmp). A symbolic link or "..", a directory owned or
 * writable by another user, is refused with a message that names it.
 */

/* A file written beside its final name, not yet renamed over it. */
struct fileio_staged {
	const char *path;	/* borrowed from the caller */
	int dirfd;		/* the directory, as walked */
	char *base;		/* the final name in it */
	char *tmp;		/* the temporary file's name; NULL once renamed */
	char *old;		/* a link to the file it replaced (keep_old), or NULL */
	int renamed;
};

/*
 * Writes data into a new temporary dot file beside path (removing ones a
 * crashed run left there), gives it perm's owner and mode, and syncs it.
 * Returns 0 and *out (release it with fileio_staged_discard), or -1 and no
 * temporary file is left.
 */
int fileio_stage(const char *path, const char *data, size_t len,
    const struct fileio_perm *perm, struct fileio_staged *out, struct err *e);

/*
 * Links the file that s will replace under a temporary name, so that
 * fileio_staged_restore can put it back. Nothing there is not an error.
 * Returns 0 or -1.
 */
int fileio_staged_keep_old(struct fileio_staged *s, struct err *e);

/* Renames s's temporary file over its path (in the walked directory). Returns 0 or -1. */
int fileio_staged_rename(struct fileio_staged *s, struct err *e);

/*
 * Undoes fileio_staged_rename: the kept old file back, or the new one
 * removed when there was none. Returns 0 (also when not renamed) or -1
 * with errno set.
 */
int fileio_staged_restore(struct fileio_staged *s);

/* Syncs s's directory (after the rename). Returns 0 or -1. */
int fileio_staged_sync(struct fileio_staged *s, struct err *e);

/*
 * Removes what is left of s (the temporary file unless renamed, the kept
 * old file) and closes its directory. Accepts a zeroed or discarded s.
 */
void fileio_staged_discard(struct fileio_staged *s);

/*
 * Replaces path atomically: fileio_stage, rename, sync. A reader sees the
 * old file or the whole new one. Returns 0 or -1 (path is untouched unless
 * the rename happened).
 */
int fileio_write_atomic(const char *path, const char *data, size_t len,
    const struct fileio_perm *perm, struct err *e);

/*
 * Makes directory path (mode, whatever the umask) unless it is there,
 * under the path rule above, which the directory itself must also pass.
 * Sets *created. Returns 0 or -1.
 */
int fileio_mkdir(const char *path, int mode, const struct fileio_perm *perm, int *created,
    struct err *e);

/*
 * Removes path (a directory, empty, when is_dir) under the path rule
 * above. Returns 0, 1 when it was not there, or -1 (also for a directory
 * that is not empty).
 */
int fileio_remove(const char *path, int is_dir, const struct fileio_perm *perm,
    struct err *e);

#endif
