/*
 * Jobs, newest first: queued, running, done, failed, cancelled, with the
 * step reached and the last progress. Enter opens the job's events and
 * its error; c cancels a queued or running job (after asking).
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "i18n.h"
#include "store_job.h"
#include "timefmt.h"
#include "ui.h"
#include "widget_dialog.h"
#include "screen_list.h"
#include "widget_table.h"

#define JOBS_MAX 1000

struct job_item {
	int64_t id;
	char kind[32];
	int64_t target;
	enum job_state state;
	int step, steps, attempt;
	char *progress;
	long long updated;
	int has_error;
};

struct jobs {
	struct list_screen ls;	/* rows of struct job_item */
};

enum col { C_ID, C_KIND, C_TARGET, C_STATE, C_STEP, C_PROGRESS, C_UPDATED,
	C_COUNT };

static const struct table_col cols[C_COUNT] = {
	[C_ID] = { N_("ID"), 5, 0, 1, 0 },
	[C_KIND] = { N_("Kind"), 10, 0, 0, 0 },
	[C_TARGET] = { N_("Target"), 7, 0, 1, 3 },
	[C_STATE] = { N_("State"), 9, 0, 0, 0 },
	[C_STEP] = { N_("Step"), 5, 0, 1, 0 },
	[C_PROGRESS] = { N_("Progress"), 0, 14, 0, 0 },
	[C_UPDATED] = { N_("Updated"), 16, 0, 0, 2 },
};

static void
row_clear(void *row)
{
	free(((struct job_item *)row)->progress);
}

static struct job_item *
row(const struct jobs *j, int i)
{
	return list_screen_row(&j->ls, (size_t)i);
}

static int
collect(const struct job_row *r, void *arg)
{
	struct jobs *j = arg;
	struct job_item *it;

	if ((it = list_screen_add(&j->ls)) == NULL)
		return 1;
	it->id = r->id;
	snprintf(it->kind, sizeof(it->kind), "%s", r->kind);
	it->target = r->target_id;
	it->state = r->state;
	it->step = r->step;
	it->steps = r->steps;
	it->attempt = r->attempt;
	it->progress = strdup(r->progress != NULL ? r->progress : "");
	it->updated = r->updated != 0 ? r->updated : r->created;
	it->has_error = r->last_error != NULL;
	return 0;
}

static int
load(void *priv, struct ui *ui)
{
	struct jobs *j = priv;
	const struct job_item *was = list_screen_selected(&j->ls);
	int64_t sel = was != NULL ? was->id : 0;
	struct err e;
	size_t i;

	list_screen_reset(&j->ls);
	err_clear(&e);
	if (store_job_list(ui->st, 0, collect, j, &e) == -1)
		ui_error(ui, &e);
	j->ls.lv.n = (int)j->ls.n;
	/* The selected job stays selected as new ones arrive above it. */
	for (i = 0; i < j->ls.n; i++)
		if (row(j, (int)i)->id == sel)
			j->ls.lv.sel = (int)i;
	list_view_clamp(&j->ls.lv, ui->body_rows - 1);
	return UI_REDRAW;
}

static attr_t
state_attr(struct ui *ui, enum job_state st)
{
	switch (st) {
	case JOB_FAILED:
		return ui->theme.attr[TH_REVOKED];
	case JOB_RUNNING:
		return A_BOLD;
	case JOB_CANCELLED:
	case JOB_DONE:
		return ui->theme.attr[TH_DIM];
	default:
		return A_NORMAL;
	}
}

static void
draw_row(struct ui *ui, int y, const struct table_layout *l, const void *row,
    attr_t at)
{
	const struct job_item *it = row;
	char buf[64];

	snprintf(buf, sizeof(buf), "%lld", (long long)it->id);
	table_draw_cell(ui, y, cols, l, C_ID, at, buf);
	table_draw_cell(ui, y, cols, l, C_KIND, at, it->kind);
	snprintf(buf, sizeof(buf), "#%lld", (long long)it->target);
	table_draw_cell(ui, y, cols, l, C_TARGET, at, buf);
	table_draw_cell(ui, y, cols, l, C_STATE, at |
	    state_attr(ui, it->state), store_job_state_name(it->state));
	if (it->steps > 0)
		snprintf(buf, sizeof(buf), "%d/%d", it->step, it->steps);
	else
		snprintf(buf, sizeof(buf), "-");
	table_draw_cell(ui, y, cols, l, C_STEP, at, buf);
	table_draw_cell(ui, y, cols, l, C_PROGRESS, at, it->progress);
	timefmt_utc(it->updated, 1, buf, sizeof(buf));
	buf[16] = '\0';
	table_draw_cell(ui, y, cols, l, C_UPDATED, at, buf);
}

/* The job a cancel dialog asks about (the list may reload meanwhile). */
struct cancel_req {
	struct jobs *j;
	int64_t id;
};

static int
cancel_done(struct ui *ui, void *arg, int choice)
{
	struct cancel_req *r = arg;
	struct err e;
	int rc;

	if (choice != 1)
		return UI_REDRAW;
	err_clear(&e);
	rc = store_job_cancel(ui->st, r->id, &e);
	if (rc == -1)
		ui_error(ui, &e);
	else if (rc == 1)
		ui_message(ui, 1, _("job #%lld is not queued or running"),
		    (long long)r->id);
	else
		ui_message(ui, 0, _("job #%lld cancelled (a running job stops "
		    "at its next step)"), (long long)r->id);
	/* Our own commit does not move data_version: reload here. */
	return load(r->j, ui) | UI_REDRAW;
}

/* Asks y/N before cancelling the selected job. Returns UI_* flags. */
static int
cancel_ask(struct jobs *j, struct ui *ui)
{
	const struct job_item *it;
	struct cancel_req *r;
	const char *opts[2];
	char text[160];

	if (actions_refused(ui, ACT_CANCEL_JOB) || j->ls.n == 0)
		return UI_HANDLED | UI_REDRAW;
	it = row(j, j->ls.lv.sel);
	if (it->state != JOB_QUEUED && it->state != JOB_RUNNING) {
		ui_message(ui, 1, _("job #%lld is not queued or running"),
		    (long long)it->id);
		return UI_HANDLED | UI_REDRAW;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		ui_nomem(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	r->j = j;
	r->id = it->id;
	snprintf(text, sizeof(text), _("Cancel job #%lld (%s)?"),
	    (long long)it->id, it->kind);
	opts[0] = _("No");
	opts[1] = _("Yes, cancel the job");
	return dialog_choice(ui, _("Cancel job"), text, opts, 2, 0, "ny",
	    cancel_done, r, free) | UI_HANDLED;
}

static int
jobs_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct jobs *j = s->priv;

	(void)key;
	if (act == ACT_CANCEL_JOB)
		return cancel_ask(j, ui);
	if (act == ACT_OPEN) {
		if (j->ls.n == 0)
			return UI_HANDLED;
		return ui_push(ui, screen_events_new(ui,
		    row(j, j->ls.lv.sel)->id)) | UI_HANDLED;
	}
	return list_view_key(&j->ls.lv, act, ui->body_rows - 1);
}

static const struct list_def jobs_def = {
	.ops = LIST_SCREEN_OPS(N_("Jobs"), KM_ANY | KM_LIST | KM_JOBS, jobs_key),
	.cols = cols,
	.n_cols = C_COUNT,
	.sorted = C_ID,
	.descending = 1,
	.draw_row = draw_row,
	.empty = N_("No jobs yet."),
	.priv_size = sizeof(struct jobs),
	.row_size = sizeof(struct job_item),
	.max_rows = JOBS_MAX,
	.row_clear = row_clear,
	.load = load,
};

struct screen *
screen_jobs_new(struct ui *ui)
{
	return list_screen_open(ui, &jobs_def);
}
