/*
 * Running an external program the way hooks and reload commands are run:
 * no shell, its own process group, stdin from /dev/null (or given bytes),
 * stdout and stderr into one pipe of which the last bytes are kept, and
 * the whole group killed when it outlives its timeout. (Not named spawn.h: with -I src
 * that would hide the system's <spawn.h>.)
 */
#ifndef CERTDECK_SUBPROC_H
#define CERTDECK_SUBPROC_H

#include <stddef.h>

#include "err.h"

#define SUBPROC_TAIL_MAX 1024	/* bytes of output kept */
#define SUBPROC_GRACE_S 5	/* from SIGTERM at the timeout to SIGKILL */

/* The step at which subproc_run gave up. */
enum subproc_step {
	SUBPROC_OK,
	SUBPROC_FAIL_PIPE,	/* pipe2 */
	SUBPROC_FAIL_PREPARE,	/* posix_spawn attributes and file actions */
	SUBPROC_FAIL_EXEC,	/* posix_spawnp: no such program, not executable */
	SUBPROC_FAIL_WAIT,	/* waitpid */
	SUBPROC_FAIL_UNSAFE	/* not found, or writable by another user (e says which) */
};

struct subproc_result {
	int exited;		/* 1 when it exited by itself: status is its exit status */
	int status;
	int signal;		/* the signal that ended it when not exited, else 0 */
	int timed_out;		/* 1 when it outlived the timeout and its group was killed */
	enum subproc_step failed;	/* when subproc_run returned -1: which step */
	int error;		/* ... and that step's errno */
	int cut;		/* 1 when earlier output was dropped */
	size_t len;		/* bytes in tail */
	char tail[SUBPROC_TAIL_MAX]; /* the last len bytes it wrote; not a string */
};

/*
 * Runs argv[0] (searched in PATH, and refused as subproc_resolve says)
 * with argv and envp (NULL: subproc_envp(NULL, 0)) as described above,
 * with no descriptor open but 0, 1 and 2, and waits for it, at most
 * timeout_s seconds; then sends its process group SIGTERM, and SIGKILL
 * SUBPROC_GRACE_S seconds later (or once the program itself is gone). A
 * background child that outlives a normal exit is left alone, and its
 * output after that exit is not waited for.
 * Returns 0 when the program ran (res says how it ended, timed_out
 * included), or -1 when it could not be started or waited for (e says
 * why; res->failed and res->error say where, for callers with their own
 * wording).
 */
int subproc_run(const char *const argv[], char *const envp[], int timeout_s,
    struct subproc_result *res, struct err *e);

/*
 * Like subproc_run, with input (input_len bytes, at most what a pipe
 * holds: 64 KiB at least) as the program's standard input instead of
 * /dev/null, followed by end of file. Returns as subproc_run.
 */
int subproc_run_input(const char *const argv[], char *const envp[], const char *input,
    size_t input_len, int timeout_s, struct subproc_result *res, struct err *e);

/*
 * Writes the last keep bytes of res's output into out (of size bytes) as
 * one printable line: control characters become single spaces, and output
 * that was cut starts with "..." at a line (or at least a UTF-8 character)
 * boundary. keep larger than SUBPROC_TAIL_MAX means all of the tail.
 */
void subproc_tail_line(const struct subproc_result *res, size_t keep, char *out,
    size_t size);

/*
 * Returns a child's minimal environment: of environ only PATH (a default
 * one when unset), HOME, LANG, LANGUAGE, LC_*, TZ and CERTDECK_*, without
 * the variables that vars (n "NAME=value" strings) set, followed by vars;
 * or NULL when out of memory. The caller frees the array only: the
 * strings stay borrowed.
 */
char **subproc_envp(char *const vars[], size_t n);

/*
 * Refuses a program that another user could change: the file (links
 * followed) must be owned by root or us and writable by no one else, and
 * so must its directory (unless sticky). Returns 0 or -1 naming it.
 */
int subproc_check_program(const char *path, struct err *e);

/*
 * The absolute path of prog as it would be run: a name without a slash
 * searched in PATH, a relative path made absolute against the working
 * directory; then checked with subproc_check_program. Hooks and reload
 * commands are stored that way. Returns 0 and *out (free it), or -1.
 */
int subproc_resolve(const char *prog, char **out, struct err *e);

#endif
