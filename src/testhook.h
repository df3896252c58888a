/*
 * Crash injection for the resume tests: CERTDECK_TEST_CRASH_AT=NAME makes
 * the process kill itself with SIGKILL right after step NAME was
 * committed, as a power cut would. Unset in production, it costs a getenv.
 */
#ifndef CERTDECK_TESTHOOK_H
#define CERTDECK_TESTHOOK_H

void testhook_crash(const char *name);

/*
 * The job lease in seconds: dflt, or CERTDECK_TEST_LEASE_SECONDS (1 to
 * dflt) so that a test can see a lease expire without waiting minutes.
 */
long testhook_lease_seconds(long dflt);

#endif
