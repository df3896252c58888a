#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"
#include "i18n.h"

static const char *const status_names[FILTER_STATUS_COUNT] = {
	[FILTER_STATUS_ANY] = "",
	[FILTER_STATUS_VALID] = "valid",
	[FILTER_STATUS_EXPIRING] = "expiring",
	[FILTER_STATUS_EXPIRED] = "expired",
	[FILTER_STATUS_REVOKED] = "revoked",
	[FILTER_STATUS_REPLACED] = "replaced",
	[FILTER_STATUS_FAILED] = "failed",
};

/* A year of seconds times this is far beyond any certificate. */
#define SPAN_MAX (100LL * 366 * 86400)

const char *
filter_status_name(enum filter_status s)
{
	return (unsigned)s < FILTER_STATUS_COUNT ? status_names[s] : "";
}

void
filter_clear(struct filter *f)
{
	size_t i;

	for (i = 0; i < f->n_names; i++)
		free(f->names[i]);
	free(f->issuer);
	free(f->key);
	free(f->source);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

int
filter_is_empty(const struct filter *f)
{
	return f->n_names == 0 && !f->has_before && !f->has_after &&
	    f->status == FILTER_STATUS_ANY && f->issuer == NULL &&
	    f->account_id == 0 && f->key == NULL && f->kinds == 0 &&
	    f->source == NULL && f->path == NULL && !f->contradictory &&
	    f->served == NULL && f->revocation == NULL;
}

/* "30d", "12h", "2w", "-3d", "5": seconds. Returns 0 or -1. */
static int
parse_span(const char *s, long long *out)
{
	long long v, unit = 86400;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	if (*end == 'd' || *end == 'D')
		end++;
	else if (*end == 'h' || *end == 'H') {
		unit = 3600;
		end++;
	} else if (*end == 'w' || *end == 'W') {
		unit = 7 * 86400;
		end++;
	}
	if (*end != '\0' || v > SPAN_MAX / unit || v < -SPAN_MAX / unit)
		return -1;
	*out = v * unit;
	return 0;
}

/* Matches a status word or a unique prefix of one. */
static int
parse_status(const char *s, enum filter_status *out, struct err *e)
{
	size_t len = strlen(s);
	int i, found = -1;

	for (i = 1; i < FILTER_STATUS_COUNT; i++) {
		if (strcasecmp(s, status_names[i]) == 0) {
			*out = (enum filter_status)i;
			return 0;
		}
		if (strncasecmp(s, status_names[i], len) == 0) {
			if (found != -1) {
				err_set(e, ERR_INPUT, _("status:%s is ambiguous (%s or "
				    "%s?)"), s, status_names[found],
				    status_names[i]);
				return -1;
			}
			found = i;
		}
	}
	if (found == -1) {
		err_set(e, ERR_INPUT, _("unknown status '%s' (valid, expiring, "
		    "expired, revoked, replaced or failed)"), s);
		return -1;
	}
	*out = (enum filter_status)found;
	return 0;
}

/* Replaces *slot by a copy of s; two different values contradict. */
static int
set_text(char **slot, const char *s, struct filter *f)
{
	if (*slot != NULL) {
		if (strcasecmp(*slot, s) != 0)
			f->contradictory = 1;
		return 0;
	}
	*slot = strdup(s);
	return *slot == NULL ? -1 : 0;
}

static const char *const served_words[] = {
	"ok", "expiring", "stale", "unknown", "untrusted-chain", "name-mismatch",
	"unreachable", "revoked", "none",
};
static const char *const revocation_words[] = { "good", "revoked", "unknown",
	"unchecked" };

/*
 * served:WORD and revocation:WORD; a unique prefix is enough. The field
 * keeps the table's word (static), so the store binds it as it is.
 */
static int
parse_served(const char *t, struct filter *f, struct err *e)
{
	int served = tolower((unsigned char)t[0]) == 's';
	const char *v = strchr(t, ':') + 1;
	const char *const *words = served ? served_words : revocation_words;
	size_t n = served ? sizeof(served_words) / sizeof(served_words[0]) :
	    sizeof(revocation_words) / sizeof(revocation_words[0]);
	const char **slot = served ? &f->served : &f->revocation;
	const char *found = NULL;
	size_t i, len = strlen(v);

	if (*v == '\0')
		return 0;
	for (i = 0; i < n; i++) {
		if (strcasecmp(v, words[i]) == 0) {
			found = words[i];
			break;
		}
		if (strncasecmp(v, words[i], len) == 0) {
			if (found != NULL) {
				err_set(e, ERR_INPUT, _("'%s' is ambiguous (%s or %s?)"),
				    t, found, words[i]);
				return -1;
			}
			found = words[i];
		}
	}
	if (found == NULL) {
		if (served)
			err_set(e, ERR_INPUT, _("unknown served:%s (ok, expiring, stale, "
			    "unknown, untrusted-chain, name-mismatch, unreachable, "
			    "revoked or none)"), v);
		else
			err_set(e, ERR_INPUT, _("unknown revocation:%s (good, revoked, "
			    "unknown or unchecked)"), v);
		return -1;
	}
	if (*slot != NULL && *slot != found)
		f->contradictory = 1;
	*slot = found;
	return 0;
}

static int
parse_term(const char *t, struct filter *f, struct err *e)
{
	enum filter_status st;
	long long span;
	char *end;
	const char *v;

	if (strncasecmp(t, "exp<", 4) == 0 || strncasecmp(t, "exp>", 4) == 0) {
		int less = t[3] == '<';

		v = t + 4;
		if (*v == '=')	/* whole seconds: <= and < are the same here */
			v++;
		if (*v == '\0')
			return 0;
		if (parse_span(v, &span) == -1) {
			err_set(e, ERR_INPUT, _("'%s': give a time like 30d, 12h or "
			    "2w"), t);
			return -1;
		}
		if (less) {
			if (!f->has_before || span < f->before)
				f->before = span;
			f->has_before = 1;
		} else {
			if (!f->has_after || span > f->after)
				f->after = span;
			f->has_after = 1;
		}
		return 0;
	}
	if (strncasecmp(t, "status:", 7) == 0) {
		if (t[7] == '\0')
			return 0;
		if (parse_status(t + 7, &st, e) == -1)
			return -1;
		if (f->status != FILTER_STATUS_ANY && f->status != st)
			f->contradictory = 1;
		f->status = st;
		return 0;
	}
	if (strncasecmp(t, "issuer:", 7) == 0)
		return t[7] == '\0' ? 0 : set_text(&f->issuer, t + 7, f);
	if (strncasecmp(t, "key:", 4) == 0)
		return t[4] == '\0' ? 0 : set_text(&f->key, t + 4, f);
	if (strncasecmp(t, "kind:", 5) == 0) {
		enum cert_kind k;
		unsigned bits;

		v = t + 5;
		if (*v == '\0')
			return 0;
		char low[32];
		size_t i;

		for (i = 0; v[i] != '\0' && i + 1 < sizeof(low); i++)
			low[i] = (char)tolower((unsigned char)v[i]);
		low[i] = '\0';
		if (strcmp(low, "all") == 0)
			bits = CERT_KINDS_ALL;
		else if (store_cert_kind_parse(low, &k) == 0)
			bits = 1u << k;
		else {
			err_set(e, ERR_INPUT, _("unknown kind '%s' (server, client, codesign, "
			    "email, ca or all)"), v);
			return -1;
		}
		if (f->kinds != 0 && f->kinds != bits)
			f->contradictory = 1;
		f->kinds = bits;
		return 0;
	}
	if (strncasecmp(t, "source:", 7) == 0) {
		enum cert_source src;
		char low[32];
		size_t i;

		v = t + 7;
		if (*v == '\0')
			return 0;
		for (i = 0; v[i] != '\0' && i + 1 < sizeof(low); i++)
			low[i] = (char)tolower((unsigned char)v[i]);
		low[i] = '\0';
		if (store_cert_source_parse(low, &src) != 0) {
			err_set(e, ERR_INPUT, _("unknown source '%s' (certdeck, certbot, acme.sh, "
			    "lego, scan, import, probe or scep)"), v);
			return -1;
		}
		return set_text(&f->source, store_cert_source_name(src), f);
	}
	if (strncasecmp(t, "path:", 5) == 0) {
		if (t[5] == '\0')
			return 0;
		/* Paths are case-sensitive: two different prefixes may both hold. */
		if (f->path != NULL) {
			if (strncmp(t + 5, f->path, strlen(f->path)) == 0) {
				free(f->path);
				f->path = NULL;
			} else if (strncmp(f->path, t + 5, strlen(t + 5)) == 0)
				return 0;
			else {
				f->contradictory = 1;
				return 0;
			}
		}
		f->path = strdup(t + 5);
		return f->path == NULL ? -1 : 0;
	}
	if (strncasecmp(t, "account:", 8) == 0) {
		long long id;

		v = t + 8;
		if (*v == '#')
			v++;
		if (*v == '\0')
			return 0;
		errno = 0;
		id = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || id <= 0) {
			err_set(e, ERR_INPUT, _("'%s': an account is a number, as "
			    "on the Accounts screen"), t);
			return -1;
		}
		if (f->account_id != 0 && f->account_id != id)
			f->contradictory = 1;
		f->account_id = id;
		return 0;
	}
	if (strncasecmp(t, "served:", 7) == 0 || strncasecmp(t, "revocation:", 11) == 0)
		return parse_served(t, f, e);
	if (f->n_names == FILTER_MAX_NAMES) {
		err_set(e, ERR_INPUT, _("at most %d name terms"), FILTER_MAX_NAMES);
		return -1;
	}
	if ((f->names[f->n_names] = strdup(t)) == NULL)
		return -1;
	f->n_names++;
	return 0;
}

int
filter_parse(const char *text, struct filter *f, struct err *e)
{
	char term[256];
	const char *p = text, *start;
	size_t len;

	memset(f, 0, sizeof(*f));
	err_clear(e);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		len = (size_t)(p - start);
		if (len >= sizeof(term)) {
			err_set(e, ERR_INPUT, "%s", _("a filter term is too "
			    "long"));
			goto fail;
		}
		memcpy(term, start, len);
		term[len] = '\0';
		if (parse_term(term, f, e) == -1) {
			if (e->kind == ERR_NONE)
				err_nomem(e);
			goto fail;
		}
	}
	return 0;
fail:
	filter_clear(f);
	return -1;
}

/* Lowers *hi to v when v is tighter (an exclusive upper bound). */
static void
tighten_before(struct cert_query *q, long long v)
{
	if (q->expiring_before == 0 || v < q->expiring_before)
		q->expiring_before = v;
}

static void
tighten_after(struct cert_query *q, long long v)
{
	if (q->expiring_after == 0 || v > q->expiring_after)
		q->expiring_after = v;
}

int
filter_to_query(const struct filter *f, long long now, struct cert_query *q)
{
	size_t i, best = 0;

	memset(q, 0, sizeof(*q));
	if (f->contradictory)
		return 1;
	for (i = 1; i < f->n_names; i++)
		if (strlen(f->names[i]) > strlen(f->names[best]))
			best = i;
	if (f->n_names > 0)
		q->name_like = f->names[best];
	q->issuer_like = f->issuer;
	q->key_type_prefix = f->key;
	q->account_id = f->account_id;
	q->kinds = f->kinds;
	q->source = f->source;
	q->path_prefix = f->path;
	q->served = f->served;
	q->revocation = f->revocation;
	if (f->has_before)
		tighten_before(q, now + f->before);
	if (f->has_after)
		tighten_after(q, now + f->after);
	/*
	 * The words users see are derived: a stored "valid" certificate shows
	 * as expired, expiring (under 30 days) or valid.
	 */
	switch (f->status) {
	case FILTER_STATUS_ANY:
		break;
	case FILTER_STATUS_VALID:
		q->status = "valid";
		tighten_after(q, now + 30 * 86400 - 1);
		break;
	case FILTER_STATUS_EXPIRING:
		q->status = "valid";
		tighten_after(q, now);
		tighten_before(q, now + 30 * 86400);
		break;
	case FILTER_STATUS_EXPIRED:
		q->status = "valid";
		tighten_before(q, now + 1);
		break;
	case FILTER_STATUS_REVOKED:
		q->status = "revoked";
		break;
	case FILTER_STATUS_REPLACED:
		q->status = "replaced";
		q->include_replaced = 1;
		break;
	case FILTER_STATUS_FAILED:
		q->status = "failed";
		break;
	default:
		break;
	}
	/* 0 means "no bound" to the store: keep real bounds off it. */
	if (q->expiring_before == 0 && (f->has_before ||
	    f->status == FILTER_STATUS_EXPIRING ||
	    f->status == FILTER_STATUS_EXPIRED))
		q->expiring_before = -1;
	if (q->expiring_after == 0 && (f->has_after ||
	    f->status == FILTER_STATUS_VALID ||
	    f->status == FILTER_STATUS_EXPIRING))
		q->expiring_after = 1;
	if (q->expiring_before != 0 && q->expiring_after != 0 &&
	    q->expiring_before <= q->expiring_after + 1)
		return 1;
	return 0;
}

/* strcasestr for ASCII, without _GNU_SOURCE assumptions. */
static int
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n == 0)
		return 1;
	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0'; i++)
			if (tolower((unsigned char)hay[i]) !=
			    tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return 1;
	}
	return 0;
}

int
filter_match_names(const struct filter *f, char *const *names, size_t n)
{
	size_t i, j, best = 0;
	int found;

	for (i = 1; i < f->n_names; i++)
		if (strlen(f->names[i]) > strlen(f->names[best]))
			best = i;
	for (i = 0; i < f->n_names; i++) {
		if (i == best)
			continue;
		for (found = 0, j = 0; j < n && !found; j++)
			found = contains(names[j], f->names[i]);
		if (!found)
			return 0;
	}
	return 1;
}
