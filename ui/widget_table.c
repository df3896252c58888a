#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "i18n.h"
#include "widget_table.h"

void
table_layout(const struct table_col *cols, int n, int width,
    struct table_layout *l)
{
	int i, used, flex = -1, worst;

	memset(l, 0, sizeof(*l));
	l->n = n < TABLE_MAX_COLS ? n : TABLE_MAX_COLS;
	for (i = 0; i < l->n; i++) {
		l->shown[i] = 1;
		if (cols[i].width == 0)
			flex = i;
	}
	/* Drop the most droppable column until the rest fits. */
	for (;;) {
		used = 0;
		for (i = 0; i < l->n; i++)
			if (l->shown[i])
				used += (cols[i].width == 0 ? cols[i].min :
				    cols[i].width) + 1;
		if (used - 1 <= width)
			break;
		worst = -1;
		for (i = 0; i < l->n; i++)
			if (l->shown[i] && cols[i].drop > 0 && (worst == -1 ||
			    cols[i].drop > cols[worst].drop))
				worst = i;
		if (worst == -1)
			break;
		l->shown[worst] = 0;
	}
	for (i = 0, used = 0; i < l->n; i++) {
		if (!l->shown[i])
			continue;
		l->w[i] = cols[i].width == 0 ? cols[i].min : cols[i].width;
		used += l->w[i] + 1;
	}
	used--;
	if (flex >= 0 && l->shown[flex] && used < width)
		l->w[flex] += width - used;
	for (i = 0, used = 0; i < l->n; i++) {
		if (!l->shown[i])
			continue;
		l->x[i] = used;
		if (used + l->w[i] > width)
			l->w[i] = width - used > 0 ? width - used : 0;
		used += l->w[i] + 1;
	}
}

void
table_fill_row(struct ui *ui, int y, attr_t a)
{
	attrset(a);
	mvhline(y, 0, ' ', ui->cols);
	attrset(A_NORMAL);
}

void
table_draw_cell(struct ui *ui, int y, const struct table_col *cols,
    const struct table_layout *l, int col, attr_t a, const char *text)
{
	char buf[1024];
	int used, x;

	if (col >= l->n || !l->shown[col] || l->w[col] <= 0)
		return;
	used = format_fit(buf, sizeof(buf), text, l->w[col],
	    ui->theme.ellipsis);
	x = l->x[col];
	if (cols[col].right)
		x += l->w[col] - used;
	attrset(a);
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
}

void
table_draw_header(struct ui *ui, int y, const struct table_col *cols,
    const struct table_layout *l, int sorted, int descending)
{
	char title[128];
	attr_t a = ui->theme.attr[TH_HEADER];
	int i;

	table_fill_row(ui, y, A_NORMAL);
	for (i = 0; i < l->n; i++) {
		if (!l->shown[i])
			continue;
		if (i == sorted)
			snprintf(title, sizeof(title), "%s%s", _(cols[i].title),
			    descending ? ui->theme.arrow_down :
			    ui->theme.arrow_up);
		else
			snprintf(title, sizeof(title), "%s", _(cols[i].title));
		table_draw_cell(ui, y, cols, l, i, a, title);
	}
}

void
list_view_clamp(struct list_view *lv, int page)
{
	if (page < 1)
		page = 1;
	if (lv->sel >= lv->n)
		lv->sel = lv->n - 1;
	if (lv->sel < 0)
		lv->sel = 0;
	if (lv->top > lv->sel)
		lv->top = lv->sel;
	if (lv->sel >= lv->top + page)
		lv->top = lv->sel - page + 1;
	if (lv->top > lv->n - page)
		lv->top = lv->n - page;
	if (lv->top < 0)
		lv->top = 0;
}

int
list_view_key(struct list_view *lv, enum ui_action act, int page)
{
	int old = lv->sel, old_top = lv->top;

	switch (act) {
	case ACT_UP:
		lv->sel--;
		break;
	case ACT_DOWN:
		lv->sel++;
		break;
	case ACT_PAGE_UP:
		lv->sel -= page;
		lv->top -= page;
		break;
	case ACT_PAGE_DOWN:
		lv->sel += page;
		lv->top += page;
		break;
	case ACT_TOP:
		lv->sel = 0;
		break;
	case ACT_BOTTOM:
		lv->sel = lv->n - 1;
		break;
	default:
		return 0;
	}
	list_view_clamp(lv, page);
	return UI_HANDLED | (lv->sel != old || lv->top != old_top ? UI_REDRAW :
	    0);
}
