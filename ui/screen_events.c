/*
 * Events: the audit log (every job's progress and outcome, with who asked),
 * newest at the bottom like a log; or, opened from the jobs screen, one
 * job's events under its state and last error (the CA's problem document).
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "i18n.h"
#include "store_job.h"
#include "timefmt.h"
#include "ui.h"
#include "screen_list.h"
#include "widget_table.h"

/* The audit log shows the newest this many. */
#define EVENTS_MAX 2000
#define HEAD_MAX 6

struct event_item {
	long long time;
	int64_t job_id;
	char level[8];
	int step, steps;
	char *message;
	char *actor;
};

struct events {
	struct list_screen ls;	/* rows of struct event_item */
	int64_t job_id;		/* 0: all */
	int loaded;
	char head[HEAD_MAX][300];	/* the job's summary and error */
	int n_head;
};

enum col { C_TIME, C_JOB, C_LEVEL, C_STEP, C_MESSAGE, C_ACTOR, C_COUNT };

static const struct table_col cols[C_COUNT] = {
	[C_TIME] = { N_("Time"), 19, 0, 0, 0 },
	[C_JOB] = { N_("Job"), 5, 0, 1, 2 },
	[C_LEVEL] = { N_("Level"), 5, 0, 0, 3 },
	[C_STEP] = { N_("Step"), 5, 0, 1, 4 },
	[C_MESSAGE] = { N_("Message"), 0, 16, 0, 0 },
	[C_ACTOR] = { N_("Actor"), 18, 0, 0, 1 },
};

static void
row_clear(void *row)
{
	struct event_item *it = row;

	free(it->message);
	free(it->actor);
}

static int
collect(const struct event_row *r, void *arg)
{
	struct events *v = arg;
	struct event_item *it;

	if ((it = list_screen_add(&v->ls)) == NULL)
		return 1;
	it->time = r->time;
	it->job_id = r->job_id;
	snprintf(it->level, sizeof(it->level), "%s", r->level != NULL ?
	    r->level : "");
	it->step = r->step;
	it->steps = r->steps;
	it->message = strdup(r->message != NULL ? r->message : "");
	it->actor = strdup(r->actor != NULL ? r->actor : "");
	return 0;
}

static const char *
json_str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* The job's state, attempt and error above its events. */
static void
load_head(struct events *v, struct ui *ui)
{
	struct job_row *j = NULL;
	struct err e;
	cJSON *err;
	const char *s;

	v->n_head = 0;
	err_clear(&e);
	if (store_job_get(ui->st, v->job_id, &j, &e) != 0) {
		job_row_free(j);
		return;
	}
	snprintf(v->head[v->n_head++], sizeof(v->head[0]),
	    _("Job #%lld %s of #%lld: %s, attempt %d, step %d/%d %s"),
	    (long long)j->id, j->kind, (long long)j->target_id,
	    store_job_state_name(j->state), j->attempt, j->step, j->steps,
	    j->progress != NULL ? j->progress : "");
	if (j->last_error != NULL &&
	    (err = cJSON_Parse(j->last_error)) != NULL) {
		if ((s = json_str(err, "message")) != NULL)
			snprintf(v->head[v->n_head++], sizeof(v->head[0]),
			    _("Error: %s"), s);
		if ((s = json_str(err, "problem_type")) != NULL)
			snprintf(v->head[v->n_head++], sizeof(v->head[0]),
			    _("Problem: %s"), s);
		if ((s = json_str(err, "problem_detail")) != NULL)
			snprintf(v->head[v->n_head++], sizeof(v->head[0]),
			    _("Detail: %s"), s);
		cJSON_Delete(err);
	}
	v->head[v->n_head++][0] = '\0';
	job_row_free(j);
}

static int
page_rows(void *priv, struct ui *ui)
{
	struct events *v = priv;
	int p = ui->body_rows - 1 - v->n_head;

	return p > 1 ? p : 1;
}

static int
load(void *priv, struct ui *ui)
{
	struct events *v = priv;
	struct err e;
	int at_end = !v->loaded || v->ls.lv.sel >= v->ls.lv.n - 1;

	list_screen_reset(&v->ls);
	err_clear(&e);
	if (v->job_id > 0)
		load_head(v, ui);
	if (store_event_list(ui->st, v->job_id, v->job_id > 0 ? 0 :
	    EVENTS_MAX, collect, v, &e) == -1)
		ui_error(ui, &e);
	v->ls.lv.n = (int)v->ls.n;
	/* Like tail -f: at the bottom, the view follows new events. */
	if (at_end)
		v->ls.lv.sel = v->ls.lv.n - 1;
	v->loaded = 1;
	list_view_clamp(&v->ls.lv, page_rows(v, ui));
	return UI_REDRAW;
}

/* The job's summary and error (one job's events only). */
static int
draw_head(void *priv, struct ui *ui)
{
	struct events *v = priv;
	int i;

	for (i = 0; i < v->n_head; i++)
		ui_put(ui, ui->body_top + i, 1, ui->cols - 2, i == 0 ? A_BOLD :
		    ui->theme.attr[TH_ERROR], v->head[i]);
	return v->n_head;
}

static void
draw_row(struct ui *ui, int y, const struct table_layout *l, const void *row,
    attr_t at)
{
	const struct event_item *it = row;
	char buf[64];

	timefmt_utc(it->time, 1, buf, sizeof(buf));
	table_draw_cell(ui, y, cols, l, C_TIME, at, buf);
	if (it->job_id > 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)it->job_id);
	else
		snprintf(buf, sizeof(buf), "-");
	table_draw_cell(ui, y, cols, l, C_JOB, at, buf);
	table_draw_cell(ui, y, cols, l, C_LEVEL, at |
	    (strcmp(it->level, "error") == 0 ?
	    ui->theme.attr[TH_REVOKED] : 0), it->level);
	if (it->steps > 0)
		snprintf(buf, sizeof(buf), "%d/%d", it->step, it->steps);
	else
		snprintf(buf, sizeof(buf), "-");
	table_draw_cell(ui, y, cols, l, C_STEP, at, buf);
	table_draw_cell(ui, y, cols, l, C_MESSAGE, at, it->message);
	table_draw_cell(ui, y, cols, l, C_ACTOR, at, it->actor);
}

static int
events_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct events *v = s->priv;

	(void)key;
	return list_view_key(&v->ls.lv, act, page_rows(v, ui));
}

#define EVENTS_DEF(ops_name, ops_context) { \
	.ops = LIST_SCREEN_OPS(ops_name, ops_context, events_key), \
	.cols = cols, \
	.n_cols = C_COUNT, \
	.sorted = C_TIME, \
	.draw_row = draw_row, \
	.empty = N_("No events yet."), \
	.draw_head = draw_head, \
	.priv_size = sizeof(struct events), \
	.row_size = sizeof(struct event_item), \
	.row_clear = row_clear, \
	.load = load, \
	.page = page_rows, \
}

static const struct list_def events_def = EVENTS_DEF(N_("Events"),
    KM_ANY | KM_LIST);
static const struct list_def job_events_def = EVENTS_DEF(N_("Job"), KM_ANY);

struct screen *
screen_events_new(struct ui *ui, int64_t job_id)
{
	struct screen *s = list_screen_alloc(ui, job_id > 0 ? &job_events_def :
	    &events_def);
	struct events *v;

	if (s == NULL)
		return NULL;
	v = s->priv;
	v->job_id = job_id;
	if (job_id > 0)
		snprintf(s->title, sizeof(s->title), "#%lld",
		    (long long)job_id);
	load(v, ui);
	return s;
}
