/*
 * ACME orders, newest first. The newest ORDERS_MAX are shown; Enter opens
 * an order's certificate once it has one.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "i18n.h"
#include "store_acme.h"
#include "timefmt.h"
#include "ui.h"
#include "screen_list.h"
#include "widget_table.h"

#define ORDERS_MAX 1000

struct order_item {
	int64_t id;
	int64_t account_id;
	int64_t cert_id;
	char *status;
	char *names;
	long long updated;
	int has_error;
};

struct orders {
	struct list_screen ls;	/* rows of struct order_item */
};

enum col { C_ID, C_ACCOUNT, C_STATUS, C_NAMES, C_UPDATED, C_CERT, C_COUNT };

static const struct table_col cols[C_COUNT] = {
	[C_ID] = { N_("ID"), 5, 0, 1, 0 },
	[C_ACCOUNT] = { N_("Acct"), 5, 0, 1, 3 },
	[C_STATUS] = { N_("Status"), 10, 0, 0, 0 },
	[C_NAMES] = { N_("Names"), 0, 14, 0, 0 },
	[C_UPDATED] = { N_("Updated"), 16, 0, 0, 2 },
	[C_CERT] = { N_("Cert"), 7, 0, 1, 4 },
};

static void
row_clear(void *row)
{
	struct order_item *it = row;

	free(it->status);
	free(it->names);
}

static struct order_item *
row(const struct orders *o, int i)
{
	return list_screen_row(&o->ls, (size_t)i);
}

/* [{"type":"dns","value":"a"},...] -> "a, b". */
static char *
names_text(const char *json)
{
	cJSON *arr = json != NULL ? cJSON_Parse(json) : NULL, *it;
	char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(it, arr) {
		const char *v = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(it, "value"));

		if (v == NULL)
			continue;
		len += (size_t)snprintf(buf + len, len < sizeof(buf) ?
		    sizeof(buf) - len : 0, "%s%s", len ? ", " : "", v);
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
	}
	cJSON_Delete(arr);
	return strdup(buf[0] != '\0' ? buf : "-");
}

static int
collect(const struct order_row *r, void *arg)
{
	struct orders *o = arg;
	struct order_item *it;

	if ((it = list_screen_add(&o->ls)) == NULL)
		return 1;
	it->id = r->id;
	it->account_id = r->account_id;
	it->cert_id = r->cert_id;
	it->status = strdup(r->status != NULL ? r->status : "-");
	it->names = names_text(r->identifiers_json);
	it->updated = r->updated != 0 ? r->updated : r->created;
	it->has_error = r->error_json != NULL;
	return 0;
}

static int
load(void *priv, struct ui *ui)
{
	struct orders *o = priv;
	struct err e;

	list_screen_reset(&o->ls);
	err_clear(&e);
	if (store_order_list(ui->st, collect, o, &e) == -1)
		ui_error(ui, &e);
	o->ls.lv.n = (int)o->ls.n;
	list_view_clamp(&o->ls.lv, ui->body_rows - 1);
	return UI_REDRAW;
}

static void
draw_row(struct ui *ui, int y, const struct table_layout *l, const void *row,
    attr_t at)
{
	const struct order_item *it = row;
	char buf[64];
	attr_t st = at;

	if (strcmp(it->status, "invalid") == 0 || it->has_error)
		st |= ui->theme.attr[TH_EXPIRED];
	snprintf(buf, sizeof(buf), "%lld", (long long)it->id);
	table_draw_cell(ui, y, cols, l, C_ID, at, buf);
	snprintf(buf, sizeof(buf), "#%lld", (long long)it->account_id);
	table_draw_cell(ui, y, cols, l, C_ACCOUNT, at, buf);
	table_draw_cell(ui, y, cols, l, C_STATUS, st, it->status);
	table_draw_cell(ui, y, cols, l, C_NAMES, at, it->names);
	timefmt_utc(it->updated, 1, buf, sizeof(buf));
	buf[16] = '\0';	/* to the minute */
	table_draw_cell(ui, y, cols, l, C_UPDATED, at, buf);
	if (it->cert_id != 0)
		snprintf(buf, sizeof(buf), "#%lld", (long long)it->cert_id);
	else
		snprintf(buf, sizeof(buf), "-");
	table_draw_cell(ui, y, cols, l, C_CERT, at, buf);
}

static int
orders_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct orders *o = s->priv;
	const struct order_item *it;

	if (act == ACT_OPEN) {
		if (o->ls.n == 0)
			return UI_HANDLED;
		it = row(o, o->ls.lv.sel);
		if (it->cert_id == 0) {
			ui_message(ui, 0, _("order #%lld has no certificate "
			    "(status %s)"), (long long)it->id, it->status);
			return UI_HANDLED | UI_REDRAW;
		}
		return ui_push(ui, screen_detail_new(ui, it->cert_id)) |
		    UI_HANDLED;
	}
	return list_view_key(&o->ls.lv, act, ui->body_rows - 1);
}

static const struct list_def orders_def = {
	.ops = LIST_SCREEN_OPS(N_("Orders"), KM_ANY | KM_LIST, orders_key),
	.cols = cols,
	.n_cols = C_COUNT,
	.sorted = C_ID,
	.descending = 1,
	.draw_row = draw_row,
	.empty = N_("No orders yet."),
	.priv_size = sizeof(struct orders),
	.row_size = sizeof(struct order_item),
	.max_rows = ORDERS_MAX,
	.row_clear = row_clear,
	.load = load,
};

struct screen *
screen_orders_new(struct ui *ui)
{
	return list_screen_open(ui, &orders_def);
}
