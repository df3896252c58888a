#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "i18n.h"
#include "store_sql.h"
#include "store_key.h"

int
store_key_insert(struct store *st, const char *type, const char *pem,
    int64_t *id_out, struct err *e)
{
	sqlite3_stmt *stmt;

	if (type == NULL || type[0] == '\0' || pem == NULL || pem[0] == '\0')
		return err_set(e, ERR_USAGE, _("a key needs a type and a PEM"));
	stmt = store_stmt(st, "INSERT INTO keys (type, pem, created) "
	    "VALUES (?1, ?2, ?3)", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, pem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, store_now());
	/* store_step_done drops the bindings: the statement outlives the caller's buffer. */
	if (store_step_done(st, stmt, _("cannot store a key"), e) != 0)
		return -1;
	*id_out = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
store_key_get(struct store *st, int64_t id, char **pem, char **type,
    struct err *e)
{
	sqlite3_stmt *stmt;
	const unsigned char *p, *t;
	char *pem_copy = NULL, *type_copy = NULL;
	int rc, ret = -1;

	*pem = NULL;
	if (type != NULL)
		*type = NULL;
	stmt = store_stmt(st, "SELECT pem, type FROM keys WHERE id = ?1", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		err_set(e, ERR_USAGE, _("no key #%lld"), (long long)id);
		ret = 1;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		store_error(st, e, _("cannot read a key"));
		goto out;
	}
	p = sqlite3_column_text(stmt, 0);
	t = sqlite3_column_text(stmt, 1);
	if (p == NULL || t == NULL) {
		err_set(e, ERR_STORE, _("key #%lld is damaged"), (long long)id);
		goto out;
	}
	if ((pem_copy = strdup((const char *)p)) == NULL ||
	    (type != NULL && (type_copy = strdup((const char *)t)) == NULL)) {
		err_nomem(e);
		goto out;
	}
	*pem = pem_copy;
	pem_copy = NULL;
	if (type != NULL)
		*type = type_copy;
	type_copy = NULL;
	ret = 0;
out:
	sqlite3_reset(stmt);
	if (pem_copy != NULL) {
		OPENSSL_cleanse(pem_copy, strlen(pem_copy));
		free(pem_copy);
	}
	free(type_copy);
	return ret;
}
