/* Time formatting shared by the CLI, JSON output and the TUI. All UTC. */
#ifndef CERTDECK_TIMEFMT_H
#define CERTDECK_TIMEFMT_H

#include <stddef.h>

/* "YYYY-MM-DD HH:MM:SS UTC" when full, else "YYYY-MM-DD". */
void timefmt_utc(long long t, int full, char *buf, size_t n);

/* RFC 3339 ("2026-11-29T03:29:15Z"). */
void timefmt_rfc3339(long long t, char *buf, size_t n);

/* An RFC 5322 date for mail headers ("Fri, 04 Dec 2026 14:06:10 +0000"). */
void timefmt_rfc5322(long long t, char *buf, size_t n);

/*
 * Parses a strict RFC 3339 date-time ("2025-01-02T04:05:06Z", with
 * fractions and offsets). Returns 0 and *out (Unix seconds), or -1 and
 * leaves *out alone.
 */
int timefmt_parse_rfc3339(const char *s, long long *out);

/* Milliseconds on the monotonic clock (for deadlines and timeouts, not dates). */
long long timefmt_now_ms(void);

#endif
