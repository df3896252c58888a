/*
 * A tiny TAP producer for unit tests: plan-less, "done_testing" style.
 * Header-only on purpose: every test is one .c file and this.
 */
#ifndef CERTDECK_TAP_H
#define CERTDECK_TAP_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int tap_n, tap_failed;

static inline int
tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, what);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, what) tap_ok(!!(cond), __FILE__, __LINE__, (what))
#define is_int(got, want, what) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, (what))) \
		printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)
#define is_str(got, want, what) do { \
	const char *g_ = (got), *w_ = (want); \
	int same_ = (g_ == NULL && w_ == NULL) || \
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0); \
	if (!ok(same_, (what))) \
		printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", \
		    w_ ? w_ : "(null)"); \
} while (0)
/*
 * ok_returns(STATEMENT, what): STATEMENT runs in a child process and the
 * check passes when it returned there (a crash or an abort fails this
 * check, not the whole test). For functions that return nothing to look at.
 */
#define ok_returns(stmt, what) do { \
	pid_t p_; \
	int st_ = 0; \
	fflush(stdout); \
	if ((p_ = fork()) == 0) { \
		stmt; \
		_exit(0); \
	} \
	ok(p_ > 0 && waitpid(p_, &st_, 0) == p_ && WIFEXITED(st_) && \
	    WEXITSTATUS(st_) == 0, (what)); \
} while (0)
#define diag(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

/*
 * tap_guard(SECONDS, what) ... tap_unguard(): a guard against a hang, not a
 * timing check: if what has not returned after SECONDS (far more than it
 * needs on any machine), the test bails out.
 */
static const char *tap_guard_what;

static void
tap_guard_alarm(int sig)
{
	static const char a[] = "Bail out! hung: ", b[] = " did not return\n";

	(void)sig;
	(void)!write(STDOUT_FILENO, a, sizeof(a) - 1);
	(void)!write(STDOUT_FILENO, tap_guard_what, strlen(tap_guard_what));
	(void)!write(STDOUT_FILENO, b, sizeof(b) - 1);
	_exit(1);
}

static inline void
tap_guard(unsigned seconds, const char *what)
{
	tap_guard_what = what;
	fflush(stdout);
	signal(SIGALRM, tap_guard_alarm);
	alarm(seconds);
}

static inline void
tap_unguard(void)
{
	alarm(0);
}

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
