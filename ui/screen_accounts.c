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
	struct account_item *rows;
	size_t n, cap;
	struct list_view lv;
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
rows_clear(struct accounts *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->rows[i].status);
		free(a->rows[i].ca);
		free(a->rows[i].key_type);
		free(a->rows[i].contacts);
	}
	a->n = 0;
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
	struct account_item *grown, *it;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;

		if ((grown = realloc(a->rows, cap * sizeof(*grown))) == NULL)
			return 1;
		a->rows = grown;
		a->cap = cap;
	}
	it = &a->rows[a->n++];
	it->id = r->id;
	it->status = strdup(r->status != NULL ? r->status : "-");
	it->ca = strdup(r->ca_url != NULL ? r->ca_url : "-");
	it->key_type = strdup(r->key_type != NULL ? r->key_type : "-");
	it->contacts = contacts_text(r->contacts_json);
	it->created = r->created;
	return 0;
}

static int
load(struct accounts *a, struct ui *ui)
{
	struct err e;

	rows_clear(a);
	err_clear(&e);
	if (store_account_list(ui->st, collect, a, &e) == -1)
		ui_message(ui, 1, "%s", e.msg);
	a->lv.n = (int)a->n;
	list_view_clamp(&a->lv, ui->body_rows - 1);
	return UI_REDRAW;
}

static void
accounts_draw(struct screen *s, struct ui *ui)
{
	struct accounts *a = s->priv;
	struct table_layout l;
	char buf[64];
	int i, y, page = ui->body_rows - 1;
	attr_t at;

	list_view_clamp(&a->lv, page);
	table_layout(cols, C_COUNT, ui->cols, &l);
	table_draw_header(ui, ui->body_top, cols, &l, -1, 0);
	for (i = 0; i < page && a->lv.top + i < (int)a->n; i++) {
		const struct account_item *it = &a->rows[a->lv.top + i];
		int sel = a->lv.top + i == a->lv.sel;

		y = ui->body_top + 1 + i;
		at = sel ? ui->theme.attr[TH_SELECTED] : A_NORMAL;
		if (sel)
			table_fill_row(ui, y, at);
		snprintf(buf, sizeof(buf), "%lld", (long long)it->id);
		table_draw_cell(ui, y, cols, &l, C_ID, at, buf);
		table_draw_cell(ui, y, cols, &l, C_STATUS, at |
		    (strcmp(it->status, "valid") != 0 ?
		    ui->theme.attr[TH_DIM] : 0), it->status);
		table_draw_cell(ui, y, cols, &l, C_CONTACT, at, it->contacts);
		table_draw_cell(ui, y, cols, &l, C_CA, at, it->ca);
		table_draw_cell(ui, y, cols, &l, C_KEY, at, it->key_type);
		timefmt_utc(it->created, 0, buf, sizeof(buf));
		table_draw_cell(ui, y, cols, &l, C_CREATED, at, buf);
	}
	s->rows_y = ui->body_top + 1;
	s->rows_n = i;
	s->hint[0] = '\0';
	if (a->n == 0) {
		ui_put(ui, ui->body_top + 2, 2, ui->cols - 4,
		    ui->theme.attr[TH_DIM], ui->readonly ? _("No accounts yet: "
		    "'certdeck account new' creates one.") : _("No accounts yet: "
		    "n (or 'certdeck account new') creates one."));
		return;
	}
	s->cursor_y = ui->body_top + 1 + a->lv.sel - a->lv.top;
	snprintf(s->hint, sizeof(s->hint), "%d/%zu", a->lv.sel + 1, a->n);
}

/* The account actions, on the selected row (new: prefilled with its CA). */
static int
account_action(struct accounts *a, struct ui *ui, enum ui_action act)
{
	const struct account_item *it = a->n > 0 ? &a->rows[a->lv.sel] : NULL;

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
		if (a->n == 0)
			return UI_HANDLED;
		snprintf(filter, sizeof(filter), "account:%lld",
		    (long long)a->rows[a->lv.sel].id);
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
		return list_view_key(&a->lv, act, ui->body_rows - 1);
	}
}

static int
accounts_event(struct screen *s, struct ui *ui, enum ui_event ev)
{
	if (ev == UI_EV_RESIZE) {
		list_view_clamp(&((struct accounts *)s->priv)->lv,
		    ui->body_rows - 1);
		return UI_REDRAW;
	}
	return load(s->priv, ui);
}

static void
accounts_free(struct screen *s)
{
	struct accounts *a = s->priv;

	if (a == NULL)
		return;
	rows_clear(a);
	free(a->rows);
	free(a);
}

static const struct screen_ops accounts_ops = {
	.name = N_("Accounts"),
	.context = KM_ANY | KM_LIST | KM_ACCOUNTS,
	.draw = accounts_draw,
	.key = accounts_key,
	.on_event = accounts_event,
	.free = accounts_free,
};

struct screen *
screen_accounts_new(struct ui *ui)
{
	struct screen *s = screen_alloc(ui, &accounts_ops, sizeof(struct accounts));
	struct accounts *a;

	if (s == NULL)
		return NULL;
	a = s->priv;
	load(a, ui);
	return s;
}
