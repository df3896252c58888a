/*
 * The test-only switches (CERTDECK_NOW, CERTDECK_TEST_CRASH_AT,
 * CERTDECK_TEST_FAIL_AT, the shortened limits of testhook_seconds()) are honoured only by a build configured with
 * --enable-test-hooks. Built twice: test_testhook with the configured
 * library (it must match the configure option), and test_testhook_off with
 * src/testhook.c and store/store.c compiled as a plain ./configure build
 * compiles them (CERTDECK_TEST_HOOKS_OFF): there every switch is ignored.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"
#include "testhook.h"

#if defined(CERTDECK_TEST_HOOKS) && !defined(CERTDECK_TEST_HOOKS_OFF)
#define WANT_ON 1
#else
#define WANT_ON 0
#endif

/* 1 when testhook_crash("step") killed a child process with SIGKILL. */
static int
crash_kills(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		testhook_crash("step");
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

int
main(void)
{
	long long now;

	diag("this build %s the test switches", WANT_ON ? "honours" : "ignores");
	is_int(testhook_enabled(), WANT_ON, "testhook_enabled() says what the build does");

	setenv("CERTDECK_NOW", "1000", 1);
	now = store_now();
	if (WANT_ON)
		ok(now == 1000, "CERTDECK_NOW sets store_now()");
	else
		ok(now > 1700000000LL && now >= (long long)time(NULL) - 5,
		    "CERTDECK_NOW is ignored: store_now() is the real time");
	unsetenv("CERTDECK_NOW");

	setenv("CERTDECK_TEST_FAIL_AT", "rename:/x", 1);
	is_int(testhook_fail("rename", "/x"), WANT_ON,
	    WANT_ON ? "CERTDECK_TEST_FAIL_AT makes the named operation fail" :
	    "CERTDECK_TEST_FAIL_AT is ignored");
	is_int(testhook_fail("rename", "/y"), 0, "... never another one");
	unsetenv("CERTDECK_TEST_FAIL_AT");

	setenv("CERTDECK_TEST_HTTP_TIMEOUT", "2", 1);
	is_int((int)testhook_seconds("CERTDECK_TEST_HTTP_TIMEOUT", 30), WANT_ON ? 2 : 30,
	    WANT_ON ? "CERTDECK_TEST_HTTP_TIMEOUT shortens the limit" :
	    "CERTDECK_TEST_HTTP_TIMEOUT is ignored: the limit stays");
	setenv("CERTDECK_TEST_HTTP_TIMEOUT", "3600", 1);
	is_int((int)testhook_seconds("CERTDECK_TEST_HTTP_TIMEOUT", 30), 30,
	    "... and can never lengthen it");
	setenv("CERTDECK_TEST_HTTP_TIMEOUT", "0", 1);
	is_int((int)testhook_seconds("CERTDECK_TEST_HTTP_TIMEOUT", 30), 30,
	    "... nor turn it off");
	unsetenv("CERTDECK_TEST_HTTP_TIMEOUT");

	setenv("CERTDECK_TEST_CRASH_AT", "step", 1);
	is_int(crash_kills(), WANT_ON,
	    WANT_ON ? "CERTDECK_TEST_CRASH_AT kills the process at the step" :
	    "CERTDECK_TEST_CRASH_AT is ignored: the process lives on");
	ok(testhook_getenv("CERTDECK_TEST_CRASH_AT") == NULL || WANT_ON,
	    "testhook_getenv() reads nothing in a build without the hooks");
	unsetenv("CERTDECK_TEST_CRASH_AT");
	return done_testing();
}
