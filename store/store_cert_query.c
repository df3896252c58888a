/*
 * The certificate list's query planner: a cert_query (filters, sort,
 * keyset cursor) turned into one cached SQL statement per shape, with
 * probes that choose between index-driven and scanning plans.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_sql.h"
#include "store_cert.h"
#include "store_cert_priv.h"
#include "store_location.h"

/* Appends s to buf (of size cap) at *len; the caller sized buf for all. */
static void
append(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= cap)
		n = cap - *len - 1;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/* Number of characters (not bytes) in a UTF-8 string. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * The name filter as an FTS5 query: one phrase, so that the trigram index
 * matches it as a literal substring (case-insensitively, like LIKE).
 * Inside a phrase only '"' is special, and it is written twice.
 */
static char *
fts_phrase(const char *s)
{
	size_t n = 3, i;
	const char *p;
	char *q;

	for (p = s; *p != '\0'; p++)
		n += *p == '"' ? 2 : 1;
	if ((q = malloc(n)) == NULL)
		return NULL;
	i = 0;
	q[i++] = '"';
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			q[i++] = '"';
		q[i++] = *p;
	}
	q[i++] = '"';
	q[i] = '\0';
	return q;
}

/* "%s%" with LIKE's metacharacters (and the escape itself) escaped by '\'. */
static char *
like_pattern(const char *s)
{
	size_t n = 3, i;
	const char *p;
	char *q;

	for (p = s; *p != '\0'; p++)
		n += (*p == '%' || *p == '_' || *p == '\\') ? 2 : 1;
	if ((q = malloc(n)) == NULL)
		return NULL;
	i = 0;
	q[i++] = '%';
	for (p = s; *p != '\0'; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			q[i++] = '\\';
		q[i++] = *p;
	}
	q[i++] = '%';
	q[i] = '\0';
	return q;
}

/*
 * How a name filter runs. Driven: collect the matching names first (through
 * the trigram index, or a scan of cert_names for patterns too short for
 * it), then sort those certificates; cheap when few names match. Scan: walk
 * certificates in (not_after, id) order and test each one's names; cheap
 * when many match, because a page fills up early. At 10^6 certificates
 * each plan is seconds slower than the other in the other's case.
 */
enum name_filter { NAME_ANY, NAME_FTS_DRIVEN, NAME_LIKE_DRIVEN, NAME_SCAN };

/*
 * Up to this many matching names, the driven plan wins. The probe that
 * counts them is paid on every query (the TUI runs one per keystroke):
 * counting to 5000 through the trigram index took ~55 ms at 10^6
 * certificates, to 1000 ~11 ms, and between the two the scan plan fills
 * a page in tens of milliseconds.
 */
#define NAME_DRIVEN_MAX 1000

/*
 * Counts matching names, stopping at NAME_DRIVEN_MAX. Returns the count
 * or -1.
 */
static int
name_probe(struct store *st, int fts, const char *pattern, struct err *e)
{
	sqlite3_stmt *stmt;
	int n = -1;

	if (fts)
		stmt = store_stmt(st, "SELECT count(*) FROM (SELECT 1 FROM "
		    "cert_names_fts WHERE cert_names_fts MATCH ?1 LIMIT ?2)", e);
	else
		stmt = store_stmt(st, "SELECT count(*) FROM (SELECT 1 FROM "
		    "cert_names WHERE name LIKE ?1 ESCAPE '\\' LIMIT ?2)", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, pattern, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, NAME_DRIVEN_MAX);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	else
		store_error(st, e, _("cannot search certificate names"));
	sqlite3_reset(stmt);
	return n;
}

/*
 * How the account filter runs: through its index and a sort when the
 * account has few certificates, else along the order's own index.
 */
#define ACCOUNT_DRIVEN_MAX 5000

/*
 * With this many replaced certificates or more, walking (not_after, id)
 * and skipping them costs more than one index range per status merged.
 * Renewals leave one replaced certificate behind each, mostly expiring
 * before the current ones, so a large store is mostly replaced rows.
 */
#define REPLACED_MERGE_MIN 1000

/* The statuses merged when replaced certificates are hidden. */
static const char *const merge_statuses[] = { "failed", "revoked", "valid" };
#define N_MERGE ((int)(sizeof(merge_statuses) / sizeof(merge_statuses[0])))

/* How one store_cert_list or store_cert_count call runs. */
struct list_plan {
	enum name_filter nf;
	const char *pattern;	/* the name filter's bound text */
	char *like, *phrase, *issuer, *key;
	char *path_end;		/* the end of the path prefix's range, "" for none */
	int account_driven;	/* 1: the account index drives */
	int merge;		/* 1: one statement per merge_statuses entry */
	int rev;		/* walking the index backwards */
	int has_cursor;
};

static void
plan_free(struct list_plan *p)
{
	free(p->like);
	free(p->phrase);
	free(p->issuer);
	free(p->key);
	free(p->path_end);
}

/* Runs a one-integer query with up to two bound values. Returns it or -1. */
static long long
probe_int(struct store *st, const char *sql, const char *text, int64_t v,
    int max, struct err *e)
{
	sqlite3_stmt *stmt;
	long long n = -1;

	if ((stmt = store_stmt(st, sql, e)) == NULL)
		return -1;
	if (text != NULL)
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 1, v);
	sqlite3_bind_int(stmt, 2, max);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	else
		store_error(st, e, _("cannot list certificates"));
	sqlite3_reset(stmt);
	return n;
}

/*
 * Decides how q runs. Returns 0, 1 when nothing can match (no query
 * needed), or -1.
 */
static int
plan_make(struct store *st, const struct cert_query *q, int ordered,
    struct list_plan *p, struct err *e)
{
	long long n;

	memset(p, 0, sizeof(*p));
	p->rev = (q->descending != 0) != (q->backward != 0);
	p->has_cursor = q->after_id != 0 ||
	    (q->sort == CERT_SORT_EXPIRY && q->after_not_after != 0);
	if ((q->issuer_like != NULL && q->issuer_like[0] != '\0' &&
	    (p->issuer = like_pattern(q->issuer_like)) == NULL) ||
	    (q->key_type_prefix != NULL && q->key_type_prefix[0] != '\0' &&
	    (p->key = like_pattern(q->key_type_prefix)) == NULL))
		return err_nomem(e);
	if (q->path_prefix != NULL && q->path_prefix[0] != '\0' &&
	    (p->path_end = store_location_prefix_end(q->path_prefix)) == NULL)
		return err_nomem(e);
	if (p->key != NULL)
		/* A prefix: drop the leading '%'. */
		memmove(p->key, p->key + 1, strlen(p->key));

	if (q->name_like != NULL && q->name_like[0] != '\0') {
		if ((p->like = like_pattern(q->name_like)) == NULL)
			return err_nomem(e);
		/*
		 * The trigram tokenizer cannot look up fewer than 3 characters.
		 * A phrase query, unlike LIKE on the FTS table (which cannot
		 * take an ESCAPE), matches '%' and '_' literally.
		 */
		if (utf8_chars(q->name_like) >= 3) {
			if ((p->phrase = fts_phrase(q->name_like)) == NULL)
				return err_nomem(e);
			n = name_probe(st, 1, p->phrase, e);
			p->nf = NAME_FTS_DRIVEN;
			p->pattern = p->phrase;
		} else {
			n = name_probe(st, 0, p->like, e);
			p->nf = NAME_LIKE_DRIVEN;
			p->pattern = p->like;
		}
		if (n == -1)
			return -1;
		if (n == 0)
			return 1;
		if (n >= NAME_DRIVEN_MAX) {
			p->nf = NAME_SCAN;
			p->pattern = p->like;
		}
	}
	if (q->account_id != 0) {
		n = probe_int(st, "SELECT count(*) FROM (SELECT 1 FROM "
		    "certificates WHERE account_id = ?1 LIMIT ?2)", NULL,
		    q->account_id, ACCOUNT_DRIVEN_MAX, e);
		if (n == -1)
			return -1;
		if (n == 0)
			return 1;
		p->account_driven = n < ACCOUNT_DRIVEN_MAX;
	}
	if (ordered && !q->include_replaced && q->status == NULL &&
	    (q->sort == CERT_SORT_EXPIRY || q->sort == CERT_SORT_STATUS) &&
	    (p->nf == NAME_ANY || p->nf == NAME_SCAN) && !p->account_driven) {
		n = probe_int(st, "SELECT count(*) FROM (SELECT 1 FROM "
		    "certificates WHERE status = ?1 LIMIT ?2)", "replaced", 0,
		    REPLACED_MERGE_MIN, e);
		if (n == -1)
			return -1;
		p->merge = n >= REPLACED_MERGE_MIN;
	}
	return 0;
}

/* The sort key's columns, comma-separated, for ORDER BY and the cursor. */
static const char *const sort_keys[CERT_SORT_COUNT][3] = {
	[CERT_SORT_EXPIRY] = { "c.not_after", "c.id", NULL },
	[CERT_SORT_NAME] = { "n0.name", "n0.id", NULL },
	[CERT_SORT_STATUS] = { "c.status", "c.not_after", "c.id" },
	[CERT_SORT_ISSUER] = { "coalesce(c.issuer_cn, '')", "c.not_after",
	    "c.id" },
};

/* The cursor's values in sort_keys order. */
static const char *const sort_cursor[CERT_SORT_COUNT] = {
	[CERT_SORT_EXPIRY] = "(?1, ?2)",
	/* Parenthesised: one string over two lines, not a missing comma. */
	[CERT_SORT_NAME] = ("(?11, (SELECT id FROM cert_names WHERE cert_id = ?2"
	    " AND position = 0))"),
	[CERT_SORT_STATUS] = "(?11, ?1, ?2)",
	[CERT_SORT_ISSUER] = "(?11, ?1, ?2)",
};

/* The kind condition: none for all kinds, "not a CA" by default. */
static void
append_kinds(char *sql, size_t cap, size_t *len, unsigned kinds)
{
	int k, first = 1;

	kinds &= CERT_KINDS_ALL;
	if (kinds == CERT_KINDS_ALL)
		return;
	if (kinds == 0) {
		append(sql, cap, len, " AND c.kind <> 'ca'");
		return;
	}
	/*
	 * Written out as the partial index certificates_kind states it, so
	 * that SQLite may use it for the rarer kinds.
	 */
	if (!(kinds & (1u << CERT_KIND_SERVER)))
		append(sql, cap, len, " AND c.kind <> 'server'");
	append(sql, cap, len, " AND c.kind IN (");
	for (k = 0; k < CERT_KIND_COUNT; k++) {
		if (!(kinds & (1u << k)))
			continue;
		append(sql, cap, len, first ? "'" : ", '");
		append(sql, cap, len, store_cert_kind_name((enum cert_kind)k));
		append(sql, cap, len, "'");
		first = 0;
	}
	append(sql, cap, len, ")");
}

/*
 * Writes the statement for q. Parameters: ?1 ?2 cursor (not_after, id),
 * ?3 expiring_before, ?4 name pattern, ?5 limit, ?6 expiring_after,
 * ?7 status, ?8 issuer, ?9 account, ?10 key prefix, ?11 cursor text,
 * ?12 the merged status, ?13 source, ?14 ?15 the path range, ?16 served,
 * ?17 revocation. The text depends only on which filters are present (and
 * which kinds: their names are constants written into it, so that a
 * partial index on kind can serve them), so each variant is prepared once
 * and cached.
 */
static void
build_sql(const struct cert_query *q, const struct list_plan *p, int count,
    char *sql, size_t cap)
{
	enum cert_sort sort = (unsigned)q->sort < CERT_SORT_COUNT ? q->sort :
	    CERT_SORT_EXPIRY;
	int name_join = !count && sort == CERT_SORT_NAME;
	size_t len = 0;
	int i;

	sql[0] = '\0';
	append(sql, cap, &len, count ? "SELECT count(*) FROM (SELECT 1" :
	    "SELECT " CERT_COLUMNS);
	if (name_join && (p->nf == NAME_ANY || p->nf == NAME_SCAN) &&
	    !p->account_driven)
		/* Walk the names in order; CROSS JOIN fixes the loop order. */
		append(sql, cap, &len, " FROM cert_names n0 CROSS JOIN "
		    "certificates c ON c.id = n0.cert_id WHERE n0.position = 0");
	else if (name_join)
		append(sql, cap, &len, " FROM certificates c JOIN cert_names n0"
		    " ON n0.cert_id = c.id AND n0.position = 0 WHERE 1");
	else
		append(sql, cap, &len, " FROM certificates c WHERE 1");
	if (!count && p->has_cursor) {
		append(sql, cap, &len, " AND (");
		for (i = 0; i < 3 && sort_keys[sort][i] != NULL; i++) {
			if (i > 0)
				append(sql, cap, &len, ", ");
			append(sql, cap, &len, sort_keys[sort][i]);
		}
		append(sql, cap, &len, p->rev ? (q->include_cursor ? ") <= " :
		    ") < ") : (q->include_cursor ? ") >= " : ") > "));
		append(sql, cap, &len, sort_cursor[sort]);
	}
	if (q->expiring_before != 0)
		append(sql, cap, &len, " AND c.not_after < ?3");
	if (q->expiring_after != 0)
		append(sql, cap, &len, " AND c.not_after > ?6");
	if (!q->include_replaced)
		append(sql, cap, &len, " AND c.replaced_by IS NULL"
		    " AND c.status <> 'replaced'");
	if (q->status != NULL)
		append(sql, cap, &len, " AND c.status = ?7");
	if (p->merge)
		append(sql, cap, &len, " AND c.status = ?12");
	if (p->issuer != NULL)
		append(sql, cap, &len, " AND c.issuer LIKE ?8 ESCAPE '\\'");
	if (q->account_id != 0)
		/* A unary + keeps the planner off the account index. */
		append(sql, cap, &len, p->account_driven ?
		    " AND c.account_id = ?9" : " AND +c.account_id = ?9");
	if (p->key != NULL)
		append(sql, cap, &len, " AND c.key_type LIKE ?10 ESCAPE '\\'");
	append_kinds(sql, cap, &len, q->kinds);
	if (q->source != NULL)
		append(sql, cap, &len, " AND c.source = ?13");
	if (p->path_end != NULL)
		append(sql, cap, &len, p->path_end[0] != '\0' ?
		    " AND c.id IN (SELECT l.cert_id FROM cert_locations l"
		    " WHERE l.path >= ?14 AND l.path < ?15)" :
		    " AND c.id IN (SELECT l.cert_id FROM cert_locations l"
		    " WHERE l.path >= ?14)");
	/* Per row through an index (endpoints_cert, the status's key). */
	if (q->served != NULL && strcmp(q->served, "none") == 0)
		append(sql, cap, &len, " AND NOT EXISTS (SELECT 1 FROM endpoints e"
		    " WHERE e.cert_id = c.id)");
	else if (q->served != NULL)
		append(sql, cap, &len, " AND EXISTS (SELECT 1 FROM endpoints e"
		    " WHERE e.cert_id = c.id AND e.state = ?16)");
	if (q->revocation != NULL && strcmp(q->revocation, "unchecked") == 0)
		append(sql, cap, &len, " AND NOT EXISTS (SELECT 1 FROM"
		    " revocation_status r WHERE r.cert_id = c.id)");
	else if (q->revocation != NULL)
		append(sql, cap, &len, " AND EXISTS (SELECT 1 FROM revocation_status r"
		    " WHERE r.cert_id = c.id AND r.state = ?17)");
	if (p->nf == NAME_FTS_DRIVEN)
		append(sql, cap, &len, " AND c.id IN (SELECT n.cert_id"
		    " FROM cert_names_fts f JOIN cert_names n ON n.id = f.rowid"
		    " WHERE cert_names_fts MATCH ?4)");
	else if (p->nf == NAME_LIKE_DRIVEN)
		append(sql, cap, &len, " AND c.id IN (SELECT n.cert_id"
		    " FROM cert_names n WHERE n.name LIKE ?4 ESCAPE '\\')");
	else if (p->nf == NAME_SCAN)
		append(sql, cap, &len, " AND EXISTS (SELECT 1 FROM"
		    " cert_names n WHERE n.cert_id = c.id"
		    " AND n.name LIKE ?4 ESCAPE '\\')");
	if (count) {
		append(sql, cap, &len, " LIMIT ?5)");
		return;
	}
	append(sql, cap, &len, " ORDER BY ");
	for (i = 0; i < 3 && sort_keys[sort][i] != NULL; i++) {
		if (i > 0)
			append(sql, cap, &len, ", ");
		append(sql, cap, &len, sort_keys[sort][i]);
		if (p->rev)
			append(sql, cap, &len, " DESC");
	}
	append(sql, cap, &len, " LIMIT ?5");
}

/* Binds q's values to a statement from build_sql. */
static void
bind_query(sqlite3_stmt *stmt, const struct cert_query *q,
    const struct list_plan *p, const char *merged, long long limit)
{
	if (p->has_cursor) {
		sqlite3_bind_int64(stmt, 1, q->after_not_after);
		sqlite3_bind_int64(stmt, 2, q->after_id);
		if (q->sort != CERT_SORT_EXPIRY)
			store_bind_text(stmt, 11, q->after_text != NULL ?
			    q->after_text : "");
	}
	if (q->expiring_before != 0)
		sqlite3_bind_int64(stmt, 3, q->expiring_before);
	if (p->pattern != NULL)
		sqlite3_bind_text(stmt, 4, p->pattern, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, limit);
	if (q->expiring_after != 0)
		sqlite3_bind_int64(stmt, 6, q->expiring_after);
	if (q->status != NULL)
		store_bind_text(stmt, 7, q->status);
	if (p->issuer != NULL)
		store_bind_text(stmt, 8, p->issuer);
	if (q->account_id != 0)
		sqlite3_bind_int64(stmt, 9, q->account_id);
	if (p->key != NULL)
		store_bind_text(stmt, 10, p->key);
	if (merged != NULL)
		store_bind_text(stmt, 12, merged);
	if (q->source != NULL)
		store_bind_text(stmt, 13, q->source);
	if (p->path_end != NULL) {
		store_bind_text(stmt, 14, q->path_prefix);
		if (p->path_end[0] != '\0')
			store_bind_text(stmt, 15, p->path_end);
	}
	if (q->served != NULL && strcmp(q->served, "none") != 0)
		store_bind_text(stmt, 16, q->served);
	if (q->revocation != NULL && strcmp(q->revocation, "unchecked") != 0)
		store_bind_text(stmt, 17, q->revocation);
}

/*
 * Compares the current rows of two merged statements in walking order:
 * (status,) not_after, id. Negative when a comes first.
 */
static int
merge_cmp(sqlite3_stmt *a, sqlite3_stmt *b, enum cert_sort sort, int rev)
{
	long long x, y;
	int c = 0;

	if (sort == CERT_SORT_STATUS) {
		const char *sa = (const char *)sqlite3_column_text(a, 16);
		const char *sb = (const char *)sqlite3_column_text(b, 16);

		c = strcmp(sa != NULL ? sa : "", sb != NULL ? sb : "");
	}
	if (c == 0) {
		x = sqlite3_column_int64(a, 11);
		y = sqlite3_column_int64(b, 11);
		c = x < y ? -1 : x > y;
	}
	if (c == 0) {
		x = sqlite3_column_int64(a, 0);
		y = sqlite3_column_int64(b, 0);
		c = x < y ? -1 : x > y;
	}
	return rev ? -c : c;
}

int
store_cert_list(struct store *st, const struct cert_query *q,
    int (*cb)(const struct cert_row *row, void *arg), void *arg, struct err *e)
{
	sqlite3_stmt *stmts[N_MERGE] = { NULL };
	int live[N_MERGE] = { 0 };
	struct list_plan p;
	struct cert_row row;
	char sql[2048];
	long long limit = q->limit > 0 ? q->limit : -1, emitted = 0;
	int rc, ret = -1, n_stmts, i, best;

	memset(&row, 0, sizeof(row));
	if ((rc = plan_make(st, q, 1, &p, e)) != 0) {
		ret = rc == 1 ? 0 : -1;
		goto out;
	}
	build_sql(q, &p, 0, sql, sizeof(sql));
	/*
	 * Merged, each statement runs one status's index range; store_stmt
	 * hands out a separate copy of a statement that is being stepped.
	 */
	n_stmts = p.merge ? N_MERGE : 1;
	for (i = 0; i < n_stmts; i++) {
		if ((stmts[i] = store_stmt(st, sql, e)) == NULL)
			goto out;
		bind_query(stmts[i], q, &p, p.merge ? merge_statuses[i] : NULL,
		    limit);
		if ((rc = sqlite3_step(stmts[i])) == SQLITE_ROW)
			live[i] = 1;
		else if (rc != SQLITE_DONE)
			goto failed;
	}
	while (limit < 0 || emitted < limit) {
		for (best = -1, i = 0; i < n_stmts; i++)
			if (live[i] && (best == -1 || merge_cmp(stmts[i],
			    stmts[best], q->sort, p.rev) < 0))
				best = i;
		if (best == -1)
			break;
		if (cert_row_read(stmts[best], &row, e) == -1 ||
		    cert_row_load_sans(st, &row, e) == -1)
			goto out;
		rc = cb(&row, arg);
		cert_row_clear(&row);
		if (rc != 0) {
			ret = rc;
			goto out;
		}
		emitted++;
		if ((rc = sqlite3_step(stmts[best])) != SQLITE_ROW) {
			live[best] = 0;
			if (rc != SQLITE_DONE)
				goto failed;
		}
	}
	ret = 0;
	goto out;
failed:
	store_error(st, e, _("cannot list certificates"));
out:
	for (i = 0; i < N_MERGE; i++)
		if (stmts[i] != NULL)
			sqlite3_reset(stmts[i]);
	cert_row_clear(&row);
	plan_free(&p);
	return ret;
}

int
store_cert_count(struct store *st, const struct cert_query *q, long max,
    long *n, struct err *e)
{
	struct list_plan p;
	sqlite3_stmt *stmt;
	char sql[2048];
	int rc, ret = -1;

	*n = 0;
	if ((rc = plan_make(st, q, 0, &p, e)) != 0) {
		ret = rc == 1 ? 0 : -1;
		goto out;
	}
	build_sql(q, &p, 1, sql, sizeof(sql));
	if ((stmt = store_stmt(st, sql, e)) == NULL)
		goto out;
	bind_query(stmt, q, &p, NULL, max);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*n = (long)sqlite3_column_int64(stmt, 0);
		ret = 0;
	} else
		store_error(st, e, _("cannot count certificates"));
	sqlite3_reset(stmt);
out:
	plan_free(&p);
	return ret;
}
