#include "config.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

enum {
	PAIR_TITLE = 1, PAIR_EXPIRED, PAIR_WEEK, PAIR_MONTH, PAIR_REVOKED,
	PAIR_KEY, PAIR_ERROR, PAIR_HEADER, PAIR_LABEL,
};

int
theme_no_color(void)
{
	const char *v = getenv("NO_COLOR");

	return v != NULL && v[0] != '\0';
}

static int
locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
}

void
theme_init(struct theme *t)
{
	int bg = COLOR_BLACK;

	memset(t, 0, sizeof(*t));
	t->utf8 = locale_utf8();
	t->vline = t->utf8 ? "\xe2\x94\x82" : "|";	/* U+2502 */
	t->ellipsis = t->utf8 ? "\xe2\x80\xa6" : "~";	/* U+2026 */
	t->arrow_up = t->utf8 ? "\xe2\x96\xb2" : "^";	/* U+25B2 */
	t->arrow_down = t->utf8 ? "\xe2\x96\xbc" : "v";	/* U+25BC */
	t->more = t->utf8 ? "\xe2\x86\x93" : "+";	/* U+2193 */

	/* Monochrome: attributes every terminal has, vt100 included. */
	t->attr[TH_NORMAL] = A_NORMAL;
	t->attr[TH_TITLE] = A_REVERSE;
	t->attr[TH_TAB] = A_BOLD;
	t->attr[TH_HEADER] = A_BOLD | A_UNDERLINE;
	t->attr[TH_SELECTED] = A_REVERSE;
	t->attr[TH_STATUS] = A_NORMAL;
	t->attr[TH_ERROR] = A_BOLD;
	t->attr[TH_KEY] = A_REVERSE;
	t->attr[TH_BAR] = A_NORMAL;
	t->attr[TH_EXPIRED] = A_BOLD;
	t->attr[TH_WEEK] = A_BOLD;
	t->attr[TH_MONTH] = A_NORMAL;
	t->attr[TH_REVOKED] = A_BOLD;
	t->attr[TH_LABEL] = A_BOLD;
	t->attr[TH_DIM] = A_DIM;

	if (theme_no_color() || !has_colors() || start_color() == ERR)
		return;
	if (use_default_colors() == OK)
		bg = -1;
	t->colour = 1;
	init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_EXPIRED, COLOR_RED, bg);
	init_pair(PAIR_WEEK, COLOR_RED, bg);
	init_pair(PAIR_MONTH, COLOR_YELLOW, bg);
	init_pair(PAIR_REVOKED, COLOR_MAGENTA, bg);
	init_pair(PAIR_KEY, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_ERROR, COLOR_RED, bg);
	init_pair(PAIR_HEADER, COLOR_CYAN, bg);
	init_pair(PAIR_LABEL, COLOR_CYAN, bg);
	t->attr[TH_TITLE] = COLOR_PAIR(PAIR_TITLE);
	t->attr[TH_TAB] = COLOR_PAIR(PAIR_TITLE) | A_BOLD;
	t->attr[TH_HEADER] = COLOR_PAIR(PAIR_HEADER) | A_BOLD;
	t->attr[TH_EXPIRED] = COLOR_PAIR(PAIR_EXPIRED) | A_BOLD;
	t->attr[TH_WEEK] = COLOR_PAIR(PAIR_WEEK);
	t->attr[TH_MONTH] = COLOR_PAIR(PAIR_MONTH);
	t->attr[TH_REVOKED] = COLOR_PAIR(PAIR_REVOKED);
	t->attr[TH_KEY] = COLOR_PAIR(PAIR_KEY);
	t->attr[TH_ERROR] = COLOR_PAIR(PAIR_ERROR) | A_BOLD;
	t->attr[TH_LABEL] = COLOR_PAIR(PAIR_LABEL);
}
