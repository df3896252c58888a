#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "keymap.h"

/*
 * The bindings. Order matters twice: the first match wins, and help lists
 * actions in the order they first appear. Destructive actions never sit
 * on Ctrl-combinations.
 */
const struct keybinding keymap[] = {
	{ 'q', KM_ANY, ACT_QUIT, "q", 0 },
	{ UI_FN(KEY_F(10)), KM_ANY, ACT_EXIT, "F10", 10 },
	{ '?', KM_ANY, ACT_HELP, "?", 0 },
	{ UI_FN(KEY_F(1)), KM_ANY, ACT_HELP, "F1", 1 },
	{ '/', KM_CERTS, ACT_FILTER, "/", 0 },
	{ UI_FN(KEY_F(2)), KM_CERTS, ACT_FILTER, "F2", 2 },
	{ ':', KM_ANY, ACT_COMMAND, ":", 0 },
	{ 'k', KM_ANY, ACT_UP, "k", 0 },
	{ UI_FN(KEY_UP), KM_ANY, ACT_UP, "Up", 0 },
	{ 'j', KM_ANY, ACT_DOWN, "j", 0 },
	{ UI_FN(KEY_DOWN), KM_ANY, ACT_DOWN, "Down", 0 },
	{ UI_FN(KEY_PPAGE), KM_ANY, ACT_PAGE_UP, "PgUp", 0 },
	{ UI_CTRL('b'), KM_ANY, ACT_PAGE_UP, "Ctrl-B", 0 },
	{ UI_FN(KEY_NPAGE), KM_ANY, ACT_PAGE_DOWN, "PgDn", 0 },
	{ UI_CTRL('f'), KM_ANY, ACT_PAGE_DOWN, "Ctrl-F", 0 },
	{ ' ', KM_DETAIL, ACT_PAGE_DOWN, "Space", 0 },
	{ 'g', KM_ANY, ACT_TOP, "g", 0 },
	{ UI_FN(KEY_HOME), KM_ANY, ACT_TOP, "Home", 0 },
	{ 'G', KM_ANY, ACT_BOTTOM, "G", 0 },
	{ UI_FN(KEY_END), KM_ANY, ACT_BOTTOM, "End", 0 },
	{ '\n', KM_LIST, ACT_OPEN, "Enter", 0 },
	{ '\r', KM_LIST, ACT_OPEN, NULL, 0 },
	{ UI_FN(KEY_ENTER), KM_LIST, ACT_OPEN, NULL, 0 },
	{ UI_ESC, KM_ANY, ACT_BACK, "Esc", 0 },
	{ UI_FN(KEY_BACKSPACE), KM_ANY, ACT_BACK, "Backspace", 0 },
	{ 127, KM_ANY, ACT_BACK, NULL, 0 },
	{ UI_CTRL('h'), KM_ANY, ACT_BACK, NULL, 0 },
	{ UI_FN(KEY_LEFT), KM_DETAIL, ACT_BACK, "Left", 0 },
	{ '\t', KM_LIST, ACT_NEXT_SCREEN, "Tab", 0 },
	{ 'N', KM_CERTS, ACT_SORT_NAME, "Shift+N", 0 },
	{ 'D', KM_CERTS, ACT_SORT_EXPIRY, "Shift+D", 0 },
	{ 'S', KM_CERTS, ACT_SORT_STATUS, "Shift+S", 0 },
	{ 'I', KM_CERTS, ACT_SORT_ISSUER, "Shift+I", 0 },
	{ 'p', KM_DETAIL, ACT_TOGGLE_PEM, "p", 0 },
	{ ' ', KM_CERTS, ACT_MARK, "Space", 0 },
	{ 'r', KM_CERTS | KM_DETAIL, ACT_RENEW, "r", 0 },
	{ 'R', KM_CERTS | KM_DETAIL, ACT_REVOKE, "Shift+R", 0 },
	{ 'K', KM_CERTS | KM_DETAIL, ACT_ROTATE_KEY, "Shift+K", 0 },
	{ 'n', KM_CERTS, ACT_NEW_CERT, "n", 0 },
	{ 'P', KM_DETAIL, ACT_PROBE, "Shift+P", 0 },
	{ UI_CTRL('l'), KM_ANY, ACT_REDRAW, "Ctrl-L", 0 },
	{ 'n', KM_ACCOUNTS, ACT_ACCOUNT_NEW, "n", 0 },
	{ 'e', KM_ACCOUNTS, ACT_ACCOUNT_EDIT, "e", 0 },
	{ 'K', KM_ACCOUNTS, ACT_ACCOUNT_ROLLOVER, "Shift+K", 0 },
	{ 'X', KM_ACCOUNTS, ACT_ACCOUNT_DEACTIVATE, "Shift+X", 0 },
	{ 'c', KM_JOBS, ACT_CANCEL_JOB, "c", 0 },
	{ 'a', KM_ALERTS, ACT_ACK_ALERT, "a", 0 },
	{ 't', KM_NOTIFY, ACT_TEST_CHANNEL, "t", 0 },
	{ '1', KM_CERTS, ACT_SUM_EXPIRED, "1", 0 },
	{ '2', KM_CERTS, ACT_SUM_WEEK, "2", 0 },
	{ '3', KM_CERTS, ACT_SUM_MONTH, "3", 0 },
	{ '4', KM_CERTS, ACT_SUM_FAILED, "4", 0 },
	{ '5', KM_CERTS, ACT_SUM_ALERTS, "5", 0 },
};
const size_t keymap_len = sizeof(keymap) / sizeof(keymap[0]);

static const struct {
	const char *name;
	const char *help;
	const char *bar;
} actions[ACT_COUNT] = {
	[ACT_NONE] = { "none", "", NULL },
	[ACT_QUIT] = { "quit", N_("back; quit at the top level"), NULL },
	[ACT_EXIT] = { "exit", N_("quit certdeck"), N_("Quit") },
	[ACT_HELP] = { "help", N_("this help"), N_("Help") },
	[ACT_FILTER] = { "filter", N_("filter certificates as you type "
	    "(Enter keeps, Esc clears)"), N_("Filter") },
	[ACT_COMMAND] = { "command", N_("command line (Tab completes)"),
	    NULL },
	[ACT_UP] = { "up", N_("previous row"), NULL },
	[ACT_DOWN] = { "down", N_("next row"), NULL },
	[ACT_PAGE_UP] = { "page_up", N_("previous page"), NULL },
	[ACT_PAGE_DOWN] = { "page_down", N_("next page"), NULL },
	[ACT_TOP] = { "top", N_("first row"), NULL },
	[ACT_BOTTOM] = { "bottom", N_("last row"), NULL },
	[ACT_OPEN] = { "open", N_("open the selected row"), NULL },
	[ACT_BACK] = { "back", N_("back; on the list, clear the filter"),
	    NULL },
	[ACT_NEXT_SCREEN] = { "next_screen", N_("next screen: certificates, "
	    "accounts, orders, jobs, events, alerts, channels, endpoints"), NULL },
	[ACT_SORT_NAME] = { "sort_name", N_("sort by name (again: "
	    "reverse)"), NULL },
	[ACT_SORT_EXPIRY] = { "sort_expiry", N_("sort by days left (again: "
	    "reverse)"), NULL },
	[ACT_SORT_STATUS] = { "sort_status", N_("sort by status (again: "
	    "reverse)"), NULL },
	[ACT_SORT_ISSUER] = { "sort_issuer", N_("sort by issuer (again: "
	    "reverse; at most 10000 rows, narrow with a filter)"), NULL },
	[ACT_REDRAW] = { "redraw", N_("redraw the screen"), NULL },
	[ACT_TOGGLE_PEM] = { "toggle_pem", N_("show or hide the PEM chain"),
	    N_("PEM") },
	[ACT_SHOW_CERTS] = { "certs", N_("the certificate list"), NULL },
	[ACT_SHOW_ACCOUNTS] = { "accounts", N_("ACME accounts"), NULL },
	[ACT_SHOW_ORDERS] = { "orders", N_("ACME orders, newest first"),
	    NULL },
	[ACT_SHOW_JOBS] = { "jobs", N_("jobs: queued, running, done, "
	    "failed"), NULL },
	[ACT_SHOW_EVENTS] = { "events", N_("the audit log, newest at the "
	    "bottom"), NULL },
	[ACT_SHOW_ALERTS] = { "alerts", N_("the active alerts, newest first"),
	    NULL },
	[ACT_SHOW_NOTIFY] = { "notify", N_("the notification channels"), NULL },
	[ACT_SHOW_ENDPOINTS] = { "endpoints", N_("the endpoints and what their "
	    "last check found, problems first"), NULL },
	[ACT_SUM_EXPIRED] = { "summary_expired", N_("summary line: show the "
	    "expired certificates (filter status:expired)"), NULL },
	[ACT_SUM_WEEK] = { "summary_week", N_("summary line: those expiring "
	    "within 7 days (status:expiring exp<7d)"), NULL },
	[ACT_SUM_MONTH] = { "summary_month", N_("summary line: those expiring "
	    "within 30 days (status:expiring)"), NULL },
	[ACT_SUM_FAILED] = { "summary_failed", N_("summary line: the failed "
	    "jobs (the Jobs screen)"), NULL },
	[ACT_SUM_ALERTS] = { "summary_alerts", N_("summary line: the active "
	    "alerts and the dead man's switch (the Alerts screen)"), NULL },
	[ACT_MARK] = { "mark", N_("mark or unmark the row (r and Shift+K "
	    "act on the marked rows; Esc clears the marks)"), NULL },
	[ACT_RENEW] = { "renew", N_("renew now (queues a job)"), N_("Renew") },
	[ACT_REVOKE] = { "revoke", N_("revoke: pick a reason, type the "
	    "name to confirm (SCEP and EST have none: revoke at the CA)"), N_("Revoke") },
	[ACT_ROTATE_KEY] = { "rotate_key", N_("rotate the key: a new key "
	    "and certificate (asks first)"), N_("Rotate") },
	[ACT_NEW_CERT] = { "new_cert", N_("new certificate: ACME, SCEP or EST, "
	    "then a form that queues the issuance"), N_("New") },
	[ACT_PROBE] = { "probe", N_("probe the certificate's endpoints now "
	    "(queues a check job; the verdicts show when it lands)"), N_("Probe") },
	[ACT_ACCOUNT_NEW] = { "account_new", N_("new account: a form that "
	    "queues the registration with the CA"), N_("New") },
	[ACT_ACCOUNT_EDIT] = { "account_edit", N_("edit the account's contact "
	    "e-mail addresses"), N_("Edit") },
	[ACT_ACCOUNT_ROLLOVER] = { "account_rollover", N_("key rollover: a "
	    "new account key (asks first)"), N_("Rollover") },
	[ACT_ACCOUNT_DEACTIVATE] = { "account_deactivate", N_("deactivate the "
	    "account for good: type its number to confirm"), N_("Deactivate") },
	[ACT_CANCEL_JOB] = { "cancel_job", N_("cancel the queued or running "
	    "job (asks first; a running one stops at its next step)"),
	    N_("Cancel") },
	[ACT_ACK_ALERT] = { "ack_alert", N_("acknowledge the alert: no "
	    "reminders until it clears (the clearing is still told)"),
	    N_("Ack") },
	[ACT_TEST_CHANNEL] = { "test_channel", N_("send a test notice through "
	    "the channel (queues a job; the result shows when it lands)"),
	    N_("Test") },
};

const struct ui_command ui_commands[] = {
	{ "accounts", ACT_SHOW_ACCOUNTS, N_("ACME accounts") },
	{ "alerts", ACT_SHOW_ALERTS, N_("the active alerts, newest first") },
	{ "certs", ACT_SHOW_CERTS, N_("the certificate list") },
	{ "endpoints", ACT_SHOW_ENDPOINTS, N_("the endpoints and what their "
	    "last check found, problems first") },
	{ "events", ACT_SHOW_EVENTS, N_("the audit log, newest at the "
	    "bottom") },
	{ "help", ACT_HELP, N_("this help") },
	{ "issue", ACT_NEW_CERT, N_("new certificate: ACME, SCEP or EST, then a "
	    "form that queues the issuance") },
	{ "jobs", ACT_SHOW_JOBS, N_("jobs: queued, running, done, failed") },
	{ "notify", ACT_SHOW_NOTIFY, N_("the notification channels") },
	{ "orders", ACT_SHOW_ORDERS, N_("ACME orders, newest first") },
	{ "quit", ACT_EXIT, N_("quit certdeck") },
};
const size_t ui_commands_len = sizeof(ui_commands) / sizeof(ui_commands[0]);

enum ui_action
keymap_lookup(unsigned ctx, int key)
{
	size_t i;

	for (i = 0; i < keymap_len; i++)
		if (keymap[i].key == key && (keymap[i].context & ctx) != 0)
			return keymap[i].action;
	return ACT_NONE;
}

const char *
keymap_action_help(enum ui_action a)
{
	return (unsigned)a < ACT_COUNT ? actions[a].help : "";
}

const char *
keymap_action_name(enum ui_action a)
{
	return (unsigned)a < ACT_COUNT ? actions[a].name : "none";
}

int
keymap_action_writes(enum ui_action a)
{
	return a == ACT_MARK || a == ACT_RENEW || a == ACT_REVOKE ||
	    a == ACT_ROTATE_KEY || a == ACT_NEW_CERT || a == ACT_PROBE ||
	    a == ACT_ACCOUNT_NEW || a == ACT_ACCOUNT_EDIT ||
	    a == ACT_ACCOUNT_ROLLOVER || a == ACT_ACCOUNT_DEACTIVATE ||
	    a == ACT_CANCEL_JOB || a == ACT_ACK_ALERT || a == ACT_TEST_CHANNEL;
}

const char *
keymap_bar_key(const struct keybinding *b, char *buf, size_t cap)
{
	if (b->key > ' ' && b->key < 127 && cap >= 2) {
		buf[0] = (char)b->key;
		buf[1] = '\0';
		return buf;
	}
	return b->label != NULL ? b->label : "";
}

const char *
keymap_bar_label(enum ui_action a)
{
	return (unsigned)a < ACT_COUNT ? actions[a].bar : NULL;
}

const struct ui_command *
keymap_command(const char *name, int *ambiguous)
{
	const struct ui_command *found = NULL;
	size_t i, len = strlen(name);

	*ambiguous = 0;
	if (len == 0)
		return NULL;
	/* vi's habit. */
	if (strcmp(name, "q") == 0 || strcmp(name, "q!") == 0)
		name = "quit", len = 4;
	for (i = 0; i < ui_commands_len; i++) {
		if (strcmp(ui_commands[i].name, name) == 0)
			return &ui_commands[i];
		if (strncmp(ui_commands[i].name, name, len) == 0) {
			if (found != NULL)
				*ambiguous = 1;
			found = &ui_commands[i];
		}
	}
	return *ambiguous ? NULL : found;
}

int
keymap_complete(char *buf, size_t cap, char *list, size_t list_cap)
{
	const char *first = NULL;
	size_t i, len = strlen(buf), common = 0, ll = 0, k;
	int n = 0;

	if (list_cap > 0)
		list[0] = '\0';
	for (i = 0; i < ui_commands_len; i++) {
		const char *c = ui_commands[i].name;

		if (strncmp(c, buf, len) != 0)
			continue;
		if (first == NULL) {
			first = c;
			common = strlen(c);
		} else {
			for (k = 0; k < common && c[k] == first[k]; k++)
				;
			common = k;
		}
		n++;
		k = (size_t)snprintf(list + ll, list_cap > ll ? list_cap - ll : 0,
		    "%s%s", ll > 0 ? " " : "", c);
		ll = ll + k < list_cap ? ll + k : (list_cap > 0 ? list_cap - 1 : 0);
	}
	if (first != NULL && common < cap) {
		memcpy(buf, first, common);
		buf[common] = '\0';
	}
	return n;
}
