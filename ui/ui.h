/*
 * The TUI: one event loop, a stack of screens, one keymap. Screens are
 * tables of functions (struct screen_ops) in their own files; their
 * handlers return UI_* flags and only the loop draws (one doupdate per
 * change, nothing when nothing changed). Screens render store queries and
 * hold no authoritative state.
 *
 * Layout: line 0 the title (screens as tabs), then the screen's body,
 * then the status line (messages, the filter, the prompts), then the
 * F-key bar.
 */
#ifndef CERTDECK_UI_H
#define CERTDECK_UI_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "keymap.h"
#include "store.h"
#include "theme.h"

/* What a handler asks of the loop. */
enum ui_flags {
	UI_HANDLED = 1 << 0,	/* the key was used */
	UI_REDRAW = 1 << 1,	/* something visible changed */
	UI_POP = 1 << 2,	/* close this screen */
	UI_QUIT = 1 << 3,	/* leave the program */
};

enum ui_event {
	UI_EV_DATA,	/* another connection committed, or time moved on */
	UI_EV_RESIZE,	/* the body's size changed */
	UI_EV_FILTER,	/* the filter changed */
	UI_EV_SHOW,	/* the screen comes to the top again */
	UI_EV_RELOAD,	/* a load was interrupted by typing: do it now */
};

struct ui;
struct screen;

struct screen_ops {
	const char *name;	/* N_()-marked, shown in the title */
	unsigned context;	/* enum keymap_context mask */
	/* Draws the body: rows ui->body_top .. + ui->body_rows, all columns. */
	void (*draw)(struct screen *s, struct ui *ui);
	/* Handles a key's action (key is the raw key). Returns UI_* flags. */
	int (*key)(struct screen *s, struct ui *ui, enum ui_action act, int key);
	/* Reacts to an event. Returns UI_* flags. */
	int (*on_event)(struct screen *s, struct ui *ui, enum ui_event ev);
	void (*free)(struct screen *s);
	/*
	 * May be NULL: a click at (y, x) in the body outside the rows (the
	 * certificate list's summary line). Returns UI_* flags, 0 for none.
	 */
	int (*click)(struct screen *s, struct ui *ui, int y, int x);
};

struct screen {
	const struct screen_ops *ops;
	void *priv;
	char title[160];	/* extra title text, e.g. the certificate */
	char hint[64];		/* right end of the status line ("more") */
	int cursor_y;		/* where the hardware cursor goes, -1 for none */
	/*
	 * The list rows drawn (first line, count; count 0 for none), so a
	 * mouse click can be mapped to a row. The loop zeroes rows_n before
	 * each draw, like cursor_y.
	 */
	int rows_y, rows_n;
};

enum ui_base { UI_BASE_CERTS, UI_BASE_ACCOUNTS, UI_BASE_ORDERS, UI_BASE_JOBS,
	UI_BASE_EVENTS, UI_BASE_ALERTS, UI_BASE_NOTIFY, UI_BASE_ENDPOINTS, UI_BASE_COUNT };

/*
 * A modal dialog over the screen: it takes every key until it closes.
 * key returns UI_* flags; UI_POP closes (and frees) the dialog.
 */
struct ui_modal {
	void (*draw)(struct ui_modal *m, struct ui *ui);
	int (*key)(struct ui_modal *m, struct ui *ui, int key);
	/* May be NULL. A click at (y, x), twice for a double click; as key. */
	int (*click)(struct ui_modal *m, struct ui *ui, int y, int x, int twice);
	void (*free)(struct ui_modal *m);
	void *priv;
	int cursor_y, cursor_x;	/* the hardware cursor, -1 for none */
};

#define UI_STACK_MAX 8

struct ui {
	struct store *st;
	int readonly;
	struct theme theme;
	long long now;			/* store_now(), refreshed by the loop */
	int lines, cols;		/* the terminal */
	int body_top, body_rows;	/* the screen's part of it */

	struct screen *bases[UI_BASE_COUNT];	/* created when first shown */
	enum ui_base base;
	struct screen *stack[UI_STACK_MAX];	/* [0] is bases[base] */
	int depth;

	/* The certificate filter, as typed and as parsed. */
	char filter_text[256];
	struct filter filter;

	char actor[160];

	char message[256];
	int message_error;

	/* Set by the query guard when typing interrupted a store query. */
	int interrupted;
	int guard_active;
	/* A screen asks for UI_EV_RELOAD once the typed-ahead keys are in. */
	int reload_pending;

	/* The open dialog, or NULL. */
	struct ui_modal *modal;
	/* Rows the jobs strip takes above the status line. */
	int strip_rows;
};

/* What the caller of ui_run decides. */
struct ui_options {
	int readonly;		/* the store was opened read-only: no actions, no worker */
	int mouse;		/* take mouse clicks (the terminal then selects no text) */
	const char *actor;	/* who acts, for the audit log ("alice on pts/3") */
};

/*
 * Runs the TUI on st (opened by the caller, who closes it after) until the
 * user quits. Returns an exit status: 0, 128+N after signal N, or 1, with
 * e filled when the TUI could not start (else the terminal went away).
 */
int ui_run(struct store *st, const struct ui_options *opt, struct err *e);

/* Shows a message on the status line until the next key (printf-style). */
void ui_message(struct ui *ui, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shows an engine error's message on the status line as an error. */
void ui_error(struct ui *ui, const struct err *e);

/* Shows the one "out of memory" message (err_nomem's) as an error. */
void ui_nomem(struct ui *ui);

/* Opens s on top of the current screen. Returns UI_* flags. */
int ui_push(struct ui *ui, struct screen *s);

/* Makes base the current top-level screen (closing pushed ones). */
int ui_show_base(struct ui *ui, enum ui_base base);

/* Replaces the certificate filter (text is parsed). Returns UI_* flags. */
int ui_set_filter(struct ui *ui, const char *text);

/*
 * 1 when the last store error came from an interrupted query (the user
 * typed on); the screen should reload later instead of showing an error.
 */
int ui_was_interrupted(struct ui *ui);

/* Draws text at (y, x) fitted to width columns with attribute a. */
void ui_put(struct ui *ui, int y, int x, int width, attr_t a, const char *text);

/*
 * A new dialog with a zeroed private part of priv_size bytes (m->priv)
 * and no cursor, or NULL with "out of memory" on the status line. The
 * caller sets the functions (free frees priv) and opens it with
 * ui_open_modal, which then owns it.
 */
struct ui_modal *ui_modal_alloc(struct ui *ui, size_t priv_size);

/* Opens dialog m (taking ownership; a second one is refused and freed). Returns UI_REDRAW. */
int ui_open_modal(struct ui *ui, struct ui_modal *m);

/* The screens. Each returns a new screen, or NULL (a message is set). */
struct screen *screen_certs_new(struct ui *ui);
struct screen *screen_detail_new(struct ui *ui, int64_t cert_id);
struct screen *screen_help_new(struct ui *ui);
struct screen *screen_accounts_new(struct ui *ui);
struct screen *screen_orders_new(struct ui *ui);
struct screen *screen_jobs_new(struct ui *ui);
/* The audit log (job_id 0), or one job's events and its error. */
struct screen *screen_events_new(struct ui *ui, int64_t job_id);
/* The active alerts, newest first; a acknowledges one. */
struct screen *screen_alerts_new(struct ui *ui);

/* Every endpoint with its last check, problems first. */
struct screen *screen_endpoints_new(struct ui *ui);
/* The notification channels; t queues a test notice. */
struct screen *screen_notify_new(struct ui *ui);

/*
 * A new screen with ops and a zeroed private part of priv_size bytes
 * (s->priv), or NULL with "out of memory" on the status line. The
 * screen's own constructor fills the rest; screen_free frees both.
 */
struct screen *screen_alloc(struct ui *ui, const struct screen_ops *ops,
    size_t priv_size);

/* Frees a screen. Accepts NULL. */
void screen_free(struct screen *s);

#endif
