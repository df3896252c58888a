/*
 * Dialogs: a choice among buttons (confirmations, the revocation reason)
 * and a form of text and choice fields. Both are modal (struct ui_modal)
 * and report through a callback when they close; arg is the caller's and
 * arg_free (may be NULL) frees it when the dialog goes.
 */
#ifndef CERTDECK_UI_WIDGET_DIALOG_H
#define CERTDECK_UI_WIDGET_DIALOG_H

#include <stddef.h>

#include "ui.h"

#define DIALOG_MAX_OPTIONS 8
#define DIALOG_MAX_FIELDS 16

/*
 * Opens a choice: text (may be NULL) above a vertical list of options
 * (translated), sel selected first; keys[i] (may be NULL or shorter) is a
 * key that picks option i at once. Enter picks the selection, Esc gives
 * -1. done gets the choice and returns UI_* flags. Returns UI_* flags.
 */
int dialog_choice(struct ui *ui, const char *title, const char *text,
    const char *const *options, int n, int sel, const char *keys,
    int (*done)(struct ui *ui, void *arg, int choice), void *arg,
    void (*arg_free)(void *));

struct dialog_field {
	const char *label;		/* translated */
	const char *value;		/* initial text or choice; may be NULL */
	const char *const *choices;	/* NULL-terminated; NULL for free text */
	const char *hint;		/* shown while the field is selected; may be NULL */
	int masked;			/* a secret: shown as one '*' per character */
};

/*
 * Copies n fields from tmpl, whose labels and hints are N_()-marked, into
 * f with the labels and hints translated.
 */
void dialog_fields_from(struct dialog_field *f,
    const struct dialog_field *tmpl, int n);

/*
 * Opens a form. A field per two lines when that fits, else one per line,
 * scrolling to keep the selected one in view when even that does not.
 * Tab/Down and Shift-Tab/Up move between fields, Left/Right
 * or Space cycle a choice field, Enter submits, Esc cancels (submit is not
 * called). submit gets the values and returns UI_* flags to close, or -1
 * with e filled to keep the form open and show why. Returns UI_* flags.
 */
int dialog_form(struct ui *ui, const char *title,
    const struct dialog_field *fields, int n,
    int (*submit)(struct ui *ui, void *arg, char *const *values,
    struct err *e), void *arg, void (*arg_free)(void *));

#endif
