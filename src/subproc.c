#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "subproc.h"
#include "timefmt.h"

extern char **environ;

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void
tail_add(struct subproc_result *r, const char *p, size_t n)
{
	if (n >= SUBPROC_TAIL_MAX) {
		memcpy(r->tail, p + n - SUBPROC_TAIL_MAX, SUBPROC_TAIL_MAX);
		r->len = SUBPROC_TAIL_MAX;
		r->cut = 1;
		return;
	}
	if (r->len + n > SUBPROC_TAIL_MAX) {
		size_t drop = r->len + n - SUBPROC_TAIL_MAX;

		memmove(r->tail, r->tail + drop, r->len - drop);
		r->len -= drop;
		r->cut = 1;
	}
	memcpy(r->tail + r->len, p, n);
	r->len += n;
}

/* Reads what the pipe has now. Returns 1 at end of file, else 0. */
static int
drain(int fd, struct subproc_result *r)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			tail_add(r, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
	}
}

/*
 * Closes every descriptor above stderr in the child: libcurl's sockets,
 * the store's database and whatever else a library opened without
 * O_CLOEXEC must not reach a hook. Returns 0 or an error number.
 */
static int
close_the_rest(posix_spawn_file_actions_t *fa)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	return posix_spawn_file_actions_addclosefrom_np(fa, 3);
#else
	/* Without closefrom: mark what is open now close-on-exec. */
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	(void)fa;
	for (fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl != -1 && !(fl & FD_CLOEXEC))
			(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	return 0;
#endif
}

/*
 * stdin from infd (-1: /dev/null), stdout and stderr into wfd (nothing else open); its own process group
 * (so a timeout kills whatever it started), no blocked signals and the
 * default action for those a parent may catch or ignore. Returns 0 or an
 * error number.
 */
static int
prepare(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, int infd, int wfd)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	    SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2 };
	sigset_t mask, def;
	size_t i;
	int rc;

	sigemptyset(&mask);
	sigemptyset(&def);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&def, sigs[i]);
	rc = infd != -1 ? posix_spawn_file_actions_adddup2(fa, infd, 0) :
	    posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(fa, wfd, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(fa, wfd, 2)) != 0 ||
	    (rc = close_the_rest(fa)) != 0 ||
	    (rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(attr, &mask)) != 0)
		return rc;
	return posix_spawnattr_setsigdefault(attr, &def);
}

/* Waits for pid, reading its output, until it exits or the deadline. */
static int
wait_child(pid_t pid, int *rfd, long long deadline, struct subproc_result *r,
    int *status)
{
	long long interval = 5;

	for (;;) {
		long long left;
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid) {
			/* After SIGTERM, whatever of the group ignored it goes now. */
			if (r->timed_out)
				(void)kill(-pid, SIGKILL);
			return 0;
		}
		if (w == -1 && errno != EINTR)
			return -1;
		left = deadline - timefmt_now_ms();
		if (left <= 0 && !r->timed_out) {
			/* First a chance to clean up: SIGTERM to the group. */
			(void)kill(-pid, SIGTERM);
			(void)kill(pid, SIGTERM);
			r->timed_out = 1;
			deadline = timefmt_now_ms() + (long long)SUBPROC_GRACE_S * 1000;
			continue;
		}
		if (left <= 0) {
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) == -1 && errno == EINTR)
				;
			return 0;
		}
		if (left > interval)
			left = interval;
		if (*rfd != -1) {
			struct pollfd p = { .fd = *rfd, .events = POLLIN };

			if (poll(&p, 1, (int)left) > 0 && drain(*rfd, r)) {
				close(*rfd);
				*rfd = -1;
			}
		} else {
			(void)poll(NULL, 0, (int)left);
		}
		if (interval < 100)
			interval *= 2;
	}
}

/*
 * A pipe holding all of input, its write end closed, for the child's
 * stdin. Written before the child starts, so no write can block on it or
 * raise SIGPIPE: input must fit in the pipe's buffer (grown as far as
 * the system lets). Returns the read end, or -1 with e filled.
 */
static int
input_pipe(const char *input, size_t len, struct subproc_result *res, struct err *e)
{
	int fd[2];
	size_t off = 0;

	if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) == -1) {
		res->failed = SUBPROC_FAIL_PIPE;
		res->error = errno;
		err_set(e, ERR_IO, _("cannot create a pipe: %s"), strerror(res->error));
		return -1;
	}
#ifdef F_SETPIPE_SZ
	if (len > 65536 && len < INT_MAX)
		(void)fcntl(fd[1], F_SETPIPE_SZ, (int)len);
#endif
	while (off < len) {
		ssize_t n = write(fd[1], input + off, len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			res->failed = SUBPROC_FAIL_PIPE;
			res->error = n == -1 ? errno : EIO;
			err_set(e, ERR_INPUT, _("cannot pass %zu bytes to a program's standard "
			    "input: %s"), len, strerror(res->error));
			close(fd[0]);
			close(fd[1]);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd[1]);
	/* The child reads it blocking, as a program expects its stdin. */
	(void)fcntl(fd[0], F_SETFL, fcntl(fd[0], F_GETFL) & ~O_NONBLOCK);
	return fd[0];
}

int
subproc_run(const char *const argv[], char *const envp[], int timeout_s,
    struct subproc_result *res, struct err *e)
{
	return subproc_run_input(argv, envp, NULL, 0, timeout_s, res, e);
}

int
subproc_run_input(const char *const argv[], char *const envp[], const char *input,
    size_t input_len, int timeout_s, struct subproc_result *res, struct err *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pfd[2] = { -1, -1 }, infd = -1;
	int fa_ok = 0, attr_ok = 0, rc = -1, status = 0;
	char *prog = NULL, **own_env = NULL;
	pid_t pid = -1;

	memset(res, 0, sizeof(*res));
	/* The program as it would be run, checked before it is. */
	if (subproc_resolve(argv[0], &prog, e) == -1) {
		/* A program that is not there fails as its exec would. */
		res->error = errno;
		res->failed = res->error == ENOENT || res->error == ENOTDIR ?
		    SUBPROC_FAIL_EXEC : SUBPROC_FAIL_UNSAFE;
		goto out;
	}
	if (envp == NULL) {
		if ((own_env = subproc_envp(NULL, 0)) == NULL) {
			res->failed = SUBPROC_FAIL_PREPARE;
			res->error = ENOMEM;
			err_nomem(e);
			goto out;
		}
		envp = own_env;
	}
	if (input != NULL && (infd = input_pipe(input, input_len, res, e)) == -1)
		goto out;
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		res->failed = SUBPROC_FAIL_PIPE;
		res->error = errno;
		err_set(e, ERR_IO, _("cannot create a pipe: %s"), strerror(res->error));
		goto out;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) == 0)
		fa_ok = 1;
	if (rc == 0 && (rc = posix_spawnattr_init(&attr)) == 0)
		attr_ok = 1;
	if (rc != 0 || (rc = prepare(&fa, &attr, infd, pfd[1])) != 0) {
		res->failed = SUBPROC_FAIL_PREPARE;
		res->error = rc;
		err_set(e, ERR_IO, _("cannot prepare to run %s: %s"), argv[0], strerror(rc));
		rc = -1;
		goto out;
	}
	/* posix_spawn only reads argv; its prototype predates const. */
	rc = posix_spawn(&pid, prog, &fa, &attr, (char *const *)argv, envp);
	if (rc != 0) {
		res->failed = SUBPROC_FAIL_EXEC;
		res->error = rc;
		err_set(e, ERR_IO, _("cannot run %s: %s"), argv[0], strerror(rc));
		rc = -1;
		goto out;
	}
	rc = -1;
	close(pfd[1]);
	pfd[1] = -1;
	(void)fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);

	if (wait_child(pid, &pfd[0], timefmt_now_ms() + (long long)timeout_s * 1000, res,
	    &status) == -1) {
		res->failed = SUBPROC_FAIL_WAIT;
		res->error = errno;
		err_set(e, ERR_IO, _("cannot wait for %s: %s"), argv[0],
		    strerror(res->error));
		goto out;
	}
	/* What is left; a background child may hold the pipe, so no wait for EOF. */
	if (pfd[0] != -1)
		(void)drain(pfd[0], res);
	res->exited = WIFEXITED(status);
	res->status = res->exited ? WEXITSTATUS(status) : 0;
	res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	rc = 0;
out:
	free(prog);
	free(own_env);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	if (pfd[0] != -1)
		close(pfd[0]);
	if (pfd[1] != -1)
		close(pfd[1]);
	if (infd != -1)
		close(infd);
	return rc;
}

void
subproc_tail_line(const struct subproc_result *res, size_t keep, char *out, size_t size)
{
	const char *buf = res->tail;
	size_t len = res->len, i = 0, o = 0;
	int space = 0;

	if (size == 0)
		return;
	if (len > keep) {
		buf += len - keep;
		len = keep;
	}
	if (res->cut || len < res->len) {
		/* Start at a line, or at least not inside a UTF-8 sequence. */
		const char *nl = memchr(buf, '\n', len);

		if (nl != NULL && (size_t)(nl - buf) + 1 < len)
			i = (size_t)(nl - buf) + 1;
		while (i < len && ((unsigned char)buf[i] & 0xc0) == 0x80)
			i++;
		if (size > 4) {
			memcpy(out, "...", 3);
			o = 3;
			space = 1;
		}
	}
	for (; i < len && o + 1 < size; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch < 0x20 || ch == 0x7f) {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < size)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
}

/* Whether "NAME=value" is one a child may have from our environment. */
static int
env_allowed(const char *v)
{
	static const char *const names[] = { "PATH=", "HOME=", "LANG=", "LANGUAGE=", "TZ=",
	    "LC_", "CERTDECK_" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(v, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

char **
subproc_envp(char *const vars[], size_t n)
{
	static char default_path[] = "PATH=" DEFAULT_PATH;
	size_t count = 0, i, k, o = 0;
	int have_path = 0;
	char **env;

	while (environ != NULL && environ[count] != NULL)
		count++;
	if ((env = calloc(count + n + 2, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		if (!env_allowed(environ[i]))
			continue;
		for (k = 0; k < n; k++) {
			const char *eq = strchr(vars[k], '=');
			size_t name = eq != NULL ? (size_t)(eq - vars[k]) + 1 : strlen(vars[k]);

			if (strncmp(environ[i], vars[k], name) == 0)
				break;
		}
		if (k == n) {
			have_path |= strncmp(environ[i], "PATH=", 5) == 0;
			env[o++] = environ[i];
		}
	}
	for (k = 0; k < n; k++) {
		have_path |= strncmp(vars[k], "PATH=", 5) == 0;
		env[o++] = vars[k];
	}
	if (!have_path)
		env[o++] = default_path;
	env[o] = NULL;
	return env;
}

/* ---- which program ------------------------------------------------------ */

/* prefix + "/" + name, or NULL. */
static char *
join(const char *prefix, size_t plen, const char *name)
{
	size_t n = plen + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%.*s/%s", (int)plen, prefix, name);
	return p;
}

/* An absolute version of path (relative to the working directory), or NULL. */
static char *
absolute(const char *path)
{
	char *cwd, *p;

	if (path[0] == '/')
		return strdup(path);
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return NULL;
	p = join(cwd, strlen(cwd), path);
	free(cwd);
	return p;
}

/*
 * Checks one file or directory of a program's: owned by root or us, and
 * writable by no one else (a sticky directory excepted). Returns 0 or -1.
 */
static int
check_owner(const char *prog, const char *what, int is_dir, struct err *e)
{
	struct stat sb;

	if (stat(what, &sb) == -1) {
		int saved = errno;

		err_set(e, ERR_INPUT, _("cannot run %s: %s: %s"), prog, what,
		    strerror(saved));
		errno = saved;
		return -1;
	}
	if (!is_dir && !S_ISREG(sb.st_mode))
		err_set(e, ERR_INPUT, _("cannot run %s: not a regular file"), prog);
	else if (sb.st_uid != 0 && sb.st_uid != geteuid())
		err_set(e, ERR_INPUT, _("refusing to run %s: %s is owned by user %lu, "
		    "not by root or the user running certdeck"), prog, what,
		    (unsigned long)sb.st_uid);
	else if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(is_dir && (sb.st_mode & S_ISVTX)))
		err_set(e, ERR_INPUT, _("refusing to run %s: %s is writable by "
		    "other users (mode %04o)"), prog, what, (unsigned)(sb.st_mode & 07777));
	else
		return 0;
	errno = EPERM;
	return -1;
}

int
subproc_check_program(const char *path, struct err *e)
{
	char *real = realpath(path, NULL), *slash;
	int rc;

	if (real == NULL) {
		int saved = errno;

		err_set(e, ERR_INPUT, _("cannot run %s: %s"), path, strerror(saved));
		errno = saved;
		return -1;
	}
	rc = check_owner(path, real, 0, e);
	if (rc == 0 && (slash = strrchr(real, '/')) != NULL) {
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		rc = check_owner(path, real, 1, e);
	}
	free(real);
	return rc;
}

int
subproc_resolve(const char *prog, char **out, struct err *e)
{
	const char *path, *p, *colon;
	char *cand = NULL;

	*out = NULL;
	if (prog == NULL || prog[0] == '\0')
		return err_set(e, ERR_USAGE, "%s", _("no program given"));
	if (strchr(prog, '/') != NULL) {
		if ((cand = absolute(prog)) == NULL)
			return err_nomem(e);
	} else {
		path = getenv("PATH");
		if (path == NULL || path[0] == '\0')
			path = DEFAULT_PATH;
		for (p = path; cand == NULL; p = colon + 1) {
			struct stat sb;
			char *c, *abs;

			colon = strchrnul(p, ':');
			/* An empty entry is the working directory. */
			c = colon > p ? join(p, (size_t)(colon - p), prog) : join(".", 1, prog);
			abs = c != NULL ? absolute(c) : NULL;
			free(c);
			if (abs == NULL)
				return err_nomem(e);
			if (stat(abs, &sb) == 0 && S_ISREG(sb.st_mode) && access(abs, X_OK) == 0)
				cand = abs;
			else
				free(abs);
			if (*colon == '\0')
				break;
		}
		if (cand == NULL) {
			err_set(e, ERR_INPUT, _("cannot run %s: not found in PATH"), prog);
			errno = ENOENT;
			return -1;
		}
	}
	if (subproc_check_program(cand, e) == -1) {
		int saved = errno;

		free(cand);
		errno = saved;
		return -1;
	}
	*out = cand;
	return 0;
}
