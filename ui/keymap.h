/*
 * Every key binding of the TUI, in one table. The help screen and the
 * F-key bar are generated from it, so they cannot disagree with what the
 * keys do.
 */
#ifndef CERTDECK_UI_KEYMAP_H
#define CERTDECK_UI_KEYMAP_H

#include <stddef.h>

/* A key: a character (wide char value), or an ncurses KEY_* code | UI_KEY_FN. */
#define UI_KEY_FN (1 << 24)
#define UI_FN(k) ((k) | UI_KEY_FN)
#define UI_CTRL(c) ((c) & 0x1f)
#define UI_ESC 27

enum ui_action {
	ACT_NONE,
	ACT_QUIT,		/* back, quit at the top */
	ACT_EXIT,		/* quit from anywhere */
	ACT_HELP,
	ACT_FILTER,
	ACT_COMMAND,
	ACT_UP,
	ACT_DOWN,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	ACT_TOP,
	ACT_BOTTOM,
	ACT_OPEN,
	ACT_BACK,
	ACT_NEXT_SCREEN,
	ACT_SORT_NAME,
	ACT_SORT_EXPIRY,
	ACT_SORT_STATUS,
	ACT_SORT_ISSUER,
	ACT_REDRAW,
	ACT_TOGGLE_PEM,
	ACT_SHOW_CERTS,		/* the : commands */
	ACT_SHOW_ACCOUNTS,
	ACT_SHOW_ORDERS,
	ACT_SHOW_JOBS,
	ACT_SHOW_EVENTS,
	ACT_SHOW_ALERTS,
	ACT_SHOW_NOTIFY,
	ACT_SHOW_ENDPOINTS,
	ACT_SUM_EXPIRED,	/* the certificate list's summary line: a count */
	ACT_SUM_WEEK,
	ACT_SUM_MONTH,
	ACT_SUM_FAILED,
	ACT_SUM_ALERTS,
	ACT_MARK,		/* the actions: hidden and refused read-only */
	ACT_RENEW,
	ACT_REVOKE,
	ACT_ROTATE_KEY,
	ACT_NEW_CERT,
	ACT_PROBE,		/* the detail view: check its endpoints now */
	ACT_ACCOUNT_NEW,	/* the Accounts screen's actions */
	ACT_ACCOUNT_EDIT,
	ACT_ACCOUNT_ROLLOVER,
	ACT_ACCOUNT_DEACTIVATE,
	ACT_CANCEL_JOB,		/* the Jobs screen: cancel the selected job */
	ACT_ACK_ALERT,		/* the Alerts screen: acknowledge the selected one */
	ACT_TEST_CHANNEL,	/* the Notify screen: queue a test notice */
	ACT_COUNT
};

/* Where a binding applies; a screen has a mask of these. */
enum keymap_context {
	KM_ANY = 1 << 0,	/* every screen */
	KM_LIST = 1 << 1,	/* the top-level lists (Tab cycles them) */
	KM_CERTS = 1 << 2,	/* the certificate list */
	KM_DETAIL = 1 << 3,	/* a certificate's detail */
	KM_ACCOUNTS = 1 << 4,	/* the account list */
	KM_JOBS = 1 << 5,	/* the job list */
	KM_ALERTS = 1 << 6,	/* the active alerts */
	KM_NOTIFY = 1 << 7,	/* the notification channels */
};

/* A screen's own keys: its mask without the shared contexts. */
#define KM_SHARED (KM_ANY | KM_LIST)

struct keybinding {
	int key;
	unsigned context;
	enum ui_action action;
	const char *label;	/* how help shows the key: "PgDn", "Shift+N" */
	int bar;		/* position in the F-key bar, 0 for none */
};

/*
 * The bottom bar's short text for a screen's own key ("R" for Shift+R):
 * the character itself when it is one, else the help label.
 */
const char *keymap_bar_key(const struct keybinding *b, char *buf, size_t cap);

extern const struct keybinding keymap[];
extern const size_t keymap_len;

/* The action bound to key in a screen with context mask ctx, or ACT_NONE. */
enum ui_action keymap_lookup(unsigned ctx, int key);

/* What an action does, N_()-marked: translate with _() when shown. */
const char *keymap_action_help(enum ui_action a);

/* The action's short name for traces and the F-key bar ("page_down"). */
const char *keymap_action_name(enum ui_action a);

/* 1 when the action changes the store (queues a job): not read-only. */
int keymap_action_writes(enum ui_action a);

/* The F-key bar's label for an action (N_()-marked, "Help"). */
const char *keymap_bar_label(enum ui_action a);

/* The : commands, for the command line and its completion. */
struct ui_command {
	const char *name;
	enum ui_action action;
	const char *help;	/* N_()-marked */
};

extern const struct ui_command ui_commands[];
extern const size_t ui_commands_len;

/*
 * Finds a command by exact name or unique prefix. Returns it, or NULL
 * (*ambiguous set to 1 when the prefix fits several).
 */
const struct ui_command *keymap_command(const char *name, int *ambiguous);

/*
 * Completes a command prefix in buf (cap bytes) to the longest common
 * prefix of the commands it fits. Returns the number of candidates; their
 * names are written space-separated to list (list_cap bytes).
 */
int keymap_complete(char *buf, size_t cap, char *list, size_t list_cap);

#endif
