#include "config.h"

#include <string.h>

#include "expiry.h"

enum expiry_band
expiry_band(long long not_after, long long now)
{
	long long left = not_after - now;

	if (left <= 0)
		return EXPIRY_EXPIRED;
	if (left < 7LL * 86400)
		return EXPIRY_WEEK;
	if (left < 30LL * 86400)
		return EXPIRY_MONTH;
	return EXPIRY_OK;
}

const char *
expiry_status(const char *stored_status, long long not_after, long long now)
{
	if (stored_status != NULL && strcmp(stored_status, "valid") != 0)
		return stored_status;
	switch (expiry_band(not_after, now)) {
	case EXPIRY_EXPIRED:
		return "expired";
	case EXPIRY_WEEK:
	case EXPIRY_MONTH:
		return "expiring";
	default:
		return "valid";
	}
}

const char *
expiry_band_tag(enum expiry_band band)
{
	static const char *const tags[EXPIRY_BAND_COUNT] = {
		[EXPIRY_EXPIRED] = "EXPIRED", [EXPIRY_WEEK] = "<7d",
		[EXPIRY_MONTH] = "<30d", [EXPIRY_OK] = "",
	};

	return (unsigned)band < EXPIRY_BAND_COUNT ? tags[band] : "";
}

long long
expiry_days_left(long long not_after, long long now)
{
	/* Truncated toward zero: "-2" reads as "expired two days ago". */
	return (not_after - now) / 86400;
}
