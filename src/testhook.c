#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testhook.h"

void
testhook_crash(const char *name)
{
	const char *at = getenv("CERTDECK_TEST_CRASH_AT");

	if (at != NULL && strcmp(at, name) == 0)
		raise(SIGKILL);
}

long
testhook_lease_seconds(long dflt)
{
	const char *v = getenv("CERTDECK_TEST_LEASE_SECONDS");
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return dflt;
	n = strtol(v, &end, 10);
	return *end == '\0' && n >= 1 && n <= dflt ? n : dflt;
}
