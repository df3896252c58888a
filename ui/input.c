/* Key input: normal keys, the prompts (filter, : commands), dialogs. */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>

#include "actions.h"
#include "i18n.h"
#include "input.h"
#include "mouse.h"
#include "ui_priv.h"

/* How long Esc waits for a digit that makes it an F-key. */
#define ESC_DIGIT_MS 400

/* Store statements between two looks at the keyboard while filtering. */
#define GUARD_OPS 2000

/*
 * How long a filter keystroke may query before the prompt is answered
 * without the results: the query then runs again, unhurried but still
 * interrupted by the next key, once no key is waiting.
 */
#define FILTER_BUDGET_MS 30

int
ui_open_modal(struct ui *ui, struct ui_modal *m)
{
	if (m == NULL)
		return UI_REDRAW;
	if (ui->modal != NULL) {
		if (m->free != NULL)
			m->free(m);
		free(m);
		return UI_REDRAW;
	}
	ui->modal = m;
	return UI_REDRAW;
}

void
input_close_modal(struct ui *ui)
{
	struct ui_modal *m = ui->modal;

	if (m == NULL)
		return;
	ui->modal = NULL;
	if (m->free != NULL)
		m->free(m);
	free(m);
}

/* When the guard's budget runs out, in ui_clock_ms() time; 0 for no budget. */
static double guard_deadline;

/*
 * The query guard: typing ahead, or a spent budget, interrupts a slow
 * filter query.
 */
static int
guard_cb(void *arg)
{
	struct ui *ui = arg;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	if ((guard_deadline > 0 && ui_clock_ms() > guard_deadline) ||
	    (poll(&p, 1, 0) > 0 && (p.revents & POLLIN))) {
		ui->interrupted = 1;
		return 1;
	}
	return 0;
}

void
input_guard_begin(struct ui *ui, int budget_ms)
{
	ui->interrupted = 0;
	ui->guard_active = 1;
	guard_deadline = budget_ms > 0 ? ui_clock_ms() + budget_ms : 0;
	store_set_progress_guard(ui->st, GUARD_OPS, guard_cb, ui);
}

void
input_guard_end(struct ui *ui)
{
	ui->guard_active = 0;
	store_clear_progress_guard(ui->st);
}

int
ui_was_interrupted(struct ui *ui)
{
	return ui->interrupted;
}

/* What the loop does with an action no screen took. */
static int
global_action(struct loop *lp, enum ui_action act)
{
	struct ui *ui = &lp->ui;

	switch (act) {
	case ACT_QUIT:
		return ui->depth > 1 ? UI_POP : UI_QUIT;
	case ACT_EXIT:
		return UI_QUIT;
	case ACT_BACK:
		return ui->depth > 1 ? UI_POP : UI_HANDLED;
	case ACT_HELP:
		/* The help screen takes ACT_HELP itself: no help on help. */
		return ui_push(ui, screen_help_new(ui));
	case ACT_FILTER:
		lp->mode = INPUT_FILTER;
		line_edit_set(&lp->line, ui->filter_text);
		return UI_REDRAW;
	case ACT_COMMAND:
		lp->mode = INPUT_COMMAND;
		line_edit_set(&lp->line, "");
		return UI_REDRAW;
	case ACT_NEXT_SCREEN:
		return ui_show_base(ui, (enum ui_base)((ui->base + 1) %
		    UI_BASE_COUNT));
	case ACT_SHOW_CERTS:
		return ui_show_base(ui, UI_BASE_CERTS);
	case ACT_SHOW_ACCOUNTS:
		return ui_show_base(ui, UI_BASE_ACCOUNTS);
	case ACT_SHOW_ORDERS:
		return ui_show_base(ui, UI_BASE_ORDERS);
	case ACT_SHOW_JOBS:
		return ui_show_base(ui, UI_BASE_JOBS);
	case ACT_SHOW_EVENTS:
		return ui_show_base(ui, UI_BASE_EVENTS);
	case ACT_SHOW_ALERTS:
		return ui_show_base(ui, UI_BASE_ALERTS);
	case ACT_SHOW_NOTIFY:
		return ui_show_base(ui, UI_BASE_NOTIFY);
	case ACT_SHOW_ENDPOINTS:
		return ui_show_base(ui, UI_BASE_ENDPOINTS);
	case ACT_NEW_CERT:
		/* ':issue' from any screen; the list's own 'n' lands here too. */
		return actions_new_cert(ui);
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		return UI_REDRAW;
	default:
		return 0;
	}
}

void
input_run_action(struct loop *lp, enum ui_action act, int key)
{
	struct screen *top = ui_top(&lp->ui);
	int flags = 0;

	if (act == ACT_NONE)
		return;
	lp->trace_kind = keymap_action_name(act);
	if (top != NULL && top->ops->key != NULL)
		flags = top->ops->key(top, &lp->ui, act, key);
	if (!(flags & UI_HANDLED))
		flags |= global_action(lp, act);
	ui_apply(lp, flags);
}

void
input_normal_key(struct loop *lp, int key)
{
	struct screen *top = ui_top(&lp->ui);
	unsigned ctx = top != NULL ? top->ops->context : KM_ANY;

	if (ui_too_small(&lp->ui) && key != 'q' && key != UI_FN(KEY_F(10)))
		return;
	input_run_action(lp, keymap_lookup(ctx, key), key);
}

/* Runs a : command line. */
static void
run_command(struct loop *lp)
{
	const struct ui_command *c;
	char name[LINE_EDIT_MAX], *p = name;
	size_t n;
	int ambiguous;

	snprintf(name, sizeof(name), "%s", lp->line.buf);
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == ' ')
		p[--n] = '\0';
	lp->mode = INPUT_NONE;
	lp->dirty = 1;
	if (*p == '\0')
		return;
	if ((c = keymap_command(p, &ambiguous)) == NULL) {
		ui_message(&lp->ui, 1, ambiguous ? _("':%s' is ambiguous; Tab "
		    "lists the commands") : _("no command ':%s'; Tab lists "
		    "the commands"), p);
		return;
	}
	input_run_action(lp, c->action, 0);
}

static void
prompt_key(struct loop *lp, int key)
{
	struct ui *ui = &lp->ui;
	char list[256];
	int n;

	lp->trace_kind = lp->mode == INPUT_FILTER ? "filter_edit" :
	    "command_edit";
	if (key == UI_ESC) {
		if (lp->mode == INPUT_FILTER) {
			input_guard_begin(ui, FILTER_BUDGET_MS);
			ui_apply(lp, ui_set_filter(ui, ""));
			input_guard_end(ui);
		}
		ui->message[0] = '\0';
		lp->mode = INPUT_NONE;
		lp->dirty = 1;
		return;
	}
	if (key == '\n' || key == '\r' || key == UI_FN(KEY_ENTER)) {
		if (lp->mode == INPUT_COMMAND) {
			run_command(lp);
			return;
		}
		/* A filter that does not parse stays open to be fixed. */
		if (ui->message_error && ui->message[0] != '\0')
			return;
		lp->mode = INPUT_NONE;
		lp->dirty = 1;
		return;
	}
	if (key == '\t' && lp->mode == INPUT_COMMAND) {
		n = keymap_complete(lp->line.buf, sizeof(lp->line.buf), list,
		    sizeof(list));
		lp->line.len = lp->line.pos = strlen(lp->line.buf);
		if (n == 0)
			ui_message(ui, 1, "%s", _("no such command"));
		else if (n > 1)
			ui_message(ui, 0, "%s", list);
		else
			ui->message[0] = '\0';
		lp->dirty = 1;
		return;
	}
	switch (line_edit_key(&lp->line, key)) {
	case LE_IGNORED:
		return;
	case LE_MOVED:
		lp->dirty = 1;
		return;
	case LE_EMPTY_BACK:
		lp->mode = INPUT_NONE;
		ui->message[0] = '\0';
		lp->dirty = 1;
		return;
	case LE_CHANGED:
		lp->dirty = 1;
		if (lp->mode != INPUT_FILTER) {
			ui->message[0] = '\0';
			return;
		}
		ui->message[0] = '\0';
		/*
		 * Typing ahead makes this query's answer moot: let it stop;
		 * a slow one finishes later, when the keys are in.
		 */
		input_guard_begin(ui, FILTER_BUDGET_MS);
		ui_apply(lp, ui_set_filter(ui, lp->line.buf));
		input_guard_end(ui);
		if (ui->reload_pending)
			lp->trace_kind = "filter_edit_pending";
		return;
	}
}

void
input_modal(struct loop *lp, int key, const MEVENT *me)
{
	struct ui *ui = &lp->ui;
	struct ui_modal *m = ui->modal;
	int flags;

	lp->trace_kind = "dialog";
	if (ui->message[0] != '\0') {
		ui->message[0] = '\0';
		lp->dirty = 1;
	}
	ui->modal = NULL;
	if (me != NULL)
		flags = m->click(m, ui, me->y, me->x,
		    (me->bstate & BUTTON1_DOUBLE_CLICKED) != 0);
	else
		flags = m->key(m, ui, key);
	if (flags & UI_POP) {
		if (m->free != NULL)
			m->free(m);
		free(m);
	} else if (ui->modal == NULL)
		ui->modal = m;
	else {
		if (m->free != NULL)
			m->free(m);
		free(m);
	}
	ui_apply(lp, flags & ~UI_POP);
}

static void
handle_key(struct loop *lp, int key)
{
	struct ui *ui = &lp->ui;

	if (lp->quit_asked) {
		lp->quit_asked = 0;
		ui->message[0] = '\0';
		lp->dirty = 1;
		if (key == 'q' || key == 'y' || key == 'Y')
			lp->quit = 1;
		return;
	}
	if (ui->modal != NULL) {
		input_modal(lp, key, NULL);
		return;
	}
	if (lp->mode != INPUT_NONE) {
		prompt_key(lp, key);
		return;
	}
	if (ui->message[0] != '\0') {
		ui->message[0] = '\0';
		lp->dirty = 1;
	}
	if (lp->esc_pending) {
		lp->esc_pending = 0;
		/* Esc then a digit is an F-key, for terminals without them. */
		if (key >= '0' && key <= '9') {
			input_normal_key(lp, UI_FN(KEY_F(key == '0' ? 10 : key - '0')));
			return;
		}
		input_normal_key(lp, UI_ESC);
		if (lp->quit)
			return;
	}
	if (key == UI_ESC) {
		lp->esc_pending = 1;
		lp->esc_deadline = ui_clock_ms() + ESC_DIGIT_MS;
		return;
	}
	input_normal_key(lp, key);
}

void
input_read_keys(struct loop *lp)
{
	wint_t wc;
	int rc, key;

	while (!lp->quit && (rc = get_wch(&wc)) != ERR) {
		key = rc == KEY_CODE_YES ? UI_FN((int)wc) : (int)wc;
		if (key == UI_FN(KEY_RESIZE)) {
			ui_resize(lp);
			continue;
		}
		if (key == UI_FN(KEY_MOUSE)) {
			if (lp->mouse)
				mouse_handle(lp);
			continue;
		}
		handle_key(lp, key);
	}
}
