/*
 * The loop and the screen stack: it waits for keys, signals, the worker's
 * wake-ups and the timer, hands them on, and is the only one to draw.
 * The frame is chrome.c, keys input.c, the mouse mouse.c, the terminal
 * term.c and the worker ui_worker.c.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curses.h>

#include "chrome.h"
#include "format.h"
#include "i18n.h"
#include "input.h"
#include "mouse.h"
#include "term.h"
#include "ui.h"
#include "ui_priv.h"

/* The smallest terminal the screens are laid out for. */
#define MIN_COLS 40
#define MIN_LINES 12

/* How often other connections' commits are looked for. */
#define TICK_MS 1000

/* Worker wake-ups redraw at most this often. */
#define WAKE_MIN_MS 200

double
ui_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/*
 * A zeroed object of size bytes and its zeroed private part (*priv), or
 * NULL with "out of memory" on the status line.
 */
static void *
alloc_with_priv(struct ui *ui, size_t size, size_t priv_size, void **priv)
{
	void *p = calloc(1, size);

	*priv = calloc(1, priv_size);
	if (p == NULL || *priv == NULL) {
		free(p);
		free(*priv);
		*priv = NULL;
		ui_nomem(ui);
		return NULL;
	}
	return p;
}

struct screen *
screen_alloc(struct ui *ui, const struct screen_ops *ops, size_t priv_size)
{
	void *priv;
	struct screen *s = alloc_with_priv(ui, sizeof(*s), priv_size, &priv);

	if (s == NULL)
		return NULL;
	s->ops = ops;
	s->priv = priv;
	return s;
}

struct ui_modal *
ui_modal_alloc(struct ui *ui, size_t priv_size)
{
	void *priv;
	struct ui_modal *m = alloc_with_priv(ui, sizeof(*m), priv_size, &priv);

	if (m == NULL)
		return NULL;
	m->priv = priv;
	m->cursor_y = -1;
	return m;
}

void
screen_free(struct screen *s)
{
	if (s == NULL)
		return;
	if (s->ops->free != NULL)
		s->ops->free(s);
	free(s);
}

struct screen *
ui_top(struct ui *ui)
{
	return ui->depth > 0 ? ui->stack[ui->depth - 1] : NULL;
}

int
ui_send_event(struct ui *ui, struct screen *s, enum ui_event ev)
{
	if (s == NULL || s->ops->on_event == NULL)
		return 0;
	return s->ops->on_event(s, ui, ev);
}

int
ui_broadcast(struct ui *ui, enum ui_event ev)
{
	int i, flags = 0;

	for (i = 0; i < ui->depth; i++)
		flags |= ui_send_event(ui, ui->stack[i], ev);
	return flags;
}

int
ui_push(struct ui *ui, struct screen *s)
{
	if (s == NULL)
		return UI_REDRAW;
	if (ui->depth >= UI_STACK_MAX) {
		screen_free(s);
		ui_message(ui, 1, "%s", _("too many screens open"));
		return UI_REDRAW;
	}
	ui->stack[ui->depth++] = s;
	return UI_REDRAW;
}

static void
pop_screen(struct ui *ui)
{
	if (ui->depth <= 1)
		return;
	screen_free(ui->stack[--ui->depth]);
	ui->stack[ui->depth] = NULL;
	ui_send_event(ui, ui_top(ui), UI_EV_SHOW);
}

static struct screen *
events_base_new(struct ui *ui)
{
	return screen_events_new(ui, 0);
}

int
ui_show_base(struct ui *ui, enum ui_base base)
{
	static struct screen *(*const make[UI_BASE_COUNT])(struct ui *) = {
		[UI_BASE_CERTS] = screen_certs_new,
		[UI_BASE_ACCOUNTS] = screen_accounts_new,
		[UI_BASE_ORDERS] = screen_orders_new,
		[UI_BASE_JOBS] = screen_jobs_new,
		[UI_BASE_EVENTS] = events_base_new,
		[UI_BASE_ALERTS] = screen_alerts_new,
		[UI_BASE_NOTIFY] = screen_notify_new,
		[UI_BASE_ENDPOINTS] = screen_endpoints_new,
	};
	int fresh = 0;

	if ((unsigned)base >= UI_BASE_COUNT)
		return 0;
	if (ui->bases[base] == NULL) {
		if ((ui->bases[base] = make[base](ui)) == NULL)
			return UI_REDRAW;
		fresh = 1;
	}
	while (ui->depth > 1)
		screen_free(ui->stack[--ui->depth]);
	ui->base = base;
	ui->stack[0] = ui->bases[base];
	ui->depth = 1;
	if (!fresh)
		ui_send_event(ui, ui->stack[0], UI_EV_SHOW);
	return UI_REDRAW;
}

int
ui_set_filter(struct ui *ui, const char *text)
{
	struct filter f;
	struct err e;

	if (filter_parse(text, &f, &e) == -1) {
		ui_error(ui, &e);
		return UI_REDRAW;
	}
	snprintf(ui->filter_text, sizeof(ui->filter_text), "%s", text);
	filter_clear(&ui->filter);
	ui->filter = f;
	if (ui->bases[UI_BASE_CERTS] == NULL)
		return UI_REDRAW;
	return ui_send_event(ui, ui->bases[UI_BASE_CERTS], UI_EV_FILTER) |
	    UI_REDRAW;
}

void
ui_layout(struct ui *ui)
{
	ui->lines = LINES;
	ui->cols = COLS;
	ui->body_top = 1;
	ui->body_rows = LINES - 3 - ui->strip_rows > 1 ?
	    LINES - 3 - ui->strip_rows : 1;
}

int
ui_too_small(struct ui *ui)
{
	return ui->lines < MIN_LINES || ui->cols < MIN_COLS;
}

static void
draw(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	struct screen *top = ui_top(ui);
	char buf[128];

	erase();
	if (ui_too_small(ui)) {
		snprintf(buf, sizeof(buf), _("terminal too small (%dx%d, need "
		    "%dx%d)"), ui->cols, ui->lines, MIN_COLS, MIN_LINES);
		if (format_width(buf) > ui->cols)
			snprintf(buf, sizeof(buf), "%s", _("terminal too small"));
		ui_put(ui, 0, 0, ui->cols, A_BOLD, buf);
		move(0, 0);
	} else {
		chrome_draw_title(lp);
		if (top != NULL) {
			top->cursor_y = -1;
			top->rows_n = 0;
			top->ops->draw(top, ui);
		}
		if (ui->strip_rows > 0)
			chrome_draw_strip(lp);
		if (ui->modal != NULL) {
			ui->modal->cursor_y = -1;
			ui->modal->draw(ui->modal, ui);
		}
		chrome_draw_status(lp);
		chrome_draw_bar(lp);
		/* The hardware cursor follows the selection, for screen readers. */
		if (ui->modal != NULL && ui->modal->cursor_y >= 0)
			move(ui->modal->cursor_y, ui->modal->cursor_x);
		else if (lp->mode != INPUT_NONE) {
			int col = 1 + line_edit_cursor_col(&lp->line);

			move(ui->lines - 2, col < ui->cols ? col : ui->cols - 1);
		} else if (top != NULL && top->cursor_y >= 0)
			move(top->cursor_y, 0);
		else
			move(ui->body_top, 0);
	}
	wnoutrefresh(stdscr);
	doupdate();
	if (lp->trace != NULL && lp->trace_kind != NULL) {
		struct timespec wall;

		clock_gettime(CLOCK_REALTIME, &wall);
		fprintf(lp->trace, "%s %.3f %lld\n", lp->trace_kind,
		    ui_clock_ms() - lp->trace_t0, (long long)wall.tv_sec * 1000 +
		    wall.tv_nsec / 1000000);
		fflush(lp->trace);
	}
	lp->trace_kind = NULL;
	lp->dirty = 0;
}

void
ui_apply(struct loop *lp, int flags)
{
	if (flags & UI_POP) {
		pop_screen(&lp->ui);
		flags |= UI_REDRAW;
	}
	if (flags & UI_QUIT) {
		/* Quitting stops the jobs this process runs: ask first. */
		if (lp->worker.started && !lp->quit_asked)
			chrome_refresh_jobs(lp);
		if (lp->worker.started && !lp->quit_asked && lp->n_mine > 0) {
			lp->quit_asked = 1;
			ui_message(&lp->ui, 1, _("%d job(s) running here: q or y "
			    "quits and stops them (they resume with 'certdeck "
			    "worker'); any other key stays"), lp->n_mine);
			flags |= UI_REDRAW;
		} else
			lp->quit = 1;
	}
	if (flags & UI_REDRAW)
		lp->dirty = 1;
}

void
ui_resize(struct loop *lp)
{
	struct ui *ui = &lp->ui;

	term_sync_size();
	if (ui->lines == LINES && ui->cols == COLS)
		return;
	ui_layout(ui);
	lp->trace_kind = "resize";
	ui_apply(lp, ui_broadcast(ui, UI_EV_RESIZE));
	lp->dirty = 1;
}

/* Looks for commits by other connections, and for the clock. */
static void
tick(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	int64_t got;
	long long v = lp->data_version;

	ui->now = store_now();
	chrome_refresh_jobs(lp);
	if (store_data_version(ui->st, &got, NULL) == 0)
		v = got;
	if (v != lp->data_version) {
		if (lp->data_version != 0) {
			/* A key read in this pass keeps its name: the draw answers it. */
			if (lp->trace_kind == NULL)
				lp->trace_kind = "data";
			ui_apply(lp, ui_broadcast(ui, UI_EV_DATA) | UI_REDRAW);
		}
		lp->data_version = v;
	}
	/* Days and hours left move on without any commit. */
	if (ui->now / 60 != lp->last_minute) {
		lp->last_minute = ui->now / 60;
		lp->dirty = 1;
		if (lp->trace_kind == NULL)
			lp->trace_kind = "clock";
	}
}

static int
handle_signals(struct loop *lp)
{
	unsigned char b[16];
	int n, i;

	while ((n = term_signals_read(b, (int)sizeof(b))) > 0) {
		for (i = 0; i < n; i++) {
			if (b[i] == SIGWINCH) {
				ui_resize(lp);
				continue;
			}
			lp->quit = 1;
			lp->exit_code = 128 + b[i];
		}
	}
	return 0;
}

/*
 * Times the next draw from t (a wake-up, a tick), unless a key read in this
 * pass already waits for it: that draw is the key's answer, timed from the
 * key (the benchmarks measure keys this way).
 */
static void
trace_from(struct loop *lp, double t)
{
	if (lp->trace_kind == NULL)
		lp->trace_t0 = t;
}

static void
run(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	struct pollfd fds[3];
	double t, wait;
	const char *failed;

	lp->next_tick = ui_clock_ms() + TICK_MS;
	while (!lp->quit) {
		if (lp->dirty)
			draw(lp);
		/* A key that changed nothing drew nothing: forget its name. */
		lp->trace_kind = NULL;
		if (ui->reload_pending) {
			/*
			 * A filter load that typing or its budget cut short:
			 * the prompt is answered, the keys are in, run it now.
			 */
			struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

			if (poll(&p, 1, 0) == 0) {
				ui->reload_pending = 0;
				lp->trace_kind = "filter_result";
				input_guard_begin(ui, 0);
				ui_apply(lp, ui_send_event(ui, ui->bases[UI_BASE_CERTS],
				    UI_EV_RELOAD) | UI_REDRAW);
				input_guard_end(ui);
				continue;
			}
		}
		t = ui_clock_ms();
		wait = lp->next_tick - t;
		if (lp->esc_pending && lp->esc_deadline - t < wait)
			wait = lp->esc_deadline - t;
		if (ui->reload_pending)
			wait = 0;
		if (lp->wake_pending && lp->next_wake - t < wait)
			wait = lp->next_wake - t;
		fds[2].fd = ui_worker_fd(&lp->worker);
		fds[2].events = POLLIN;
		fds[2].revents = 0;
		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		fds[1].fd = term_signal_fd();
		fds[1].events = POLLIN;
		fds[1].revents = 0;
		if (poll(fds, 3, wait > 0 ? (int)wait + 1 : 0) == -1 &&
		    errno != EINTR)
			break;
		if (fds[1].revents & POLLIN)
			handle_signals(lp);
		if (lp->quit)
			break;
		if (fds[0].revents & POLLIN) {
			lp->trace_t0 = ui_clock_ms();
			input_read_keys(lp);
		} else if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* The terminal is gone: nobody to draw for. */
			lp->quit = 1;
			lp->exit_code = 1;
			break;
		}
		if (fds[2].revents & POLLIN) {
			failed = ui_worker_drain(&lp->worker);
			lp->wake_pending = 1;
			if (failed != NULL) {
				ui_message(ui, 1, _("the worker stopped: %s"),
				    failed);
				lp->dirty = 1;
			}
		}
		t = ui_clock_ms();
		if (lp->wake_pending && t >= lp->next_wake) {
			/* The worker moved on: the strip and the screens follow. */
			lp->wake_pending = 0;
			lp->next_wake = t + WAKE_MIN_MS;
			trace_from(lp, t);
			tick(lp);
		}
		if (lp->esc_pending && t >= lp->esc_deadline) {
			lp->esc_pending = 0;
			lp->trace_t0 = t;
			input_normal_key(lp, UI_ESC);
		}
		if (t >= lp->next_tick) {
			trace_from(lp, t);
			tick(lp);
			lp->next_tick = t + TICK_MS;
		}
	}
}


static void
free_screens(struct ui *ui)
{
	int i;

	while (ui->depth > 1)
		screen_free(ui->stack[--ui->depth]);
	ui->depth = 0;
	for (i = 0; i < UI_BASE_COUNT; i++) {
		screen_free(ui->bases[i]);
		ui->bases[i] = NULL;
	}
}

int
ui_run(struct store *st, const struct ui_options *opt, struct err *e)
{
	struct loop *lp;
	struct ui *ui;
	struct err we;
	const char *trace;
	int rc;

	if ((lp = calloc(1, sizeof(*lp))) == NULL) {
		err_nomem(e);
		return 1;
	}
	lp->trace_t0 = ui_clock_ms();
	ui = &lp->ui;
	ui->st = st;
	ui->readonly = opt->readonly;
	lp->mouse = opt->mouse;
	snprintf(ui->actor, sizeof(ui->actor), "%s",
	    opt->actor != NULL ? opt->actor : "");
	if ((trace = getenv("CERTDECK_UI_TRACE")) != NULL && trace[0] != '\0')
		lp->trace = fopen(trace, "ae");
	ui->now = store_now();
	rc = 1;
	if (term_signals_setup(e) == -1)
		goto out_nocurses;
	if ((lp->term = term_start(e)) == NULL)
		goto out_nocurses;
	if (lp->mouse)
		mouse_enable();
	theme_init(&ui->theme);
	err_clear(&we);
	if (!ui->readonly && ui_worker_start(&lp->worker, store_path(st),
	    ui->actor, &we) == -1)
		ui_error(ui, &we);
	ui_layout(ui);
	tick(lp);
	lp->trace_kind = "start";
	ui_show_base(ui, UI_BASE_CERTS);
	if (ui->depth == 0) {
		term_restore();
		err_set(e, ERR_IO, "%s", ui->message);
		goto out;
	}
	lp->dirty = 1;
	run(lp);
	rc = lp->exit_code;
out:
	if (lp->worker.started && term_active()) {
		/* Joining may wait for a step to end: say so. */
		ui_message(ui, 0, "%s", _("stopping the worker..."));
		draw(lp);
	}
	ui_worker_stop(&lp->worker);
	input_close_modal(ui);
	free_screens(ui);
	term_end(lp->term);
out_nocurses:
	term_signals_teardown();
	filter_clear(&ui->filter);
	if (lp->trace != NULL)
		fclose(lp->trace);
	free(lp);
	return rc;
}
