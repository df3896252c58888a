/*
 * Help, generated from the keymap and the command table: it cannot list a
 * key that does nothing or miss one that does something.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "keymap.h"
#include "ui.h"

struct help_line {
	char *key;		/* NULL for a heading or plain text */
	char *text;
	int heading;
};

struct help {
	struct help_line *lines;
	size_t n, cap;
	int top;
	int readonly;		/* the actions are left out */
};

static void
add(struct help *h, const char *key, const char *text, int heading)
{
	struct help_line *grown;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;

		if ((grown = realloc(h->lines, cap * sizeof(*grown))) == NULL)
			return;
		h->lines = grown;
		h->cap = cap;
	}
	h->lines[h->n].key = key != NULL ? strdup(key) : NULL;
	h->lines[h->n].text = strdup(text);
	h->lines[h->n].heading = heading;
	h->n++;
}

/* One line per action bound in ctx (and not in an earlier section). */
static void
section(struct help *h, const char *title, unsigned ctx, unsigned done)
{
	int seen[ACT_COUNT] = { 0 };
	char keys[128];
	size_t i, j, len;
	int any = 0;

	for (i = 0; i < keymap_len; i++) {
		const struct keybinding *b = &keymap[i];

		if (!(b->context & ctx) || (b->context & done) ||
		    seen[b->action] || b->label == NULL ||
		    (h->readonly && keymap_action_writes(b->action)))
			continue;
		seen[b->action] = 1;
		keys[0] = '\0';
		len = 0;
		for (j = i; j < keymap_len; j++) {
			if (keymap[j].action != b->action ||
			    keymap[j].label == NULL ||
			    keymap[j].context != b->context)
				continue;
			len += (size_t)snprintf(keys + len, len < sizeof(keys) ?
			    sizeof(keys) - len : 0, "%s%s", len ? " " : "",
			    keymap[j].label);
			if (len >= sizeof(keys))
				len = sizeof(keys) - 1;
		}
		if (!any)
			add(h, NULL, title, 1);
		any = 1;
		add(h, keys, _(keymap_action_help(b->action)), 0);
	}
	if (any)
		add(h, NULL, "", 0);
}

static void
build(struct help *h)
{
	char buf[160];
	size_t i;

	section(h, _("Everywhere"), KM_ANY, 0);
	section(h, _("Lists"), KM_LIST, KM_ANY);
	section(h, _("Certificate list"), KM_CERTS, KM_ANY | KM_LIST);
	section(h, _("Certificate detail"), KM_DETAIL, KM_ANY);
	section(h, _("Accounts"), KM_ACCOUNTS, KM_ANY | KM_LIST);
	section(h, _("Jobs"), KM_JOBS, KM_ANY | KM_LIST);
	section(h, _("Alerts"), KM_ALERTS, KM_ANY | KM_LIST);
	section(h, _("Channels"), KM_NOTIFY, KM_ANY | KM_LIST);
	add(h, NULL, _("Esc then a digit works as an F-key (Esc 1 is F1, "
	    "Esc 0 is F10)."), 0);
	add(h, NULL, "", 0);

	add(h, NULL, _("Commands (after :)"), 1);
	for (i = 0; i < ui_commands_len; i++) {
		snprintf(buf, sizeof(buf), ":%s", ui_commands[i].name);
		add(h, buf, _(ui_commands[i].help), 0);
	}
	add(h, NULL, "", 0);

	add(h, NULL, _("Filter (after /; terms separated by spaces, all must "
	    "hold)"), 1);
	add(h, "TEXT", _("a name contains TEXT"), 0);
	add(h, "exp<30d", _("expires within 30 days (h, d, w)"), 0);
	add(h, "exp>7d", _("expires in more than 7 days"), 0);
	add(h, "status:WORD", _("valid, expiring, expired, revoked, replaced, "
	    "failed"), 0);
	add(h, "issuer:NAME", _("the issuer's name contains NAME"), 0);
	add(h, "account:ID", _("issued through account ID"), 0);
	add(h, "key:TYPE", _("key type starts with TYPE (rsa, ec256)"), 0);
	add(h, "kind:KIND", _("server, client, codesign, email, ca, all (CA certificates "
	    "are hidden without it)"), 0);
	add(h, "source:WORD", _("certdeck, certbot, acme.sh, lego, scan, import, probe, scep, est"), 0);
	add(h, "path:PREFIX", _("found by a scan in a file under PREFIX"), 0);
	add(h, "served:WORD", _("an endpoint's last check found WORD: ok, "
	    "expiring, stale, unknown, untrusted-chain, name-mismatch, "
	    "unreachable, revoked; none: no endpoints"), 0);
	add(h, "revocation:WORD", _("good, revoked, unknown, unchecked (what the "
	    "CA says)"), 0);
	add(h, NULL, "", 0);
	add(h, NULL, _("Status bands: EXPIRED, <7d and <30d are shown as "
	    "text as well as colour."), 0);
}

#define KEY_W 16

static void
help_draw(struct screen *s, struct ui *ui)
{
	struct help *h = s->priv;
	const struct theme *t = &ui->theme;
	int y, i;

	if (h->top > (int)h->n - ui->body_rows)
		h->top = (int)h->n - ui->body_rows;
	if (h->top < 0)
		h->top = 0;
	for (i = 0; i < ui->body_rows && h->top + i < (int)h->n; i++) {
		const struct help_line *l = &h->lines[h->top + i];

		y = ui->body_top + i;
		if (l->heading)
			ui_put(ui, y, 1, ui->cols - 2, t->attr[TH_HEADER],
			    l->text);
		else if (l->key != NULL) {
			ui_put(ui, y, 2, KEY_W, t->attr[TH_LABEL], l->key);
			ui_put(ui, y, 3 + KEY_W, ui->cols - 4 - KEY_W, A_NORMAL,
			    l->text);
		} else
			ui_put(ui, y, 2, ui->cols - 3, t->attr[TH_DIM], l->text);
	}
	s->cursor_y = ui->body_top;
	s->hint[0] = '\0';
	if (h->top + ui->body_rows < (int)h->n)
		snprintf(s->hint, sizeof(s->hint), "%s %s", t->more, _("more"));
}

static int
help_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct help *h = s->priv;
	int old = h->top, max = (int)h->n - ui->body_rows;

	switch (act) {
	case ACT_UP:
		h->top--;
		break;
	case ACT_DOWN:
		h->top++;
		break;
	case ACT_PAGE_UP:
		h->top -= ui->body_rows - 1;
		break;
	case ACT_PAGE_DOWN:
		h->top += ui->body_rows - 1;
		break;
	case ACT_TOP:
		h->top = 0;
		break;
	case ACT_BOTTOM:
		h->top = max;
		break;
	case ACT_HELP:
		return UI_HANDLED;
	default:
		return 0;
	}
	if (h->top > max)
		h->top = max;
	if (h->top < 0)
		h->top = 0;
	return UI_HANDLED | (h->top != old ? UI_REDRAW : 0);
}

static int
help_event(struct screen *s, struct ui *ui, enum ui_event ev)
{
	return ev == UI_EV_RESIZE ? UI_REDRAW : 0;
}

static void
help_free(struct screen *s)
{
	struct help *h = s->priv;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->lines[i].key);
		free(h->lines[i].text);
	}
	free(h->lines);
	free(h);
}

static const struct screen_ops help_ops = {
	.name = N_("Help"),
	.context = KM_ANY,
	.draw = help_draw,
	.key = help_key,
	.on_event = help_event,
	.free = help_free,
};

struct screen *
screen_help_new(struct ui *ui)
{
	struct screen *s = screen_alloc(ui, &help_ops, sizeof(struct help));
	struct help *h;

	if (s == NULL)
		return NULL;
	h = s->priv;
	h->readonly = ui->readonly;
	build(h);
	return s;
}
