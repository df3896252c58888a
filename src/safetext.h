/*
 * The one sanitiser for text that came from a CA, a certificate or a
 * file and goes to a terminal: C0 control characters (escape sequences
 * start there), DEL and the C1 controls U+0080..U+009F are removed, and
 * bytes that are not UTF-8 are shown as '?'. Printable UTF-8 is kept.
 * The screen has its own (format_fit); every CLI print of such text goes
 * through this one.
 */
#ifndef CERTDECK_SAFETEXT_H
#define CERTDECK_SAFETEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * Copies src into dst (cap bytes, NUL-terminated, cut at a character
 * boundary) sanitised as above. Returns the length written.
 */
size_t safetext_copy(char *dst, size_t cap, const char *src);

/*
 * src sanitised, in one of a few rotating buffers of this thread (2 KiB
 * each; longer text is cut): for printf arguments, valid until this
 * thread's sixth next call. NULL gives "". Returns the borrowed text.
 */
const char *safetext(const char *src);

/* Writes src sanitised to f (no length limit). */
void safetext_fputs(const char *src, FILE *f);

/*
 * JSON text made terminal-safe without changing what it means: DEL and
 * the C1 controls, which cJSON leaves raw inside strings, become \u00XX
 * escapes (C0 is escaped by cJSON already). Returns text to free(), or
 * NULL when memory runs out.
 */
char *safetext_json(const char *json);

/*
 * Escapes src for storing text taken from a certificate: every byte that
 * is a control character (C0, DEL, C1) or not UTF-8 becomes "\xNN", and
 * with strict_host (a DNS name) so does every byte that is not a letter,
 * digit, '-', '.', '_' or '*'. Returns text to free(), or NULL.
 */
char *safetext_escape(const char *src, size_t len, int strict_host);

#endif
