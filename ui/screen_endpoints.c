/*
 * Every endpoint with what its last check found: host and port, the
 * server name asked for, STARTTLS, the certificate meant to be served,
 * the verdict, when it was checked and what was wrong. Problems first.
 * The probing is the worker's ('certdeck check', P on the detail view);
 * this screen only reads the store.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_endpoint.h"
#include "timefmt.h"
#include "ui.h"
#include "screen_list.h"
#include "widget_table.h"

#define ENDPOINTS_MAX 20000

struct endpoint_item {
	int64_t id;
	char where[280];	/* host:port */
	char *sni;		/* NULL: the host */
	char starttls[12];
	char *name;		/* the certificate's */
	int has_state;
	enum endpoint_state state;
	long long checked;
	char *message;
};

struct endpoints {
	struct list_screen ls;	/* rows of struct endpoint_item */
};

enum col { C_VERDICT, C_WHERE, C_SNI, C_STARTTLS, C_NAME, C_CHECKED, C_MESSAGE, C_COUNT };

static const struct table_col cols[C_COUNT] = {
	[C_VERDICT] = { N_("Verdict"), 15, 0, 0, 0 },
	[C_WHERE] = { N_("Endpoint"), 21, 0, 0, 0 },
	[C_SNI] = { N_("SNI"), 20, 0, 0, 3 },
	[C_STARTTLS] = { N_("STARTTLS"), 8, 0, 0, 4 },
	[C_NAME] = { N_("Certificate"), 22, 0, 0, 2 },
	[C_CHECKED] = { N_("Checked"), 16, 0, 0, 1 },
	[C_MESSAGE] = { N_("Message"), 0, 12, 0, 0 },
};

static void
row_clear(void *row)
{
	struct endpoint_item *it = row;

	free(it->sni);
	free(it->name);
	free(it->message);
}

static int
add_row(const struct endpoint_row *r, const char *cert_name, void *arg)
{
	struct endpoints *ep = arg;
	struct endpoint_item *it;

	if ((it = list_screen_add(&ep->ls)) == NULL)
		return 1;	/* full (truncated is set) or out of memory */
	it->id = r->id;
	snprintf(it->where, sizeof(it->where), "%s:%d", r->host, r->port);
	snprintf(it->starttls, sizeof(it->starttls), "%s", r->starttls != NULL ?
	    r->starttls : "-");
	it->has_state = r->has_state && r->checked > 0;
	it->state = r->state;
	it->checked = r->checked;
	it->sni = r->sni != NULL ? strdup(r->sni) : NULL;
	it->name = strdup(cert_name);
	it->message = r->message != NULL ? strdup(r->message) : NULL;
	return 0;
}

static int
load(void *priv, struct ui *ui)
{
	struct endpoints *ep = priv;
	const struct endpoint_item *was = list_screen_selected(&ep->ls);
	int64_t sel_id = was != NULL ? was->id : 0;
	struct err e;
	size_t i;

	list_screen_reset(&ep->ls);
	ep->ls.lv.sel = 0;
	err_clear(&e);
	if (store_endpoint_each(ui->st, ENDPOINTS_MAX + 1, add_row, ep, &e) == -1)
		ui_error(ui, &e);
	ep->ls.lv.n = (int)ep->ls.n;
	/* The selected endpoint stays selected as its verdict moves it. */
	for (i = 0; i < ep->ls.n; i++)
		if (((struct endpoint_item *)list_screen_row(&ep->ls, i))->id == sel_id)
			ep->ls.lv.sel = (int)i;
	list_view_clamp(&ep->ls.lv, ui->body_rows - 1);
	return UI_REDRAW;
}

static attr_t
verdict_attr(struct ui *ui, const struct endpoint_item *it)
{
	if (!it->has_state)
		return ui->theme.attr[TH_DIM];
	switch (it->state) {
	case EP_OK:
		return 0;
	case EP_EXPIRING:
		return ui->theme.attr[TH_WEEK];
	default:
		return ui->theme.attr[TH_REVOKED];
	}
}

static void
draw_row(struct ui *ui, int y, const struct table_layout *l, const void *row,
    attr_t at)
{
	const struct endpoint_item *it = row;
	char buf[64];

	table_draw_cell(ui, y, cols, l, C_VERDICT, at | verdict_attr(ui, it),
	    /* TRANSLATORS: the Endpoints screen's verdict of an endpoint never checked. */
	    it->has_state ? store_endpoint_state_name(it->state) : _("not checked"));
	table_draw_cell(ui, y, cols, l, C_WHERE, at, it->where);
	table_draw_cell(ui, y, cols, l, C_SNI, at, it->sni != NULL ? it->sni : "-");
	table_draw_cell(ui, y, cols, l, C_STARTTLS, at, it->starttls);
	table_draw_cell(ui, y, cols, l, C_NAME, at, it->name != NULL ? it->name : "?");
	if (it->has_state) {
		timefmt_utc(it->checked, 1, buf, sizeof(buf));
		buf[16] = '\0';	/* "YYYY-MM-DD HH:MM" */
	} else
		snprintf(buf, sizeof(buf), "-");
	table_draw_cell(ui, y, cols, l, C_CHECKED, at, buf);
	table_draw_cell(ui, y, cols, l, C_MESSAGE, at,
	    it->message != NULL ? it->message : "");
}

static int
endpoints_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct endpoints *ep = s->priv;

	(void)key;
	return list_view_key(&ep->ls.lv, act, ui->body_rows - 1);
}

static const struct list_def endpoints_def = {
	.ops = LIST_SCREEN_OPS(N_("Endpoints"), KM_ANY | KM_LIST, endpoints_key),
	.cols = cols,
	.n_cols = C_COUNT,
	.sorted = C_VERDICT,
	.draw_row = draw_row,
	.empty = N_("No endpoints: 'certdeck endpoint add CERT_ID HOST[:PORT]' "
	    "adds one, 'certdeck check' probes them."),
	.priv_size = sizeof(struct endpoints),
	.row_size = sizeof(struct endpoint_item),
	.max_rows = ENDPOINTS_MAX,
	.row_clear = row_clear,
	.load = load,
};

struct screen *
screen_endpoints_new(struct ui *ui)
{
	return list_screen_open(ui, &endpoints_def);
}
