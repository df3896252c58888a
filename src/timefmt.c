#include "config.h"

#include <stdio.h>
#include <time.h>

#include "timefmt.h"

static void
format(long long t, const char *fmt, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* fmt is one of the two literals below. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, n, fmt, &tm) == 0)
		snprintf(buf, n, "?");
#pragma GCC diagnostic pop
}

void
timefmt_utc(long long t, int full, char *buf, size_t n)
{
	format(t, full ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d", buf, n);
}

void
timefmt_rfc3339(long long t, char *buf, size_t n)
{
	format(t, "%Y-%m-%dT%H:%M:%SZ", buf, n);
}
