/*
 * ACME accounts: a short list, loaded whole. Enter shows the account's
 * certificates (the list filtered by account:ID); n, e, Shift+K and
 * Shift+X queue account jobs (ui/actions_account.c).
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "actions_account.h"
#include "format.h"
#include "i18n.h"
#include "store_acme.h"
#include "timefmt.h"
#include "ui.h"
#include "screen_list.h"
#include "widget_table.h"

struct account_item {
	int64_t id;
	char *status;
	char *ca;
	char *key_type;
	char *contacts;
	long long created;
};

struct accounts {
	struct list_screen ls;	/* rows of struct account_item */
};

enum col { C_ID, C_STATUS, C_CONTACT, C_CA, C_KEY, C_CREATED, C_COUNT };

static const struct table_col cols[C_COUNT] = {
	[C_ID] = { N_("ID"), 5, 0, 1, 0 },
	[C_STATUS] = { N_("Status"), 11, 0, 0, 0 },
	[C_CONTACT] = { N_("Contact"), 0, 14, 0, 0 },
	[C_CA] = { N_("CA"), 28, 0, 0, 2 },
	[C_KEY] = { N_("Key"), 7, 0, 0, 3 },
	[C_CREATED] = { N_("Created"), 10, 0, 0, 4 },
};

static void
row_clear(void *row)
{
	struct account_item *it = row;

	free(it->status);
	free(it->ca);
	free(it->key_type);
	free(it->contacts);
}

static struct account_item *
row(const struct accounts *a, int i)
{
	return list_screen_row(&a->ls, (size_t)i);
}

/* The contacts cell: "a@b, c@d", or "-". Returns text to free(). */
static char *
contacts_text(const char *json)
{
	char buf[512];

	format_contacts(json, buf, sizeof(buf));
	return strdup(buf[0] != '\0' ? buf : "-");
}

static int
collect(const struct account_row *r, void *arg)
{
	struct accounts *a = arg;
	struct account_item *it;

	if ((it = list_screen_add(&a->ls)) == NULL)
		return 1;
	it->id = r->id;
	it->status = strdup(r->status != NULL ? r->status : "-");
	it->ca = strdup(r->ca_url != NULL ? r->ca_url : "-");
	it->key_type = strdup(r->key_type != NULL ? r->key_type : "-");
	it->contacts = contacts_text(r->contacts_json);
	it->created = r->created;
	return 0;
}

static int
load(void *priv, struct ui *ui)
{
	struct accounts *a = priv;
	struct err e;

	list_screen_reset(&a->ls);
	err_clear(&e);
	if (store_account_list(ui->st, collect, a, &e) == -1)
		ui_error(ui, &e);
	a->ls.lv.n = (int)a->ls.n;
	list_view_clamp(&a->ls.lv, ui->body_rows - 1);
	return UI_REDRAW;
}

static void
draw_row(struct ui *ui, int y, const struct table_layout *l, const void *row,
    attr_t at)
{
	const struct account_item *it = row;
	char buf[64];

	snprintf(buf, sizeof(buf), "%lld", (long long)it->id);
	table_draw_cell(ui, y, cols, l, C_ID, at, buf);
	table_draw_cell(ui, y, cols, l, C_STATUS, at |
	    (strcmp(it->status, "valid") != 0 ?
	    ui->theme.attr[TH_DIM] : 0), it->status);
	table_draw_cell(ui, y, cols, l, C_CONTACT, at, it->contacts);
	table_draw_cell(ui, y, cols, l, C_CA, at, it->ca);
	table_draw_cell(ui, y, cols, l, C_KEY, at, it->key_type);
	timefmt_utc(it->created, 0, buf, sizeof(buf));
	table_draw_cell(ui, y, cols, l, C_CREATED, at, buf);
}

/* The account actions, on the selected row (new: prefilled with its CA). */
static int
account_action(struct accounts *a, struct ui *ui, enum ui_action act)
{
	const struct account_item *it = list_screen_selected(&a->ls);

	if (actions_refused(ui, act))
		return UI_HANDLED | UI_REDRAW;
	if (act == ACT_ACCOUNT_NEW)
		return actions_account_new(ui, it != NULL ? it->ca : NULL);
	if (it == NULL)
		return UI_HANDLED;
	if (act == ACT_ACCOUNT_EDIT)
		return actions_account_edit(ui, it->id);
	if (act == ACT_ACCOUNT_ROLLOVER)
		return actions_account_rollover(ui, it->id);
	return actions_account_deactivate(ui, it->id);
}

static int
accounts_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct accounts *a = s->priv;
	char filter[64];
	int flags;

	if (act == ACT_OPEN) {
		if (a->ls.n == 0)
			return UI_HANDLED;
		snprintf(filter, sizeof(filter), "account:%lld",
		    (long long)row(a, a->ls.lv.sel)->id);
		flags = ui_show_base(ui, UI_BASE_CERTS);
		return flags | ui_set_filter(ui, filter) | UI_HANDLED;
	}
	switch (act) {
	case ACT_ACCOUNT_NEW:
	case ACT_ACCOUNT_EDIT:
	case ACT_ACCOUNT_ROLLOVER:
	case ACT_ACCOUNT_DEACTIVATE:
		return account_action(a, ui, act);
	default:
		return list_view_key(&a->ls.lv, act, ui->body_rows - 1);
	}
}

static const struct list_def accounts_def = {
	.ops = LIST_SCREEN_OPS(N_("Accounts"), KM_ANY | KM_LIST | KM_ACCOUNTS,
	    accounts_key),
	.cols = cols,
	.n_cols = C_COUNT,
	.sorted = -1,
	.draw_row = draw_row,
	.empty = N_("No accounts yet: n (or 'certdeck account new') creates "
	    "one."),
	.empty_readonly = N_("No accounts yet: 'certdeck account new' creates "
	    "one."),
	.priv_size = sizeof(struct accounts),
	.row_size = sizeof(struct account_item),
	.row_clear = row_clear,
	.load = load,
};

struct screen *
screen_accounts_new(struct ui *ui)
{
	return list_screen_open(ui, &accounts_def);
}
