#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testhook.h"

int
testhook_enabled(void)
{
#if defined(CERTDECK_TEST_HOOKS) && !defined(CERTDECK_TEST_HOOKS_OFF)
	return 1;
#else
	return 0;
#endif
}

const char *
testhook_getenv(const char *name)
{
#if defined(CERTDECK_TEST_HOOKS) && !defined(CERTDECK_TEST_HOOKS_OFF)
	return getenv(name);
#else
	(void)name;
	return NULL;
#endif
}

void
testhook_crash(const char *name)
{
	const char *at = testhook_getenv("CERTDECK_TEST_CRASH_AT");

	if (at != NULL && strcmp(at, name) == 0)
		raise(SIGKILL);
}

long
testhook_lease_seconds(long dflt)
{
	return testhook_seconds("CERTDECK_TEST_LEASE_SECONDS", dflt);
}

long
testhook_seconds(const char *name, long dflt)
{
	const char *v = testhook_getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return dflt;
	n = strtol(v, &end, 10);
	return *end == '\0' && n >= 1 && n <= dflt ? n : dflt;
}

int
testhook_fail(const char *name, const char *detail)
{
	const char *at = testhook_getenv("CERTDECK_TEST_FAIL_AT");
	size_t n = strlen(name);

	if (at == NULL || strncmp(at, name, n) != 0)
		return 0;
	if (at[n] == '\0' || (at[n] == ':' && detail != NULL && strcmp(at + n + 1, detail) == 0)) {
		errno = EIO;
		return 1;
	}
	return 0;
}
