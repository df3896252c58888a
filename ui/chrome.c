/* The title bar, the status line, the F-key bar and the jobs strip. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "chrome.h"
#include "format.h"
#include "i18n.h"
#include "store_job.h"
#include "ui_priv.h"

void
ui_message(struct ui *ui, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof(ui->message), fmt, ap);
	va_end(ap);
	ui->message_error = error;
}

void
ui_error(struct ui *ui, const struct err *e)
{
	ui_message(ui, 1, "%s", e->msg);
}

void
ui_nomem(struct ui *ui)
{
	struct err e;

	err_clear(&e);
	err_nomem(&e);
	ui_error(ui, &e);
}

void
ui_put(struct ui *ui, int y, int x, int width, attr_t a, const char *text)
{
	char buf[2048];

	if (width <= 0 || y < 0 || y >= ui->lines)
		return;
	format_fit(buf, sizeof(buf), text, width, ui->theme.ellipsis);
	attrset(a);
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
}

void
chrome_draw_title(struct loop *lp)
{
	static const char *const names[UI_BASE_COUNT] = {
		N_("Certificates"), N_("Accounts"), N_("Orders"), N_("Jobs"),
		N_("Events"), N_("Alerts"), N_("Channels"), N_("Endpoints"),
	};
	struct ui *ui = &lp->ui;
	struct screen *top = ui_top(ui);
	const struct theme *t = &ui->theme;
	char buf[256];
	int x = 0, i, w, right = 0;

	attrset(t->attr[TH_TITLE]);
	mvhline(0, 0, ' ', ui->cols);
	if (ui->readonly) {
		snprintf(buf, sizeof(buf), " %s ", _("read-only"));
		right = format_width(buf);
		ui_put(ui, 0, ui->cols - right, right, t->attr[TH_TITLE] |
		    A_BOLD, buf);
	}
	ui_put(ui, 0, 0, ui->cols - right, t->attr[TH_TITLE] | A_BOLD,
	    " certdeck ");
	x = 10;
	memset(lp->tab_x0, 0, sizeof(lp->tab_x0));
	memset(lp->tab_x1, 0, sizeof(lp->tab_x1));
	for (i = 0; i < UI_BASE_COUNT && x < ui->cols - right; i++) {
		/* Under a pushed screen the other tabs make room for its title. */
		if (ui->depth > 1 && i != (int)ui->base)
			continue;
		snprintf(buf, sizeof(buf), " %s ", _(names[i]));
		w = format_width(buf);
		lp->tab_x0[i] = x;
		lp->tab_x1[i] = x + w < ui->cols - right ? x + w : ui->cols - right;
		ui_put(ui, 0, x, ui->cols - right - x, i == (int)ui->base ?
		    t->attr[TH_TAB] | A_UNDERLINE : t->attr[TH_TITLE], buf);
		x += w;
	}
	if (ui->depth > 1 && top != NULL && x < ui->cols - right) {
		snprintf(buf, sizeof(buf), " %s %s %s", t->utf8 ?
		    "\xe2\x80\xba" : ">", _(top->ops->name), top->title);
		ui_put(ui, 0, x, ui->cols - right - x, t->attr[TH_TAB], buf);
	}
	attrset(A_NORMAL);
}

void
chrome_draw_status(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	const struct theme *t = &ui->theme;
	struct screen *top = ui_top(ui);
	int y = ui->lines - 2, col, right;
	char buf[512];

	move(y, 0);
	clrtoeol();
	if (lp->mode != INPUT_NONE) {
		ui_put(ui, y, 0, 1, t->attr[TH_KEY], lp->mode == INPUT_FILTER ?
		    "/" : ":");
		ui_put(ui, y, 1, ui->cols - 1, A_NORMAL, lp->line.buf);
		if (ui->reload_pending && ui->message[0] == '\0') {
			snprintf(buf, sizeof(buf), "%s", _("searching..."));
			col = 2 + format_width(lp->line.buf);
			right = format_width(buf);
			if (col + right < ui->cols)
				ui_put(ui, y, ui->cols - right, right,
				    t->attr[TH_DIM], buf);
		}
		if (ui->message[0] != '\0') {
			col = 2 + format_width(lp->line.buf);
			if (col < ui->cols - 10)
				ui_put(ui, y, col + 1, ui->cols - col - 1,
				    ui->message_error ? t->attr[TH_ERROR] :
				    t->attr[TH_DIM], ui->message);
		}
		return;
	}
	if (ui->message[0] != '\0') {
		ui_put(ui, y, 0, ui->cols, ui->message_error ?
		    t->attr[TH_ERROR] : t->attr[TH_STATUS], ui->message);
		return;
	}
	right = top != NULL ? format_width(top->hint) : 0;
	if (right > 0 && right < ui->cols / 2)
		ui_put(ui, y, ui->cols - right, right, t->attr[TH_DIM],
		    top->hint);
	else
		right = 0;
	if (ui->filter_text[0] != '\0' && ui->base == UI_BASE_CERTS) {
		snprintf(buf, sizeof(buf), _("Filter: %s  (Esc clears)"),
		    ui->filter_text);
		ui_put(ui, y, 0, ui->cols - right - 1, t->attr[TH_STATUS] |
		    A_BOLD, buf);
	}
}

/* Draws one bar entry (key, then label) at *x; records where a click hits. */
static void
bar_entry(struct loop *lp, int *x, int limit, int key, const char *keytext,
    const char *label)
{
	struct ui *ui = &lp->ui;
	const struct theme *t = &ui->theme;
	int w = format_width(keytext) + format_width(label);

	/* An entry that does not fit whole is left out, not cut. */
	if (*x + w > limit || lp->n_bar_hit >= BAR_MAX)
		return;
	lp->bar_hit[lp->n_bar_hit].x0 = *x;
	lp->bar_hit[lp->n_bar_hit].key = key;
	ui_put(ui, ui->lines - 1, *x, ui->cols - *x, t->attr[TH_KEY], keytext);
	*x += format_width(keytext);
	ui_put(ui, ui->lines - 1, *x, ui->cols - *x, t->attr[TH_BAR], label);
	*x += format_width(label);
	/* The two spaces between labels belong to neither. */
	lp->bar_hit[lp->n_bar_hit++].x1 = *x - 2;
}

/* The F-key at bar position pos in context ctx, or NULL. */
static const struct keybinding *
bar_fkey(unsigned ctx, int pos)
{
	size_t i;

	for (i = 0; i < keymap_len; i++)
		if (keymap[i].bar == pos && (keymap[i].context & ctx))
			return &keymap[i];
	return NULL;
}

/*
 * Draws F-key b with its one-character twin ("F1 Help ?"); with x NULL
 * only returns the width it takes.
 */
static int
bar_fkey_entry(struct loop *lp, int *x, const struct keybinding *b)
{
	const char *alt = "";
	char label[96];
	size_t j;

	for (j = 0; j < keymap_len; j++)
		if (keymap[j].action == b->action && keymap[j].bar == 0 &&
		    keymap[j].label != NULL && strlen(keymap[j].label) == 1) {
			alt = keymap[j].label;
			break;
		}
	snprintf(label, sizeof(label), " %s%s%s  ", _(keymap_bar_label(b->action)),
	    alt[0] ? " " : "", alt);
	if (x != NULL)
		bar_entry(lp, x, lp->ui.cols, b->key, b->label, label);
	return format_width(b->label) + format_width(label);
}

void
chrome_draw_bar(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	struct screen *top = ui_top(ui);
	unsigned ctx = top != NULL ? top->ops->context : KM_ANY;
	unsigned own = ctx & ~(unsigned)KM_SHARED;
	const struct keybinding *b;
	int x = 0, pos, reserve = 0, seen[ACT_COUNT] = { 0 };
	size_t i;
	char keytext[16], label[96];

	move(ui->lines - 1, 0);
	clrtoeol();
	lp->n_bar_hit = 0;
	/* The F-keys up to F9, then the screen's own keys, then F10 Quit last. */
	for (pos = 1; pos <= 9; pos++)
		if ((b = bar_fkey(ctx, pos)) != NULL)
			bar_fkey_entry(lp, &x, b);
	/* F10 keeps its place: the screen's keys give way on a narrow terminal. */
	for (pos = 10; pos <= 12; pos++)
		if ((b = bar_fkey(ctx, pos)) != NULL)
			reserve += bar_fkey_entry(lp, NULL, b);
	/* A key the F-keys already offer is not shown twice ("/" is F2). */
	for (i = 0; i < keymap_len; i++)
		if (keymap[i].bar != 0 && (keymap[i].context & ctx))
			seen[keymap[i].action] = 1;
	for (i = 0; own != 0 && i < keymap_len; i++) {
		b = &keymap[i];
		if (!(b->context & own) || b->bar != 0 || seen[b->action] ||
		    keymap_bar_label(b->action) == NULL ||
		    (ui->readonly && keymap_action_writes(b->action)))
			continue;
		seen[b->action] = 1;
		snprintf(label, sizeof(label), " %s  ", _(keymap_bar_label(b->action)));
		bar_entry(lp, &x, ui->cols - reserve, b->key,
		    keymap_bar_key(b, keytext, sizeof(keytext)), label);
	}
	for (pos = 10; pos <= 12; pos++)
		if ((b = bar_fkey(ctx, pos)) != NULL)
			bar_fkey_entry(lp, &x, b);
}

/* A step bar "[###---]" (UTF-8 blocks when allowed), width cells inside. */
static void
step_bar(const struct theme *t, int step, int steps, int width, char *buf,
    size_t cap)
{
	size_t len = 0;
	int i, full = steps > 0 ? step * width / steps : 0;

	if (cap < 2)
		return;
	buf[len++] = '[';
	for (i = 0; i < width; i++) {
		const char *g = i < full ? (t->utf8 ? "\xe2\x96\x88" : "#") :
		    (t->utf8 ? "\xe2\x96\x91" : "-");
		size_t gl = strlen(g);

		if (len + gl + 2 > cap)
			break;
		memcpy(buf + len, g, gl);
		len += gl;
	}
	buf[len++] = ']';
	buf[len] = '\0';
}

struct strip_scan {
	struct loop *lp;
	struct strip_job jobs[STRIP_MAX];
	int n_running, n_queued, n_mine;
};

static int
strip_cb(const struct job_row *j, void *arg)
{
	struct strip_scan *sc = arg;
	struct strip_job *sj;

	if (j->state == JOB_QUEUED) {
		sc->n_queued++;
		return 0;
	}
	if (j->state != JOB_RUNNING)
		return 0;
	if (ui_worker_claimed(&sc->lp->worker, j->claimed_by))
		sc->n_mine++;
	if (sc->n_running < STRIP_MAX) {
		sj = &sc->jobs[sc->n_running];
		memset(sj, 0, sizeof(*sj));
		sj->id = j->id;
		snprintf(sj->kind, sizeof(sj->kind), "%s", j->kind);
		sj->target = j->target_id;
		sj->step = j->step;
		sj->steps = j->steps;
		snprintf(sj->progress, sizeof(sj->progress), "%s",
		    j->progress != NULL ? j->progress : "");
	}
	sc->n_running++;
	return 0;
}

void
chrome_refresh_jobs(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	struct strip_scan sc;
	struct err e;
	int rows;

	memset(&sc, 0, sizeof(sc));
	sc.lp = lp;
	err_clear(&e);
	if (store_job_list(ui->st, 1, strip_cb, &sc, &e) == -1)
		return;
	if (sc.n_running != lp->n_running || sc.n_queued != lp->n_queued ||
	    memcmp(sc.jobs, lp->strip, sizeof(sc.jobs)) != 0)
		lp->dirty = 1;
	memcpy(lp->strip, sc.jobs, sizeof(sc.jobs));
	lp->n_running = sc.n_running;
	lp->n_queued = sc.n_queued;
	lp->n_mine = sc.n_mine;
	rows = sc.n_running < STRIP_MAX ? sc.n_running : STRIP_MAX;
	if (rows == 0 && sc.n_queued > 0)
		rows = 1;
	if (rows != ui->strip_rows) {
		ui->strip_rows = rows;
		ui_layout(ui);
		ui_apply(lp, ui_broadcast(ui, UI_EV_RESIZE));
		lp->dirty = 1;
	}
}

void
chrome_draw_strip(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	const struct theme *t = &ui->theme;
	int y0 = ui->lines - 2 - ui->strip_rows, i, shown;
	char bar[64], buf[512], more[64];

	shown = lp->n_running < ui->strip_rows ? lp->n_running :
	    ui->strip_rows;
	more[0] = '\0';
	if (lp->n_running > shown)
		snprintf(more, sizeof(more), _("  +%d running"),
		    lp->n_running - shown);
	if (lp->n_queued > 0) {
		size_t l = strlen(more);

		snprintf(more + l, sizeof(more) - l, _("  +%d queued"),
		    lp->n_queued);
	}
	for (i = 0; i < ui->strip_rows; i++) {
		attrset(t->attr[TH_STATUS]);
		mvhline(y0 + i, 0, ' ', ui->cols);
		attrset(A_NORMAL);
	}
	if (shown == 0) {
		ui_put(ui, y0, 0, ui->cols, t->attr[TH_STATUS],
		    more[0] == ' ' ? more + 2 : more);
		return;
	}
	for (i = 0; i < shown; i++) {
		const struct strip_job *j = &lp->strip[i];

		step_bar(t, j->step, j->steps, 8, bar, sizeof(bar));
		snprintf(buf, sizeof(buf), "#%lld %s %lld %s %d/%d %s%s",
		    (long long)j->id, j->kind, (long long)j->target, bar,
		    j->step, j->steps, j->progress, i == shown - 1 ? more : "");
		ui_put(ui, y0 + i, 0, ui->cols, t->attr[TH_STATUS], buf);
	}
}
