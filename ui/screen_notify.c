/*
 * The notification channels (`certdeck notify list` on the screen): what
 * each delivers to, what it is limited to, how its last delivery went and
 * whether it keeps failing. t queues a test notice for the selected
 * channel; the worker delivers it and the row shows the result when the
 * store changes (the UI does no network I/O).
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "i18n.h"
#include "notify.h"
#include "store_notify.h"
#include "timefmt.h"
#include "ui.h"
#include "screen_list.h"
#include "widget_table.h"

struct notify_item {
	struct notify_channel *c;	/* owned */
	char target[256];		/* as it may be shown */
	char only[128];			/* the channel's filters, or "-" */
};

struct notifies {
	struct list_screen ls;	/* rows of struct notify_item */
};

enum col { C_ID, C_TYPE, C_TARGET, C_ONLY, C_LAST, C_RESULT, C_FAILS, C_MESSAGE,
	C_COUNT };

static const struct table_col cols[C_COUNT] = {
	[C_ID] = { N_("ID"), 4, 0, 1, 0 },
	[C_TYPE] = { N_("Type"), 7, 0, 0, 0 },
	[C_TARGET] = { N_("Target"), 36, 0, 0, 0 },
	[C_ONLY] = { N_("Only"), 18, 0, 0, 3 },
	[C_LAST] = { N_("Last"), 16, 0, 0, 2 },
	[C_RESULT] = { N_("Result"), 6, 0, 0, 0 },
	/* TRANSLATORS: deliveries failed in a row. */
	[C_FAILS] = { N_("Fails"), 5, 0, 1, 1 },
	[C_MESSAGE] = { N_("Message"), 0, 12, 0, 0 },
};

static void
row_clear(void *row)
{
	struct notify_item *it = row;

	notify_channel_free(it->c);
}

static int
load(void *priv, struct ui *ui)
{
	struct notifies *nf = priv;
	struct notify_channel **v = NULL;
	struct notify_item *it;
	struct err e;
	size_t i, n = 0;

	list_screen_reset(&nf->ls);
	err_clear(&e);
	if (store_notify_list(ui->st, &v, &n, &e) == -1)
		ui_error(ui, &e);
	for (i = 0; i < n; i++) {
		if ((it = list_screen_add(&nf->ls)) == NULL)
			break;
		it->c = v[i];
		v[i] = NULL;
		notify_target_shown(it->c, it->target, sizeof(it->target));
		if (it->c->events == NULL && it->c->min_days < 0)
			snprintf(it->only, sizeof(it->only), "-");
		else if (it->c->min_days < 0)
			snprintf(it->only, sizeof(it->only), "%s", it->c->events);
		else
			/* TRANSLATORS: a channel's filter: events, then "<= N days". */
			snprintf(it->only, sizeof(it->only), _("%s <=%dd"),
			    it->c->events != NULL ? it->c->events : "",
			    it->c->min_days);
	}
	notify_channel_list_free(v, n);
	nf->ls.lv.n = (int)nf->ls.n;
	list_view_clamp(&nf->ls.lv, ui->body_rows - 1);
	return UI_REDRAW;
}

/*
 * Fits text into w cells keeping its end (a path's last part and a host
 * tell channels apart; their start is often the same): "…/hooks/page-me".
 */
static void
tail_fit(const char *text, int w, const char *ellipsis, char *out, size_t cap)
{
	size_t len = strlen(text), keep;
	const char *p;

	if (w <= 1 || (int)len <= w) {
		snprintf(out, cap, "%s", text);
		return;
	}
	keep = (size_t)w - 1;
	p = text + len - keep;
	/* Start on a character, not inside one. */
	while (*p != '\0' && ((unsigned char)*p & 0xc0) == 0x80)
		p++;
	snprintf(out, cap, "%s%s", ellipsis, p);
}

static void
draw_row(struct ui *ui, int y, const struct table_layout *l, const void *row,
    attr_t at)
{
	const struct notify_item *it = row;
	const struct notify_channel *c = it->c;
	char buf[64], target[sizeof(it->target) + 8];
	int failed = c->last_status != NULL && strcmp(c->last_status, "ok") != 0;

	snprintf(buf, sizeof(buf), "%lld", (long long)c->id);
	table_draw_cell(ui, y, cols, l, C_ID, at, buf);
	table_draw_cell(ui, y, cols, l, C_TYPE, at, c->type);
	tail_fit(it->target, l->w[C_TARGET], ui->theme.ellipsis, target,
	    sizeof(target));
	table_draw_cell(ui, y, cols, l, C_TARGET, at, target);
	table_draw_cell(ui, y, cols, l, C_ONLY, at, it->only);
	if (c->last_time > 0) {
		timefmt_utc(c->last_time, 1, buf, sizeof(buf));
		buf[16] = '\0';
	} else
		snprintf(buf, sizeof(buf), "-");
	table_draw_cell(ui, y, cols, l, C_LAST, at, buf);
	table_draw_cell(ui, y, cols, l, C_RESULT, at | (failed ?
	    ui->theme.attr[TH_REVOKED] : 0), c->last_status != NULL ?
	    c->last_status : "-");
	snprintf(buf, sizeof(buf), "%d", c->failures);
	table_draw_cell(ui, y, cols, l, C_FAILS, at | (c->failures > 0 ?
	    ui->theme.attr[TH_REVOKED] : 0), buf);
	table_draw_cell(ui, y, cols, l, C_MESSAGE, at, c->last_message != NULL ?
	    c->last_message : "");
}

/* Queues a test notice through the selected channel. Returns UI_* flags. */
static int
test(struct notifies *nf, struct ui *ui)
{
	const struct notify_item *it = list_screen_selected(&nf->ls);
	int64_t job_id = 0;
	struct err e;

	if (actions_refused(ui, ACT_TEST_CHANNEL) || it == NULL)
		return UI_HANDLED | UI_REDRAW;
	err_clear(&e);
	if (notify_queue_test(ui->st, it->c->id, ui->actor, &job_id, &e) == -1)
		ui_error(ui, &e);
	else
		ui_message(ui, 0, _("test notice for channel %lld queued as job "
		    "#%lld; the row shows the result when it is delivered"),
		    (long long)it->c->id, (long long)job_id);
	return UI_HANDLED | UI_REDRAW;
}

static int
notify_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct notifies *nf = s->priv;

	(void)key;
	if (act == ACT_TEST_CHANNEL)
		return test(nf, ui);
	return list_view_key(&nf->ls.lv, act, ui->body_rows - 1);
}

static const struct list_def notify_def = {
	.ops = LIST_SCREEN_OPS(N_("Channels"), KM_ANY | KM_LIST | KM_NOTIFY,
	    notify_key),
	.cols = cols,
	.n_cols = C_COUNT,
	.sorted = C_ID,
	.draw_row = draw_row,
	.empty = N_("No notification channels: 'certdeck notify add hook|mail|"
	    "webhook ...' adds one."),
	.priv_size = sizeof(struct notifies),
	.row_size = sizeof(struct notify_item),
	.row_clear = row_clear,
	.load = load,
};

struct screen *
screen_notify_new(struct ui *ui)
{
	return list_screen_open(ui, &notify_def);
}
