/* The list screens' common part: rows, reload on events, free, constructor. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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
