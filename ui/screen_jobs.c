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
	struct job_item *rows;
	size_t n, cap;
	struct list_view lv;
	int truncated;
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
rows_clear(struct jobs *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		free(j->rows[i].progress);
	j->n = 0;
}

static int
collect(const struct job_row *r, void *arg)
{
	struct jobs *j = arg;
	struct job_item *grown, *it;

	if (j->n == JOBS_MAX) {
		j->truncated = 1;
		return 1;
	}
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 32;

		if ((grown = realloc(j->rows, cap * sizeof(*grown))) == NULL)
			return 1;
		j->rows = grown;
		j->cap = cap;
	}
	it = &j->rows[j->n++];
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
load(struct jobs *j, struct ui *ui)
{
	struct err e;
	int64_t sel = j->n > 0 ? j->rows[j->lv.sel].id : 0;
	size_t i;

	rows_clear(j);
	j->truncated = 0;
	err_clear(&e);
	if (store_job_list(ui->st, 0, collect, j, &e) == -1)
		ui_message(ui, 1, "%s", e.msg);
	j->lv.n = (int)j->n;
	/* The selected job stays selected as new ones arrive above it. */
	for (i = 0; i < j->n; i++)
		if (j->rows[i].id == sel)
			j->lv.sel = (int)i;
	list_view_clamp(&j->lv, ui->body_rows - 1);
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
jobs_draw(struct screen *s, struct ui *ui)
{
	struct jobs *j = s->priv;
	struct table_layout l;
	char buf[64];
	int i, y, page = ui->body_rows - 1;
	attr_t at;

	list_view_clamp(&j->lv, page);
	table_layout(cols, C_COUNT, ui->cols, &l);
	table_draw_header(ui, ui->body_top, cols, &l, C_ID, 1);
	for (i = 0; i < page && j->lv.top + i < (int)j->n; i++) {
		const struct job_item *it = &j->rows[j->lv.top + i];
		int sel = j->lv.top + i == j->lv.sel;

		y = ui->body_top + 1 + i;
		at = sel ? ui->theme.attr[TH_SELECTED] : A_NORMAL;
		if (sel)
			table_fill_row(ui, y, at);
		snprintf(buf, sizeof(buf), "%lld", (long long)it->id);
		table_draw_cell(ui, y, cols, &l, C_ID, at, buf);
		table_draw_cell(ui, y, cols, &l, C_KIND, at, it->kind);
		snprintf(buf, sizeof(buf), "#%lld", (long long)it->target);
		table_draw_cell(ui, y, cols, &l, C_TARGET, at, buf);
		table_draw_cell(ui, y, cols, &l, C_STATE, at |
		    state_attr(ui, it->state), store_job_state_name(it->state));
		if (it->steps > 0)
			snprintf(buf, sizeof(buf), "%d/%d", it->step, it->steps);
		else
			snprintf(buf, sizeof(buf), "-");
		table_draw_cell(ui, y, cols, &l, C_STEP, at, buf);
		table_draw_cell(ui, y, cols, &l, C_PROGRESS, at, it->progress);
		timefmt_utc(it->updated, 1, buf, sizeof(buf));
		buf[16] = '\0';
		table_draw_cell(ui, y, cols, &l, C_UPDATED, at, buf);
	}
	s->rows_y = ui->body_top + 1;
	s->rows_n = i;
	s->hint[0] = '\0';
	if (j->n == 0) {
		ui_put(ui, ui->body_top + 2, 2, ui->cols - 4,
		    ui->theme.attr[TH_DIM], _("No jobs yet."));
		return;
	}
	s->cursor_y = ui->body_top + 1 + j->lv.sel - j->lv.top;
	snprintf(s->hint, sizeof(s->hint), j->truncated ? "%d/%zu+" : "%d/%zu",
	    j->lv.sel + 1, j->n);
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
		ui_message(ui, 1, "%s", e.msg);
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

	if (actions_refused(ui, ACT_CANCEL_JOB) || j->n == 0)
		return UI_HANDLED | UI_REDRAW;
	it = &j->rows[j->lv.sel];
	if (it->state != JOB_QUEUED && it->state != JOB_RUNNING) {
		ui_message(ui, 1, _("job #%lld is not queued or running"),
		    (long long)it->id);
		return UI_HANDLED | UI_REDRAW;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		ui_message(ui, 1, "%s", _("out of memory"));
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
		if (j->n == 0)
			return UI_HANDLED;
		return ui_push(ui, screen_events_new(ui,
		    j->rows[j->lv.sel].id)) | UI_HANDLED;
	}
	return list_view_key(&j->lv, act, ui->body_rows - 1);
}

static int
jobs_event(struct screen *s, struct ui *ui, enum ui_event ev)
{
	if (ev == UI_EV_RESIZE) {
		list_view_clamp(&((struct jobs *)s->priv)->lv,
		    ui->body_rows - 1);
		return UI_REDRAW;
	}
	return load(s->priv, ui);
}

static void
jobs_free(struct screen *s)
{
	struct jobs *j = s->priv;

	if (j == NULL)
		return;
	rows_clear(j);
	free(j->rows);
	free(j);
}

static const struct screen_ops jobs_ops = {
	.name = N_("Jobs"),
	.context = KM_ANY | KM_LIST | KM_JOBS,
	.draw = jobs_draw,
	.key = jobs_key,
	.on_event = jobs_event,
	.free = jobs_free,
};

struct screen *
screen_jobs_new(struct ui *ui)
{
	struct screen *s = screen_alloc(ui, &jobs_ops, sizeof(struct jobs));
	struct jobs *j;

	if (s == NULL)
		return NULL;
	j = s->priv;
	load(j, ui);
	return s;
}
