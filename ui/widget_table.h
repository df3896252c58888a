/*
 * Table layout and drawing shared by the list screens: columns that drop
 * out by priority as the terminal narrows, one flexible column taking the
 * rest, headings with the sort arrow, and in-memory list navigation.
 */
#ifndef CERTDECK_UI_WIDGET_TABLE_H
#define CERTDECK_UI_WIDGET_TABLE_H

#include "ui.h"

#define TABLE_MAX_COLS 12

struct table_col {
	const char *title;	/* N_()-marked */
	int width;		/* fixed width; 0 for the flexible column */
	int min;		/* the flexible column's minimum */
	int right;		/* right-aligned */
	int drop;		/* dropped first when narrow: higher first; 0 never */
};

struct table_layout {
	int n;
	int shown[TABLE_MAX_COLS];
	int x[TABLE_MAX_COLS];
	int w[TABLE_MAX_COLS];
};

/* Places n columns in width columns of screen. */
void table_layout(const struct table_col *cols, int n, int width,
    struct table_layout *l);

/* Draws the headings at row y; sorted is a column index or -1. */
void table_draw_header(struct ui *ui, int y, const struct table_col *cols,
    const struct table_layout *l, int sorted, int descending);

/* Draws one cell of row y (nothing when the column is hidden). */
void table_draw_cell(struct ui *ui, int y, const struct table_col *cols,
    const struct table_layout *l, int col, attr_t a, const char *text);

/* Paints row y with attribute a (the selection bar) before its cells. */
void table_fill_row(struct ui *ui, int y, attr_t a);

/* An in-memory list's position. */
struct list_view {
	int n;		/* rows */
	int sel;	/* selected row */
	int top;	/* first row shown */
};

/* Moves through rows (page = rows visible). Returns UI_* flags. */
int list_view_key(struct list_view *lv, enum ui_action act, int page);

/* Keeps the selection inside and visible after n or page changed. */
void list_view_clamp(struct list_view *lv, int page);

#endif
