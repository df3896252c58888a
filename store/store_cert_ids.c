#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_cert_ids.h"
#include "store_sql.h"

struct idv {
	int64_t *v;
	size_t n, cap;
};

static int
idv_push(struct idv *a, int64_t id)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		int64_t *g = realloc(a->v, cap * sizeof(*g));

		if (g == NULL)
			return -1;
		a->v = g;
		a->cap = cap;
	}
	a->v[a->n++] = id;
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* 1 when id's decimal form starts with that of p, which is below lim (10^its digits). */
static int
has_prefix(int64_t id, int64_t p, int64_t lim)
{
	while (id >= lim)
		id /= 10;
	return id == p;
}

int
store_cert_ids(struct store *st, const char *prefix, long names_max,
    int (*cb)(int64_t id, const char *name, void *arg), void *arg, struct err *e)
{
	struct idv a = { 0 };
	sqlite3_stmt *s, *ns = NULL;
	size_t i, len = prefix != NULL ? strlen(prefix) : 0;
	int64_t p = 0, lim = 1;
	int ret = 0, rc;

	if (len > 0 && (len > 18 || strspn(prefix, "0123456789") != len || prefix[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		p = p * 10 + (prefix[i] - '0');
		lim *= 10;
	}
	/*
	 * One walk of the covering index certificates_status (status,
	 * not_after, id): no table row is read, however large the PEMs.
	 */
	s = store_stmt(st, "SELECT id FROM certificates INDEXED BY certificates_status "
	    "WHERE status != 'replaced'", e);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		if ((len == 0 || has_prefix(id, p, lim)) && idv_push(&a, id) != 0) {
			sqlite3_reset(s);
			free(a.v);
			return err_nomem(e);
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(a.v);
		return store_error(st, e, _("listing certificate IDs"));
	}
	/* The index walks (status, not_after): ID order is made here. */
	qsort(a.v, a.n, sizeof(a.v[0]), cmp_id);
	if (names_max > 0 && a.n <= (size_t)names_max)
		ns = store_stmt(st, "SELECT name FROM certificates WHERE id = ?1", e);
	for (i = 0; i < a.n && ret == 0; i++) {
		const char *name = NULL;

		if (ns != NULL) {
			sqlite3_bind_int64(ns, 1, a.v[i]);
			if (sqlite3_step(ns) == SQLITE_ROW)
				name = (const char *)sqlite3_column_text(ns, 0);
		}
		ret = cb(a.v[i], name, arg);
		if (ns != NULL)
			sqlite3_reset(ns);
	}
	free(a.v);
	return ret;
}
