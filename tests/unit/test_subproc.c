/*
 * subproc_run: argv and environment passing, exit status and signals, stdin,
 * the output tail (its end kept), a timeout that kills the program and
 * its background child, and a background child that outlives a normal
 * exit without holding us up. subproc_tail_line and subproc_envp too.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "subproc.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test_subproc.XXXXXX";

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The tail as a string (it holds no NUL in these tests). */
static const char *
tail_str(const struct subproc_result *r)
{
	static char s[SUBPROC_TAIL_MAX + 1];

	memcpy(s, r->tail, r->len);
	s[r->len] = '\0';
	return s;
}

/* Runs sh -c SCRIPT sh ARGS... with envp; returns subproc_run's result. */
static int
sh(const char *script, const char *arg, char *const envp[], int timeout,
    struct subproc_result *r, struct err *e)
{
	const char *argv[] = { "/bin/sh", "-c", script, "sh", arg, NULL };

	err_clear(e);
	return subproc_run(argv, envp, timeout, r, e);
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 4096);
	n = buf != NULL ? fread(buf, 1, 4095, f) : 0;
	(void)n;
	fclose(f);
	return buf;
}

/* Absent, or a zombie nobody has reaped yet. */
static int
process_gone_now(pid_t pid)
{
	char path[64], *stat;
	int gone;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	stat = read_file(path);
	gone = stat == NULL || strstr(stat, ") Z ") != NULL;
	free(stat);
	return gone;
}

/* A killed process takes a moment to exit on a loaded machine: poll up to 3 s. */
static int
process_gone(pid_t pid)
{
	int i;

	for (i = 0; i < 300; i++) {
		if (process_gone_now(pid))
			return 1;
		usleep(10000);
	}
	return 0;
}

static void
test_argv_env(void)
{
	struct subproc_result r;
	struct err e;
	const char *argv[] = { "/bin/sh", "-c", "printf '<%s>' \"$@\"", "sh", "two words",
	    "", "$HOME;*", NULL };
	char *envp[] = { (char *)"SPAWN_A=one", (char *)"PATH=/usr/bin:/bin", NULL };
	const char *path_argv[] = { "sh", "-c", "exit 0", NULL };

	err_clear(&e);
	ok(subproc_run(argv, NULL, 5, &r, &e) == 0, "a program runs");
	is_str(tail_str(&r), "<two words><><$HOME;*>", "argv passes through without a shell");
	ok(r.exited && r.status == 0 && r.signal == 0 && !r.timed_out && !r.cut,
	    "exited 0, not killed, not cut");

	setenv("SPAWN_LEAK", "inherited", 1);
	ok(sh("printf '%s,%s' \"$SPAWN_A\" \"${SPAWN_LEAK-unset}\"", NULL, envp, 5, &r, &e) == 0,
	    "a program with its own environment");
	is_str(tail_str(&r), "one,unset", "it gets envp and nothing else");
	setenv("CERTDECK_SPAWN", "ours", 1);
	setenv("LC_TIME", "C", 1);
	setenv("TZ", "UTC", 1);
	ok(sh("printf '%s,%s,%s,%s,%s' \"${SPAWN_LEAK-unset}\" \"${CERTDECK_SPAWN-unset}\" "
	    "\"${LC_TIME-unset}\" \"${TZ-unset}\" \"${HOME:+home}\"", NULL, NULL, 5, &r, &e) == 0,
	    "a program with envp NULL");
	is_str(tail_str(&r), "unset,ours,C,UTC,home",
	    "it gets a minimal environment: CERTDECK_*, LC_*, TZ, HOME but not the rest");
	unsetenv("SPAWN_LEAK");
	unsetenv("CERTDECK_SPAWN");
	unsetenv("LC_TIME");

	err_clear(&e);
	ok(subproc_run(path_argv, NULL, 5, &r, &e) == 0 && r.exited && r.status == 0,
	    "argv[0] without a slash is searched in PATH");
}

static void
test_status(void)
{
	struct subproc_result r;
	struct err e;
	const char *missing[] = { "/nonexistent/subproc-test", NULL };

	ok(sh("exit 7", NULL, NULL, 5, &r, &e) == 0, "a failing program still runs");
	ok(r.exited && r.status == 7 && r.signal == 0 && !r.timed_out, "exit status 7");
	ok(sh("kill -TERM $$", NULL, NULL, 5, &r, &e) == 0, "a program killing itself");
	ok(!r.exited && r.signal == SIGTERM && !r.timed_out, "killed by SIGTERM");
	ok(sh("cat; echo end", NULL, NULL, 5, &r, &e) == 0 && r.exited,
	    "a program reading stdin finishes");
	is_str(tail_str(&r), "end\n", "stdin is empty (/dev/null)");
	ok(sh("echo out; echo err >&2", NULL, NULL, 5, &r, &e) == 0, "output to both streams");
	is_str(tail_str(&r), "out\nerr\n", "stdout and stderr go into one tail");

	err_clear(&e);
	ok(subproc_run(missing, NULL, 5, &r, &e) == -1, "a missing program is -1");
	ok(r.failed == SUBPROC_FAIL_EXEC && r.error == ENOENT, "at the exec step, ENOENT");
	ok(strstr(e.msg, "/nonexistent/subproc-test") != NULL, "the message names it");
	diag("%s", e.msg);
}

static void
test_tail(void)
{
	struct subproc_result r;
	struct err e;
	char line[SUBPROC_TAIL_MAX + 8], small[8];
	size_t n;

	ok(sh("i=0; while [ $i -lt 600 ]; do echo \"line $i\"; i=$((i + 1)); done",
	    NULL, NULL, 5, &r, &e) == 0, "a program writing ~4.6 KiB");
	ok(r.cut && r.len == SUBPROC_TAIL_MAX, "the tail is cut to SUBPROC_TAIL_MAX bytes");
	n = strlen("line 599\n");
	ok(r.len >= n && memcmp(r.tail + r.len - n, "line 599\n", n) == 0,
	    "it keeps the end of the output");
	subproc_tail_line(&r, SUBPROC_TAIL_MAX, line, sizeof(line));
	ok(strncmp(line, "... line ", 9) == 0, "the line starts with ... at a whole line");
	n = strlen(line);
	ok(n > 9 && strcmp(line + n - 8, "line 599") == 0, "and ends with the last line");
	ok(strstr(line, "line 1 ") == NULL && strchr(line, '\n') == NULL,
	    "without the beginning, on one line");
	diag("%.60s...", line);

	subproc_tail_line(&r, 100, line, sizeof(line));
	n = strlen(line);
	ok(strncmp(line, "... line 5", 10) == 0 && n < 110 &&
	    strcmp(line + n - 8, "line 599") == 0, "keep 100: the last ~100 bytes only");
	subproc_tail_line(&r, SUBPROC_TAIL_MAX, small, sizeof(small));
	ok(strlen(small) == sizeof(small) - 1, "a small buffer is filled and terminated");

	ok(sh("printf 'a\\tb\\r\\nc\\001d\\n'", NULL, NULL, 5, &r, &e) == 0 && !r.cut,
	    "control characters in the output");
	subproc_tail_line(&r, SUBPROC_TAIL_MAX, line, sizeof(line));
	is_str(line, "a b c d", "become single spaces, none at the end");
	subproc_tail_line(&r, 5, line, sizeof(line));
	is_str(line, "... c d", "a kept window that drops bytes starts with ...");

	/* 500 * 3 bytes: the last 1024 start inside a euro sign. */
	ok(sh("i=0; while [ $i -lt 500 ]; do printf '\342\202\254'; i=$((i + 1)); done",
	    NULL, NULL, 5, &r, &e) == 0 && r.cut, "one long UTF-8 line");
	subproc_tail_line(&r, SUBPROC_TAIL_MAX, line, sizeof(line));
	ok(strncmp(line, "... \342\202\254", 7) == 0, "cut at a character boundary");
}

static void
test_timeout(void)
{
	struct subproc_result r;
	struct err e;
	char pidfile[600], *pidtxt;
	long long t0, took;

	snprintf(pidfile, sizeof(pidfile), "%s/bg.pid", tmpdir);
	t0 = now_ms();
	ok(sh("echo started; sleep 30 & echo $! > \"$1\"; wait", pidfile, NULL, 1, &r, &e) == 0,
	    "a hanging program is still 0");
	took = now_ms() - t0;
	ok(r.timed_out, "timed_out");
	ok(!r.exited && r.signal == SIGTERM, "ended by SIGTERM, the first signal");
	diag("took %lld ms", took);
	is_str(tail_str(&r), "started\n", "its output before the kill is kept");
	pidtxt = read_file(pidfile);
	ok(pidtxt != NULL && atoi(pidtxt) > 0 && process_gone(atoi(pidtxt)),
	    "its background child was killed too (process group)");
	free(pidtxt);
	unlink(pidfile);

	/*
	 * A background child holding the pipe does not delay a normal exit:
	 * subproc_run returns while the child (which holds the pipe open for
	 * 30 s) still runs.
	 */
	t0 = now_ms();
	ok(sh("sleep 30 & echo $!", NULL, NULL, 60, &r, &e) == 0 && r.exited &&
	    r.status == 0 && !r.timed_out, "a program leaving a child behind exits 0");
	took = now_ms() - t0;
	diag("took %lld ms", took);
	{
		pid_t bg = (pid_t)atoi(tail_str(&r));

		ok(bg > 0, "it printed its child's pid");
		ok(bg > 0 && !process_gone_now(bg),
		    "subproc_run returned without waiting for the child's EOF: the child still runs");
		if (bg > 0)
			(void)kill(bg, SIGKILL);
	}
}

/* SIGTERM first: a program may clean up; one that ignores it gets SIGKILL. */
static void
test_term_then_kill(void)
{
	struct subproc_result r;
	struct err e;
	char pidfile[600], *pidtxt;

	tap_guard(60, "the SIGTERM tests");
	ok(sh("trap 'echo cleaned up; exit 4' TERM; echo started; while :; do sleep 0.1; done",
	    NULL, NULL, 1, &r, &e) == 0, "a program that catches SIGTERM");
	ok(r.timed_out && r.exited && r.status == 4, "it got SIGTERM and exited by itself");
	ok(strstr(tail_str(&r), "cleaned up") != NULL, "... after cleaning up");

	snprintf(pidfile, sizeof(pidfile), "%s/stubborn.pid", tmpdir);
	ok(sh("trap '' TERM; sleep 60 & echo $! > \"$1\"; while :; do sleep 0.1; done",
	    pidfile, NULL, 1, &r, &e) == 0, "a program that ignores SIGTERM");
	ok(r.timed_out && !r.exited && r.signal == SIGKILL,
	    "it is killed with SIGKILL after the grace period");
	pidtxt = read_file(pidfile);
	ok(pidtxt != NULL && atoi(pidtxt) > 0 && process_gone(atoi(pidtxt)),
	    "... and so is its child, which ignored SIGTERM too");
	free(pidtxt);
	unlink(pidfile);

	/* The leader goes on SIGTERM, its child ignores it: the group gets SIGKILL. */
	snprintf(pidfile, sizeof(pidfile), "%s/orphan.pid", tmpdir);
	ok(sh("(trap '' TERM; exec sleep 60) & echo $! > \"$1\"; wait", pidfile, NULL, 1, &r,
	    &e) == 0 && r.timed_out, "a program whose child ignores SIGTERM");
	pidtxt = read_file(pidfile);
	ok(pidtxt != NULL && atoi(pidtxt) > 0 && process_gone(atoi(pidtxt)),
	    "the child is killed with the group once the program is gone");
	free(pidtxt);
	unlink(pidfile);
	tap_unguard();
}

/* Nothing but stdin, stdout and stderr reaches the child. */
static void
test_descriptors(void)
{
	struct subproc_result r;
	struct err e;
	char script[128];
	int fd = open("/dev/null", O_RDONLY);	/* no O_CLOEXEC, as libcurl's sockets */

	ok(fd > 2, "a descriptor without close-on-exec is open");
	snprintf(script, sizeof(script), "[ -e /proc/self/fd/%d ] && echo leaked || echo closed",
	    fd);
	ok(sh(script, NULL, NULL, 5, &r, &e) == 0, "a program runs");
	is_str(tail_str(&r), "closed\n", "it does not inherit the descriptor");
	ok(sh("ls /proc/self/fd | sort -n | tr '\\n' ' '", NULL, NULL, 5, &r, &e) == 0,
	    "it lists its descriptors");
	/* 0, 1, 2 and the one ls opens to read the directory. */
	is_str(tail_str(&r), "0 1 2 3 ", "only 0, 1 and 2 are open in it");
	close(fd);
}

/* A program another user may change is refused, before it runs. */
static void
test_unsafe(void)
{
	struct subproc_result r;
	struct err e;
	char dir[600], prog[700], mark[700], *abs;
	const char *argv[] = { prog, NULL };
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/bin", tmpdir);
	snprintf(prog, sizeof(prog), "%s/hook", dir);
	snprintf(mark, sizeof(mark), "%s/ran", tmpdir);
	mkdir(dir, 0755);
	f = fopen(prog, "w");
	if (f != NULL) {
		fprintf(f, "#!/bin/sh\ntouch '%s'\n", mark);
		fclose(f);
	}
	chmod(prog, 0755);
	err_clear(&e);
	ok(subproc_run(argv, NULL, 5, &r, &e) == 0 && r.exited && r.status == 0,
	    "a program only we may change runs");
	ok(access(mark, F_OK) == 0, "... really");
	unlink(mark);

	chmod(prog, 0777);
	err_clear(&e);
	ok(subproc_run(argv, NULL, 5, &r, &e) == -1 && r.failed == SUBPROC_FAIL_UNSAFE,
	    "a world-writable program is refused");
	ok(strstr(e.msg, "writable by other users") != NULL && strstr(e.msg, prog) != NULL,
	    "... saying so and naming it");
	ok(access(mark, F_OK) == -1, "... and it did not run");
	chmod(prog, 0755);
	chmod(dir, 0777);
	err_clear(&e);
	ok(subproc_run(argv, NULL, 5, &r, &e) == -1 && r.failed == SUBPROC_FAIL_UNSAFE,
	    "a program in a world-writable directory is refused");
	ok(strstr(e.msg, dir) != NULL, "... naming the directory");
	chmod(dir, 0775);
	ok(subproc_check_program(prog, &e) == -1, "a group-writable directory is refused too");
	chmod(dir, 0755);
	ok(subproc_check_program(prog, &e) == 0, "back to 0755 it is fine");
	if (geteuid() == 0) {
		ok(chown(prog, 65534, 65534) == 0 && subproc_check_program(prog, &e) == -1 &&
		    strstr(e.msg, "owned by user 65534") != NULL,
		    "a program owned by another user is refused");
		(void)!chown(prog, 0, 0);
	} else {
		ok(1, "# SKIP owning a file by another user needs root");
	}

	err_clear(&e);
	ok(subproc_resolve("sh", &abs, &e) == 0 && abs != NULL && abs[0] == '/' &&
	    strcmp(strrchr(abs, '/'), "/sh") == 0, "a bare name resolves to an absolute path");
	diag("sh is %s", abs != NULL ? abs : e.msg);
	free(abs);
	ok(chdir(tmpdir) == 0 && subproc_resolve("bin/hook", &abs, &e) == 0 &&
	    strcmp(abs, prog) == 0, "a relative path is made absolute");
	free(abs);
	ok(subproc_resolve("no-such-program-certdeck", &abs, &e) == -1 && abs == NULL &&
	    strstr(e.msg, "not found") != NULL, "a name not in PATH is refused");
	unlink(prog);
	rmdir(dir);
}

static void
test_envp(void)
{
	char *vars[] = { (char *)"CERTDECK_SPAWN_A=new", (char *)"CERTDECK_SPAWN_C=" };
	char **env;
	size_t i, a = 0, b = 0, ab = 0, c = 0, leak = 0, path = 0;

	setenv("CERTDECK_SPAWN_A", "stale", 1);
	setenv("CERTDECK_SPAWN_AB", "other", 1);
	setenv("CERTDECK_SPAWN_B", "keep", 1);
	setenv("SPAWN_LEAK", "no", 1);
	unsetenv("PATH");
	env = subproc_envp(vars, 2);
	ok(env != NULL, "subproc_envp");
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		a += strncmp(env[i], "CERTDECK_SPAWN_A=", 17) == 0;
		ab += strcmp(env[i], "CERTDECK_SPAWN_AB=other") == 0;
		b += strcmp(env[i], "CERTDECK_SPAWN_B=keep") == 0;
		c += strcmp(env[i], "CERTDECK_SPAWN_C=") == 0;
		leak += strncmp(env[i], "SPAWN_LEAK=", 11) == 0;
		path += strncmp(env[i], "PATH=/", 6) == 0;
	}
	ok(a == 1 && env != NULL && env[i - 3] == vars[0], "our CERTDECK_SPAWN_A replaces the stale one");
	ok(ab == 1 && b == 1, "other CERTDECK_ variables stay, also one that shares a prefix");
	ok(c == 1 && env[i - 2] == vars[1], "an empty value is added after ours");
	ok(leak == 0, "a variable outside the list is not passed");
	ok(path == 1, "without PATH, a default PATH is given");
	free(env);
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	unsetenv("CERTDECK_SPAWN_A");
	unsetenv("CERTDECK_SPAWN_AB");
	unsetenv("CERTDECK_SPAWN_B");
	unsetenv("SPAWN_LEAK");
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_argv_env();
	test_status();
	test_tail();
	test_timeout();
	test_term_then_kill();
	test_descriptors();
	test_unsafe();
	test_envp();
	rmdir(tmpdir);
	return done_testing();
}
