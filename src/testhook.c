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
