/*
 * The certificate list's summary line: how many certificates are expired
 * and expiring within 7 and 30 days, how many jobs failed and how many
 * alerts are active. Each count is an entry a key (1 to 5) or a click
 * selects: the first three set the filter that lists them, the last two
 * open the Jobs and the Alerts screen. The counts are store reads bounded
 * by SUMMARY_CAP, so a million certificates cost what a thousand do.
 */
#ifndef CERTDECK_UI_SUMMARY_H
#define CERTDECK_UI_SUMMARY_H

#include "keymap.h"
#include "ui.h"

/* A count stops here and shows as "1000+". */
#define SUMMARY_CAP 1000

enum summary_entry {
	SUM_EXPIRED, SUM_WEEK, SUM_MONTH, SUM_FAILED, SUM_ALERTS, SUM_COUNT
};

struct summary {
	long n[SUM_COUNT];	/* at most SUMMARY_CAP each */
	int worst_alert;	/* enum alert_severity of the active alerts */
	int x0[SUM_COUNT], x1[SUM_COUNT];	/* where each entry was drawn */
	int y;			/* the line it was drawn on, -1 before */
};

/* Counts everything from the store at ui->now. Errors go to the status line. */
void summary_load(struct ui *ui, struct summary *s);

/* Draws the line at row y ("3 expired  2 within 7 days  ..."). */
void summary_draw(struct ui *ui, int y, struct summary *s);

/* The entry an action selects (ACT_SUM_*), or SUM_COUNT for another one. */
enum summary_entry summary_entry_of(enum ui_action act);

/* The entry drawn at (y, x), or SUM_COUNT. */
enum summary_entry summary_hit(const struct summary *s, int y, int x);

/* Selects entry i: its filter or its screen. Returns UI_* flags. */
int summary_select(struct ui *ui, enum summary_entry i);

#endif
