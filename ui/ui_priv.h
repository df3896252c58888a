/*
 * What the parts of the loop share (ui.c, chrome.c, input.c, mouse.c):
 * the loop's own state and the loop's functions they call back. Screens
 * see struct ui (ui.h) only and never include this.
 */
#ifndef CERTDECK_UI_PRIV_H
#define CERTDECK_UI_PRIV_H

#include <stdint.h>
#include <stdio.h>

#include "ui.h"
#include "ui_worker.h"
#include "widget_line.h"

/* Entries the bottom bar has at most (F-keys and a screen's own keys). */
#define BAR_MAX 24

/* Running jobs the strip shows at most (one line each). */
#define STRIP_MAX 3

enum input_mode { INPUT_NONE, INPUT_FILTER, INPUT_COMMAND };

/* A running job as the strip shows it. */
struct strip_job {
	int64_t id;
	char kind[32];
	int64_t target;
	int step, steps;
	char progress[160];
};

/* The loop's own state; struct ui is what screens see. */
struct loop {
	struct ui ui;
	SCREEN *term;
	enum input_mode mode;
	struct line_edit line;
	int dirty;		/* something to draw */
	int quit;
	int exit_code;
	int esc_pending;
	double esc_deadline;
	double next_tick;
	long long data_version;
	long long last_minute;
	/*
	 * CERTDECK_UI_TRACE=FILE (for benchmarks): after each doupdate, a line
	 * "kind ms wall" with the milliseconds since the event that caused it
	 * (for "start", since ui_run began; for a key, since it was read, and
	 * named after it even when a wake-up or tick came in the same pass)
	 * and the wall clock in ms.
	 */
	FILE *trace;
	double trace_t0;
	const char *trace_kind;

	struct ui_worker worker;
	double next_wake;	/* throttle: no wake-up refresh before this */
	int wake_pending;	/* a wake-up waits for the throttle */
	struct strip_job strip[STRIP_MAX];
	int n_running;		/* running jobs, shown or not */
	int n_queued;
	int n_mine;		/* running in this process's worker */
	int quit_asked;		/* quitting would stop running jobs: asked */

	/*
	 * --mouse: where the last draw put the screen tabs and the F-key bar's
	 * labels (columns x0 .. x1-1), so a click can act like their keys.
	 */
	int mouse;
	int tab_x0[UI_BASE_COUNT], tab_x1[UI_BASE_COUNT];
	struct {
		int x0, x1, key;
	} bar_hit[BAR_MAX];
	int n_bar_hit;
};

/* The monotonic clock in milliseconds. */
double ui_clock_ms(void);

/* The screen on top of the stack, or NULL. */
struct screen *ui_top(struct ui *ui);

/* Sends ev to s (may be NULL). Returns the screen's UI_* flags. */
int ui_send_event(struct ui *ui, struct screen *s, enum ui_event ev);

/* Sends ev to every screen on the stack. Returns the flags combined. */
int ui_broadcast(struct ui *ui, enum ui_event ev);

/* Applies a handler's UI_* flags (pop, quit after asking, redraw). */
void ui_apply(struct loop *lp, int flags);

/* Reads the terminal's size and lays out the screen parts. */
void ui_layout(struct ui *ui);

/* 1 when the terminal is smaller than the screens are laid out for. */
int ui_too_small(struct ui *ui);

/* Follows a change of the terminal's size (re-laying out the screens). */
void ui_resize(struct loop *lp);

#endif
