#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetext.h"

#define RING 6
#define RING_SIZE 2048

/*
 * The length of the UTF-8 character at s (n bytes left) and its code point
 * in *cp; 0 when the bytes are not UTF-8 (overlong forms, surrogates and
 * values past U+10FFFF included).
 */
static size_t
utf8_char(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * Walks src: for each character calls out(piece, len, arg), where a kept
 * character is itself, a removed one nothing and a non-UTF-8 byte "?".
 * Stops when out returns non-zero.
 */
static void
walk(const char *src, int (*out)(const char *, size_t, void *), void *arg)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = strlen(src), len;
	unsigned long cp;

	while (n > 0) {
		len = utf8_char(s, n, &cp);
		if (len == 0) {
			if (out("?", 1, arg) != 0)
				return;
			len = 1;
		} else if (!is_control(cp) && out((const char *)s, len, arg) != 0) {
			return;
		}
		s += len;
		n -= len;
	}
}

struct buf {
	char *p;
	size_t cap, len;
};

static int
to_buf(const char *piece, size_t len, void *arg)
{
	struct buf *b = arg;

	if (b->len + len + 1 > b->cap)
		return 1;
	memcpy(b->p + b->len, piece, len);
	b->len += len;
	return 0;
}

size_t
safetext_copy(char *dst, size_t cap, const char *src)
{
	struct buf b = { dst, cap, 0 };

	if (cap == 0)
		return 0;
	if (src != NULL)
		walk(src, to_buf, &b);
	dst[b.len] = '\0';
	return b.len;
}

const char *
safetext(const char *src)
{
	static _Thread_local char ring[RING][RING_SIZE];
	static _Thread_local unsigned next;
	char *dst = ring[next++ % RING];

	safetext_copy(dst, RING_SIZE, src != NULL ? src : "");
	return dst;
}

static int
to_file(const char *piece, size_t len, void *arg)
{
	return fwrite(piece, 1, len, arg) == len ? 0 : 1;
}

void
safetext_fputs(const char *src, FILE *f)
{
	if (src != NULL)
		walk(src, to_file, f);
}

char *
safetext_json(const char *json)
{
	const unsigned char *s = (const unsigned char *)json;
	size_t n = strlen(json), i = 0, o = 0;
	char *out = malloc(n * 6 + 1);	/* a 1-byte DEL at worst becomes 6 */
	unsigned long cp;
	size_t len;

	if (out == NULL)
		return NULL;
	while (i < n) {
		len = utf8_char(s + i, n - i, &cp);
		if (len == 0) {
			/* Not UTF-8 (so not JSON either): the replacement character. */
			o += (size_t)snprintf(out + o, 7, "\\ufffd");
			i++;
			continue;
		}
		if (cp >= 0x7f && cp <= 0x9f) {
			o += (size_t)snprintf(out + o, 7, "\\u%04lx", cp);
		} else {
			memcpy(out + o, s + i, len);
			o += len;
		}
		i += len;
	}
	out[o] = '\0';
	return out;
}

static int
host_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '*';
}

char *
safetext_escape(const char *src, size_t len, int strict_host)
{
	const unsigned char *s = (const unsigned char *)src;
	char *out = malloc(len * 4 + 1), *o = out;
	size_t i = 0, clen, k;
	unsigned long cp;

	if (out == NULL)
		return NULL;
	while (i < len) {
		clen = utf8_char(s + i, len - i, &cp);
		if (clen == 0 || is_control(cp) || (strict_host && (clen > 1 || !host_byte(s[i])))) {
			k = clen == 0 ? 1 : clen;
			for (; k > 0; k--, i++)
				o += snprintf(o, 5, "\\x%02x", s[i]);
			continue;
		}
		memcpy(o, s + i, clen);
		o += clen;
		i += clen;
	}
	*o = '\0';
	return out;
}
