/*
 * Store-private: the certificate row as store_cert.c and
 * store_cert_query.c read it. Not for use outside store/.
 */
#ifndef CERTDECK_STORE_CERT_PRIV_H
#define CERTDECK_STORE_CERT_PRIV_H

#include "store_sql.h"
#include "store_cert.h"

/* The columns cert_row_read expects, in order; prefixed for use in joins. */
#define CERT_COLUMNS \
	"c.id, c.account_id, c.key_id, c.order_id, c.replaced_by, c.name, " \
	"c.subject, c.issuer, c.issuer_cn, c.serial, c.not_before, " \
	"c.not_after, c.key_type, c.fingerprint, c.aki, c.pem_chain, " \
	"c.status, c.source, c.created, c.renew_at, c.ari_window_start, " \
	"c.ari_window_end, c.ari_explanation, c.revoked_at, c.revocation_reason, " \
	"c.kind, c.validation"

/* Frees the strings a row owns, leaving an empty row (not freeing row itself). */
void cert_row_clear(struct cert_row *row);

/* Fills row (already cleared) from the current result of stmt. Returns 0 or -1. */
int cert_row_read(sqlite3_stmt *stmt, struct cert_row *row, struct err *e);

/* Loads row->sans in position order. Returns 0 or -1 (row keeps what it read). */
int cert_row_load_sans(struct store *st, struct cert_row *row, struct err *e);

#endif
