/*
 * The certificate list, the default screen. Only the visible page is in
 * memory: every move past its edges asks the store for the rows after (or
 * before) the first or last one by keyset, so a million certificates cost
 * what twenty do.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "expiry.h"
#include "format.h"
#include "i18n.h"
#include "store_cert.h"
#include "store_endpoint.h"
#include "summary.h"
#include "timefmt.h"
#include "ui.h"
#include "widget_table.h"

/* Issuer order has no index: it sorts the matching set on every page. */
#define ISSUER_SORT_MAX 10000

struct cert_item {
	int64_t id;
	char *name;
	size_t n_sans;
	long long not_after;
	enum cert_status status;
	char *issuer_cn;
	char *key_type;
	int64_t account_id;
	int served;		/* store_endpoint_worst's: a state, EP_STATE_COUNT, -1 */
};

struct certs {
	struct cert_item *rows;
	int n, cap;		/* cap: rows that fit */
	int sel;
	int more_before, more_after;
	enum cert_sort sort;
	int descending;
	int loaded;
	int failed;		/* the last load failed (message shown) */
	int64_t *marked;	/* Space marks rows for r and K */
	size_t n_marked, cap_marked;
	struct summary sum;	/* the line above the headings */
};

enum col { C_NAME, C_DAYS, C_EXPIRES, C_STATUS, C_ISSUER, C_KEY, C_SERVED,
	C_ACCOUNT, C_COUNT };

static const struct table_col cols[C_COUNT] = {
	[C_NAME] = { N_("Name"), 0, 16, 0, 0 },
	[C_DAYS] = { N_("Days"), 5, 0, 1, 0 },
	[C_EXPIRES] = { N_("Expires"), 10, 0, 0, 2 },
	[C_STATUS] = { N_("Status"), 8, 0, 0, 0 },
	[C_ISSUER] = { N_("Issuer"), 14, 0, 0, 3 },
	[C_KEY] = { N_("Key"), 7, 0, 0, 4 },
	[C_ACCOUNT] = { N_("Acct"), 5, 0, 1, 5 },
	/*
	 * What the endpoints serve: dropped first, so that 80 columns keep
	 * the layout they had (names, band text); from about 92 it shows.
	 */
	[C_SERVED] = { N_("Served"), 11, 0, 0, 6 },
};

static void
item_clear(struct cert_item *it)
{
	free(it->name);
	free(it->issuer_cn);
	free(it->key_type);
	memset(it, 0, sizeof(*it));
}

static void
items_clear(struct cert_item *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		item_clear(&v[i]);
}

/* The summary line and the headings take the body's first two lines. */
#define HEAD_ROWS 2

static int
page_rows(struct ui *ui)
{
	return ui->body_rows > HEAD_ROWS ? ui->body_rows - HEAD_ROWS : 1;
}

/* The text part of the keyset cursor for the current sort. */
static const char *
cursor_text(const struct certs *c, const struct cert_item *it)
{
	switch (c->sort) {
	case CERT_SORT_NAME:
		return it->name;
	case CERT_SORT_STATUS:
		return store_cert_status_name(it->status);
	case CERT_SORT_ISSUER:
		return it->issuer_cn != NULL ? it->issuer_cn : "";
	default:
		return NULL;
	}
}

struct fetch {
	struct ui *ui;
	struct cert_item *out;
	int n, want;
	int check_names;	/* name terms the store did not check */
	int oom;
};

static int
fetch_cb(const struct cert_row *row, void *arg)
{
	struct fetch *f = arg;
	struct cert_item *it;

	if (f->check_names && !filter_match_names(&f->ui->filter, row->sans,
	    row->n_sans))
		return 0;
	it = &f->out[f->n];
	memset(it, 0, sizeof(*it));
	it->id = row->id;
	it->n_sans = row->n_sans;
	it->not_after = row->not_after;
	it->status = row->status;
	it->account_id = row->account_id;
	if ((it->name = strdup(row->name)) == NULL ||
	    (row->issuer_cn != NULL &&
	    (it->issuer_cn = strdup(row->issuer_cn)) == NULL) ||
	    (row->key_type != NULL &&
	    (it->key_type = strdup(row->key_type)) == NULL)) {
		item_clear(it);
		f->oom = 1;
		return 2;
	}
	f->n++;
	return f->n >= f->want ? 1 : 0;
}

/*
 * The Served cell of each fetched row: the worst verdict of its
 * endpoints, one indexed query per row of the page (a page, not the list).
 */
static void
served_fill(struct ui *ui, struct cert_item *v, int n)
{
	struct err e;
	int i;

	for (i = 0; i < n; i++) {
		err_clear(&e);
		if (store_endpoint_worst(ui->st, v[i].id, &v[i].served, &e) != 0)
			v[i].served = -1;
	}
}

/* Fills the query for the filter and the sort. Returns 1 when nothing can match. */
static int
make_query(struct certs *c, struct ui *ui, struct cert_query *q)
{
	if (filter_to_query(&ui->filter, ui->now, q) == 1)
		return 1;
	q->sort = c->sort;
	q->descending = c->descending;
	return 0;
}

/*
 * Loads up to want rows into out, starting after (or, with backward,
 * before) cursor; NULL starts at the end the walk comes from. Returns the
 * number of rows, or -1 (a message is set, or a reload is pending).
 */
static int
fetch(struct certs *c, struct ui *ui, const struct cert_item *cursor,
    int backward, int inclusive, int want, struct cert_item *out)
{
	struct cert_query q;
	struct fetch f = { .ui = ui, .out = out, .want = want };
	struct err e;
	int rc;

	if (want <= 0 || make_query(c, ui, &q) == 1)
		return 0;
	q.backward = backward;
	if (cursor != NULL) {
		q.after_not_after = cursor->not_after;
		q.after_id = cursor->id;
		q.after_text = cursor_text(c, cursor);
		q.include_cursor = inclusive;
	}
	/* Rows the extra name terms drop do not count against the limit. */
	f.check_names = ui->filter.n_names > 1;
	q.limit = f.check_names ? 0 : want;
	err_clear(&e);
	rc = store_cert_list(ui->st, &q, fetch_cb, &f, &e);
	if (rc == -1 || f.oom) {
		items_clear(out, f.n);
		if (ui_was_interrupted(ui))
			ui->reload_pending = 1;
		else if (f.oom)
			ui_nomem(ui);
		else
			ui_error(ui, &e);
		c->failed = 1;
		return -1;
	}
	c->failed = 0;
	served_fill(ui, out, f.n);
	return f.n;
}

static int
ensure_cap(struct certs *c, struct ui *ui)
{
	int want = page_rows(ui);
	struct cert_item *grown;

	if (want <= c->cap)
		return 0;
	grown = realloc(c->rows, (size_t)want * sizeof(*grown));
	if (grown == NULL) {
		ui_nomem(ui);
		return -1;
	}
	c->rows = grown;
	c->cap = want;
	return 0;
}

/* Scratch space for a page and one more row. */
static struct cert_item *
scratch(struct ui *ui, int extra)
{
	struct cert_item *s = calloc((size_t)(page_rows(ui) * 2 + extra),
	    sizeof(*s));

	if (s == NULL)
		ui_nomem(ui);
	return s;
}

static void
reverse(struct cert_item *v, int n)
{
	struct cert_item t;
	int i;

	for (i = 0; i < n / 2; i++) {
		t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

static int
load_top(struct certs *c, struct ui *ui)
{
	int p = page_rows(ui), got;
	struct cert_item *tmp;

	if (ensure_cap(c, ui) == -1 || (tmp = scratch(ui, 1)) == NULL)
		return UI_REDRAW;
	got = fetch(c, ui, NULL, 0, 0, p + 1, tmp);
	if (got >= 0) {
		items_clear(c->rows, c->n);
		c->n = got < p ? got : p;
		memcpy(c->rows, tmp, (size_t)c->n * sizeof(*tmp));
		items_clear(tmp + c->n, got - c->n);
		c->more_after = got > p;
		c->more_before = 0;
		c->sel = 0;
		c->loaded = 1;
	}
	free(tmp);
	return UI_REDRAW;
}

static int
load_bottom(struct certs *c, struct ui *ui)
{
	int p = page_rows(ui), got;
	struct cert_item *tmp;

	if (ensure_cap(c, ui) == -1 || (tmp = scratch(ui, 1)) == NULL)
		return UI_REDRAW;
	got = fetch(c, ui, NULL, 1, 0, p + 1, tmp);
	if (got >= 0) {
		items_clear(c->rows, c->n);
		c->n = got < p ? got : p;
		items_clear(tmp + c->n, got - c->n);
		reverse(tmp, c->n);
		memcpy(c->rows, tmp, (size_t)c->n * sizeof(*tmp));
		c->more_before = got > p;
		c->more_after = 0;
		c->sel = c->n > 0 ? c->n - 1 : 0;
	}
	free(tmp);
	return UI_REDRAW;
}

/*
 * Reloads the page from its first row (inclusive), filling up from before
 * it when rows went away, and keeps the selected certificate selected.
 */
static int
reload(struct certs *c, struct ui *ui)
{
	int p, got, back, i, extra;
	int64_t sel_id;
	struct cert_item anchor, *tmp, *before;

	if (!c->loaded || c->n == 0)
		return load_top(c, ui);
	if (ensure_cap(c, ui) == -1)
		return UI_REDRAW;
	p = page_rows(ui);
	sel_id = c->rows[c->sel].id;
	anchor = c->rows[0];
	if ((tmp = scratch(ui, 2)) == NULL)
		return UI_REDRAW;
	before = tmp + p + 1;
	got = fetch(c, ui, &anchor, 0, 1, p + 1, tmp);
	if (got < 0)
		goto out;
	extra = got > p ? got - p : 0;
	items_clear(tmp + got - extra, extra);
	got -= extra;
	/* Rows before the anchor: to fill the page, and one to know there are more. */
	back = fetch(c, ui, &anchor, 1, 0, p - got + 1, before);
	if (back < 0) {
		items_clear(tmp, got);
		goto out;
	}
	c->more_after = extra > 0;
	c->more_before = back > p - got;
	if (c->more_before)
		item_clear(&before[--back]);
	reverse(before, back);
	items_clear(c->rows, c->n);
	memcpy(c->rows, before, (size_t)back * sizeof(*tmp));
	memcpy(c->rows + back, tmp, (size_t)got * sizeof(*tmp));
	c->n = back + got;
	c->sel = c->sel + back;
	for (i = 0; i < c->n; i++)
		if (c->rows[i].id == sel_id)
			c->sel = i;
	if (c->sel >= c->n)
		c->sel = c->n - 1;
	if (c->sel < 0)
		c->sel = 0;
out:
	free(tmp);
	return UI_REDRAW;
}

static int
page_down(struct certs *c, struct ui *ui)
{
	int p = page_rows(ui), got, total, off, target;
	struct cert_item *tmp;

	if (c->n == 0)
		return UI_HANDLED;
	if (!c->more_after) {
		if (c->sel == c->n - 1)
			return UI_HANDLED;
		c->sel = c->n - 1;
		return UI_HANDLED | UI_REDRAW;
	}
	if ((tmp = scratch(ui, 1)) == NULL)
		return UI_HANDLED | UI_REDRAW;
	memcpy(tmp, c->rows, (size_t)c->n * sizeof(*tmp));
	got = fetch(c, ui, &c->rows[c->n - 1], 0, 0, p + 1, tmp + c->n);
	if (got < 0) {
		free(tmp);
		return UI_HANDLED | UI_REDRAW;
	}
	c->more_after = got > p;
	if (got > p)
		item_clear(&tmp[c->n + --got]);
	total = c->n + got;
	off = total > p ? total - p : 0;
	target = c->sel + p;
	if (target > total - 1)
		target = total - 1;
	items_clear(tmp, off);
	memcpy(c->rows, tmp + off, (size_t)(total - off) * sizeof(*tmp));
	c->n = total - off;
	c->sel = target - off;
	if (off > 0)
		c->more_before = 1;
	free(tmp);
	return UI_HANDLED | UI_REDRAW;
}

static int
page_up(struct certs *c, struct ui *ui)
{
	int p = page_rows(ui), got, total, keep, target;
	struct cert_item *tmp;

	if (c->n == 0)
		return UI_HANDLED;
	if (!c->more_before) {
		if (c->sel == 0)
			return UI_HANDLED;
		c->sel = 0;
		return UI_HANDLED | UI_REDRAW;
	}
	if ((tmp = scratch(ui, 1)) == NULL)
		return UI_HANDLED | UI_REDRAW;
	got = fetch(c, ui, &c->rows[0], 1, 0, p + 1, tmp);
	if (got < 0) {
		free(tmp);
		return UI_HANDLED | UI_REDRAW;
	}
	c->more_before = got > p;
	if (got > p)
		item_clear(&tmp[--got]);
	reverse(tmp, got);
	memcpy(tmp + got, c->rows, (size_t)c->n * sizeof(*tmp));
	total = got + c->n;
	keep = total < p ? total : p;
	target = c->sel + got - p;
	if (target < 0)
		target = 0;
	items_clear(tmp + keep, total - keep);
	if (total > keep)
		c->more_after = 1;
	memcpy(c->rows, tmp, (size_t)keep * sizeof(*tmp));
	c->n = keep;
	c->sel = target < keep ? target : keep - 1;
	free(tmp);
	return UI_HANDLED | UI_REDRAW;
}

static int
step_down(struct certs *c, struct ui *ui)
{
	struct cert_item next[2];
	int got;

	if (c->sel < c->n - 1) {
		c->sel++;
		return UI_HANDLED | UI_REDRAW;
	}
	if (!c->more_after || c->n == 0)
		return UI_HANDLED;
	got = fetch(c, ui, &c->rows[c->n - 1], 0, 0, 2, next);
	if (got <= 0) {
		c->more_after = 0;
		return UI_HANDLED | UI_REDRAW;
	}
	c->more_after = got > 1;
	if (got > 1)
		item_clear(&next[1]);
	if (c->n == page_rows(ui)) {
		item_clear(&c->rows[0]);
		memmove(c->rows, c->rows + 1, (size_t)(c->n - 1) *
		    sizeof(*c->rows));
		c->n--;
		c->more_before = 1;
	}
	c->rows[c->n++] = next[0];
	c->sel = c->n - 1;
	return UI_HANDLED | UI_REDRAW;
}

static int
step_up(struct certs *c, struct ui *ui)
{
	struct cert_item prev[2];
	int got;

	if (c->sel > 0) {
		c->sel--;
		return UI_HANDLED | UI_REDRAW;
	}
	if (!c->more_before || c->n == 0)
		return UI_HANDLED;
	got = fetch(c, ui, &c->rows[0], 1, 0, 2, prev);
	if (got <= 0) {
		c->more_before = 0;
		return UI_HANDLED | UI_REDRAW;
	}
	c->more_before = got > 1;
	if (got > 1)
		item_clear(&prev[1]);
	if (c->n == page_rows(ui)) {
		item_clear(&c->rows[c->n - 1]);
		c->n--;
		c->more_after = 1;
	}
	memmove(c->rows + 1, c->rows, (size_t)c->n * sizeof(*c->rows));
	c->rows[0] = prev[0];
	c->n++;
	c->sel = 0;
	return UI_HANDLED | UI_REDRAW;
}

/*
 * Issuer order sorts every matching row per page: allowed only while the
 * filter keeps the set small. Returns 1 when allowed.
 */
static int
issuer_sort_ok(struct certs *c, struct ui *ui)
{
	struct cert_query q;
	struct err e;
	long n = 0;

	if (make_query(c, ui, &q) == 1)
		return 1;
	err_clear(&e);
	if (store_cert_count(ui->st, &q, ISSUER_SORT_MAX + 1, &n, &e) == -1) {
		if (ui_was_interrupted(ui))
			ui->reload_pending = 1;
		else
			ui_error(ui, &e);
		return 0;
	}
	if (n > ISSUER_SORT_MAX) {
		ui_message(ui, 1, _("sorting by issuer needs a filter that "
		    "leaves at most %d certificates (e.g. issuer:NAME)"),
		    ISSUER_SORT_MAX);
		return 0;
	}
	return 1;
}

static int
sort_by(struct certs *c, struct ui *ui, enum cert_sort sort)
{
	if (c->sort == sort) {
		c->descending = !c->descending;
		return load_top(c, ui) | UI_HANDLED;
	}
	if (sort == CERT_SORT_ISSUER) {
		enum cert_sort old = c->sort;

		c->sort = sort;
		if (!issuer_sort_ok(c, ui)) {
			c->sort = old;
			return UI_HANDLED | UI_REDRAW;
		}
	}
	c->sort = sort;
	c->descending = 0;
	return load_top(c, ui) | UI_HANDLED;
}

static int
is_marked(const struct certs *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->n_marked; i++)
		if (c->marked[i] == id)
			return 1;
	return 0;
}

static int
toggle_mark(struct certs *c, struct ui *ui)
{
	int64_t id, *grown;
	size_t i;

	if (c->n == 0)
		return UI_HANDLED;
	id = c->rows[c->sel].id;
	for (i = 0; i < c->n_marked; i++)
		if (c->marked[i] == id) {
			c->marked[i] = c->marked[--c->n_marked];
			return step_down(c, ui) | UI_REDRAW;
		}
	if (c->n_marked == c->cap_marked) {
		size_t cap = c->cap_marked ? c->cap_marked * 2 : 16;

		if ((grown = realloc(c->marked, cap * sizeof(*grown))) == NULL) {
			ui_nomem(ui);
			return UI_HANDLED | UI_REDRAW;
		}
		c->marked = grown;
		c->cap_marked = cap;
	}
	c->marked[c->n_marked++] = id;
	return step_down(c, ui) | UI_REDRAW;
}

/* The marked rows, or else the selected one. */
static int
act_on(struct certs *c, struct ui *ui, enum ui_action act)
{
	int64_t sel;

	if (actions_refused(ui, act))
		return UI_HANDLED | UI_REDRAW;
	if (c->n == 0 && c->n_marked == 0)
		return UI_HANDLED;
	sel = c->rows[c->sel].id;
	if (act == ACT_REVOKE)
		return actions_revoke(ui, sel, c->rows[c->sel].name);
	if (c->n_marked == 0)
		return act == ACT_RENEW ? actions_renew(ui, &sel, 1) :
		    actions_rotate_key(ui, &sel, 1);
	/* The marks stay (Esc clears them): a cancelled question keeps them. */
	return act == ACT_RENEW ? actions_renew(ui, c->marked, c->n_marked) :
	    actions_rotate_key(ui, c->marked, c->n_marked);
}

static int
certs_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct certs *c = s->priv;

	switch (act) {
	case ACT_MARK:
		if (actions_refused(ui, act))
			return UI_HANDLED | UI_REDRAW;
		return toggle_mark(c, ui);
	case ACT_RENEW:
	case ACT_ROTATE_KEY:
	case ACT_REVOKE:
		if (c->n == 0 && !ui->readonly)
			return UI_HANDLED;
		return act_on(c, ui, act);
	case ACT_NEW_CERT:
		return actions_new_cert(ui);
	case ACT_UP:
		return step_up(c, ui);
	case ACT_DOWN:
		return step_down(c, ui);
	case ACT_PAGE_DOWN:
		return page_down(c, ui);
	case ACT_PAGE_UP:
		return page_up(c, ui);
	case ACT_TOP:
		return load_top(c, ui) | UI_HANDLED;
	case ACT_BOTTOM:
		return load_bottom(c, ui) | UI_HANDLED;
	case ACT_OPEN:
		if (c->n == 0)
			return UI_HANDLED;
		return ui_push(ui, screen_detail_new(ui,
		    c->rows[c->sel].id)) | UI_HANDLED;
	case ACT_BACK:
		if (c->n_marked > 0) {
			c->n_marked = 0;
			return UI_HANDLED | UI_REDRAW;
		}
		if (ui->filter_text[0] == '\0')
			return 0;
		return ui_set_filter(ui, "") | UI_HANDLED;
	case ACT_SORT_NAME:
		return sort_by(c, ui, CERT_SORT_NAME);
	case ACT_SORT_EXPIRY:
		return sort_by(c, ui, CERT_SORT_EXPIRY);
	case ACT_SORT_STATUS:
		return sort_by(c, ui, CERT_SORT_STATUS);
	case ACT_SORT_ISSUER:
		return sort_by(c, ui, CERT_SORT_ISSUER);
	case ACT_SUM_EXPIRED:
	case ACT_SUM_WEEK:
	case ACT_SUM_MONTH:
	case ACT_SUM_FAILED:
	case ACT_SUM_ALERTS:
		return summary_select(ui, summary_entry_of(act)) | UI_HANDLED;
	default:
		return 0;
	}
}

static int
certs_click(struct screen *s, struct ui *ui, int y, int x)
{
	struct certs *c = s->priv;
	enum summary_entry i = summary_hit(&c->sum, y, x);

	return i == SUM_COUNT ? 0 : summary_select(ui, i) | UI_HANDLED;
}

static int
certs_event(struct screen *s, struct ui *ui, enum ui_event ev)
{
	struct certs *c = s->priv;

	/* The counts do not depend on the filter, only on the data. */
	if (ev != UI_EV_RESIZE && ev != UI_EV_FILTER)
		summary_load(ui, &c->sum);
	switch (ev) {
	case UI_EV_FILTER:
	case UI_EV_RELOAD:
		if (c->sort == CERT_SORT_ISSUER && !issuer_sort_ok(c, ui)) {
			c->sort = CERT_SORT_EXPIRY;
			c->descending = 0;
		}
		return load_top(c, ui);
	case UI_EV_DATA:
	case UI_EV_RESIZE:
	case UI_EV_SHOW:
		return reload(c, ui);
	}
	return 0;
}

static int
sorted_col(enum cert_sort sort)
{
	switch (sort) {
	case CERT_SORT_NAME:
		return C_NAME;
	case CERT_SORT_STATUS:
		return C_STATUS;
	case CERT_SORT_ISSUER:
		return C_ISSUER;
	default:
		return C_DAYS;
	}
}

static attr_t
band_attr(struct ui *ui, const struct cert_item *it)
{
	const struct theme *t = &ui->theme;

	if (it->status == CERT_REPLACED)
		return t->attr[TH_DIM];
	switch (format_row_band(it->status, it->not_after, ui->now)) {
	case -1:
		return t->attr[TH_REVOKED];
	case EXPIRY_EXPIRED:
		return t->attr[TH_EXPIRED];
	case EXPIRY_WEEK:
		return t->attr[TH_WEEK];
	case EXPIRY_MONTH:
		return t->attr[TH_MONTH];
	default:
		return A_NORMAL;
	}
}

static void
draw_row(struct ui *ui, int y, const struct table_layout *l,
    const struct cert_item *it, int selected, int marked)
{
	char buf[512], name[520];
	attr_t base = selected ? ui->theme.attr[TH_SELECTED] : A_NORMAL;
	attr_t band = band_attr(ui, it) | base;

	if (selected)
		table_fill_row(ui, y, base);
	if (l->shown[C_NAME]) {
		format_name_cell(buf, sizeof(buf), it->name, it->n_sans,
		    l->w[C_NAME] - (marked ? 2 : 0), ui->theme.ellipsis);
		snprintf(name, sizeof(name), "%s%s", marked ? "* " : "", buf);
		table_draw_cell(ui, y, cols, l, C_NAME, (it->status ==
		    CERT_REPLACED ? band : base) | (marked ? A_BOLD : 0), name);
	}
	snprintf(buf, sizeof(buf), "%lld", expiry_days_left(it->not_after,
	    ui->now));
	table_draw_cell(ui, y, cols, l, C_DAYS, band, buf);
	timefmt_utc(it->not_after, 0, buf, sizeof(buf));
	table_draw_cell(ui, y, cols, l, C_EXPIRES, base, buf);
	table_draw_cell(ui, y, cols, l, C_STATUS, band,
	    format_status_cell(it->status, it->not_after, ui->now));
	table_draw_cell(ui, y, cols, l, C_ISSUER, base, it->issuer_cn != NULL ?
	    it->issuer_cn : "-");
	table_draw_cell(ui, y, cols, l, C_KEY, base, it->key_type != NULL ?
	    it->key_type : "-");
	if (it->account_id != 0)
		snprintf(buf, sizeof(buf), "#%lld", (long long)it->account_id);
	else
		snprintf(buf, sizeof(buf), "-");
	table_draw_cell(ui, y, cols, l, C_ACCOUNT, base, buf);
	if (it->served < 0)
		table_draw_cell(ui, y, cols, l, C_SERVED, base, "-");
	else if (it->served >= EP_STATE_COUNT)
		/* TRANSLATORS: the Served column: endpoints never checked yet. */
		table_draw_cell(ui, y, cols, l, C_SERVED, base | ui->theme.attr[TH_DIM],
		    _("unchecked"));
	else
		table_draw_cell(ui, y, cols, l, C_SERVED, base | (it->served == EP_OK ?
		    0 : it->served == EP_EXPIRING ? ui->theme.attr[TH_WEEK] :
		    ui->theme.attr[TH_REVOKED]),
		    store_endpoint_state_name((enum endpoint_state)it->served));
}

static void
certs_draw(struct screen *s, struct ui *ui)
{
	struct certs *c = s->priv;
	struct table_layout l;
	const char *empty;
	int i, y;

	table_layout(cols, C_COUNT, ui->cols, &l);
	summary_draw(ui, ui->body_top, &c->sum);
	table_draw_header(ui, ui->body_top + 1, cols, &l, sorted_col(c->sort),
	    c->descending);
	for (i = 0; i < c->n && i < page_rows(ui); i++) {
		y = ui->body_top + HEAD_ROWS + i;
		draw_row(ui, y, &l, &c->rows[i], i == c->sel,
		    c->n_marked > 0 && is_marked(c, c->rows[i].id));
	}
	s->rows_y = ui->body_top + HEAD_ROWS;
	s->rows_n = i;
	s->hint[0] = '\0';
	if (c->n > 0) {
		s->cursor_y = ui->body_top + HEAD_ROWS + c->sel;
		if (c->n_marked > 0)
			snprintf(s->hint, sizeof(s->hint), _("%zu marked"),
			    c->n_marked);
		else if (c->more_after)
			snprintf(s->hint, sizeof(s->hint), "%s %s",
			    ui->theme.more, _("more"));
		return;
	}
	if (c->failed)
		return;
	if (!filter_is_empty(&ui->filter))
		empty = _("No certificate matches the filter.");
	else
		empty = ui->readonly ? _("No certificates yet: 'certdeck import "
		    "FILE' adds some.") : _("No certificates yet: n requests "
		    "one; 'certdeck import FILE' adds some.");
	ui_put(ui, ui->body_top + HEAD_ROWS + 1, 2, ui->cols - 4,
	    ui->theme.attr[TH_DIM], empty);
}

static void
certs_free(struct screen *s)
{
	struct certs *c = s->priv;

	if (c == NULL)
		return;
	items_clear(c->rows, c->n);
	free(c->rows);
	free(c->marked);
	free(c);
}

static const struct screen_ops certs_ops = {
	.name = N_("Certificates"),
	.context = KM_ANY | KM_LIST | KM_CERTS,
	.draw = certs_draw,
	.key = certs_key,
	.on_event = certs_event,
	.free = certs_free,
	.click = certs_click,
};

struct screen *
screen_certs_new(struct ui *ui)
{
	struct screen *s = screen_alloc(ui, &certs_ops, sizeof(struct certs));
	struct certs *c;

	if (s == NULL)
		return NULL;
	c = s->priv;
	s->cursor_y = -1;
	c->sort = CERT_SORT_EXPIRY;
	c->sum.y = -1;
	summary_load(ui, &c->sum);
	load_top(c, ui);
	return s;
}
