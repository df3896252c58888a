/* Time formatting shared by the CLI, JSON output and the TUI. All UTC. */
#ifndef CERTDECK_TIMEFMT_H
#define CERTDECK_TIMEFMT_H

#include <stddef.h>

/* "YYYY-MM-DD HH:MM:SS UTC" when full, else "YYYY-MM-DD". */
void timefmt_utc(long long t, int full, char *buf, size_t n);

/* RFC 3339 ("2026-11-29T03:29:15Z"). */
void timefmt_rfc3339(long long t, char *buf, size_t n);

#endif
