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

/* ---- atomic files ----------------------------------------------------- */

/* The directory of a path: "/" for a file at the root, "." for a bare name. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

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

/*
 * Removes temporary files a crashed run left next to base in dir (named
 * as fileio_stage names them), so they do not pile up. Best effort.
 */
static void
remove_stale_temps(const char *dir, const char *base)
{
	static const char tag[] = ".certdeck-";
	size_t bl = strlen(base);
	struct dirent *de;
	DIR *d;
	int dfd;

	if ((d = opendir(dir)) == NULL)
		return;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		struct stat sb;

		if (nm[0] != '.' || strncmp(nm + 1, base, bl) != 0 ||
		    strncmp(nm + 1 + bl, tag, sizeof(tag) - 1) != 0 ||
		    strlen(nm + 1 + bl + sizeof(tag) - 1) != 6)
			continue;
		if (fstatat(dfd, nm, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_uid == geteuid())
			unlinkat(dfd, nm, 0);
	}
	closedir(d);
}

int
fileio_stage(const char *path, const char *data, size_t len,
    const struct fileio_perm *perm, char **tmp_out, struct err *e)
{
	const char *base = strrchr(path, '/');
	char *dir = NULL, *tmp = NULL;
	size_t n;
	int fd = -1, rc = -1;

	*tmp_out = NULL;
	base = base != NULL ? base + 1 : path;
	if (base[0] == '\0')
		return err_set(e, ERR_INPUT, _("%s is not a file path"), path);
	if ((dir = dir_of(path)) == NULL)
		return err_nomem(e);
	/* A dot file, so that globs like *.pem in the directory skip it. */
	n = strlen(dir) + strlen(base) + 32;
	if ((tmp = malloc(n)) == NULL) {
		err_nomem(e);
		goto out;
	}
	remove_stale_temps(dir, base);
	snprintf(tmp, n, "%s/.%s.certdeck-XXXXXX", strcmp(dir, "/") == 0 ? "" : dir,
	    base);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		err_set(e, ERR_IO, _("cannot create a temporary file in %s: %s"), dir,
		    strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (write_all(fd, data, len) == -1) {
		err_set(e, ERR_IO, _("cannot write %s: %s"), tmp, strerror(errno));
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
		err_set(e, ERR_IO, _("cannot sync %s: %s"), tmp, strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc == -1) {
		err_set(e, ERR_IO, _("cannot write %s: %s"), tmp, strerror(errno));
		goto out;
	}
	*tmp_out = tmp;
	tmp = NULL;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		(void)unlink(tmp);
		free(tmp);
	}
	free(dir);
	return rc;
}

int
fileio_sync_dir(const char *path, struct err *e)
{
	char *dir = dir_of(path);
	int fd, rc = -1;

	if (dir == NULL)
		return err_nomem(e);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || fsync(fd) == -1)
		err_set(e, ERR_IO, _("cannot sync directory %s: %s"), dir,
		    strerror(errno));
	else
		rc = 0;
	if (fd != -1)
		close(fd);
	free(dir);
	return rc;
}

int
fileio_write_atomic(const char *path, const char *data, size_t len,
    const struct fileio_perm *perm, struct err *e)
{
	char *tmp;

	if (fileio_stage(path, data, len, perm, &tmp, e) == -1)
		return -1;
	if (rename(tmp, path) == -1) {
		err_set(e, ERR_IO, _("cannot replace %s: %s"), path, strerror(errno));
		(void)unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return fileio_sync_dir(path, e);
}
