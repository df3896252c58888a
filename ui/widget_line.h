/* A one-line text editor for the filter and command prompts. */
#ifndef CERTDECK_UI_WIDGET_LINE_H
#define CERTDECK_UI_WIDGET_LINE_H

#include <stddef.h>

#define LINE_EDIT_MAX 256

struct line_edit {
	char buf[LINE_EDIT_MAX];	/* UTF-8 */
	size_t len, pos;		/* bytes */
};

enum line_edit_result {
	LE_IGNORED,	/* not an editing key */
	LE_MOVED,	/* the cursor moved */
	LE_CHANGED,	/* the text changed */
	LE_EMPTY_BACK,	/* Backspace on an empty line */
};

/* Sets the text (cut to fit) with the cursor at its end. */
void line_edit_set(struct line_edit *l, const char *s);

/*
 * Applies a key (a wide character, or a UI_FN() key): printable
 * characters, Backspace, Delete, Left, Right, Home, End, Ctrl-A, Ctrl-E,
 * Ctrl-U (clear), Ctrl-W (delete a word).
 */
enum line_edit_result line_edit_key(struct line_edit *l, int key);

/* Display columns before the cursor. */
int line_edit_cursor_col(const struct line_edit *l);

#endif
