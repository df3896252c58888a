#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "subproc.h"
#include "timefmt.h"

extern char **environ;

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
 * stdin from /dev/null, stdout and stderr into wfd; its own process group
 * (so a timeout kills whatever it started), no blocked signals and the
 * default action for those a parent may catch or ignore. Returns 0 or an
 * error number.
 */
static int
prepare(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, int wfd)
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
	if ((rc = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(fa, wfd, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(fa, wfd, 2)) != 0 ||
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

		if (w == pid)
			return 0;
		if (w == -1 && errno != EINTR)
			return -1;
		left = deadline - timefmt_now_ms();
		if (left <= 0) {
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) == -1 && errno == EINTR)
				;
			r->timed_out = 1;
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

int
subproc_run(const char *const argv[], char *const envp[], int timeout_s,
    struct subproc_result *res, struct err *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pfd[2] = { -1, -1 };
	int fa_ok = 0, attr_ok = 0, rc = -1, status = 0;
	pid_t pid = -1;

	memset(res, 0, sizeof(*res));
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
	if (rc != 0 || (rc = prepare(&fa, &attr, pfd[1])) != 0) {
		res->failed = SUBPROC_FAIL_PREPARE;
		res->error = rc;
		err_set(e, ERR_IO, _("cannot prepare to run %s: %s"), argv[0], strerror(rc));
		rc = -1;
		goto out;
	}
	/* posix_spawnp only reads argv; its prototype predates const. */
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv,
	    envp != NULL ? envp : environ);
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
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	if (pfd[0] != -1)
		close(pfd[0]);
	if (pfd[1] != -1)
		close(pfd[1]);
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

char **
subproc_envp(char *const vars[], size_t n)
{
	size_t count = 0, i, k, o = 0;
	char **env;

	while (environ != NULL && environ[count] != NULL)
		count++;
	if ((env = calloc(count + n + 1, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		for (k = 0; k < n; k++) {
			const char *eq = strchr(vars[k], '=');
			size_t name = eq != NULL ? (size_t)(eq - vars[k]) + 1 : strlen(vars[k]);

			if (strncmp(environ[i], vars[k], name) == 0)
				break;
		}
		if (k == n)
			env[o++] = environ[i];
	}
	for (k = 0; k < n; k++)
		env[o++] = vars[k];
	env[o] = NULL;
	return env;
}
