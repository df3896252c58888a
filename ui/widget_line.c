#include "config.h"

#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "format.h"
#include "keymap.h"
#include "widget_line.h"

void
line_edit_set(struct line_edit *l, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof(l->buf))
		n = sizeof(l->buf) - 1;
	/* Never leave half a UTF-8 sequence. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(l->buf, s, n);
	l->buf[n] = '\0';
	l->len = l->pos = n;
}

/* Start of the character before byte offset i. */
static size_t
prev_char(const char *s, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

static size_t
next_char(const char *s, size_t len, size_t i)
{
	if (i >= len)
		return len;
	i++;
	while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

static void
erase_range(struct line_edit *l, size_t from, size_t to)
{
	memmove(l->buf + from, l->buf + to, l->len - to + 1);
	l->len -= to - from;
	l->pos = from;
}

enum line_edit_result
line_edit_key(struct line_edit *l, int key)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps;
	size_t n, p;

	switch (key) {
	case UI_FN(KEY_BACKSPACE):
	case 127:
	case UI_CTRL('h'):
		if (l->len == 0)
			return LE_EMPTY_BACK;
		if (l->pos == 0)
			return LE_IGNORED;
		erase_range(l, prev_char(l->buf, l->pos), l->pos);
		return LE_CHANGED;
	case UI_FN(KEY_DC):
	case UI_CTRL('d'):
		if (l->pos >= l->len)
			return LE_IGNORED;
		erase_range(l, l->pos, next_char(l->buf, l->len, l->pos));
		return LE_CHANGED;
	case UI_FN(KEY_LEFT):
		l->pos = prev_char(l->buf, l->pos);
		return LE_MOVED;
	case UI_FN(KEY_RIGHT):
		l->pos = next_char(l->buf, l->len, l->pos);
		return LE_MOVED;
	case UI_FN(KEY_HOME):
	case UI_CTRL('a'):
		l->pos = 0;
		return LE_MOVED;
	case UI_FN(KEY_END):
	case UI_CTRL('e'):
		l->pos = l->len;
		return LE_MOVED;
	case UI_CTRL('u'):
		if (l->len == 0)
			return LE_IGNORED;
		l->buf[0] = '\0';
		l->len = l->pos = 0;
		return LE_CHANGED;
	case UI_CTRL('w'):
		p = l->pos;
		while (p > 0 && l->buf[p - 1] == ' ')
			p--;
		while (p > 0 && l->buf[p - 1] != ' ')
			p--;
		if (p == l->pos)
			return LE_IGNORED;
		erase_range(l, p, l->pos);
		return LE_CHANGED;
	}
	if ((key & UI_KEY_FN) || key < 0x20 || key == 127 ||
	    !iswprint((wint_t)key))
		return LE_IGNORED;
	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)key, &ps);
	if (n == (size_t)-1 || l->len + n >= sizeof(l->buf))
		return LE_IGNORED;
	memmove(l->buf + l->pos + n, l->buf + l->pos, l->len - l->pos + 1);
	memcpy(l->buf + l->pos, mb, n);
	l->len += n;
	l->pos += n;
	return LE_CHANGED;
}

int
line_edit_cursor_col(const struct line_edit *l)
{
	char head[LINE_EDIT_MAX];

	memcpy(head, l->buf, l->pos);
	head[l->pos] = '\0';
	return format_width(head);
}
