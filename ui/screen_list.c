/* The list screens' common part: rows, reload on events, free, constructor. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curses.h>

#include "i18n.h"
#include "screen_list.h"

struct screen *
list_screen_alloc(struct ui *ui, const struct list_def *def)
{
	struct screen *s = screen_alloc(ui, &def->ops, def->priv_size);

	if (s != NULL)
		((struct list_screen *)s->priv)->def = def;
	return s;
}

struct screen *
list_screen_open(struct ui *ui, const struct list_def *def)
{
	struct screen *s = list_screen_alloc(ui, def);

	if (s != NULL)
		def->load(s->priv, ui);
	return s;
}

void
list_screen_reset(struct list_screen *ls)
{
	size_t i;

	if (ls->def->row_clear != NULL)
		for (i = 0; i < ls->n; i++)
			ls->def->row_clear(list_screen_row(ls, i));
	ls->n = 0;
	ls->truncated = 0;
}

void *
list_screen_add(struct list_screen *ls)
{
	size_t size = ls->def->row_size, cap;
	void *grown, *row;

	if (ls->def->max_rows > 0 && ls->n == ls->def->max_rows) {
		ls->truncated = 1;
		return NULL;
	}
	if (ls->n == ls->cap) {
		cap = ls->cap ? ls->cap * 2 : 32;
		if ((grown = realloc(ls->rows, cap * size)) == NULL)
			return NULL;
		ls->rows = grown;
		ls->cap = cap;
	}
	row = list_screen_row(ls, ls->n++);
	memset(row, 0, size);
	return row;
}

void *
list_screen_row(const struct list_screen *ls, size_t i)
{
	return (char *)ls->rows + i * ls->def->row_size;
}

void *
list_screen_selected(const struct list_screen *ls)
{
	return ls->n > 0 ? list_screen_row(ls, (size_t)ls->lv.sel) : NULL;
}

int
list_screen_page(struct screen *s, struct ui *ui)
{
	struct list_screen *ls = s->priv;

	return ls->def->page != NULL ? ls->def->page(s->priv, ui) :
	    ui->body_rows - 1;
}

void
list_screen_draw(struct screen *s, struct ui *ui)
{
	struct list_screen *ls = s->priv;
	const struct list_def *d = ls->def;
	struct table_layout l;
	int i, y, sel, page = list_screen_page(s, ui), y0 = ui->body_top;
	const char *empty;
	attr_t at;

	if (d->draw_head != NULL)
		y0 += d->draw_head(s->priv, ui);
	list_view_clamp(&ls->lv, page);
	table_layout(d->cols, d->n_cols, ui->cols, &l);
	table_draw_header(ui, y0, d->cols, &l, d->sorted, d->descending);
	for (i = 0; i < page && ls->lv.top + i < (int)ls->n; i++) {
		sel = ls->lv.top + i == ls->lv.sel;
		y = y0 + 1 + i;
		at = sel ? ui->theme.attr[TH_SELECTED] : A_NORMAL;
		if (sel)
			table_fill_row(ui, y, at);
		d->draw_row(ui, y, &l, list_screen_row(ls,
		    (size_t)(ls->lv.top + i)), at);
	}
	s->rows_y = y0 + 1;
	s->rows_n = i;
	s->hint[0] = '\0';
	if (ls->n == 0) {
		empty = ui->readonly && d->empty_readonly != NULL ?
		    d->empty_readonly : d->empty;
		ui_put(ui, y0 + 2, 2, ui->cols - 4, ui->theme.attr[TH_DIM],
		    _(empty));
		return;
	}
	s->cursor_y = y0 + 1 + ls->lv.sel - ls->lv.top;
	snprintf(s->hint, sizeof(s->hint), ls->truncated ? "%d/%zu+" : "%d/%zu",
	    ls->lv.sel + 1, ls->n);
}

int
list_screen_event(struct screen *s, struct ui *ui, enum ui_event ev)
{
	struct list_screen *ls = s->priv;

	if (ev == UI_EV_RESIZE) {
		list_view_clamp(&ls->lv, list_screen_page(s, ui));
		return UI_REDRAW;
	}
	return ls->def->load(s->priv, ui);
}

void
list_screen_free(struct screen *s)
{
	struct list_screen *ls = s->priv;

	if (ls == NULL)
		return;
	list_screen_reset(ls);
	free(ls->rows);
	free(ls);
}
