#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "expiry.h"
#include "format.h"
#include "i18n.h"

/*
 * Decodes one character at s (n bytes left). Returns its length in bytes
 * (at least 1) and sets *w to its display width and *ok to 0 when it must
 * be shown as '?'.
 */
static size_t
next_char(const char *s, size_t n, int *w, int *ok)
{
	mbstate_t ps;
	wchar_t wc;
	size_t len;

	memset(&ps, 0, sizeof(ps));
	*ok = 1;
	if ((unsigned char)*s < 0x80) {
		*w = 1;
		*ok = (unsigned char)*s >= 0x20 && *s != 0x7f;
		return 1;
	}
	len = mbrtowc(&wc, s, n, &ps);
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		*w = 1;
		*ok = 0;
		return 1;
	}
	*w = wcwidth(wc);
	if (*w < 0) {
		*w = 1;
		*ok = 0;
	}
	return len;
}

size_t
format_take(const char *src, int width)
{
	size_t n = strlen(src), len, used = 0;
	int cols = 0, w, okc;

	while (n > 0) {
		len = next_char(src + used, n, &w, &okc);
		if (cols + w > width && used > 0)
			break;
		cols += w;
		used += len;
		n -= len;
		if (cols >= width)
			break;
	}
	return used;
}

int
format_width(const char *s)
{
	size_t n = strlen(s), len;
	int cols = 0, w, okc;

	while (n > 0) {
		len = next_char(s, n, &w, &okc);
		cols += w;
		s += len;
		n -= len;
	}
	return cols;
}

int
format_fit(char *dst, size_t cap, const char *src, int width, const char *ell)
{
	size_t n = strlen(src), len, out = 0, ell_len;
	int cols = 0, w, okc, limit;

	if (cap == 0)
		return 0;
	dst[0] = '\0';
	if (width <= 0)
		return 0;
	if (format_width(src) <= width) {
		ell = "";
		limit = width;
	} else {
		if (format_width(ell) > width)
			ell = "";
		limit = width - format_width(ell);
	}
	ell_len = strlen(ell);
	while (n > 0) {
		len = next_char(src, n, &w, &okc);
		if (cols + w > limit || out + (okc ? len : 1) + ell_len + 1 > cap)
			break;
		if (okc) {
			memcpy(dst + out, src, len);
			out += len;
		} else
			dst[out++] = '?';
		cols += w;
		src += len;
		n -= len;
	}
	if (n > 0 && out + ell_len + 1 <= cap) {
		memcpy(dst + out, ell, ell_len);
		out += ell_len;
		cols += format_width(ell);
	}
	dst[out] = '\0';
	return cols;
}

int
format_name_cell(char *dst, size_t cap, const char *name, size_t n_sans,
    int width, const char *ell)
{
	char suffix[48], head[512];
	int sw, used;

	if (n_sans <= 1)
		return format_fit(dst, cap, name, width, ell);
	snprintf(suffix, sizeof(suffix), _(" (+%zu more)"), n_sans - 1);
	/* Narrow: the short form, and never less than 6 columns of name. */
	if (format_width(name) + format_width(suffix) > width)
		snprintf(suffix, sizeof(suffix), " (+%zu)", n_sans - 1);
	sw = format_width(suffix);
	if (width - sw < 6)
		return format_fit(dst, cap, name, width, ell);
	used = format_fit(head, sizeof(head), name, width - sw, ell);
	snprintf(dst, cap, "%s%s", head, suffix);
	return used + sw;
}

const char *
format_status_cell(enum cert_status st, long long not_after, long long now)
{
	enum expiry_band b;

	switch (st) {
	case CERT_VALID:
		b = expiry_band(not_after, now);
		if (b == EXPIRY_OK)
			return _("valid");
		return expiry_band_tag(b);
	case CERT_REVOKED:
		return _("revoked");
	case CERT_REPLACED:
		return _("replaced");
	case CERT_FAILED:
		return _("failed");
	default:
		return "?";
	}
}

int
format_row_band(enum cert_status st, long long not_after, long long now)
{
	if (st == CERT_REVOKED || st == CERT_FAILED)
		return -1;
	if (st == CERT_REPLACED)
		return EXPIRY_OK;
	return (int)expiry_band(not_after, now);
}

void
format_time_left(long long not_after, long long now, char *buf, size_t n)
{
	long long left = not_after - now, a = left < 0 ? -left : left;
	long long days = a / 86400, hours = a % 86400 / 3600;
	char d[64], h[64];

	snprintf(d, sizeof(d), ngettext_("%lld day", "%lld days",
	    (unsigned long)days), days);
	snprintf(h, sizeof(h), ngettext_("%lld hour", "%lld hours",
	    (unsigned long)hours), hours);
	if (left <= 0) {
		if (days > 0)
			snprintf(buf, n, _("expired %s %s ago"), d, h);
		else
			snprintf(buf, n, _("expired %s ago"), h);
	} else if (days > 0)
		snprintf(buf, n, "%s %s", d, h);
	else if (hours > 0)
		snprintf(buf, n, "%s", h);
	else
		snprintf(buf, n, _("less than an hour"));
}

void
format_hex_pairs(const char *hex, char *buf, size_t n)
{
	size_t i, o = 0;

	if (n == 0)
		return;
	for (i = 0; hex[i] != '\0' && o + 3 < n; i++) {
		if (i > 0 && i % 2 == 0)
			buf[o++] = ':';
		buf[o++] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ?
		    hex[i] - 'a' + 'A' : hex[i]);
	}
	buf[o] = '\0';
}

void
format_contacts(const char *json, char *buf, size_t cap)
{
	cJSON *arr = json != NULL ? cJSON_Parse(json) : NULL, *it;
	size_t len = 0;

	if (cap == 0)
		return;
	buf[0] = '\0';
	cJSON_ArrayForEach(it, arr) {
		const char *s = cJSON_GetStringValue(it);

		if (s == NULL)
			continue;
		if (strncmp(s, "mailto:", 7) == 0)
			s += 7;
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0,
		    "%s%s", len ? ", " : "", s);
		if (len >= cap)
			len = cap - 1;
	}
	cJSON_Delete(arr);
}
