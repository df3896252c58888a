/* How close a certificate is to expiry, as both the CLI and the TUI show it. */
#ifndef CERTDECK_EXPIRY_H
#define CERTDECK_EXPIRY_H

enum expiry_band {
	EXPIRY_EXPIRED,		/* not_after has passed */
	EXPIRY_WEEK,		/* less than 7 days left */
	EXPIRY_MONTH,		/* less than 30 days left */
	EXPIRY_OK,
	EXPIRY_BAND_COUNT
};

/* The band of a certificate expiring at not_after, seen at now. */
enum expiry_band expiry_band(long long not_after, long long now);

/*
 * The status word shown to users: the stored lifecycle status ("revoked",
 * "replaced", "failed") wins; a "valid" certificate shows as "expired",
 * "expiring" (less than 30 days) or "valid". Untranslated: it is also the
 * JSON value.
 */
const char *expiry_status(const char *stored_status, long long not_after, long long now);

/* Text tag for a band, so monochrome terminals show it: "EXPIRED", "<7d", "<30d", "". */
const char *expiry_band_tag(enum expiry_band band);

/* Whole days from now until not_after, negative when past (truncated toward zero). */
long long expiry_days_left(long long not_after, long long now);

#endif
