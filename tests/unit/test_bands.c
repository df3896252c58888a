/* The TUI's cells: expiry bands as text, time left, width-aware fitting. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "expiry.h"
#include "format.h"
#include "tap.h"

#define NOW 1800000000LL
#define DAY 86400LL

int
main(void)
{
	char buf[128];
	int w;

	setlocale(LC_ALL, "C");
	is_str(format_status_cell(CERT_VALID, NOW - 1, NOW), "EXPIRED",
	    "expired shows EXPIRED");
	is_str(format_status_cell(CERT_VALID, NOW, NOW), "EXPIRED",
	    "expiring this second is expired");
	is_str(format_status_cell(CERT_VALID, NOW + 6 * DAY, NOW), "<7d",
	    "6 days: <7d");
	is_str(format_status_cell(CERT_VALID, NOW + 7 * DAY, NOW), "<30d",
	    "7 days: <30d");
	is_str(format_status_cell(CERT_VALID, NOW + 30 * DAY - 1, NOW), "<30d",
	    "just under 30 days: <30d");
	is_str(format_status_cell(CERT_VALID, NOW + 30 * DAY, NOW), "valid",
	    "30 days: valid");
	is_str(format_status_cell(CERT_REVOKED, NOW - DAY, NOW), "revoked",
	    "revoked wins over expired");
	is_str(format_status_cell(CERT_REPLACED, NOW + DAY, NOW), "replaced",
	    "replaced wins over <7d");
	is_str(format_status_cell(CERT_FAILED, NOW + 90 * DAY, NOW), "failed",
	    "failed");
	is_int(format_row_band(CERT_REVOKED, NOW + 90 * DAY, NOW), -1,
	    "revoked rows get the revoked colour");
	is_int(format_row_band(CERT_VALID, NOW + 3 * DAY, NOW), EXPIRY_WEEK,
	    "the week band");
	is_int(format_row_band(CERT_REPLACED, NOW - DAY, NOW), EXPIRY_OK,
	    "replaced rows are not alarming");

	format_time_left(NOW + 12 * DAY + 3 * 3600 + 59, NOW, buf, sizeof(buf));
	is_str(buf, "12 days 3 hours", "time left in days and hours");
	format_time_left(NOW + DAY + 3600, NOW, buf, sizeof(buf));
	is_str(buf, "1 day 1 hour", "singular");
	format_time_left(NOW + 5 * 3600, NOW, buf, sizeof(buf));
	is_str(buf, "5 hours", "under a day: hours only");
	format_time_left(NOW + 60, NOW, buf, sizeof(buf));
	is_str(buf, "less than an hour", "under an hour");
	format_time_left(NOW - 2 * DAY - 4 * 3600, NOW, buf, sizeof(buf));
	is_str(buf, "expired 2 days 4 hours ago", "expired");

	w = format_fit(buf, sizeof(buf), "www.example.test", 10, "~");
	is_str(buf, "www.examp~", "cut with the ASCII ellipsis");
	is_int(w, 10, "uses the whole width");
	w = format_fit(buf, sizeof(buf), "short", 10, "~");
	ok(strcmp(buf, "short") == 0 && w == 5, "short text is kept");
	format_fit(buf, sizeof(buf), "a\x1b[2Jb\tc", 20, "~");
	is_str(buf, "a?[2Jb?c", "control characters cannot reach the terminal");
	format_fit(buf, sizeof(buf), "caf\xc3\xa9", 10, "~");
	is_str(buf, "caf??", "undecodable bytes in the C locale become ?");
	is_int(format_fit(buf, sizeof(buf), "abc", 0, "~"), 0, "zero width");
	format_fit(buf, 4, "abcdef", 10, "~");
	is_str(buf, "abc", "the buffer size is respected");

	format_name_cell(buf, sizeof(buf), "www.example.test", 3, 40, "~");
	is_str(buf, "www.example.test (+2 more)", "+N more");
	format_name_cell(buf, sizeof(buf), "www.example.test", 3, 20, "~");
	is_str(buf, "www.example.te~ (+2)", "narrow: the count stays visible");
	format_name_cell(buf, sizeof(buf), "api.example.test", 1, 40, "~");
	is_str(buf, "api.example.test", "one name: no count");

	format_hex_pairs("0a1bff", buf, sizeof(buf));
	is_str(buf, "0A:1B:FF", "hex pairs");

	if (setlocale(LC_ALL, "C.UTF-8") != NULL) {
		w = format_fit(buf, sizeof(buf), "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac",
		    7, "\xe2\x80\xa6");
		is_str(buf, "caf\xc3\xa9-\xe2\x80\xa6", "UTF-8: wide characters "
		    "count two columns");
		is_int(w, 6, "... and a cut never splits one");
		is_int(format_width("\xe6\x97\xa5"), 2, "CJK is two columns wide");
		is_int((int)format_take("ab\xc3\xa9" "cd", 3), 4,
		    "take: bytes for three columns");
	}
	return done_testing();
}
