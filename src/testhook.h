/*
 * Fault injection for the tests, honoured only in a build configured with
 * --enable-test-hooks (which `make check` through ./quickstart and CI
 * use); a production build compiles them to nothing.
 *
 * CERTDECK_TEST_CRASH_AT=NAME makes the process kill itself with SIGKILL
 * right after step NAME was committed, as a power cut would.
 * CERTDECK_TEST_FAIL_AT=NAME:DETAIL (or NAME) makes the operation NAME on
 * DETAIL (e.g. rename:/etc/tls/key.pem) fail as with EIO.
 */
#ifndef CERTDECK_TESTHOOK_H
#define CERTDECK_TESTHOOK_H

/* Whether this build honours the test switches (CERTDECK_TEST_*, CERTDECK_NOW). */
int testhook_enabled(void);

/* Kills the process when CERTDECK_TEST_CRASH_AT names this step. */
void testhook_crash(const char *name);

/*
 * The job lease in seconds: dflt, or CERTDECK_TEST_LEASE_SECONDS (1 to
 * dflt) so that a test can see a lease expire without waiting minutes.
 */
long testhook_lease_seconds(long dflt);

/*
 * A limit in seconds: dflt, or the variable `name` (1 to dflt) so that a
 * test of a stalling CA ends in seconds: CERTDECK_TEST_HTTP_TIMEOUT (a
 * request's total time), CERTDECK_TEST_HTTP_LOW_SPEED_TIME (how long a
 * transfer may stay under the speed limit), CERTDECK_TEST_POLL_STALL
 * (how long an order may show no progress). It can only shorten a limit.
 */
long testhook_seconds(const char *name, long dflt);

/*
 * Returns 1 (errno set to EIO) when CERTDECK_TEST_FAIL_AT names this
 * operation (name, or name:detail), else 0.
 */
int testhook_fail(const char *name, const char *detail);

/*
 * getenv(name) when the build honours test switches, else NULL: the one
 * way the engine reads a test-only variable.
 */
const char *testhook_getenv(const char *name);

#endif
