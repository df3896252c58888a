/*
 * Crash injection for the resume tests: CERTDECK_TEST_CRASH_AT=NAME makes
 * the process kill itself with SIGKILL right after step NAME was
 * committed, as a power cut would. Unset in production, it costs a getenv.
 */
#ifndef CERTDECK_TESTHOOK_H
#define CERTDECK_TESTHOOK_H

void testhook_crash(const char *name);

#endif
