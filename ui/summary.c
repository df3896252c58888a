#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "filter.h"
#include "format.h"
#include "i18n.h"
#include "store_alert.h"
#include "store_cert.h"
#include "summary.h"

/*
 * The filters of the first three entries: the counts use the very query
 * the filter runs, so the number and the list it opens always agree.
 */
static const char *const entry_filter[SUM_COUNT] = {
	[SUM_EXPIRED] = "status:expired",
	[SUM_WEEK] = "status:expiring exp<7d",
	[SUM_MONTH] = "status:expiring",
};

/* Counts the certificates filter text matches, at most SUMMARY_CAP. */
static int
count_filter(struct ui *ui, const char *text, long *n, struct err *e)
{
	struct filter f;
	struct cert_query q;
	int rc = 0;

	*n = 0;
	if (filter_parse(text, &f, e) == -1)
		return -1;
	if (filter_to_query(&f, ui->now, &q) == 0)
		rc = store_cert_count(ui->st, &q, SUMMARY_CAP, n, e);
	filter_clear(&f);
	return rc;
}

void
summary_load(struct ui *ui, struct summary *s)
{
	struct alert_opts o;
	struct alert_report r = { 0 };
	struct err e;
	int i;

	memset(s->n, 0, sizeof(s->n));
	s->worst_alert = ALERT_OK;
	err_clear(&e);
	for (i = SUM_EXPIRED; i <= SUM_MONTH; i++)
		if (count_filter(ui, entry_filter[i], &s->n[i], &e) == -1)
			goto fail;
	if (store_alert_failed_jobs(ui->st, SUMMARY_CAP, &s->n[SUM_FAILED], &e) == -1)
		goto fail;
	alert_opts_default(&o);
	o.now = ui->now;
	o.keep = 1;
	o.stop_after = SUMMARY_CAP;
	if (alert_evaluate(ui->st, &o, &r, &e) == -1)
		goto fail;
	s->n[SUM_ALERTS] = (long)r.total;
	s->worst_alert = r.worst;
	alert_report_clear(&r);
	return;
fail:
	ui_error(ui, &e);
}

/* The entry's text for n ("3 expired"), written to buf. */
static void
entry_text(enum summary_entry i, long n, char *buf, size_t cap)
{
	char num[24];

	if (n >= SUMMARY_CAP)
		snprintf(num, sizeof(num), "%ld+", (long)SUMMARY_CAP);
	else
		snprintf(num, sizeof(num), "%ld", n);
	switch (i) {
	case SUM_EXPIRED:
		/* TRANSLATORS: the summary line; %s is a count ("3", "1000+"). */
		snprintf(buf, cap, _("%s expired"), num);
		break;
	case SUM_WEEK:
		snprintf(buf, cap, _("%s within 7 days"), num);
		break;
	case SUM_MONTH:
		snprintf(buf, cap, _("%s within 30 days"), num);
		break;
	case SUM_FAILED:
		snprintf(buf, cap, ngettext_("%s failed job", "%s failed jobs",
		    (unsigned long)n), num);
		break;
	default:
		snprintf(buf, cap, ngettext_("%s alert", "%s alerts",
		    (unsigned long)n), num);
		break;
	}
}

/* A count worth attention is in the colour of its band; zero is dim. */
static attr_t
entry_attr(const struct ui *ui, const struct summary *s, enum summary_entry i)
{
	const struct theme *t = &ui->theme;

	if (s->n[i] == 0)
		return t->attr[TH_DIM];
	switch (i) {
	case SUM_EXPIRED:
		return t->attr[TH_EXPIRED];
	case SUM_WEEK:
		return t->attr[TH_WEEK];
	case SUM_MONTH:
		return t->attr[TH_MONTH];
	case SUM_ALERTS:
		return s->worst_alert == ALERT_CRITICAL ? t->attr[TH_REVOKED] :
		    A_BOLD;
	default:
		return t->attr[TH_REVOKED];
	}
}

void
summary_draw(struct ui *ui, int y, struct summary *s)
{
	char buf[128], key[8];
	int i, x = 1, w;

	move(y, 0);
	clrtoeol();
	s->y = y;
	for (i = 0; i < SUM_COUNT; i++) {
		s->x0[i] = s->x1[i] = -1;
		/* "1)" reads as a numbered choice, on any terminal. */
		snprintf(key, sizeof(key), "%d)", i + 1);
		entry_text(i, s->n[i], buf, sizeof(buf));
		w = 3 + format_width(buf);
		/* An entry that does not fit whole is left out, not cut. */
		if (x + w > ui->cols)
			break;
		s->x0[i] = x;
		ui_put(ui, y, x, 2, ui->theme.attr[TH_KEY], key);
		ui_put(ui, y, x + 3, w - 3, entry_attr(ui, s, i), buf);
		x += w;
		s->x1[i] = x;
		x += 3;
	}
}

enum summary_entry
summary_entry_of(enum ui_action act)
{
	switch (act) {
	case ACT_SUM_EXPIRED:
		return SUM_EXPIRED;
	case ACT_SUM_WEEK:
		return SUM_WEEK;
	case ACT_SUM_MONTH:
		return SUM_MONTH;
	case ACT_SUM_FAILED:
		return SUM_FAILED;
	case ACT_SUM_ALERTS:
		return SUM_ALERTS;
	default:
		return SUM_COUNT;
	}
}

enum summary_entry
summary_hit(const struct summary *s, int y, int x)
{
	int i;

	if (y != s->y)
		return SUM_COUNT;
	for (i = 0; i < SUM_COUNT; i++)
		if (s->x0[i] >= 0 && x >= s->x0[i] && x < s->x1[i])
			return (enum summary_entry)i;
	return SUM_COUNT;
}

int
summary_select(struct ui *ui, enum summary_entry i)
{
	switch (i) {
	case SUM_FAILED:
		return ui_show_base(ui, UI_BASE_JOBS);
	case SUM_ALERTS:
		return ui_show_base(ui, UI_BASE_ALERTS);
	case SUM_COUNT:
		return 0;
	default:
		return ui_set_filter(ui, entry_filter[i]);
	}
}
