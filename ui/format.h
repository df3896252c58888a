/*
 * Text for the TUI's cells, without ncurses: width-aware fitting of UTF-8
 * (and of untrusted text from certificates), the status cell with its
 * expiry band, time left. Pure functions, unit-tested.
 */
#ifndef CERTDECK_UI_FORMAT_H
#define CERTDECK_UI_FORMAT_H

#include <stddef.h>

#include "store_cert.h"

/*
 * Copies src into dst (cap bytes, always NUL-terminated) using at most
 * width display columns. Control characters and bytes that do not decode
 * in the current locale become '?', so text from a certificate can never
 * move the cursor. When src does not fit, it is cut and ell (e.g. "~" or
 * "…", may be "") is appended within the width. Returns the columns used.
 */
int format_fit(char *dst, size_t cap, const char *src, int width, const char *ell);

/*
 * Bytes of src that fit in width columns, at least one character when src
 * is not empty and width is positive: for wrapping long values.
 */
size_t format_take(const char *src, int width);

/* Display columns of s as format_fit would print it. */
int format_width(const char *s);

/*
 * The name cell: "name (+2 more)", or "name (+2)" when narrow; the name is
 * cut first so the count stays visible. Returns the columns used.
 */
int format_name_cell(char *dst, size_t cap, const char *name, size_t n_sans,
    int width, const char *ell);

/*
 * The status cell, as text so that monochrome and colour-blind users see
 * the band: "EXPIRED", "<7d", "<30d" for a stored-valid certificate by its
 * expiry band, else the (translated) status: "valid", "revoked",
 * "replaced", "failed". Borrowed, static.
 */
const char *format_status_cell(enum cert_status st, long long not_after,
    long long now);

/* The band used to colour a row: enum expiry_band, or -1 for revoked/failed. */
int format_row_band(enum cert_status st, long long not_after, long long now);

/* "12 days 3 hours", "5 hours", or "expired 2 days 4 hours ago". */
void format_time_left(long long not_after, long long now, char *buf, size_t n);

/* Colon-separated upper-case hex pairs of a hex string ("ab12" -> "AB:12"). */
void format_hex_pairs(const char *hex, char *buf, size_t n);

/*
 * A JSON array of contact URIs as one line: ["mailto:a@b", "mailto:c@d"]
 * becomes "a@b, c@d" (cut to fit cap; "" for none or bad JSON).
 */
void format_contacts(const char *json, char *buf, size_t cap);

#endif
