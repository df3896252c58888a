/*
 * store_cert_list's sorts, directions and filters (the TUI's queries),
 * each checked against a brute-force answer: paging forward, paging
 * backward from the end, and restarting at a row.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_sql.h"
#include "store_acme.h"
#include "store_cert.h"
#include "store_key.h"
#include "tap.h"

#define N 48
#define DAY 86400LL
#define BASE 1800000000LL
#define MAXROWS 2048

struct ref {
	int64_t id;
	char name[64];
	char sans[2][64];
	size_t n_sans;
	const char *status;
	long long not_after;
	const char *issuer_cn;	/* NULL for none */
	const char *issuer;
	const char *key;
	int64_t account;
};

static struct ref refs[MAXROWS];
static int n_refs;

static int
icontains(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (hay == NULL)
		return 0;
	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0'; i++)
			if (tolower((unsigned char)hay[i]) !=
			    tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static int
matches(const struct ref *r, const struct cert_query *q)
{
	size_t i;
	int any;

	if (!q->include_replaced && strcmp(r->status, "replaced") == 0)
		return 0;
	if (q->expiring_before != 0 && !(r->not_after < q->expiring_before))
		return 0;
	if (q->expiring_after != 0 && !(r->not_after > q->expiring_after))
		return 0;
	if (q->status != NULL && strcmp(r->status, q->status) != 0)
		return 0;
	if (q->issuer_like != NULL && !icontains(r->issuer, q->issuer_like))
		return 0;
	if (q->account_id != 0 && r->account != q->account_id)
		return 0;
	if (q->key_type_prefix != NULL && strncasecmp(r->key,
	    q->key_type_prefix, strlen(q->key_type_prefix)) != 0)
		return 0;
	if (q->name_like != NULL) {
		for (any = 0, i = 0; i < r->n_sans; i++)
			any |= icontains(r->sans[i], q->name_like);
		if (!any)
			return 0;
	}
	if (q->sort == CERT_SORT_NAME && r->n_sans == 0)
		return 0;
	return 1;
}

static enum cert_sort cur_sort;
static int cur_desc;

static int
cmp_ll(long long a, long long b)
{
	return a < b ? -1 : a > b;
}

static int
ref_cmp(const void *pa, const void *pb)
{
	const struct ref *a = pa, *b = pb;
	int c = 0;

	switch (cur_sort) {
	case CERT_SORT_NAME:
		/* cert_names ids grow with certificate ids here. */
		c = strcmp(a->name, b->name);
		break;
	case CERT_SORT_STATUS:
		c = strcmp(a->status, b->status);
		break;
	case CERT_SORT_ISSUER:
		c = strcmp(a->issuer_cn ? a->issuer_cn : "",
		    b->issuer_cn ? b->issuer_cn : "");
		break;
	default:
		break;
	}
	if (c == 0 && cur_sort != CERT_SORT_NAME)
		c = cmp_ll(a->not_after, b->not_after);
	if (c == 0)
		c = cmp_ll(a->id, b->id);
	return cur_desc ? -c : c;
}

/* The expected order of q, in want (returns the count). */
static int
expected(const struct cert_query *q, struct ref *want)
{
	int i, n = 0;

	for (i = 0; i < n_refs; i++)
		if (matches(&refs[i], q))
			want[n++] = refs[i];
	cur_sort = q->sort;
	cur_desc = q->descending;
	qsort(want, (size_t)n, sizeof(*want), ref_cmp);
	return n;
}

struct got {
	int64_t ids[MAXROWS];
	long long not_after[MAXROWS];
	char text[MAXROWS][64];
	int n;
};

static int
got_cb(const struct cert_row *row, void *arg)
{
	struct got *g = arg;

	if (g->n >= MAXROWS)
		return 1;
	g->ids[g->n] = row->id;
	g->not_after[g->n] = row->not_after;
	snprintf(g->text[g->n], sizeof(g->text[0]), "%s", row->name);
	g->n++;
	return 0;
}

static struct store *st;

/* The cursor text of the id (from refs). */
static const char *
text_of(enum cert_sort sort, int64_t id)
{
	int i;

	for (i = 0; i < n_refs; i++) {
		if (refs[i].id != id)
			continue;
		switch (sort) {
		case CERT_SORT_NAME:
			return refs[i].name;
		case CERT_SORT_STATUS:
			return refs[i].status;
		case CERT_SORT_ISSUER:
			return refs[i].issuer_cn ? refs[i].issuer_cn : "";
		default:
			return NULL;
		}
	}
	return NULL;
}

/* Pages through q in pages of `page`, forward or backward; fills all. */
static int
walk(struct cert_query q, int backward, int page, struct got *all)
{
	static struct got g;
	struct err e;
	int i, guard = 0;

	memset(all, 0, sizeof(*all));
	q.backward = backward;
	q.limit = page;
	q.after_id = 0;
	q.after_not_after = 0;
	q.after_text = NULL;
	for (;;) {
		memset(&g, 0, sizeof(g));
		err_clear(&e);
		if (store_cert_list(st, &q, got_cb, &g, &e) != 0) {
			diag("list: %s", e.msg);
			return -1;
		}
		if (g.n > page)
			return -1;
		for (i = 0; i < g.n && all->n < MAXROWS; i++) {
			all->ids[all->n] = g.ids[i];
			all->not_after[all->n] = g.not_after[i];
			all->n++;
		}
		if (g.n < page || ++guard > MAXROWS)
			break;
		q.after_id = g.ids[g.n - 1];
		q.after_not_after = g.not_after[g.n - 1];
		q.after_text = text_of(q.sort, q.after_id);
	}
	return 0;
}

static void
check(const char *what, struct cert_query q)
{
	static struct ref want[MAXROWS];
	static struct got fwd, back, from;
	struct err e;
	char name[320];
	long count = -1;
	int n, i, same;

	n = expected(&q, want);
	same = walk(q, 0, 3, &fwd) == 0 && fwd.n == n;
	for (i = 0; same && i < n; i++)
		same = fwd.ids[i] == want[i].id;
	snprintf(name, sizeof(name), "%s: forward pages (%d rows)", what, n);
	ok(same, name);

	same = walk(q, 1, 4, &back) == 0 && back.n == n;
	for (i = 0; same && i < n; i++)
		same = back.ids[i] == want[n - 1 - i].id;
	snprintf(name, sizeof(name), "%s: backward pages from the end", what);
	ok(same, name);

	if (n >= 3) {
		/* Restart at the second row, inclusive, then before it. */
		q.after_id = want[1].id;
		q.after_not_after = want[1].not_after;
		q.after_text = text_of(q.sort, want[1].id);
		q.include_cursor = 1;
		q.limit = 2;
		memset(&from, 0, sizeof(from));
		err_clear(&e);
		same = store_cert_list(st, &q, got_cb, &from, &e) == 0 &&
		    from.n == 2 && from.ids[0] == want[1].id &&
		    from.ids[1] == want[2].id;
		q.include_cursor = 0;
		q.backward = 1;
		memset(&from, 0, sizeof(from));
		same = same && store_cert_list(st, &q, got_cb, &from, &e) == 0 &&
		    from.n == 1 && from.ids[0] == want[0].id;
		snprintf(name, sizeof(name), "%s: from a row inclusive, and "
		    "before it", what);
		ok(same, name);
	}
	q.backward = 0;
	q.after_id = 0;
	/* Counting ignores the order, so no-SAN rows count under NAME too. */
	q.sort = CERT_SORT_EXPIRY;
	n = expected(&q, want);
	err_clear(&e);
	snprintf(name, sizeof(name), "%s: count", what);
	ok(store_cert_count(st, &q, 100000, &count, &e) == 0 && count == n,
	    name);
}

static int64_t accounts[3];

static int
setup_accounts(void)
{
	struct account_row a;
	struct err e;
	int64_t ca, key;
	int i;

	err_clear(&e);
	if (store_ca_ensure(st, "https://ca.test/dir", "test", NULL, &ca, &e)
	    == -1)
		return -1;
	for (i = 1; i <= 2; i++) {
		if (store_key_insert(st, "ec256", "placeholder", &key, &e) == -1)
			return -1;
		memset(&a, 0, sizeof(a));
		a.ca_id = ca;
		a.key_id = key;
		a.status = (char *)"valid";
		if (store_account_insert(st, &a, &e) == -1)
			return -1;
		accounts[i] = a.id;
	}
	return 0;
}

static int
insert(struct ref *r, int i)
{
	static const char *const keys[] = { "ec256", "rsa2048", "rsa4096",
	    "ec384" };
	struct cert_row row;
	char fp[80], *sans[2];
	struct err e;
	size_t k;

	memset(&row, 0, sizeof(row));
	snprintf(fp, sizeof(fp), "%064x", (unsigned)i + 1);
	for (k = 0; k < r->n_sans; k++)
		sans[k] = r->sans[k];
	row.name = r->name;
	row.sans = sans;
	row.n_sans = r->n_sans;
	row.issuer = (char *)r->issuer;
	row.issuer_cn = (char *)r->issuer_cn;
	row.not_before = r->not_after - 90 * DAY;
	row.not_after = r->not_after;
	row.key_type = (char *)(r->key = keys[i % 4]);
	row.fingerprint = fp;
	row.pem_chain = (char *)"placeholder";
	store_cert_status_parse(r->status, &row.status);
	row.account_id = r->account;
	err_clear(&e);
	if (store_cert_insert(st, &row, &r->id, &e) == -1) {
		diag("insert: %s", e.msg);
		return -1;
	}
	return 0;
}

static void
fill(void)
{
	int i;

	for (i = 0; i < N; i++) {
		struct ref *r = &refs[n_refs];

		memset(r, 0, sizeof(*r));
		if (i % 10 == 9) {
			snprintf(r->name, sizeof(r->name), "cn-only-%02d", i);
		} else {
			snprintf(r->sans[0], sizeof(r->sans[0]), "h%02d.%s.test",
			    (i * 17) % N, i % 2 ? "alpha" : "beta");
			snprintf(r->sans[1], sizeof(r->sans[1]), "www.h%02d.test",
			    i);
			r->n_sans = i % 3 == 0 ? 2 : 1;
			memcpy(r->name, r->sans[0], sizeof(r->name));
		}
		r->not_after = BASE + (long long)((i * 7) % 13) * DAY;
		r->status = i % 11 == 3 ? "revoked" : i % 13 == 5 ? "failed" :
		    i % 9 == 4 ? "replaced" : "valid";
		r->issuer_cn = i % 3 == 0 ? "Alpha CA" : i % 3 == 1 ? "Beta CA" :
		    NULL;
		r->issuer = i % 3 == 0 ? "CN=Alpha CA, O=A" : i % 3 == 1 ?
		    "CN=Beta CA, O=B" : NULL;
		r->account = i % 5 == 0 ? 0 : accounts[1 + i % 2];
		if (insert(r, i) == -1)
			return;
		n_refs++;
	}
}

static void
check_all(const char *stage)
{
	static const char *const sorts[] = { "expiry", "name", "status",
	    "issuer" };
	struct cert_query q;
	char what[128];
	int s, d, f;

	for (s = 0; s < CERT_SORT_COUNT; s++)
		for (d = 0; d < 2; d++)
			for (f = 0; f < 9; f++) {
				memset(&q, 0, sizeof(q));
				q.sort = (enum cert_sort)s;
				q.descending = d;
				switch (f) {
				case 1:
					q.include_replaced = 1;
					break;
				case 2:
					q.status = "revoked";
					break;
				case 3:
					q.issuer_like = "beta";
					break;
				case 4:
					q.account_id = accounts[1];
					break;
				case 5:
					q.key_type_prefix = "RSA";
					break;
				case 6:
					q.expiring_after = BASE + 3 * DAY;
					q.expiring_before = BASE + 9 * DAY;
					break;
				case 7:
					q.name_like = "alpha";
					break;
				case 8:
					q.name_like = "h0";
					q.key_type_prefix = "ec";
					q.include_replaced = 1;
					break;
				}
				snprintf(what, sizeof(what), "%s: %s%s, filter %d",
				    stage, sorts[s], d ? " desc" : "", f);
				check(what, q);
			}
}

/* Does the plan of the last list statement containing marker use index? */
static int
plan_uses(const char *marker, const char *index)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL, *eqp = NULL;
	char text[2048];
	int found = 0;

	while ((s = sqlite3_next_stmt(db, s)) != NULL) {
		const char *sql = sqlite3_sql(s);

		if (strstr(sql, "certificates c") == NULL ||
		    strstr(sql, marker) == NULL || strstr(sql, "count(*)"))
			continue;
		snprintf(text, sizeof(text), "EXPLAIN QUERY PLAN %s", sql);
		if (sqlite3_prepare_v2(db, text, -1, &eqp, NULL) != SQLITE_OK)
			return 0;
		diag("sql: %s", sql);
		while (sqlite3_step(eqp) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(eqp, 3);

			if (d != NULL && strstr(d, index) != NULL)
				found = 1;
			if (d != NULL)
				diag("plan: %s", d);
			if (d != NULL && strstr(d, "TEMP B-TREE") != NULL)
				found = 0;
		}
		sqlite3_finalize(eqp);
		return found;
	}
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/certdeck-query.XXXXXX", path[128];
	struct cert_query q;
	struct got g;
	struct err e;
	long count;
	int i;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	err_clear(&e);
	ok(store_open(path, STORE_CREATE, &st, &e) == 0, "open");
	ok(setup_accounts() == 0, "two accounts");
	fill();
	is_int(n_refs, N, "inserted the certificates");
	check_all("small");

	/* Sorted by name, certificates without SANs are not listed. */
	memset(&q, 0, sizeof(q));
	q.sort = CERT_SORT_NAME;
	q.include_replaced = 1;
	memset(&g, 0, sizeof(g));
	store_cert_list(st, &q, got_cb, &g, &e);
	for (i = 0, count = 0; i < g.n; i++)
		count += strncmp(g.text[i], "cn-only", 7) == 0;
	ok(g.n > 0 && count == 0, "name order leaves out certificates "
	    "without SANs");
	ok(plan_uses("WHERE n0.position = 0 AND c.kind <> 'ca' ORDER BY n0.name", "cert_names_name"),
	    "name order walks the cert_names index");

	/* A store full of replaced certificates: the statuses are merged. */
	ok(store_begin(st, &e) == 0, "begin bulk");
	for (i = 0; i < 1100; i++) {
		struct ref *r = &refs[n_refs];

		memset(r, 0, sizeof(*r));
		snprintf(r->sans[0], sizeof(r->sans[0]), "old%04d.alpha.test",
		    i);
		memcpy(r->name, r->sans[0], sizeof(r->name));
		r->n_sans = 1;
		r->not_after = BASE - (long long)(i % 50) * DAY;
		r->status = "replaced";
		r->issuer_cn = "Alpha CA";
		r->issuer = "CN=Alpha CA, O=A";
		r->account = accounts[1];
		if (insert(r, N + i) == -1)
			break;
		n_refs++;
	}
	ok(store_commit(st, &e) == 0 && n_refs == N + 1100,
	    "1100 replaced certificates");
	check_all("merged");
	memset(&q, 0, sizeof(q));
	memset(&g, 0, sizeof(g));
	q.limit = 5;
	store_cert_list(st, &q, got_cb, &g, &e);
	ok(plan_uses("WHERE 1 AND c.replaced_by IS NULL AND c.status <> "
	    "'replaced' AND c.status = ?12 AND c.kind <> 'ca' ORDER BY c.not_after",
	    "certificates_status"),
	    "with many replaced rows each status walks its index range");
	q.include_replaced = 1;
	memset(&g, 0, sizeof(g));
	store_cert_list(st, &q, got_cb, &g, &e);
	ok(plan_uses("WHERE 1 AND c.kind <> 'ca' ORDER BY c.not_after, c.id",
	    "certificates_not_after"),
	    "including replaced ones walks (not_after, id)");

	memset(&q, 0, sizeof(q));
	count = -1;
	ok(store_cert_count(st, &q, 10, &count, &e) == 0 && count == 10,
	    "count stops at max");
	q.name_like = "no-such-name";
	ok(store_cert_count(st, &q, 10, &count, &e) == 0 && count == 0,
	    "count of nothing");
	memset(&q, 0, sizeof(q));
	q.account_id = 999;
	memset(&g, 0, sizeof(g));
	ok(store_cert_list(st, &q, got_cb, &g, &e) == 0 && g.n == 0,
	    "an account without certificates lists nothing");

	store_close(st);
	{
		char f[160];
		const char *names[] = { "store.db", "store.db-wal",
		    "store.db-shm" };
		size_t k;

		for (k = 0; k < 3; k++) {
			snprintf(f, sizeof(f), "%s/%s", dir, names[k]);
			unlink(f);
		}
		rmdir(dir);
	}
	return done_testing();
}
