/*
 * Colours and glyphs. Colour is never the only signal: every band also
 * has text. NO_COLOR (set and not empty) or a terminal without colours
 * gives monochrome attributes; a locale that is not UTF-8 gives ASCII
 * glyphs for lines, arrows and bars.
 */
#ifndef CERTDECK_UI_THEME_H
#define CERTDECK_UI_THEME_H

#include <curses.h>

enum theme_role {
	TH_NORMAL,
	TH_TITLE,	/* the top line */
	TH_TAB,		/* the current screen's name in the top line */
	TH_HEADER,	/* table headings */
	TH_SELECTED,	/* the selected row */
	TH_STATUS,	/* the status line */
	TH_ERROR,	/* an error message */
	TH_KEY,		/* a key name in the F-key bar */
	TH_BAR,		/* the F-key bar's labels */
	TH_EXPIRED,
	TH_WEEK,	/* under 7 days */
	TH_MONTH,	/* under 30 days */
	TH_REVOKED,	/* revoked or failed */
	TH_LABEL,	/* field labels in the detail view */
	TH_DIM,		/* replaced rows, hints */
	TH_ROLE_COUNT
};

struct theme {
	int colour;		/* colours in use */
	int utf8;		/* UTF-8 glyphs allowed */
	attr_t attr[TH_ROLE_COUNT];
	const char *vline;	/* column separator */
	const char *ellipsis;	/* marks cut text */
	const char *arrow_up;	/* sort direction in headings */
	const char *arrow_down;
	const char *more;	/* "more rows below" marker */
};

/* Sets up t for the current terminal and locale (after newterm). */
void theme_init(struct theme *t);

/* 1 when the colour-free mode was asked for by NO_COLOR. */
int theme_no_color(void);

#endif
