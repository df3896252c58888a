#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <curses.h>

#include "actor.h"
#include "cli.h"
#include "format.h"
#include "actions.h"
#include "i18n.h"
#include "store_job.h"
#include "ui.h"
#include "widget_line.h"
#include "worker.h"

/* The smallest terminal the screens are laid out for. */
#define MIN_COLS 40
#define MIN_LINES 12

/* How often other connections' commits are looked for. */
#define TICK_MS 1000

/* How long Esc waits for a digit that makes it an F-key. */
#define ESC_DIGIT_MS 400

/* Worker wake-ups redraw at most this often. */
#define WAKE_MIN_MS 200

/* Threads of the worker inside the TUI. */
#define UI_WORKER_THREADS 2

/* With --mouse: how long ncurses waits to tell a click from a double click. */
#define MOUSE_INTERVAL_MS 150

/* Rows one notch of the mouse wheel moves. */
#define WHEEL_ROWS 3

/* Running jobs the strip shows at most (one line each). */
#define STRIP_MAX 3

/* Store statements between two looks at the keyboard while filtering. */
#define GUARD_OPS 2000

/*
 * How long a filter keystroke may query before the prompt is answered
 * without the results: the query then runs again, unhurried but still
 * interrupted by the next key, once no key is waiting.
 */
#define FILTER_BUDGET_MS 30

enum input_mode { INPUT_NONE, INPUT_FILTER, INPUT_COMMAND };

/* A running job as the strip shows it. */
struct strip_job {
	int64_t id;
	char kind[32];
	int64_t target;
	int step, steps;
	char progress[160];
};

/* The worker thread inside the TUI, and what it tells the loop. */
struct ui_worker {
	pthread_t thread;
	int started;
	volatile sig_atomic_t stop;
	int wake[2];		/* [1] for the worker, [0] polled by the loop */
	char *store_path;
	char claimer[128];	/* "host:pid:" of our claims */
	struct worker_opts opts;
	struct worker_stats stats;
	struct err e;
	int rc;
	atomic_int ended;	/* worker_run returned (rc, e are set before) */
	int reported;
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
	 * (for "start", since ui_main began) and the wall clock in ms.
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
	} bar_hit[12];
	int n_bar_hit;
};

/* Signals reach the loop through this pipe; the handler does nothing else. */
static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t curses_on;

/*
 * For a crash: the terminal's modes from before curses, and the bytes that
 * leave the alternate screen, show the cursor and reset attributes. Only
 * tcsetattr() and write() are safe in a signal handler; endwin() is not.
 */
static struct termios saved_tios;
static int have_tios;
static char fatal_reset[256];
static size_t fatal_reset_len;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (sig_pipe[1] != -1)
		(void)!write(sig_pipe[1], &b, 1);
	errno = saved;
}

/* Every exit path puts the terminal back: exit() from anywhere included. */
static void
restore_terminal(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void
on_fatal(int sig)
{
	if (curses_on) {
		if (have_tios)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_tios);
		(void)!write(STDOUT_FILENO, fatal_reset, fatal_reset_len);
	}
	/* SA_RESETHAND restored the default: the signal does its work. */
	raise(sig);
}

/* Appends a terminfo string without its "$<N>" padding. */
static void
add_reset(const char *cap)
{
	char *s = tigetstr((char *)cap);

	if (s == NULL || s == (char *)-1)
		return;
	while (*s != '\0' && fatal_reset_len + 1 < sizeof(fatal_reset)) {
		if (s[0] == '$' && s[1] == '<') {
			while (*s != '\0' && *s != '>')
				s++;
			if (*s == '>')
				s++;
			continue;
		}
		fatal_reset[fatal_reset_len++] = *s++;
	}
}

/*
 * Crashes put the terminal back too. Not under AddressSanitizer, which
 * reports a SEGV itself.
 */
static void
setup_fatal(void)
{
#ifndef __SANITIZE_ADDRESS__
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;
	size_t i;

	add_reset("sgr0");
	add_reset("cnorm");
	add_reset("rmcup");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
#endif
}

static int
setup_signals(struct err *e)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
	    SIGWINCH };
	struct sigaction sa;
	size_t i;

	if (pipe(sig_pipe) == -1)
		return err_set(e, ERR_IO, _("cannot create a pipe: %s"),
		    strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	/*
	 * Installed before newterm: ncurses then leaves SIGWINCH to us and
	 * we resize from the loop, not from a signal handler.
	 */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	return 0;
}

static void
teardown_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
	    SIGWINCH };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	for (i = 0; i < 2; i++) {
		if (sig_pipe[i] != -1)
			close(sig_pipe[i]);
		sig_pipe[i] = -1;
	}
}

void
ui_message(struct ui *ui, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof(ui->message), fmt, ap);
	va_end(ap);
	ui->message_error = error;
}

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

static void
close_modal(struct ui *ui)
{
	struct ui_modal *m = ui->modal;

	if (m == NULL)
		return;
	ui->modal = NULL;
	if (m->free != NULL)
		m->free(m);
	free(m);
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

struct screen *
screen_alloc(struct ui *ui, const struct screen_ops *ops, size_t priv_size)
{
	struct screen *s = calloc(1, sizeof(*s));
	void *priv = calloc(1, priv_size);

	if (s == NULL || priv == NULL) {
		free(s);
		free(priv);
		ui_message(ui, 1, "%s", _("out of memory"));
		return NULL;
	}
	s->ops = ops;
	s->priv = priv;
	return s;
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

/* When the guard's budget runs out, in now_ms() time; 0 for no budget. */
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

	if ((guard_deadline > 0 && now_ms() > guard_deadline) ||
	    (poll(&p, 1, 0) > 0 && (p.revents & POLLIN))) {
		ui->interrupted = 1;
		return 1;
	}
	return 0;
}

static void
guard_begin(struct ui *ui, int budget_ms)
{
	ui->interrupted = 0;
	ui->guard_active = 1;
	guard_deadline = budget_ms > 0 ? now_ms() + budget_ms : 0;
	sqlite3_progress_handler(store_db(ui->st), GUARD_OPS, guard_cb, ui);
}

static void
guard_end(struct ui *ui)
{
	ui->guard_active = 0;
	sqlite3_progress_handler(store_db(ui->st), 0, NULL, NULL);
}

int
ui_was_interrupted(struct ui *ui)
{
	return ui->interrupted;
}

static struct screen *
top_screen(struct ui *ui)
{
	return ui->depth > 0 ? ui->stack[ui->depth - 1] : NULL;
}

static int
send_event(struct ui *ui, struct screen *s, enum ui_event ev)
{
	if (s == NULL || s->ops->on_event == NULL)
		return 0;
	return s->ops->on_event(s, ui, ev);
}

/* Sends ev to every screen on the stack. Returns the flags combined. */
static int
broadcast(struct ui *ui, enum ui_event ev)
{
	int i, flags = 0;

	for (i = 0; i < ui->depth; i++)
		flags |= send_event(ui, ui->stack[i], ev);
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
	send_event(ui, top_screen(ui), UI_EV_SHOW);
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
		send_event(ui, ui->stack[0], UI_EV_SHOW);
	return UI_REDRAW;
}

int
ui_set_filter(struct ui *ui, const char *text)
{
	struct filter f;
	char err[256];

	if (filter_parse(text, &f, err, sizeof(err)) == -1) {
		ui_message(ui, 1, "%s", err);
		return UI_REDRAW;
	}
	snprintf(ui->filter_text, sizeof(ui->filter_text), "%s", text);
	filter_clear(&ui->filter);
	ui->filter = f;
	if (ui->bases[UI_BASE_CERTS] == NULL)
		return UI_REDRAW;
	return send_event(ui, ui->bases[UI_BASE_CERTS], UI_EV_FILTER) |
	    UI_REDRAW;
}

/* Reads the terminal's size and lays out the screen parts. */
static void
update_geometry(struct ui *ui)
{
	ui->lines = LINES;
	ui->cols = COLS;
	ui->body_top = 1;
	ui->body_rows = LINES - 3 - ui->strip_rows > 1 ?
	    LINES - 3 - ui->strip_rows : 1;
}

static int
too_small(struct ui *ui)
{
	return ui->lines < MIN_LINES || ui->cols < MIN_COLS;
}

static void
draw_title(struct loop *lp)
{
	static const char *const names[UI_BASE_COUNT] = {
		N_("Certificates"), N_("Accounts"), N_("Orders"), N_("Jobs"),
		N_("Events"),
	};
	struct ui *ui = &lp->ui;
	struct screen *top = top_screen(ui);
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

static void
draw_status(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	const struct theme *t = &ui->theme;
	struct screen *top = top_screen(ui);
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

/* The F-key bar, from the keymap: "F1 Help ?  F2 Filter /  F10 Quit". */
static void
draw_bar(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	struct screen *top = top_screen(ui);
	const struct theme *t = &ui->theme;
	unsigned ctx = top != NULL ? top->ops->context : KM_ANY;
	int y = ui->lines - 1, x = 0, pos, w;
	size_t i, j;
	char label[96];

	move(y, 0);
	clrtoeol();
	lp->n_bar_hit = 0;
	for (pos = 1; pos <= 12 && x < ui->cols; pos++) {
		for (i = 0; i < keymap_len; i++) {
			const struct keybinding *b = &keymap[i];
			const char *alt = "";

			if (b->bar != pos || !(b->context & ctx))
				continue;
			for (j = 0; j < keymap_len; j++)
				if (keymap[j].action == b->action &&
				    keymap[j].bar == 0 && keymap[j].label != NULL &&
				    strlen(keymap[j].label) == 1) {
					alt = keymap[j].label;
					break;
				}
			w = format_width(b->label);
			lp->bar_hit[lp->n_bar_hit].x0 = x;
			lp->bar_hit[lp->n_bar_hit].key = b->key;
			ui_put(ui, y, x, ui->cols - x, t->attr[TH_KEY], b->label);
			x += w;
			snprintf(label, sizeof(label), " %s%s%s  ",
			    _(keymap_bar_label(b->action)), alt[0] ? " " : "",
			    alt);
			if (x < ui->cols)
				ui_put(ui, y, x, ui->cols - x, t->attr[TH_BAR],
				    label);
			x += format_width(label);
			/* The two spaces between labels belong to neither. */
			lp->bar_hit[lp->n_bar_hit++].x1 = x - 2;
			break;
		}
	}
}


static void apply(struct loop *lp, int flags);

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
	if (j->claimed_by != NULL && sc->lp->worker.claimer[0] != '\0' &&
	    strncmp(j->claimed_by, sc->lp->worker.claimer,
	    strlen(sc->lp->worker.claimer)) == 0)
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

/*
 * Re-reads the active jobs for the strip (on wake-ups and the timer only).
 * Changes the layout when the strip grows or shrinks.
 */
static void
refresh_jobs(struct loop *lp)
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
		update_geometry(ui);
		apply(lp, broadcast(ui, UI_EV_RESIZE));
		lp->dirty = 1;
	}
}

/* The jobs strip: one line per running job above the status line. */
static void
draw_strip(struct loop *lp)
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

static void
draw(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	struct screen *top = top_screen(ui);
	char buf[128];

	erase();
	if (too_small(ui)) {
		snprintf(buf, sizeof(buf), _("terminal too small (%dx%d, need "
		    "%dx%d)"), ui->cols, ui->lines, MIN_COLS, MIN_LINES);
		if (format_width(buf) > ui->cols)
			snprintf(buf, sizeof(buf), "%s", _("terminal too small"));
		ui_put(ui, 0, 0, ui->cols, A_BOLD, buf);
		move(0, 0);
	} else {
		draw_title(lp);
		if (top != NULL) {
			top->cursor_y = -1;
			top->rows_n = 0;
			top->ops->draw(top, ui);
		}
		if (ui->strip_rows > 0)
			draw_strip(lp);
		if (ui->modal != NULL) {
			ui->modal->cursor_y = -1;
			ui->modal->draw(ui->modal, ui);
		}
		draw_status(lp);
		draw_bar(lp);
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
		    now_ms() - lp->trace_t0, (long long)wall.tv_sec * 1000 +
		    wall.tv_nsec / 1000000);
		fflush(lp->trace);
	}
	lp->trace_kind = NULL;
	lp->dirty = 0;
}

/* Applies a handler's flags. */
static void
apply(struct loop *lp, int flags)
{
	if (flags & UI_POP) {
		pop_screen(&lp->ui);
		flags |= UI_REDRAW;
	}
	if (flags & UI_QUIT) {
		/* Quitting stops the jobs this process runs: ask first. */
		if (lp->worker.started && !lp->quit_asked)
			refresh_jobs(lp);
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

static void
run_action(struct loop *lp, enum ui_action act, int key)
{
	struct screen *top = top_screen(&lp->ui);
	int flags = 0;

	if (act == ACT_NONE)
		return;
	lp->trace_kind = keymap_action_name(act);
	if (top != NULL && top->ops->key != NULL)
		flags = top->ops->key(top, &lp->ui, act, key);
	if (!(flags & UI_HANDLED))
		flags |= global_action(lp, act);
	apply(lp, flags);
}

static void
normal_key(struct loop *lp, int key)
{
	struct screen *top = top_screen(&lp->ui);
	unsigned ctx = top != NULL ? top->ops->context : KM_ANY;

	if (too_small(&lp->ui) && key != 'q' && key != UI_FN(KEY_F(10)))
		return;
	run_action(lp, keymap_lookup(ctx, key), key);
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
	run_action(lp, c->action, 0);
}

static void
input_key(struct loop *lp, int key)
{
	struct ui *ui = &lp->ui;
	char list[256];
	int n;

	lp->trace_kind = lp->mode == INPUT_FILTER ? "filter_edit" :
	    "command_edit";
	if (key == UI_ESC) {
		if (lp->mode == INPUT_FILTER) {
			guard_begin(ui, FILTER_BUDGET_MS);
			apply(lp, ui_set_filter(ui, ""));
			guard_end(ui);
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
		guard_begin(ui, FILTER_BUDGET_MS);
		apply(lp, ui_set_filter(ui, lp->line.buf));
		guard_end(ui);
		if (ui->reload_pending)
			lp->trace_kind = "filter_edit_pending";
		return;
	}
}

/*
 * A key (or, with me, a click) for the open dialog; it may close and open
 * another.
 */
static void
modal_input(struct loop *lp, int key, const MEVENT *me)
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
	apply(lp, flags & ~UI_POP);
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
		modal_input(lp, key, NULL);
		return;
	}
	if (lp->mode != INPUT_NONE) {
		input_key(lp, key);
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
			normal_key(lp, UI_FN(KEY_F(key == '0' ? 10 : key - '0')));
			return;
		}
		normal_key(lp, UI_ESC);
		if (lp->quit)
			return;
	}
	if (key == UI_ESC) {
		lp->esc_pending = 1;
		lp->esc_deadline = now_ms() + ESC_DIGIT_MS;
		return;
	}
	normal_key(lp, key);
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
	};
	struct ui *ui = &lp->ui;
	struct screen *top = top_screen(ui);
	int i, delta;

	if (y == 0) {
		for (i = 0; i < UI_BASE_COUNT; i++)
			if (x >= lp->tab_x0[i] && x < lp->tab_x1[i]) {
				run_action(lp, show[i], 0);
				return;
			}
		return;
	}
	if (y == ui->lines - 1) {
		for (i = 0; i < lp->n_bar_hit; i++)
			if (x >= lp->bar_hit[i].x0 && x < lp->bar_hit[i].x1) {
				normal_key(lp, lp->bar_hit[i].key);
				return;
			}
		return;
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
		run_action(lp, ACT_DOWN, 0);
	for (i = delta; i < 0 && !lp->quit; i++)
		run_action(lp, ACT_UP, 0);
	/* A click on the selected row, or a double click, opens it. */
	if ((twice || delta == 0) && top == top_screen(ui) && !lp->quit)
		run_action(lp, ACT_OPEN, 0);
}

/*
 * A mouse event (--mouse only). A dialog gets its own clicks (an option,
 * a field); a prompt or the quit question waits for keys.
 */
static void
mouse_event(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	MEVENT me;
	int i;

	if (getmouse(&me) != OK || too_small(ui) || lp->quit_asked ||
	    lp->mode != INPUT_NONE)
		return;
	if (ui->modal != NULL) {
		/* A dialog takes clicks it knows what to do with, nothing else. */
		if (ui->modal->click != NULL &&
		    (me.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)))
			modal_input(lp, 0, &me);
		return;
	}
	lp->trace_kind = "mouse";
	if (ui->message[0] != '\0') {
		ui->message[0] = '\0';
		lp->dirty = 1;
	}
	if (lp->esc_pending) {
		lp->esc_pending = 0;
		normal_key(lp, UI_ESC);
		if (lp->quit)
			return;
	}
	if (me.bstate & BUTTON4_PRESSED) {
		for (i = 0; i < WHEEL_ROWS; i++)
			run_action(lp, ACT_UP, 0);
	} else if (me.bstate & BUTTON5_PRESSED) {
		for (i = 0; i < WHEEL_ROWS; i++)
			run_action(lp, ACT_DOWN, 0);
	} else if (me.bstate & BUTTON1_DOUBLE_CLICKED)
		mouse_click(lp, me.y, me.x, 1);
	else if (me.bstate & BUTTON1_CLICKED)
		mouse_click(lp, me.y, me.x, 0);
}

static void
handle_resize(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	if (ui->lines == LINES && ui->cols == COLS)
		return;
	update_geometry(ui);
	lp->trace_kind = "resize";
	apply(lp, broadcast(ui, UI_EV_RESIZE));
	lp->dirty = 1;
}

/* Reads every key waiting. Returns -1 when the terminal went away. */
static int
read_keys(struct loop *lp)
{
	wint_t wc;
	int rc, key;

	while (!lp->quit && (rc = get_wch(&wc)) != ERR) {
		key = rc == KEY_CODE_YES ? UI_FN((int)wc) : (int)wc;
		if (key == UI_FN(KEY_RESIZE)) {
			handle_resize(lp);
			continue;
		}
		if (key == UI_FN(KEY_MOUSE)) {
			if (lp->mouse)
				mouse_event(lp);
			continue;
		}
		handle_key(lp, key);
	}
	return 0;
}

/* Looks for commits by other connections, and for the clock. */
static void
tick(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	sqlite3_stmt *s;
	long long v = lp->data_version;

	ui->now = store_now();
	refresh_jobs(lp);
	s = store_stmt(ui->st, "PRAGMA data_version", NULL);
	if (s != NULL && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	if (s != NULL)
		sqlite3_reset(s);
	if (v != lp->data_version) {
		if (lp->data_version != 0) {
			lp->trace_kind = "data";
			apply(lp, broadcast(ui, UI_EV_DATA) | UI_REDRAW);
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
	ssize_t n, i;

	while ((n = read(sig_pipe[0], b, sizeof(b))) > 0) {
		for (i = 0; i < n; i++) {
			if (b[i] == SIGWINCH) {
				handle_resize(lp);
				continue;
			}
			lp->quit = 1;
			lp->exit_code = 128 + b[i];
		}
	}
	return 0;
}

static void
run(struct loop *lp)
{
	struct ui *ui = &lp->ui;
	struct pollfd fds[3];
	double t, wait;
	char drain[64];

	lp->next_tick = now_ms() + TICK_MS;
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
				guard_begin(ui, 0);
				apply(lp, send_event(ui, ui->bases[UI_BASE_CERTS],
				    UI_EV_RELOAD) | UI_REDRAW);
				guard_end(ui);
				continue;
			}
		}
		t = now_ms();
		wait = lp->next_tick - t;
		if (lp->esc_pending && lp->esc_deadline - t < wait)
			wait = lp->esc_deadline - t;
		if (ui->reload_pending)
			wait = 0;
		if (lp->wake_pending && lp->next_wake - t < wait)
			wait = lp->next_wake - t;
		fds[2].fd = lp->worker.started ? lp->worker.wake[0] : -1;
		fds[2].events = POLLIN;
		fds[2].revents = 0;
		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		fds[1].fd = sig_pipe[0];
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
			lp->trace_t0 = now_ms();
			read_keys(lp);
		} else if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* The terminal is gone: nobody to draw for. */
			lp->quit = 1;
			lp->exit_code = CLI_FAIL;
			break;
		}
		if (fds[2].revents & POLLIN) {
			while (read(lp->worker.wake[0], drain, sizeof(drain)) > 0)
				;
			lp->wake_pending = 1;
			if (atomic_load(&lp->worker.ended) && lp->worker.rc != 0 &&
			    !lp->worker.reported) {
				lp->worker.reported = 1;
				ui_message(ui, 1, _("the worker stopped: %s"),
				    lp->worker.e.msg);
				lp->dirty = 1;
			}
		}
		t = now_ms();
		if (lp->wake_pending && t >= lp->next_wake) {
			/* The worker moved on: the strip and the screens follow. */
			lp->wake_pending = 0;
			lp->next_wake = t + WAKE_MIN_MS;
			lp->trace_t0 = t;
			tick(lp);
		}
		if (lp->esc_pending && t >= lp->esc_deadline) {
			lp->esc_pending = 0;
			lp->trace_t0 = t;
			normal_key(lp, UI_ESC);
		}
		if (t >= lp->next_tick) {
			lp->trace_t0 = t;
			tick(lp);
			lp->next_tick = t + TICK_MS;
		}
	}
}


static void *
worker_thread(void *arg)
{
	struct ui_worker *w = arg;
	ssize_t n;

	w->rc = worker_run(&w->opts, &w->stats, &w->e);
	atomic_store(&w->ended, 1);
	/* Tell the loop the worker has ended (it shows why, if it failed). */
	n = write(w->wake[1], "x", 1);
	(void)n;
	return NULL;
}

/*
 * Starts the worker beside the loop: it runs the jobs queued here (and
 * any others) and wakes the loop with a byte per event.
 */
static int
start_worker(struct loop *lp, struct cli *cli, struct err *e)
{
	struct ui_worker *w = &lp->worker;
	int i;

	if ((w->store_path = store_default_path(cli->store_flag, e)) == NULL)
		return -1;
	if (pipe(w->wake) == -1) {
		w->wake[0] = w->wake[1] = -1;
		return err_set(e, ERR_IO, _("cannot create a pipe: %s"),
		    strerror(errno));
	}
	for (i = 0; i < 2; i++) {
		fcntl(w->wake[i], F_SETFD, FD_CLOEXEC);
		fcntl(w->wake[i], F_SETFL, O_NONBLOCK);
	}
	snprintf(w->claimer, sizeof(w->claimer), "%s:%ld:", worker_host(),
	    (long)getpid());
	w->opts.store_path = w->store_path;
	w->opts.threads = UI_WORKER_THREADS;
	w->opts.stop = &w->stop;
	w->opts.wake_fd = w->wake[1];
	err_clear(&w->e);
	if (pthread_create(&w->thread, NULL, worker_thread, w) != 0)
		return err_set(e, ERR_IO, "%s", _("cannot start the worker "
		    "thread"));
	w->started = 1;
	return 0;
}

/* Stops the worker between steps and waits for it. */
static void
stop_worker(struct loop *lp)
{
	struct ui_worker *w = &lp->worker;
	int i;

	if (w->started) {
		w->stop = 1;
		pthread_join(w->thread, NULL);
		w->started = 0;
	}
	for (i = 0; i < 2; i++) {
		if (w->wake[i] > 0)
			close(w->wake[i]);
		w->wake[i] = -1;
	}
	free(w->store_path);
	w->store_path = NULL;
}

static int
start_curses(struct loop *lp, struct err *e)
{
	const char *term = getenv("TERM");

	have_tios = tcgetattr(STDIN_FILENO, &saved_tios) == 0;
	lp->term = newterm(NULL, stdout, stdin);
	if (lp->term == NULL)
		return err_set(e, ERR_USAGE, _("cannot use terminal type "
		    "'%s'; set TERM to one this system knows"),
		    term != NULL ? term : "");
	curses_on = 1;
	setup_fatal();
	cbreak();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	/*
	 * Opt-in: with the mouse reported to us, the terminal no longer
	 * selects text on a plain drag.
	 */
	if (lp->mouse) {
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED |
		    BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
		mouseinterval(MOUSE_INTERVAL_MS);
	}
	curs_set(1);
	leaveok(stdscr, FALSE);
	return 0;
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
ui_main(struct cli *cli, int readonly)
{
	struct loop *lp;
	struct ui *ui;
	struct err e;
	const char *trace;
	int rc;

	if ((lp = calloc(1, sizeof(*lp))) == NULL) {
		cli_msg("%s", _("out of memory"));
		return CLI_FAIL;
	}
	lp->trace_t0 = now_ms();
	ui = &lp->ui;
	ui->readonly = readonly;
	lp->mouse = cli->mouse;
	err_clear(&e);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_msg("%s", _("the interactive interface needs a terminal; "
		    "see 'certdeck --help' for the commands"));
		free(lp);
		return CLI_FAIL;
	}
	if ((trace = getenv("CERTDECK_UI_TRACE")) != NULL && trace[0] != '\0')
		lp->trace = fopen(trace, "ae");
	if ((rc = cli_open_store(cli, readonly ? STORE_READONLY : 0,
	    &ui->st)) != CLI_OK)
		goto out_nocurses;
	ui->now = store_now();
	if (setup_signals(&e) == -1) {
		rc = cli_fail(&e);
		goto out_nocurses;
	}
	atexit(restore_terminal);
	if (start_curses(lp, &e) == -1) {
		rc = cli_fail(&e);
		goto out_nocurses;
	}
	theme_init(&ui->theme);
	actor_describe(ui->actor, sizeof(ui->actor));
	if (!readonly && start_worker(lp, cli, &e) == -1) {
		ui_message(ui, 1, "%s", e.msg);
		err_clear(&e);
	}
	update_geometry(ui);
	tick(lp);
	lp->trace_kind = "start";
	ui_show_base(ui, UI_BASE_CERTS);
	if (ui->depth == 0) {
		restore_terminal();
		cli_msg("%s", ui->message);
		rc = CLI_FAIL;
		goto out;
	}
	lp->dirty = 1;
	run(lp);
	rc = lp->exit_code;
out:
	if (lp->worker.started && curses_on) {
		/* Joining may wait for a step to end: say so. */
		ui_message(ui, 0, "%s", _("stopping the worker..."));
		draw(lp);
	}
	stop_worker(lp);
	close_modal(ui);
	free_screens(ui);
	restore_terminal();
	if (lp->term != NULL)
		delscreen(lp->term);
out_nocurses:
	teardown_signals();
	filter_clear(&ui->filter);
	store_close(ui->st);
	if (lp->trace != NULL)
		fclose(lp->trace);
	free(lp);
	return rc;
}
