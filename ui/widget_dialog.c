#include "config.h"

#include <curses.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "i18n.h"
#include "widget_dialog.h"
#include "widget_line.h"

struct dialog {
	char title[128];
	char text[512];
	/* A choice. */
	char options[DIALOG_MAX_OPTIONS][96];
	char keys[DIALOG_MAX_OPTIONS + 1];
	int n, sel;
	int (*done)(struct ui *, void *, int);
	/* A form. */
	int form;
	struct dialog_field fields[DIALOG_MAX_FIELDS];
	struct line_edit edit[DIALOG_MAX_FIELDS];
	int (*submit)(struct ui *, void *, char *const *, struct err *);
	struct err error;	/* why the last submit was refused */
	int top;		/* first field shown when the form scrolls */
	/* Where the last draw put things, for clicks. */
	int row0;		/* the first option's (or shown field's) line */
	int row_step;		/* lines from one to the next */
	int x0, w;		/* the box's columns */
	int shown;		/* fields shown (a form) */
	void *arg;
	void (*arg_free)(void *);
};

static void
dialog_free(struct ui_modal *m)
{
	struct dialog *d = m->priv;

	if (d != NULL && d->arg_free != NULL)
		d->arg_free(d->arg);
	/* A form may have held a secret (a masked field: an EAB HMAC key). */
	if (d != NULL)
		OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

/* The box: width w, height h, centred in the body. Draws the frame. */
static void
dialog_box(struct ui *ui, const char *title, int w, int h, int *y0, int *x0)
{
	attr_t a = ui->theme.attr[TH_STATUS];
	int y, top;

	if (w > ui->cols - 2)
		w = ui->cols - 2;
	top = ui->body_top + (ui->body_rows - h) / 2;
	if (top < ui->body_top)
		top = ui->body_top;
	*y0 = top;
	*x0 = (ui->cols - w) / 2;
	for (y = 0; y < h; y++) {
		attrset(a);
		mvhline(top + y, *x0, ' ', w);
		mvaddch(top + y, *x0, y == 0 || y == h - 1 ? '+' : '|');
		mvaddch(top + y, *x0 + w - 1, y == 0 || y == h - 1 ? '+' : '|');
		if (y == 0 || y == h - 1)
			mvhline(top + y, *x0 + 1, '-', w - 2);
	}
	attrset(A_NORMAL);
	ui_put(ui, top, *x0 + 2, w - 4, a | A_BOLD, title);
}

static int
box_width(struct ui *ui)
{
	return ui->cols - 4 < 64 ? ui->cols - 4 : 64;
}

static void
choice_draw(struct ui_modal *m, struct ui *ui)
{
	struct dialog *d = m->priv;
	attr_t a = ui->theme.attr[TH_STATUS];
	int w = box_width(ui), h = d->n + 4 + (d->text[0] ? 2 : 0), y0, x0, i;
	int y;
	char buf[128];

	dialog_box(ui, d->title, w, h, &y0, &x0);
	y = y0 + 1;
	if (d->text[0]) {
		ui_put(ui, y + 1, x0 + 2, w - 4, a, d->text);
		y += 2;
	}
	y++;
	for (i = 0; i < d->n; i++) {
		if (d->keys[i] != '\0' && d->keys[i] != ' ')
			snprintf(buf, sizeof(buf), "%c) %s", d->keys[i],
			    d->options[i]);
		else
			snprintf(buf, sizeof(buf), "   %s", d->options[i]);
		ui_put(ui, y + i, x0 + 4, w - 8, i == d->sel ?
		    ui->theme.attr[TH_SELECTED] | A_BOLD : a, buf);
	}
	m->cursor_y = y + d->sel;
	m->cursor_x = x0 + 4;
	d->row0 = y;
	d->row_step = 1;
	d->x0 = x0;
	d->w = w;
}

/* The option or field index under (y, x), or -1. */
static int
row_at(const struct dialog *d, int first, int count, int y, int x)
{
	int i;

	if (x < d->x0 || x >= d->x0 + d->w || d->row_step < 1 || y < d->row0 ||
	    (y - d->row0) % d->row_step != 0)
		return -1;
	i = first + (y - d->row0) / d->row_step;
	return i < first + count && i < d->n ? i : -1;
}

static int
choice_key(struct ui_modal *m, struct ui *ui, int key)
{
	struct dialog *d = m->priv;
	int i, pick = -2;

	switch (key) {
	case 'k':
	case UI_FN(KEY_UP):
	case UI_FN(KEY_BTAB):
		if (d->sel > 0)
			d->sel--;
		return UI_REDRAW;
	case 'j':
	case '\t':
	case UI_FN(KEY_DOWN):
		if (d->sel < d->n - 1)
			d->sel++;
		return UI_REDRAW;
	case '\n':
	case '\r':
	case UI_FN(KEY_ENTER):
		pick = d->sel;
		break;
	case UI_ESC:
	case 'q':
		pick = -1;
		break;
	default:
		for (i = 0; i < d->n; i++)
			if (key != ' ' && key == (unsigned char)d->keys[i])
				pick = i;
		if (pick == -2)
			return UI_HANDLED;
	}
	return d->done(ui, d->arg, pick) | UI_POP | UI_REDRAW;
}

/* A click picks an option; a second click (or a double click) answers. */
static int
choice_click(struct ui_modal *m, struct ui *ui, int y, int x, int twice)
{
	struct dialog *d = m->priv;
	int i = row_at(d, 0, d->n, y, x);

	if (i < 0)
		return UI_HANDLED;
	if (i != d->sel && !twice) {
		d->sel = i;
		return UI_REDRAW;
	}
	d->sel = i;
	return choice_key(m, ui, '\n');
}

/* How a kind of dialog draws and takes keys and clicks. */
struct dialog_kind {
	void (*draw)(struct ui_modal *m, struct ui *ui);
	int (*key)(struct ui_modal *m, struct ui *ui, int key);
	int (*click)(struct ui_modal *m, struct ui *ui, int y, int x, int twice);
};

/*
 * A new dialog of kind with its title and the caller's arg, or NULL when
 * ok is 0 or memory ran out (arg is then freed).
 */
static struct ui_modal *
modal_new(struct ui *ui, int ok, const struct dialog_kind *kind,
    const char *title, void *arg, void (*arg_free)(void *))
{
	struct ui_modal *m = ok ? ui_modal_alloc(ui, sizeof(struct dialog)) :
	    NULL;
	struct dialog *d;

	if (m == NULL) {
		if (arg_free != NULL)
			arg_free(arg);
		return NULL;
	}
	d = m->priv;
	m->free = dialog_free;
	m->draw = kind->draw;
	m->key = kind->key;
	m->click = kind->click;
	snprintf(d->title, sizeof(d->title), " %s ", title);
	d->arg = arg;
	d->arg_free = arg_free;
	return m;
}

int
dialog_choice(struct ui *ui, const char *title, const char *text,
    const char *const *options, int n, int sel, const char *keys,
    int (*done)(struct ui *ui, void *arg, int choice), void *arg,
    void (*arg_free)(void *))
{
	static const struct dialog_kind choice = { choice_draw, choice_key,
	    choice_click };
	struct dialog *d;
	struct ui_modal *m;
	int i;

	if ((m = modal_new(ui, n <= DIALOG_MAX_OPTIONS, &choice, title, arg,
	    arg_free)) == NULL)
		return UI_REDRAW;
	d = m->priv;
	snprintf(d->text, sizeof(d->text), "%s", text != NULL ? text : "");
	for (i = 0; i < n; i++) {
		snprintf(d->options[i], sizeof(d->options[i]), "%s",
		    options[i]);
		d->keys[i] = keys != NULL && i < (int)strlen(keys) ? keys[i] :
		    ' ';
	}
	d->n = n;
	d->sel = sel >= 0 && sel < n ? sel : 0;
	d->done = done;
	return ui_open_modal(ui, m);
}

static int
label_width(const struct dialog *d)
{
	int i, w = 0, lw;

	for (i = 0; i < d->n; i++)
		if ((lw = format_width(d->fields[i].label)) > w)
			w = lw;
	return w + 2;
}

/* One '*' per character of the first len bytes of s. Returns the count. */
static int
mask(const char *s, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < cap; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			out[n++] = '*';
	out[n] = '\0';
	return (int)n;
}

/*
 * The form's geometry in ui's body: sp lines per field, the first field
 * line at y0 + pad, vis fields shown. Keeps d->sel in view.
 */
static void
form_layout(struct dialog *d, struct ui *ui, int *h, int *sp, int *pad, int *vis)
{
	if (2 * d->n + 5 <= ui->body_rows) {
		*sp = 2;
		*pad = 2;
		*vis = d->n;
		*h = 2 * d->n + 5;
	} else {
		/* Frame, the fields, the hint line, frame. */
		*sp = 1;
		*pad = 1;
		*vis = ui->body_rows - 3 < d->n ? ui->body_rows - 3 : d->n;
		if (*vis < 1)
			*vis = 1;
		*h = *vis + 3;
	}
	if (d->sel < d->top)
		d->top = d->sel;
	if (d->sel >= d->top + *vis)
		d->top = d->sel - *vis + 1;
	if (d->top > d->n - *vis)
		d->top = d->n - *vis;
	if (d->top < 0)
		d->top = 0;
}

static void
form_draw(struct ui_modal *m, struct ui *ui)
{
	struct dialog *d = m->priv;
	const struct theme *t = &ui->theme;
	attr_t a = t->attr[TH_STATUS];
	int w = box_width(ui), h, sp, pad, vis, y0, x0, i, lw, fx, fw;
	char buf[LINE_EDIT_MAX + 8];

	form_layout(d, ui, &h, &sp, &pad, &vis);
	dialog_box(ui, d->title, w, h, &y0, &x0);
	if (d->top > 0)
		ui_put(ui, y0, x0 + w - 10, 8, a, _(" ^ more "));
	if (d->top + vis < d->n)
		ui_put(ui, y0 + h - 1, x0 + w - 10, 8, a, _(" v more "));
	lw = label_width(d);
	fx = x0 + 2 + lw;
	fw = w - 4 - lw;
	for (i = d->top; i < d->top + vis; i++) {
		int y = y0 + pad + sp * (i - d->top);

		ui_put(ui, y, x0 + 2, lw, a | (i == d->sel ? A_BOLD : 0),
		    d->fields[i].label);
		if (d->fields[i].choices != NULL)
			snprintf(buf, sizeof(buf), "< %s >", d->edit[i].buf);
		else if (d->fields[i].masked)
			mask(d->edit[i].buf, d->edit[i].len, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%s", d->edit[i].buf);
		attrset(i == d->sel ? t->attr[TH_SELECTED] : A_NORMAL);
		mvhline(y, fx, ' ', fw);
		attrset(A_NORMAL);
		ui_put(ui, y, fx, fw, i == d->sel ? t->attr[TH_SELECTED] :
		    A_NORMAL, buf);
	}
	if (d->error.msg[0] != '\0')
		ui_put(ui, y0 + h - 2, x0 + 2, w - 4, t->attr[TH_ERROR],
		    d->error.msg);
	else
		ui_put(ui, y0 + h - 2, x0 + 2, w - 4, t->attr[TH_DIM],
		    d->fields[d->sel].hint != NULL ? d->fields[d->sel].hint :
		    _("Enter submits, Tab next field, Esc cancels"));
	d->row0 = y0 + pad;
	d->row_step = sp;
	d->x0 = x0;
	d->w = w;
	d->shown = vis;
	m->cursor_y = y0 + pad + sp * (d->sel - d->top);
	m->cursor_x = fx + (d->fields[d->sel].choices != NULL ? 2 :
	    d->fields[d->sel].masked ? mask(d->edit[d->sel].buf,
	    d->edit[d->sel].pos, buf, sizeof(buf)) :
	    line_edit_cursor_col(&d->edit[d->sel]));
	if (m->cursor_x >= fx + fw)
		m->cursor_x = fx + fw - 1;
}

static void
cycle(struct dialog *d, int dir)
{
	const char *const *c = d->fields[d->sel].choices;
	int n, i, cur = 0;

	for (n = 0; c[n] != NULL; n++)
		if (strcmp(c[n], d->edit[d->sel].buf) == 0)
			cur = n;
	if (n == 0)
		return;
	i = (cur + dir + n) % n;
	line_edit_set(&d->edit[d->sel], c[i]);
}

static int
form_key(struct ui_modal *m, struct ui *ui, int key)
{
	struct dialog *d = m->priv;
	char *values[DIALOG_MAX_FIELDS];
	int i, rc;

	switch (key) {
	case UI_ESC:
		return UI_POP | UI_REDRAW;
	case '\t':
	case UI_FN(KEY_DOWN):
		d->sel = (d->sel + 1) % d->n;
		return UI_REDRAW;
	case UI_FN(KEY_BTAB):
	case UI_FN(KEY_UP):
		d->sel = (d->sel + d->n - 1) % d->n;
		return UI_REDRAW;
	case '\n':
	case '\r':
	case UI_FN(KEY_ENTER):
		for (i = 0; i < d->n; i++)
			values[i] = d->edit[i].buf;
		err_clear(&d->error);
		rc = d->submit(ui, d->arg, values, &d->error);
		if (rc == -1)
			return UI_REDRAW;
		return rc | UI_POP | UI_REDRAW;
	}
	if (d->fields[d->sel].choices != NULL) {
		if (key == ' ' || key == UI_FN(KEY_RIGHT))
			cycle(d, 1);
		else if (key == UI_FN(KEY_LEFT))
			cycle(d, -1);
		return UI_REDRAW;
	}
	switch (line_edit_key(&d->edit[d->sel], key)) {
	case LE_IGNORED:
	case LE_EMPTY_BACK:
		return UI_HANDLED;
	default:
		return UI_REDRAW;
	}
}

/* A click moves to a field; a second one on a choice field turns it. */
static int
form_click(struct ui_modal *m, struct ui *ui, int y, int x, int twice)
{
	struct dialog *d = m->priv;
	int i = row_at(d, d->top, d->shown, y, x);

	(void)ui;
	if (i < 0)
		return UI_HANDLED;
	if (i == d->sel && d->fields[i].choices != NULL && !twice)
		cycle(d, 1);
	d->sel = i;
	return UI_REDRAW;
}

void
dialog_fields_from(struct dialog_field *f, const struct dialog_field *tmpl,
    int n)
{
	int i;

	for (i = 0; i < n; i++) {
		f[i] = tmpl[i];
		f[i].label = _(tmpl[i].label);
		f[i].hint = tmpl[i].hint != NULL ? _(tmpl[i].hint) : NULL;
	}
}

int
dialog_form(struct ui *ui, const char *title,
    const struct dialog_field *fields, int n,
    int (*submit)(struct ui *ui, void *arg, char *const *values,
    struct err *e), void *arg, void (*arg_free)(void *))
{
	static const struct dialog_kind form = { form_draw, form_key,
	    form_click };
	struct dialog *d;
	struct ui_modal *m;
	int i;

	if ((m = modal_new(ui, n <= DIALOG_MAX_FIELDS && n >= 1, &form, title,
	    arg, arg_free)) == NULL)
		return UI_REDRAW;
	d = m->priv;
	d->form = 1;
	d->n = n;
	for (i = 0; i < n; i++) {
		d->fields[i] = fields[i];
		line_edit_set(&d->edit[i], fields[i].value != NULL ?
		    fields[i].value : fields[i].choices != NULL ?
		    fields[i].choices[0] : "");
	}
	d->submit = submit;
	return ui_open_modal(ui, m);
}
