#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "store_sql.h"
#include "store_cert.h"
#include "store_cert_priv.h"

static const char *const status_names[CERT_STATUS_COUNT] = {
	[CERT_VALID] = "valid",
	[CERT_REVOKED] = "revoked",
	[CERT_REPLACED] = "replaced",
	[CERT_FAILED] = "failed",
};

static const char *const kind_names[CERT_KIND_COUNT] = {
	[CERT_KIND_SERVER] = "server",
	[CERT_KIND_CLIENT] = "client",
	[CERT_KIND_CODESIGN] = "codesign",
	[CERT_KIND_EMAIL] = "email",
	[CERT_KIND_CA] = "ca",
};

static const char *const validation_names[CERT_VALIDATION_COUNT] = {
	[CERT_VALIDATION_NONE] = NULL,
	[CERT_VALIDATION_DV] = "DV",
	[CERT_VALIDATION_OV] = "OV",
	[CERT_VALIDATION_EV] = "EV",
	[CERT_VALIDATION_IV] = "IV",
};

static const char *const source_names[CERT_SOURCE_COUNT] = {
	[CERT_SOURCE_CERTDECK] = "certdeck",
	[CERT_SOURCE_CERTBOT] = "certbot",
	[CERT_SOURCE_ACMESH] = "acme.sh",
	[CERT_SOURCE_LEGO] = "lego",
	[CERT_SOURCE_SCAN] = "scan",
	[CERT_SOURCE_IMPORT] = "import",
	[CERT_SOURCE_PROBE] = "probe",
	[CERT_SOURCE_SCEP] = "scep",
	[CERT_SOURCE_EST] = "est",
};

const char *
store_cert_kind_name(enum cert_kind k)
{
	return (unsigned)k < CERT_KIND_COUNT ? kind_names[k] : "unknown";
}

int
store_cert_kind_parse(const char *name, enum cert_kind *out)
{
	int i;

	for (i = 0; name != NULL && i < CERT_KIND_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (enum cert_kind)i;
			return 0;
		}
	return -1;
}

const char *
store_cert_validation_name(enum cert_validation v)
{
	return (unsigned)v < CERT_VALIDATION_COUNT ? validation_names[v] : NULL;
}

int
store_cert_validation_parse(const char *name, enum cert_validation *out)
{
	int i;

	for (i = 1; name != NULL && i < CERT_VALIDATION_COUNT; i++)
		if (strcasecmp(name, validation_names[i]) == 0) {
			*out = (enum cert_validation)i;
			return 0;
		}
	return -1;
}

const char *
store_cert_source_name(enum cert_source s)
{
	return (unsigned)s < CERT_SOURCE_COUNT ? source_names[s] : "unknown";
}

int
store_cert_source_parse(const char *name, enum cert_source *out)
{
	int i;

	for (i = 0; name != NULL && i < CERT_SOURCE_COUNT; i++)
		if (strcmp(name, source_names[i]) == 0) {
			*out = (enum cert_source)i;
			return 0;
		}
	return -1;
}

int
store_cert_set_source(struct store *st, int64_t id, enum cert_source src,
    struct err *e)
{
	sqlite3_stmt *stmt;

	if ((unsigned)src >= CERT_SOURCE_COUNT)
		return err_set(e, ERR_USAGE, _("invalid certificate source %d"), (int)src);
	stmt = store_stmt(st, "UPDATE certificates SET source = ?2 WHERE id = ?1", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, source_names[src]);
	if (store_step_done(st, stmt, _("cannot record the certificate's source"), e) != 0)
		return -1;
	if (sqlite3_changes(store_db(st)) == 0) {
		err_set(e, ERR_USAGE, _("no certificate #%lld"), (long long)id);
		return 1;
	}
	return 0;
}

/* Occurrences of the PEM marker in SQL: 17 characters each. */
#define PEM_COUNT_SQL(x) "(length(" x ") - length(replace(" x ", 'BEGIN CERTIFICATE', ''))) / 17"

int
store_cert_extend_chain(struct store *st, int64_t id, const char *pem_chain, int *set,
    struct err *e)
{
	sqlite3_stmt *stmt;

	*set = 0;
	stmt = store_stmt(st, "UPDATE certificates SET pem_chain = ?2 WHERE id = ?1 AND "
	    PEM_COUNT_SQL("pem_chain") " < " PEM_COUNT_SQL("?2"), e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, pem_chain);
	if (store_step_done(st, stmt, _("cannot store the certificate's chain"), e) != 0)
		return -1;
	*set = sqlite3_changes(store_db(st)) > 0;
	return 0;
}

int
store_cert_attach_key(struct store *st, int64_t id, int64_t key_id, int *set,
    struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, "SELECT key_id IS NOT NULL FROM certificates WHERE id = ?1", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = store_step_row(st, stmt, _("cannot look up a certificate"), e);
	if (rc != 0) {
		if (rc == 1)
			err_set(e, ERR_USAGE, _("no certificate #%lld"), (long long)id);
		return rc;
	}
	rc = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	*set = 0;
	if (rc)
		return 0;
	stmt = store_stmt(st, "UPDATE certificates SET key_id = ?2 WHERE id = ?1", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_id(stmt, 2, key_id);
	if (store_step_done(st, stmt, _("cannot attach the key"), e) != 0)
		return -1;
	*set = 1;
	return 0;
}

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

void
cert_row_clear(struct cert_row *row)
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
	free(row->ari_explanation);
	memset(row, 0, sizeof(*row));
}

void
cert_row_free(struct cert_row *row)
{
	if (row == NULL)
		return;
	cert_row_clear(row);
	free(row);
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
	store_bind_text(stmt, 1, fingerprint);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id_out = sqlite3_column_int64(stmt, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		err_set(e, ERR_USAGE, _("no certificate with fingerprint %s"), fingerprint);
		rc = 1;
	} else
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
	    "status, replaced_by, source, created, kind, validation) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	    "?16, ?17, ?18, ?19, ?20)",
	    e);
	if (stmt == NULL)
		return -1;
	store_bind_id(stmt, 1, row->account_id);
	store_bind_id(stmt, 2, row->order_id);
	store_bind_id(stmt, 3, row->key_id);
	store_bind_text(stmt, 4, row->name);
	store_bind_text(stmt, 5, row->subject);
	store_bind_text(stmt, 6, row->issuer);
	store_bind_text(stmt, 7, row->issuer_cn);
	store_bind_text(stmt, 8, row->serial);
	sqlite3_bind_int64(stmt, 9, row->not_before);
	sqlite3_bind_int64(stmt, 10, row->not_after);
	store_bind_text(stmt, 11, row->key_type);
	store_bind_text(stmt, 12, row->fingerprint);
	store_bind_text(stmt, 13, row->aki);
	store_bind_text(stmt, 14, row->pem_chain);
	store_bind_text(stmt, 15, store_cert_status_name(row->status));
	store_bind_id(stmt, 16, row->replaced_by);
	store_bind_text(stmt, 17, row->source);
	sqlite3_bind_int64(stmt, 18, row->created != 0 ? row->created :
	    store_now());
	store_bind_text(stmt, 19, store_cert_kind_name(row->kind));
	store_bind_text(stmt, 20, store_cert_validation_name(row->validation));
	if (store_step_done(st, stmt, _("cannot store the certificate"), e) != 0)
		return -1;
	*id_out = sqlite3_last_insert_rowid(store_db(st));

	stmt = store_stmt(st, "INSERT INTO cert_names (cert_id, position, "
	    "name) VALUES (?1, ?2, ?3)", e);
	if (stmt == NULL)
		return -1;
	for (i = 0; i < row->n_sans; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, *id_out);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)i);
		store_bind_text(stmt, 3, row->sans[i]);
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

/* What store_cert_insert and store_cert_insert_in refuse before any write. */
static int
insert_check(const struct cert_row *row, struct err *e)
{
	enum cert_source src;

	if (row->name == NULL || row->fingerprint == NULL ||
	    row->pem_chain == NULL)
		return err_set(e, ERR_USAGE, _("a certificate needs a name, a "
		    "fingerprint and a PEM chain"));
	if (row->source != NULL && store_cert_source_parse(row->source, &src) == -1)
		return err_set(e, ERR_USAGE, _("invalid certificate source \"%s\""),
		    row->source);
	if ((unsigned)row->kind >= CERT_KIND_COUNT ||
	    (unsigned)row->validation >= CERT_VALIDATION_COUNT)
		return err_set(e, ERR_USAGE, "%s", _("invalid certificate kind or validation"));
	if ((unsigned)row->status >= CERT_STATUS_COUNT)
		return err_set(e, ERR_USAGE, _("invalid certificate status %d"),
		    (int)row->status);
	return 0;
}

int
store_cert_insert_in(struct store *st, const struct cert_row *row, int64_t *id_out,
    struct err *e)
{
	if (!store_in_transaction(st))
		return err_set(e, ERR_USAGE, "%s", _("store_cert_insert_in needs a transaction"));
	if (insert_check(row, e) != 0)
		return -1;
	return insert_row(st, row, id_out, e);
}

int
store_cert_insert(struct store *st, const struct cert_row *row,
    int64_t *id_out, struct err *e)
{
	int64_t id = 0, existing;
	struct err absent;
	int own, rc;

	if (insert_check(row, e) != 0)
		return -1;
	/*
	 * Alone, take the write lock first (BEGIN IMMEDIATE) so that the
	 * duplicate check and the insert see the same snapshot; inside a
	 * caller's transaction, a savepoint undoes only our part.
	 */
	if (store_nest_begin(st, "store_cert_insert", &own, e) == -1)
		return -1;

	/* Absent is the good case here: e stays clean for the caller. */
	err_clear(&absent);
	rc = store_cert_find_fingerprint(st, row->fingerprint, &existing, &absent);
	if (rc == -1 && e != NULL)
		*e = absent;
	if (rc == 0)
		rc = err_set(e, ERR_INPUT, _("certificate already stored as "
		    "#%lld"), (long long)existing);
	else if (rc == 1)
		rc = insert_row(st, row, &id, e);
	if (rc == -1)
		goto undo;

	if (store_nest_end(st, "store_cert_insert", own, e) == -1)
		goto undo;
	*id_out = id;
	return 0;
undo:
	store_nest_undo(st, "store_cert_insert", own);
	return -1;
}

int
cert_row_read(sqlite3_stmt *stmt, struct cert_row *row, struct err *e)
{
	const unsigned char *status;
	int oom = 0;

	row->id = sqlite3_column_int64(stmt, 0);
	row->account_id = sqlite3_column_int64(stmt, 1);
	row->key_id = sqlite3_column_int64(stmt, 2);
	row->order_id = sqlite3_column_int64(stmt, 3);
	row->replaced_by = sqlite3_column_int64(stmt, 4);
	row->name = store_col_text(stmt, 5, &oom);
	row->subject = store_col_text(stmt, 6, &oom);
	row->issuer = store_col_text(stmt, 7, &oom);
	row->issuer_cn = store_col_text(stmt, 8, &oom);
	row->serial = store_col_text(stmt, 9, &oom);
	row->not_before = sqlite3_column_int64(stmt, 10);
	row->not_after = sqlite3_column_int64(stmt, 11);
	row->key_type = store_col_text(stmt, 12, &oom);
	row->fingerprint = store_col_text(stmt, 13, &oom);
	row->aki = store_col_text(stmt, 14, &oom);
	row->pem_chain = store_col_text(stmt, 15, &oom);
	status = sqlite3_column_text(stmt, 16);
	if (store_cert_status_parse((const char *)status, &row->status) == -1)
		/* Written by a newer program or by hand: do not guess "valid". */
		row->status = CERT_FAILED;
	row->source = store_col_text(stmt, 17, &oom);
	row->created = sqlite3_column_int64(stmt, 18);
	row->renew_at = sqlite3_column_int64(stmt, 19);
	row->ari_start = sqlite3_column_int64(stmt, 20);
	row->ari_end = sqlite3_column_int64(stmt, 21);
	row->ari_explanation = store_col_text(stmt, 22, &oom);
	row->revoked_at = sqlite3_column_int64(stmt, 23);
	row->revocation_reason = sqlite3_column_type(stmt, 24) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(stmt, 24);
	if (store_cert_kind_parse((const char *)sqlite3_column_text(stmt, 25), &row->kind) == -1)
		row->kind = CERT_KIND_SERVER;
	if (store_cert_validation_parse((const char *)sqlite3_column_text(stmt, 26),
	    &row->validation) == -1)
		row->validation = CERT_VALIDATION_NONE;
	if (oom)
		return err_nomem(e);
	return 0;
}

int
cert_row_load_sans(struct store *st, struct cert_row *row, struct err *e)
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
				err_nomem(e);
				goto out;
			}
			row->sans = grown;
		}
		s = store_col_text(stmt, 0, &oom);
		if (s == NULL) {
			err_nomem(e);
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
		err_set(e, ERR_USAGE, _("no certificate #%lld"), (long long)id);
		ret = 1;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		store_error(st, e, _("cannot read a certificate"));
		goto out;
	}
	if ((row = calloc(1, sizeof(*row))) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (cert_row_read(stmt, row, e) == -1)
		goto out;
	sqlite3_reset(stmt);
	if (cert_row_load_sans(st, row, e) == -1)
		goto out;
	*out = row;
	row = NULL;
	ret = 0;
out:
	sqlite3_reset(stmt);
	cert_row_free(row);
	return ret;
}

int
store_cert_mark_revoked(struct store *st, int64_t id, long long when, int reason,
    struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE certificates SET status = 'revoked', revoked_at = ?2, "
	    "revocation_reason = ?3 WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, when);
	sqlite3_bind_int(s, 3, reason);
	if (store_step_done(st, s, _("marking a certificate revoked"), e) != 0)
		return -1;
	return 0;
}

void
cert_history_clear(struct cert_history *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		free(h->links[i].serial);
	free(h->links);
	memset(h, 0, sizeof(*h));
}

/* How far each way the chain is walked: a bound against a cycle made by hand. */
#define HISTORY_DEPTH 1000

int
store_cert_history(struct store *st, int64_t id, size_t max,
    struct cert_history *out, struct err *e)
{
	struct cert_history h = { 0 };
	struct cert_link *grown;
	sqlite3_stmt *s;
	size_t cap = 0, start, self = 0;
	int rc, oom = 0, found = 0;

	memset(out, 0, sizeof(*out));
	if (max < 1)
		max = 1;
	/*
	 * depth > 0: newer (replaced_by, forward); < 0: older (the rows whose
	 * replaced_by points back). Both walks use an index: the primary key
	 * forward, certificates_replaced_by backward.
	 */
	s = store_stmt(st, "WITH RECURSIVE "
	    "newer(id, depth) AS ("
	    " SELECT replaced_by, 1 FROM certificates"
	    " WHERE id = ?1 AND replaced_by IS NOT NULL"
	    " UNION ALL"
	    " SELECT c.replaced_by, n.depth + 1 FROM newer n"
	    " JOIN certificates c ON c.id = n.id"
	    " WHERE c.replaced_by IS NOT NULL AND n.depth < ?2),"
	    "older(id, depth) AS ("
	    " SELECT id, -1 FROM certificates WHERE replaced_by = ?1"
	    " UNION ALL"
	    " SELECT c.id, o.depth - 1 FROM older o"
	    " JOIN certificates c ON c.replaced_by = o.id"
	    " WHERE o.depth > -?2),"
	    "chain(id, depth) AS (SELECT ?1, 0 UNION ALL SELECT id, depth FROM newer"
	    " UNION ALL SELECT id, depth FROM older) "
	    "SELECT c.id, c.not_before, c.not_after, c.serial, c.status, ch.depth"
	    " FROM chain ch JOIN certificates c ON c.id = ch.id"
	    " ORDER BY ch.depth DESC, c.id DESC", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, HISTORY_DEPTH);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cert_link *l;

		if (h.n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((grown = realloc(h.links, cap * sizeof(*grown))) == NULL) {
				oom = 1;
				break;
			}
			h.links = grown;
		}
		l = &h.links[h.n++];
		l->id = sqlite3_column_int64(s, 0);
		l->not_before = sqlite3_column_int64(s, 1);
		l->not_after = sqlite3_column_int64(s, 2);
		l->serial = store_col_text(s, 3, &oom);
		if (store_cert_status_parse((const char *)sqlite3_column_text(s, 4),
		    &l->status) == -1)
			l->status = CERT_FAILED;
		if (sqlite3_column_int(s, 5) == 0) {
			self = h.n - 1;
			found = 1;
		}
	}
	sqlite3_reset(s);
	if (oom) {
		cert_history_clear(&h);
		return err_nomem(e);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		cert_history_clear(&h);
		return store_error(st, e, _("cannot read the renewal history"));
	}
	if (!found) {
		cert_history_clear(&h);
		err_set(e, ERR_USAGE, _("no certificate #%lld"), (long long)id);
		return 1;
	}
	/* Newest first from the top, unless that would leave id out. */
	start = 0;
	if (h.n > max && self >= max) {
		start = self - max / 2;
		if (start > h.n - max)
			start = h.n - max;
	}
	out->self = self - start;
	out->newer_hidden = start;
	out->older_hidden = h.n > start + max ? h.n - start - max : 0;
	if (start > 0 || out->older_hidden > 0) {
		size_t keep = h.n - start - out->older_hidden, i;

		for (i = 0; i < h.n; i++)
			if (i < start || i >= start + keep)
				free(h.links[i].serial);
		memmove(h.links, h.links + start, keep * sizeof(*h.links));
		h.n = keep;
	}
	out->links = h.links;
	out->n = h.n;
	return 0;
}

/* ---- renewal bookkeeping (ARI windows, due lists, replacement) ---- */

int
store_cert_set_ari(struct store *st, int64_t id, const struct cert_ari *a, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE certificates SET ari_window_start = ?2, ari_window_end = ?3, "
	    "ari_explanation = ?4, ari_checked = ?5, ari_next_check = ?6, renew_at = ?7 "
	    "WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, a->window_start);
	sqlite3_bind_int64(s, 3, a->window_end);
	store_bind_text(s, 4, a->explanation);
	sqlite3_bind_int64(s, 5, a->checked);
	sqlite3_bind_int64(s, 6, a->next_check);
	sqlite3_bind_int64(s, 7, a->renew_at);
	return store_step_done(st, s, _("recording a renewal window"), e);
}

int
store_cert_postpone_ari(struct store *st, int64_t id, long long next_check, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE certificates SET ari_next_check = ?2, ari_checked = ?3 "
	    "WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, next_check);
	sqlite3_bind_int64(s, 3, store_now());
	return store_step_done(st, s, _("recording a renewal check"), e);
}

int
store_cert_ari_due(struct store *st, long long now,
    int (*cb)(int64_t id, int64_t account_id, const char *aki, const char *serial, void *arg),
    void *arg, struct err *e)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	s = store_stmt(st, "SELECT id, account_id, aki, serial FROM certificates "
	    "WHERE status = 'valid' AND order_id IS NOT NULL AND ari_next_check <= ?1 "
	    "ORDER BY account_id", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = cb(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
		    (const char *)sqlite3_column_text(s, 2),
		    (const char *)sqlite3_column_text(s, 3), arg)) != 0)
			break;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, e, _("finding certificates due for renewal"));
	return ret;
}

int
store_cert_renew_due(struct store *st, long long now, int64_t *ids, size_t max, size_t *n,
    struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	/*
	 * Issued through an order (the partial index), or enrolled over SCEP
	 * (no order: the settings are in the job that produced it).
	 */
	s = store_stmt(st, "SELECT id, renew_at FROM certificates WHERE status = 'valid' AND "
	    "order_id IS NOT NULL AND renew_at <= ?1 UNION ALL "
	    "SELECT id, renew_at FROM certificates WHERE status = 'valid' AND "
	    "order_id IS NULL AND source IN ('scep', 'est') AND renew_at <= ?1 "
	    "ORDER BY renew_at LIMIT ?2", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	if (*n == max)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(st, e, _("finding certificates due for renewal"));
	return 0;
}

int
store_cert_mark_replaced(struct store *st, int64_t old_id, int64_t new_id, struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE certificates SET status = 'replaced', replaced_by = ?2 "
	    "WHERE id = ?1", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, old_id);
	sqlite3_bind_int64(s, 2, new_id);
	return store_step_done(st, s, _("linking a renewal"), e);
}

int
store_cert_set_order(struct store *st, int64_t id, int64_t order_id, int64_t account_id,
    struct err *e)
{
	sqlite3_stmt *s;

	s = store_stmt(st, "UPDATE certificates SET order_id = ?2, account_id = ?3 WHERE id = ?1",
	    e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, order_id);
	store_bind_id(s, 3, account_id);
	return store_step_done(st, s, _("adopting a certificate"), e);
}
