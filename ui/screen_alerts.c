/*
 * The active alerts, newest first: what, about which certificate, since
 * when, and how its last notice went through each channel. a acknowledges
 * the selected one: a store write from the UI thread, no network I/O (the
 * clearing is still told later by the worker's notify jobs).
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "alert.h"
#include "i18n.h"
#include "notify.h"
#include "store_notify.h"
#include "timefmt.h"
#include "ui.h"
#include "screen_list.h"
#include "widget_table.h"

#define ALERTS_MAX 1000

struct alert_item {
	struct alert a;		/* name and message owned */
	long long acked_at;	/* 0 when not acknowledged */
	char sent[128];		/* the last notice's deliveries, or a dash */
};

struct alerts {
	struct list_screen ls;	/* rows of struct alert_item */
};

enum col { C_SEV, C_KIND, C_NAME, C_SINCE, C_ACK, C_SENT, C_MESSAGE, C_COUNT };

static const struct table_col cols[C_COUNT] = {
	[C_SEV] = { N_("Severity"), 8, 0, 0, 0 },
	[C_KIND] = { N_("What"), 15, 0, 0, 0 },
	[C_NAME] = { N_("Name"), 22, 0, 0, 2 },
	[C_SINCE] = { N_("Since"), 16, 0, 0, 3 },
	[C_ACK] = { N_("Ack"), 3, 0, 0, 4 },
	[C_SENT] = { N_("Notified"), 20, 0, 0, 1 },
	[C_MESSAGE] = { N_("Message"), 0, 14, 0, 0 },
};

static void
row_clear(void *row)
{
	struct alert_item *it = row;

	free(it->a.name);
	free(it->a.message);
}

static struct alert_item *
row(const struct alerts *al, int i)
{
	return list_screen_row(&al->ls, (size_t)i);
}

/* Appends "hook#1 done" for one delivery of the notice to the row's text. */
static int
add_delivery(const struct notify_delivery *d, void *arg)
{
	struct alert_item *it = arg;
	size_t len = strlen(it->sent);

	snprintf(it->sent + len, sizeof(it->sent) - len, "%s%s#%lld %s",
	    len > 0 ? ", " : "", d->type != NULL ? d->type : _("removed"),
	    (long long)d->channel_id, d->state);
	return 0;
}

/* Fills the acknowledgement and the deliveries from the condition's state. */
static void
add_state(struct ui *ui, struct alert_item *it)
{
	struct notify_state ns;
	struct err e;
	int rc;

	err_clear(&e);
	rc = store_notify_state_get(ui->st, alert_kind_name(it->a.kind),
	    notify_subject(&it->a), &ns, &e);
	if (rc == -1)
		ui_error(ui, &e);
	if (rc != 0)
		return;
	it->acked_at = ns.acked_at;
	if (ns.job_first > 0 && store_notify_deliveries(ui->st, ns.job_first,
	    ns.job_last, add_delivery, it, &e) == -1)
		ui_error(ui, &e);
	notify_state_clear(&ns);
}

/* Newest first; a condition with no known start last. */
static int
by_since_desc(const void *pa, const void *pb)
{
	const struct alert_item *a = pa, *b = pb;
	long long x = a->a.since > 0 ? a->a.since : -1;
	long long y = b->a.since > 0 ? b->a.since : -1;

	return x < y ? 1 : x > y ? -1 : 0;
}

static int
load(void *priv, struct ui *ui)
{
	struct alerts *al = priv;
	const struct alert_item *was = list_screen_selected(&al->ls);
	enum alert_kind sel_kind = was != NULL ? was->a.kind : ALERT_KIND_COUNT;
	int64_t sel_subject = was != NULL ? notify_subject(&was->a) : 0;
	struct alert_opts o;
	struct alert_report r = { 0 };
	struct alert_item *it;
	struct err e;
	size_t i;

	list_screen_reset(&al->ls);
	al->ls.lv.sel = 0;
	err_clear(&e);
	alert_opts_default(&o);
	o.keep = ALERTS_MAX;
	if (alert_evaluate(ui->st, &o, &r, &e) == -1)
		ui_error(ui, &e);
	for (i = 0; i < r.n; i++) {
		if ((it = list_screen_add(&al->ls)) == NULL)
			break;
		it->a = r.v[i];
		/* The row takes the strings over from the report. */
		r.v[i].name = NULL;
		r.v[i].message = NULL;
		add_state(ui, it);
	}
	alert_report_clear(&r);
	if (al->ls.n > 1)
		qsort(al->ls.rows, al->ls.n, sizeof(struct alert_item), by_since_desc);
	al->ls.lv.n = (int)al->ls.n;
	/* The selected alert stays selected as others come and go. */
	for (i = 0; i < al->ls.n; i++)
		if (row(al, (int)i)->a.kind == sel_kind &&
		    notify_subject(&row(al, (int)i)->a) == sel_subject)
			al->ls.lv.sel = (int)i;
	list_view_clamp(&al->ls.lv, ui->body_rows - 1);
	return UI_REDRAW;
}

static attr_t
severity_attr(struct ui *ui, enum alert_severity s)
{
	return s == ALERT_CRITICAL ? ui->theme.attr[TH_REVOKED] : A_BOLD;
}

static void
draw_row(struct ui *ui, int y, const struct table_layout *l, const void *row,
    attr_t at)
{
	const struct alert_item *it = row;
	char buf[64];

	table_draw_cell(ui, y, cols, l, C_SEV, at | severity_attr(ui, it->a.severity),
	    alert_severity_name(it->a.severity));
	table_draw_cell(ui, y, cols, l, C_KIND, at, alert_kind_name(it->a.kind));
	table_draw_cell(ui, y, cols, l, C_NAME, at,
	    it->a.name != NULL ? it->a.name : "-");
	if (it->a.since > 0) {
		timefmt_utc(it->a.since, 1, buf, sizeof(buf));
		buf[16] = '\0';
	} else
		snprintf(buf, sizeof(buf), "-");
	table_draw_cell(ui, y, cols, l, C_SINCE, at, buf);
	/* TRANSLATORS: the Ack column: the alert is acknowledged. */
	table_draw_cell(ui, y, cols, l, C_ACK, at, it->acked_at > 0 ? _("yes") : "-");
	table_draw_cell(ui, y, cols, l, C_SENT, at, it->sent[0] ? it->sent : "-");
	table_draw_cell(ui, y, cols, l, C_MESSAGE, at,
	    it->a.message != NULL ? it->a.message : "");
}

/* Acknowledges the selected alert. Returns UI_* flags. */
static int
ack(struct alerts *al, struct ui *ui)
{
	const struct alert_item *it;
	struct err e;
	int rc;

	if (actions_refused(ui, ACT_ACK_ALERT) || al->ls.n == 0)
		return UI_HANDLED | UI_REDRAW;
	it = row(al, al->ls.lv.sel);
	err_clear(&e);
	rc = notify_ack(ui->st, &it->a, ui->actor, store_now(), &e);
	if (rc == -1)
		ui_error(ui, &e);
	else if (rc == 1)
		ui_message(ui, 0, _("%s of %s was acknowledged already"),
		    alert_kind_name(it->a.kind), it->a.name != NULL ? it->a.name : "-");
	else
		ui_message(ui, 0, _("%s of %s acknowledged: no reminders until "
		    "it clears"), alert_kind_name(it->a.kind),
		    it->a.name != NULL ? it->a.name : "-");
	/* Our own commit does not move data_version: reload here. */
	return load(al, ui) | UI_HANDLED | UI_REDRAW;
}

static int
alerts_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct alerts *al = s->priv;

	(void)key;
	if (act == ACT_ACK_ALERT)
		return ack(al, ui);
	return list_view_key(&al->ls.lv, act, ui->body_rows - 1);
}

static const struct list_def alerts_def = {
	.ops = LIST_SCREEN_OPS(N_("Alerts"), KM_ANY | KM_LIST | KM_ALERTS, alerts_key),
	.cols = cols,
	.n_cols = C_COUNT,
	.sorted = C_SINCE,
	.descending = 1,
	.draw_row = draw_row,
	.empty = N_("No active alerts: nothing to say."),
	.priv_size = sizeof(struct alerts),
	.row_size = sizeof(struct alert_item),
	.max_rows = ALERTS_MAX,
	.row_clear = row_clear,
	.load = load,
};

struct screen *
screen_alerts_new(struct ui *ui)
{
	return list_screen_open(ui, &alerts_def);
}
