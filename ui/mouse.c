/* Mouse handling: clicks on rows, tabs and F-keys, the wheel. */
#include "config.h"

#include <curses.h>

#include "input.h"
#include "mouse.h"
#include "ui_priv.h"

/* How long ncurses waits to tell a click from a double click. */
#define MOUSE_INTERVAL_MS 150

/* Rows one notch of the mouse wheel moves. */
#define WHEEL_ROWS 3

void
mouse_enable(void)
{
	mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED |
	    BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(MOUSE_INTERVAL_MS);
}

/* A click at (y, x) on the list rows, the tabs or the F-key bar. */
static void
mouse_click(struct loop *lp, int y, int x, int twice)
{
	static const enum ui_action show[UI_BASE_COUNT] = {
		[UI_BASE_CERTS] = ACT_SHOW_CERTS,
		[UI_BASE_ACCOUNTS] = ACT_SHOW_ACCOUNTS,
		[UI_BASE_ORDERS] = ACT_SHOW_ORDERS,
		[UI_BASE_JOBS] = ACT_SHOW_JOBS,
		[UI_BASE_EVENTS] = ACT_SHOW_EVENTS,
		[UI_BASE_ALERTS] = ACT_SHOW_ALERTS,
		[UI_BASE_NOTIFY] = ACT_SHOW_NOTIFY,
		[UI_BASE_ENDPOINTS] = ACT_SHOW_ENDPOINTS,
	};
	struct ui *ui = &lp->ui;
	struct screen *top = ui_top(ui);
	int i, delta;

	if (y == 0) {
		for (i = 0; i < UI_BASE_COUNT; i++)
			if (x >= lp->tab_x0[i] && x < lp->tab_x1[i]) {
				input_run_action(lp, show[i], 0);
				return;
			}
		return;
	}
	if (y == ui->lines - 1) {
		for (i = 0; i < lp->n_bar_hit; i++)
			if (x >= lp->bar_hit[i].x0 && x < lp->bar_hit[i].x1) {
				input_normal_key(lp, lp->bar_hit[i].key);
				return;
			}
		return;
	}
	if (top != NULL && top->ops->click != NULL &&
	    (y < top->rows_y || y >= top->rows_y + top->rows_n)) {
		int flags = top->ops->click(top, ui, y, x);

		if (flags != 0) {
			ui_apply(lp, flags);
			return;
		}
	}
	if (top == NULL || top->rows_n <= 0 || top->cursor_y < 0 ||
	    y < top->rows_y || y >= top->rows_y + top->rows_n)
		return;
	/*
	 * The same moves the arrow keys make, so the screen keeps its own
	 * rules; the row is on screen, so nothing scrolls on the way.
	 */
	delta = y - top->cursor_y;
	for (i = delta; i > 0 && !lp->quit; i--)
		input_run_action(lp, ACT_DOWN, 0);
	for (i = delta; i < 0 && !lp->quit; i++)
		input_run_action(lp, ACT_UP, 0);
	/* A click on the selected row, or a double click, opens it. */
	if ((twice || delta == 0) && top == ui_top(ui) && !lp->quit)
		input_run_action(lp, ACT_OPEN, 0);
}

/*
 * A dialog gets its own clicks (an option, a field); a prompt or the quit
 * question waits for keys.
 */
void
mouse_handle(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	MEVENT me;
	int i;

	if (getmouse(&me) != OK || ui_too_small(ui) || lp->quit_asked ||
	    lp->mode != INPUT_NONE)
		return;
	if (ui->modal != NULL) {
		/* A dialog takes clicks it knows what to do with, nothing else. */
		if (ui->modal->click != NULL &&
		    (me.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)))
			input_modal(lp, 0, &me);
		return;
	}
	lp->trace_kind = "mouse";
	if (ui->message[0] != '\0') {
		ui->message[0] = '\0';
		lp->dirty = 1;
	}
	if (lp->esc_pending) {
		lp->esc_pending = 0;
		input_normal_key(lp, UI_ESC);
		if (lp->quit)
			return;
	}
	if (me.bstate & BUTTON4_PRESSED) {
		for (i = 0; i < WHEEL_ROWS; i++)
			input_run_action(lp, ACT_UP, 0);
	} else if (me.bstate & BUTTON5_PRESSED) {
		for (i = 0; i < WHEEL_ROWS; i++)
			input_run_action(lp, ACT_DOWN, 0);
	} else if (me.bstate & BUTTON1_DOUBLE_CLICKED)
		mouse_click(lp, me.y, me.x, 1);
	else if (me.bstate & BUTTON1_CLICKED)
		mouse_click(lp, me.y, me.x, 0);
}
