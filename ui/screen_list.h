/*
 * What the list screens (accounts, orders, jobs, events) share: rows read
 * whole into a growing array and moved through with a list_view; on an
 * event the list reloads, on a resize the selection stays in view. A
 * screen describes itself in a struct list_def and begins its private
 * struct with a struct list_screen; it keeps only what differs: its rows,
 * its load, its drawing and its keys.
 */
#ifndef CERTDECK_UI_SCREEN_LIST_H
#define CERTDECK_UI_SCREEN_LIST_H

#include <stddef.h>

#include "ui.h"
#include "widget_table.h"

struct list_def {
	struct screen_ops ops;	/* LIST_SCREEN_OPS(...) */
	const struct table_col *cols;
	int n_cols;
	int sorted, descending;	/* the heading's sort arrow (sorted -1: none) */
	/* Draws one row's cells at y in attribute at (the bar is painted). */
	void (*draw_row)(struct ui *ui, int y, const struct table_layout *l,
	    const void *row, attr_t at);
	/* Drawn when there are no rows (N_()-marked); the second read-only, may be NULL. */
	const char *empty, *empty_readonly;
	/* May be NULL: draws lines above the table, returns how many. */
	int (*draw_head)(void *priv, struct ui *ui);
	size_t priv_size;	/* the private struct, a struct list_screen first */
	size_t row_size;
	size_t max_rows;	/* rows kept at most (then truncated); 0: no limit */
	void (*row_clear)(void *row);	/* frees what a row holds; may be NULL */
	/* Reads the rows (after list_screen_reset). Returns UI_* flags. */
	int (*load)(void *priv, struct ui *ui);
	/* Rows a page shows; NULL for the body less the heading line. */
	int (*page)(void *priv, struct ui *ui);
};

/* A list_def's ops: the screen's own name, context and key, the shared rest. */
#define LIST_SCREEN_OPS(ops_name, ops_context, key_fn) { \
	.name = (ops_name), .context = (ops_context), \
	.draw = list_screen_draw, .key = (key_fn), \
	.on_event = list_screen_event, .free = list_screen_free, \
}

struct list_screen {
	const struct list_def *def;
	void *rows;		/* n rows of def->row_size bytes, cap allocated */
	size_t n, cap;
	struct list_view lv;
	int truncated;		/* max_rows were kept and there were more */
};

/*
 * A new screen of def with a zeroed private part, not loaded yet, or NULL
 * with "out of memory" on the status line. Free it with screen_free.
 */
struct screen *list_screen_alloc(struct ui *ui, const struct list_def *def);

/* list_screen_alloc, then the first load. Returns the screen or NULL. */
struct screen *list_screen_open(struct ui *ui, const struct list_def *def);

/* Empties the rows (row_clear on each) and clears truncated; keeps the array. */
void list_screen_reset(struct list_screen *ls);

/*
 * Appends a zeroed row. Returns it (borrowed), or NULL when max_rows are
 * there (truncated is set) or memory ran out.
 */
void *list_screen_add(struct list_screen *ls);

/* Row i (i < n), borrowed. */
void *list_screen_row(const struct list_screen *ls, size_t i);

/* The selected row (borrowed), or NULL when the list is empty. */
void *list_screen_selected(const struct list_screen *ls);

/* Rows one page of s shows. */
int list_screen_page(struct screen *s, struct ui *ui);

/*
 * The list screens' draw: the head, the headings, a page of rows with the
 * selection bar, the rows for the mouse, the cursor and the "n/N" hint;
 * the empty text when there are no rows.
 */
void list_screen_draw(struct screen *s, struct ui *ui);

/* The list screens' on_event: a resize keeps the selection in view, any
 * other event reloads. Returns UI_* flags. */
int list_screen_event(struct screen *s, struct ui *ui, enum ui_event ev);

/* The list screens' free: the rows, then the private part. */
void list_screen_free(struct screen *s);

#endif
