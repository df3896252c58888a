#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_cert.h"

static const char *const status_names[CERT_STATUS_COUNT] = {
	[CERT_VALID] = "valid",
	[CERT_REVOKED] = "revoked",
	[CERT_REPLACED] = "replaced",
	[CERT_FAILED] = "failed",
};

const char *
store_cert_status_name(enum cert_status st)
{
	if ((unsigned)st >= CERT_STATUS_COUNT)
		return "unknown";
	return status_names[st];
}

int
store_cert_status_parse(const char *name, enum cert_status *out)
{
	int i;

	for (i = 0; name != NULL && i < CERT_STATUS_COUNT; i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum cert_status)i;
			return 0;
		}
	return -1;
}

/* Frees the strings a row owns, leaving an empty row. */
static void
row_clear(struct cert_row *row)
{
	size_t i;

	for (i = 0; i < row->n_sans; i++)
		free(row->sans[i]);
	free(row->sans);
	free(row->name);
	free(row->subject);
	free(row->issuer);
	free(row->issuer_cn);
	free(row->serial);
	free(row->key_type);
	free(row->fingerprint);
	free(row->aki);
	free(row->pem_chain);
	free(row->source);
	memset(row, 0, sizeof(*row));
}

void
cert_row_free(struct cert_row *row)
{
	if (row == NULL)
		return;
	row_clear(row);
	free(row);
}

/* Binds an id that is 0 for "none" as NULL. */
static int
bind_ref(sqlite3_stmt *stmt, int i, int64_t id)
{
	if (id == 0)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_int64(stmt, i, id);
}

static int
bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
}

/* A fresh copy of a text column, NULL for SQL NULL; *oom set on failure. */
static char *
col_text(sqlite3_stmt *stmt, int i, int *oom)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);
	char *copy;

	if (s == NULL)
		return NULL;
	if ((copy = strdup((const char *)s)) == NULL)
		*oom = 1;
	return copy;
}

int
store_cert_find_fingerprint(struct store *st, const char *fingerprint,
    int64_t *id_out, struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, "SELECT id FROM certificates "
	    "WHERE fingerprint = ?1", e);
	if (stmt == NULL)
		return -1;
	bind_text(stmt, 1, fingerprint);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id_out = sqlite3_column_int64(stmt, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = 1;
	else
		rc = store_error(st, e, _("cannot look up a certificate"));
	sqlite3_reset(stmt);
	return rc;
}

static int
insert_row(struct store *st, const struct cert_row *row, int64_t *id_out,
    struct err *e)
{
	sqlite3_stmt *stmt;
	size_t i;
	int rc;

	stmt = store_stmt(st, "INSERT INTO certificates (account_id, "
	    "order_id, key_id, name, subject, issuer, issuer_cn, serial, "
	    "not_before, not_after, key_type, fingerprint, aki, pem_chain, "
	    "status, replaced_by, source, created) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
	    e);
	if (stmt == NULL)
		return -1;
	bind_ref(stmt, 1, row->account_id);
	bind_ref(stmt, 2, row->order_id);
	bind_ref(stmt, 3, row->key_id);
	bind_text(stmt, 4, row->name);
	bind_text(stmt, 5, row->subject);
	bind_text(stmt, 6, row->issuer);
	bind_text(stmt, 7, row->issuer_cn);
	bind_text(stmt, 8, row->serial);
	sqlite3_bind_int64(stmt, 9, row->not_before);
	sqlite3_bind_int64(stmt, 10, row->not_after);
	bind_text(stmt, 11, row->key_type);
	bind_text(stmt, 12, row->fingerprint);
	bind_text(stmt, 13, row->aki);
	bind_text(stmt, 14, row->pem_chain);
	bind_text(stmt, 15, store_cert_status_name(row->status));
	bind_ref(stmt, 16, row->replaced_by);
	bind_text(stmt, 17, row->source);
	sqlite3_bind_int64(stmt, 18, row->created != 0 ? row->created :
	    store_now());
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_error(st, e, _("cannot store the certificate"));
	*id_out = sqlite3_last_insert_rowid(store_db(st));

	stmt = store_stmt(st, "INSERT INTO cert_names (cert_id, position, "
	    "name) VALUES (?1, ?2, ?3)", e);
	if (stmt == NULL)
		return -1;
	for (i = 0; i < row->n_sans; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, *id_out);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)i);
		bind_text(stmt, 3, row->sans[i]);
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_DONE) {
			sqlite3_reset(stmt);
			return store_error(st, e,
			    _("cannot store the certificate's names"));
		}
	}
	sqlite3_reset(stmt);
	return 0;
}

int
store_cert_insert(struct store *st, const struct cert_row *row,
    int64_t *id_out, struct err *e)
{
	int64_t id = 0, existing;
	int own, rc;

	if (row->name == NULL || row->fingerprint == NULL ||
	    row->pem_chain == NULL)
		return err_set(e, ERR_USAGE, _("a certificate needs a name, a "
		    "fingerprint and a PEM chain"));
	if ((unsigned)row->status >= CERT_STATUS_COUNT)
		return err_set(e, ERR_USAGE, _("invalid certificate status %d"),
		    (int)row->status);
	/*
	 * Alone, take the write lock first (BEGIN IMMEDIATE) so that the
	 * duplicate check and the insert see the same snapshot; inside a
	 * caller's transaction, a savepoint undoes only our part.
	 */
	own = sqlite3_get_autocommit(store_db(st));
	if (own) {
		if (store_begin(st, e) == -1)
			return -1;
	} else {
		sqlite3_stmt *sp = store_stmt(st, "SAVEPOINT store_cert_insert",
		    e);
		if (sp == NULL)
			return -1;
		rc = sqlite3_step(sp);
		sqlite3_reset(sp);
		if (rc != SQLITE_DONE)
			return store_error(st, e,
			    _("cannot start a savepoint"));
	}

	rc = store_cert_find_fingerprint(st, row->fingerprint, &existing, e);
	if (rc == 0)
		rc = err_set(e, ERR_INPUT, _("certificate already stored as "
		    "#%lld"), (long long)existing);
	else if (rc == 1)
		rc = insert_row(st, row, &id, e);
	if (rc == -1)
		goto undo;

	if (own) {
		if (store_commit(st, e) == -1)
			goto undo;
	} else {
		sqlite3_stmt *rel = store_stmt(st, "RELEASE store_cert_insert",
		    e);
		if (rel == NULL)
			goto undo;
		rc = sqlite3_step(rel);
		sqlite3_reset(rel);
		if (rc != SQLITE_DONE) {
			store_error(st, e, _("cannot release a savepoint"));
			goto undo;
		}
	}
	*id_out = id;
	return 0;
undo:
	if (own)
		store_rollback(st);
	else if (!sqlite3_get_autocommit(store_db(st))) {
		sqlite3_stmt *u = store_stmt(st, "ROLLBACK TO store_cert_insert",
		    NULL);
		sqlite3_stmt *r;

		if (u != NULL) {
			sqlite3_step(u);
			sqlite3_reset(u);
		}
		if ((r = store_stmt(st, "RELEASE store_cert_insert", NULL)) !=
		    NULL) {
			sqlite3_step(r);
			sqlite3_reset(r);
		}
	}
	return -1;
}

/* The columns row_read expects, in order; prefixed for use in joins. */
#define CERT_COLUMNS \
	"c.id, c.account_id, c.key_id, c.order_id, c.replaced_by, c.name, " \
	"c.subject, c.issuer, c.issuer_cn, c.serial, c.not_before, " \
	"c.not_after, c.key_type, c.fingerprint, c.aki, c.pem_chain, " \
	"c.status, c.source, c.created"

/* Fills row (already cleared) from the current result of stmt. */
static int
row_read(sqlite3_stmt *stmt, struct cert_row *row, struct err *e)
{
	const unsigned char *status;
	int oom = 0;

	row->id = sqlite3_column_int64(stmt, 0);
	row->account_id = sqlite3_column_int64(stmt, 1);
	row->key_id = sqlite3_column_int64(stmt, 2);
	row->order_id = sqlite3_column_int64(stmt, 3);
	row->replaced_by = sqlite3_column_int64(stmt, 4);
	row->name = col_text(stmt, 5, &oom);
	row->subject = col_text(stmt, 6, &oom);
	row->issuer = col_text(stmt, 7, &oom);
	row->issuer_cn = col_text(stmt, 8, &oom);
	row->serial = col_text(stmt, 9, &oom);
	row->not_before = sqlite3_column_int64(stmt, 10);
	row->not_after = sqlite3_column_int64(stmt, 11);
	row->key_type = col_text(stmt, 12, &oom);
	row->fingerprint = col_text(stmt, 13, &oom);
	row->aki = col_text(stmt, 14, &oom);
	row->pem_chain = col_text(stmt, 15, &oom);
	status = sqlite3_column_text(stmt, 16);
	if (store_cert_status_parse((const char *)status, &row->status) == -1)
		/* Written by a newer program or by hand: do not guess "valid". */
		row->status = CERT_FAILED;
	row->source = col_text(stmt, 17, &oom);
	row->created = sqlite3_column_int64(stmt, 18);
	if (oom)
		return err_set(e, ERR_IO, _("out of memory"));
	return 0;
}

/* Loads row->sans in position order. */
static int
row_load_sans(struct store *st, struct cert_row *row, struct err *e)
{
	sqlite3_stmt *stmt;
	char **grown, *s;
	size_t cap = 0;
	int rc, ret = -1, oom = 0;

	stmt = store_stmt(st, "SELECT name FROM cert_names WHERE cert_id = ?1 "
	    "ORDER BY position", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, row->id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (row->n_sans == cap) {
			cap = cap ? cap * 2 : 4;
			grown = realloc(row->sans, cap * sizeof(*grown));
			if (grown == NULL) {
				err_set(e, ERR_IO, _("out of memory"));
				goto out;
			}
			row->sans = grown;
		}
		s = col_text(stmt, 0, &oom);
		if (s == NULL) {
			err_set(e, ERR_IO, _("out of memory"));
			goto out;
		}
		row->sans[row->n_sans++] = s;
	}
	if (rc != SQLITE_DONE) {
		store_error(st, e, _("cannot read a certificate's names"));
		goto out;
	}
	ret = 0;
out:
	sqlite3_reset(stmt);
	return ret;
}

int
store_cert_get(struct store *st, int64_t id, struct cert_row **out,
    struct err *e)
{
	struct cert_row *row = NULL;
	sqlite3_stmt *stmt;
	int rc, ret = -1;

	*out = NULL;
	stmt = store_stmt(st, "SELECT " CERT_COLUMNS " FROM certificates c "
	    "WHERE c.id = ?1", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		ret = 1;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		store_error(st, e, _("cannot read a certificate"));
		goto out;
	}
	if ((row = calloc(1, sizeof(*row))) == NULL) {
		err_set(e, ERR_IO, _("out of memory"));
		goto out;
	}
	if (row_read(stmt, row, e) == -1)
		goto out;
	sqlite3_reset(stmt);
	if (row_load_sans(st, row, e) == -1)
		goto out;
	*out = row;
	row = NULL;
	ret = 0;
out:
	sqlite3_reset(stmt);
	cert_row_free(row);
	return ret;
}

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

/* Up to this many matching names, the driven plan wins. */
#define NAME_DRIVEN_MAX 5000

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

int
store_cert_list(struct store *st, const struct cert_query *q,
    int (*cb)(const struct cert_row *row, void *arg), void *arg, struct err *e)
{
	enum name_filter nf = NAME_ANY;
	struct cert_row row;
	sqlite3_stmt *stmt = NULL;
	char sql[1024], *like = NULL, *phrase = NULL;
	const char *pattern = NULL;
	size_t len = 0;
	int rc, ret = -1, n;

	memset(&row, 0, sizeof(row));
	if (q->name_like != NULL && q->name_like[0] != '\0') {
		if ((like = like_pattern(q->name_like)) == NULL) {
			err_set(e, ERR_IO, _("out of memory"));
			goto out;
		}
		/*
		 * The trigram tokenizer cannot look up fewer than 3 characters.
		 * A phrase query, unlike LIKE on the FTS table (which cannot
		 * take an ESCAPE), matches '%' and '_' literally.
		 */
		if (utf8_chars(q->name_like) >= 3) {
			if ((phrase = fts_phrase(q->name_like)) == NULL) {
				err_set(e, ERR_IO, _("out of memory"));
				goto out;
			}
			n = name_probe(st, 1, phrase, e);
			nf = NAME_FTS_DRIVEN;
			pattern = phrase;
		} else {
			n = name_probe(st, 0, like, e);
			nf = NAME_LIKE_DRIVEN;
			pattern = like;
		}
		if (n == -1)
			goto out;
		if (n == 0) {
			ret = 0;
			goto out;
		}
		if (n >= NAME_DRIVEN_MAX) {
			nf = NAME_SCAN;
			pattern = like;
		}
	}

	/*
	 * The statement text depends only on which filters are present, so
	 * each variant is prepared once and cached. (0, 0) as the cursor is
	 * bound as (LLONG_MIN, 0): every row is after it.
	 */
	sql[0] = '\0';
	append(sql, sizeof(sql), &len, "SELECT " CERT_COLUMNS
	    " FROM certificates c WHERE (c.not_after, c.id) > (?1, ?2)");
	if (q->expiring_before != 0)
		append(sql, sizeof(sql), &len, " AND c.not_after < ?3");
	if (!q->include_replaced)
		append(sql, sizeof(sql), &len, " AND c.replaced_by IS NULL"
		    " AND c.status <> 'replaced'");
	if (nf == NAME_FTS_DRIVEN)
		append(sql, sizeof(sql), &len, " AND c.id IN (SELECT n.cert_id"
		    " FROM cert_names_fts f JOIN cert_names n ON n.id = f.rowid"
		    " WHERE cert_names_fts MATCH ?4)");
	else if (nf == NAME_LIKE_DRIVEN)
		append(sql, sizeof(sql), &len, " AND c.id IN (SELECT n.cert_id"
		    " FROM cert_names n WHERE n.name LIKE ?4 ESCAPE '\\')");
	else if (nf == NAME_SCAN)
		append(sql, sizeof(sql), &len, " AND EXISTS (SELECT 1 FROM"
		    " cert_names n WHERE n.cert_id = c.id"
		    " AND n.name LIKE ?4 ESCAPE '\\')");
	append(sql, sizeof(sql), &len, " ORDER BY c.not_after, c.id LIMIT ?5");

	if ((stmt = store_stmt(st, sql, e)) == NULL)
		goto out;
	if (q->after_not_after == 0 && q->after_id == 0)
		sqlite3_bind_int64(stmt, 1, LLONG_MIN);
	else
		sqlite3_bind_int64(stmt, 1, q->after_not_after);
	sqlite3_bind_int64(stmt, 2, q->after_id);
	if (q->expiring_before != 0)
		sqlite3_bind_int64(stmt, 3, q->expiring_before);
	if (pattern != NULL)
		sqlite3_bind_text(stmt, 4, pattern, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, q->limit > 0 ? q->limit : -1);

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (row_read(stmt, &row, e) == -1 ||
		    row_load_sans(st, &row, e) == -1)
			goto out;
		rc = cb(&row, arg);
		row_clear(&row);
		if (rc != 0) {
			ret = rc;
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		store_error(st, e, _("cannot list certificates"));
		goto out;
	}
	ret = 0;
out:
	if (stmt != NULL)
		sqlite3_reset(stmt);
	row_clear(&row);
	free(like);
	free(phrase);
	return ret;
}

int
store_cert_mark_revoked(struct store *st, int64_t id, long long when, int reason,
    struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	s = store_stmt(st, "UPDATE certificates SET status = 'revoked', revoked_at = ?2, "
	    "revocation_reason = ?3 WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, when);
	sqlite3_bind_int(s, 3, reason);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(st, e, _("marking a certificate revoked"));
	return 0;
}
