#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "i18n.h"
#include "testhook.h"

int
fileio_read(const char *path, size_t max, char **out, size_t *len, struct err *e)
{
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(e, ERR_INPUT, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		err_set(e, ERR_INPUT, _("%s: not a regular file"), path);
		goto out;
	}
	if ((size_t)sb.st_size > max) {
		err_set(e, ERR_INPUT, _("%s: file too large (over %zu bytes)"), path, max);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL) {
		err_nomem(e);
		err_prefix(e, "%s", path);
		goto out;
	}
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

char *
fileio_hex(const unsigned char *data, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(n * 2 + 1);
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[2 * i] = digits[data[i] >> 4];
		s[2 * i + 1] = digits[data[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

/* ---- walking a path --------------------------------------------------- */

/* Whether uid may own a directory on a path written for perm. */
static int
trusted_uid(uid_t uid, const struct fileio_perm *perm)
{
	return uid == 0 || uid == geteuid() ||
	    (perm != NULL && perm->uid != (uid_t)-1 && uid == perm->uid) ||
	    (perm != NULL && perm->trust_uid != 0 && uid == perm->trust_uid);
}

/*
 * Checks one directory already opened at fd (its name on the path is
 * shown): owned by root, us or the target's owner, and writable by no
 * one else, unless it is sticky (like /tmp), where the others cannot
 * replace what we walk through next. Returns 0 or -1 naming it.
 */
static int
check_dir(int fd, const char *shown, const struct fileio_perm *perm, struct err *e)
{
	struct stat sb;

	if (fstat(fd, &sb) == -1)
		return err_set(e, ERR_IO, "%s: %s", shown, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, ERR_INPUT, _("%s is not a directory"), shown);
	if (!trusted_uid(sb.st_uid, perm))
		return err_set(e, ERR_INPUT, _("refusing to write under %s: it is owned by "
		    "user %lu, not by root or the file's owner"), shown,
		    (unsigned long)sb.st_uid);
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (sb.st_mode & S_ISVTX) == 0)
		return err_set(e, ERR_INPUT, _("refusing to write under %s: it is writable "
		    "by other users (mode %04o)"), shown, (unsigned)(sb.st_mode & 07777));
	return 0;
}

/*
 * Opens the directory that holds path by walking from / (or from the
 * working directory's real path for a relative one) one component at a
 * time with O_NOFOLLOW | O_DIRECTORY, checking each as check_dir does.
 * A component that is a symbolic link, or "..", is refused with a message
 * that names it. Returns the directory's descriptor (close it) and sets
 * *base to the last component (borrowed from path), or -1.
 */
static int
walk_to_dir(const char *path, const struct fileio_perm *perm, const char **base,
    struct err *e)
{
	char *full = NULL, *shown = NULL, *p, *next;
	size_t flen, slen = 0;
	int fd = -1, nfd;

	if (path[0] == '/') {
		full = strdup(path);
	} else {
		char *cwd = getcwd(NULL, 0);

		if (cwd == NULL)
			return err_set(e, ERR_IO, _("cannot find the working directory: %s"),
			    strerror(errno));
		flen = strlen(cwd) + strlen(path) + 2;
		if ((full = malloc(flen)) != NULL)
			snprintf(full, flen, "%s/%s", cwd, path);
		free(cwd);
	}
	if (full == NULL)
		return err_nomem(e);
	flen = strlen(full);
	if ((shown = malloc(flen + 2)) == NULL) {
		err_nomem(e);
		goto fail;
	}
	*base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		err_set(e, ERR_INPUT, _("%s is not a file path"), path);
		goto fail;
	}
	*strrchr(full, '/') = '\0';	/* full is now the directory */
	shown[0] = '/';
	shown[1] = '\0';
	slen = 1;
	/* O_PATH: a directory we may only search (--x) can still be walked. */
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_set(e, ERR_IO, "/: %s", strerror(errno));
		goto fail;
	}
	if (check_dir(fd, "/", perm, e) == -1)
		goto fail;
	for (p = full; p != NULL; p = next) {
		size_t n;

		while (*p == '/')
			p++;
		next = strchr(p, '/');
		if (next != NULL)
			*next++ = '\0';
		if (*p == '\0' || strcmp(p, ".") == 0)
			continue;
		n = strlen(p);
		if (slen > 1)
			shown[slen++] = '/';
		memcpy(shown + slen, p, n + 1);
		slen += n;
		if (strcmp(p, "..") == 0) {
			err_set(e, ERR_INPUT, _("refusing to write under %s: the path "
			    "goes up with '..'"), shown);
			goto fail;
		}
		nfd = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd == -1) {
			struct stat sb;
			int saved = errno;

			if (fstatat(fd, p, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(sb.st_mode))
				err_set(e, ERR_INPUT, _("refusing to write under %s: it is a "
				    "symbolic link"), shown);
			else
				err_set(e, saved == ENOENT ? ERR_INPUT : ERR_IO, "%s: %s",
				    shown, strerror(saved));
			close(fd);
			free(full);
			free(shown);
			errno = saved;	/* fileio_remove tells "not there" by it */
			return -1;
		}
		close(fd);
		fd = nfd;
		if (check_dir(fd, shown, perm, e) == -1)
			goto fail;
	}
	/* The last one opened for real, to be read (stale temporaries) and synced. */
	if ((nfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		close(fd);
		fd = nfd;
	}
	free(full);
	free(shown);
	return fd;
fail:
	if (fd != -1)
		close(fd);
	free(full);
	free(shown);
	return -1;
}

/* ---- atomic files ----------------------------------------------------- */

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char temp_tag[] = ".certdeck-";

/* Whether nm is ".BASE.certdeck-XXXXXX", a name tmp_name makes for base. */
static int
is_temp_of(const char *nm, const char *base)
{
	size_t bl = strlen(base);

	return nm[0] == '.' && strncmp(nm + 1, base, bl) == 0 &&
	    strncmp(nm + 1 + bl, temp_tag, sizeof(temp_tag) - 1) == 0 &&
	    strlen(nm + 1 + bl + sizeof(temp_tag) - 1) == 6;
}

/*
 * Removes temporary files a crashed run left next to base in the
 * directory dfd (named as tmp_name names them), so they do not pile up.
 * Best effort.
 */
static void
remove_stale_temps(int dfd, const char *base, const struct fileio_perm *perm)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat sb;

		if (!is_temp_of(de->d_name, base))
			continue;
		if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode) && (sb.st_uid == geteuid() ||
		    (perm->uid != (uid_t)-1 && sb.st_uid == perm->uid)))
			unlinkat(dfd, de->d_name, 0);
	}
	closedir(d);
}

/*
 * Creates a new file ".BASE.certdeck-XXXXXX" (0600, O_EXCL, not following
 * links) in dfd, as mkstemp does. Returns its descriptor and *name (free
 * it), or -1 with errno set.
 */
static int
tmp_create(int dfd, const char *base, char **name)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t n = strlen(base) + sizeof(temp_tag) + 8;
	char *nm = malloc(n);
	int tries, fd = -1;

	if (nm == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (tries = 0; tries < 100; tries++) {
		unsigned char r[6];
		char *x;
		size_t k;

		if (getentropy(r, sizeof(r)) == -1)
			break;
		snprintf(nm, n, ".%s%sXXXXXX", base, temp_tag);
		x = nm + strlen(nm) - 6;
		for (k = 0; k < 6; k++)
			x[k] = set[r[k] % (sizeof(set) - 1)];
		fd = openat(dfd, nm, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
		    O_NOCTTY, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		int saved = errno;

		free(nm);
		errno = saved;
		return -1;
	}
	*name = nm;
	return fd;
}

void
fileio_staged_discard(struct fileio_staged *s)
{
	if (s == NULL)
		return;
	if (s->tmp != NULL && s->dirfd != -1)
		(void)unlinkat(s->dirfd, s->tmp, 0);
	if (s->old != NULL && s->dirfd != -1)
		(void)unlinkat(s->dirfd, s->old, 0);
	if (s->dirfd != -1)
		close(s->dirfd);
	free(s->tmp);
	free(s->old);
	free(s->base);
	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
}

int
fileio_stage(const char *path, const char *data, size_t len,
    const struct fileio_perm *perm, struct fileio_staged *out, struct err *e)
{
	const char *base;
	int fd = -1, rc = -1;

	memset(out, 0, sizeof(*out));
	out->path = path;
	if ((out->dirfd = walk_to_dir(path, perm, &base, e)) == -1)
		return -1;
	if ((out->base = strdup(base)) == NULL) {
		err_nomem(e);
		goto out;
	}
	remove_stale_temps(out->dirfd, base, perm);
	/* A dot file, so that globs like *.pem in the directory skip it. */
	if ((fd = tmp_create(out->dirfd, base, &out->tmp)) == -1) {
		err_set(e, ERR_IO, _("cannot create a temporary file beside %s: %s"), path,
		    strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) == -1) {
		err_set(e, ERR_IO, _("cannot write a temporary file beside %s: %s"), path,
		    strerror(errno));
		goto out;
	}
	if ((perm->uid != (uid_t)-1 || perm->gid != (gid_t)-1) &&
	    fchown(fd, perm->uid, perm->gid) == -1) {
		err_set(e, ERR_IO, _("cannot give %s to %s:%s: %s"), path,
		    perm->owner != NULL ? perm->owner : "",
		    perm->group != NULL ? perm->group : "", strerror(errno));
		goto out;
	}
	/* After fchown, which may clear mode bits. */
	if (fchmod(fd, (mode_t)perm->mode) == -1) {
		err_set(e, ERR_IO, _("cannot set the mode of %s: %s"), path,
		    strerror(errno));
		goto out;
	}
	if (fsync(fd) == -1) {
		err_set(e, ERR_IO, _("cannot sync a temporary file beside %s: %s"), path,
		    strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc == -1)
		err_set(e, ERR_IO, _("cannot write a temporary file beside %s: %s"), path,
		    strerror(errno));
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		fileio_staged_discard(out);
	return rc;
}

int
fileio_staged_keep_old(struct fileio_staged *s, struct err *e)
{
	int fd;

	/* A name of our own, then a hard link to the old file under it. */
	if ((fd = tmp_create(s->dirfd, s->base, &s->old)) == -1)
		return err_set(e, ERR_IO, _("cannot create a temporary file beside %s: %s"),
		    s->path, strerror(errno));
	close(fd);
	if (unlinkat(s->dirfd, s->old, 0) == -1 ||
	    linkat(s->dirfd, s->base, s->dirfd, s->old, 0) == -1) {
		int saved = errno;

		free(s->old);
		s->old = NULL;
		if (saved == ENOENT)
			return 0;	/* nothing there yet: nothing to keep */
		return err_set(e, ERR_IO, _("cannot keep the old %s: %s"), s->path,
		    strerror(saved));
	}
	return 0;
}

int
fileio_staged_rename(struct fileio_staged *s, struct err *e)
{
	if (testhook_fail("rename", s->path) ||
	    renameat(s->dirfd, s->tmp, s->dirfd, s->base) == -1)
		return err_set(e, ERR_IO, _("cannot replace %s: %s"), s->path,
		    strerror(errno != 0 ? errno : EIO));
	free(s->tmp);
	s->tmp = NULL;
	s->renamed = 1;
	return 0;
}

int
fileio_staged_restore(struct fileio_staged *s)
{
	int rc;

	if (!s->renamed)
		return 0;
	if (s->old != NULL) {
		rc = renameat(s->dirfd, s->old, s->dirfd, s->base);
		if (rc == 0) {
			free(s->old);
			s->old = NULL;
		}
	} else {
		rc = unlinkat(s->dirfd, s->base, 0);
	}
	if (rc == 0) {
		s->renamed = 0;
		(void)fsync(s->dirfd);
	}
	return rc;
}

int
fileio_staged_sync(struct fileio_staged *s, struct err *e)
{
	/* EBADF: a directory we may write but not read (walked with O_PATH). */
	if (fsync(s->dirfd) == -1 && errno != EBADF)
		return err_set(e, ERR_IO, _("cannot sync the directory of %s: %s"), s->path,
		    strerror(errno));
	return 0;
}

int
fileio_write_atomic(const char *path, const char *data, size_t len,
    const struct fileio_perm *perm, struct err *e)
{
	struct fileio_staged s;
	int rc = -1;

	if (fileio_stage(path, data, len, perm, &s, e) == -1)
		return -1;
	if (fileio_staged_rename(&s, e) == 0 && fileio_staged_sync(&s, e) == 0)
		rc = 0;
	fileio_staged_discard(&s);
	return rc;
}

int
fileio_mkdir(const char *path, int mode, const struct fileio_perm *perm, int *created,
    struct err *e)
{
	const char *base;
	int dfd, fd, rc = -1;

	*created = 0;
	if ((dfd = walk_to_dir(path, perm, &base, e)) == -1)
		return -1;
	if (mkdirat(dfd, base, (mode_t)mode) == 0)
		*created = 1;
	else if (errno != EEXIST) {
		err_set(e, ERR_IO, _("%s: cannot create directory: %s"), path,
		    strerror(errno));
		goto out;
	}
	fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		struct stat sb;

		if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
			err_set(e, ERR_INPUT, _("refusing to write under %s: it is a "
			    "symbolic link"), path);
		else
			err_set(e, ERR_IO, _("%s exists and is not a directory"), path);
		goto out;
	}
	/* Whatever the umask. */
	if (*created && fchmod(fd, (mode_t)mode) == -1)
		err_set(e, ERR_IO, _("%s: cannot set permissions: %s"), path,
		    strerror(errno));
	else
		rc = check_dir(fd, path, perm, e);
	close(fd);
out:
	close(dfd);
	return rc;
}

int
fileio_remove(const char *path, int is_dir, const struct fileio_perm *perm, struct err *e)
{
	const char *base;
	int dfd, rc = 0;

	errno = 0;
	if ((dfd = walk_to_dir(path, perm, &base, e)) == -1)
		return errno == ENOENT ? 1 : -1;
	if (unlinkat(dfd, base, is_dir ? AT_REMOVEDIR : 0) == -1) {
		rc = errno == ENOENT ? 1 : -1;
		if (rc == -1)
			err_set(e, ERR_IO, _("%s: cannot remove: %s"), path, strerror(errno));
	}
	close(dfd);
	return rc;
}
