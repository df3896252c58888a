#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_sql.h"
#include "store_deploy.h"

static void
argv_free(char **argv)
{
	size_t i;

	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

void
deploy_target_free(struct deploy_target *t)
{
	if (t == NULL)
		return;
	free(t->cert_path);
	free(t->chain_path);
	free(t->fullchain_path);
	free(t->key_path);
	free(t->combined_path);
	free(t->owner);
	free(t->group);
	argv_free(t->reload_argv);
	free(t->last_status);
	free(t->last_message);
	free(t);
}

void
deploy_target_list_free(struct deploy_target **list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		deploy_target_free(list[i]);
	free(list);
}

/* The argv as a JSON array, or NULL for none; *oom set on failure. */
static char *
argv_to_json(char *const *argv, int *oom)
{
	cJSON *arr;
	char *text;
	size_t i;

	if (argv == NULL || argv[0] == NULL)
		return NULL;
	if ((arr = cJSON_CreateArray()) == NULL) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; argv[i] != NULL; i++) {
		cJSON *s = cJSON_CreateString(argv[i]);

		if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			cJSON_Delete(arr);
			*oom = 1;
			return NULL;
		}
	}
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (text == NULL)
		*oom = 1;
	return text;
}

/*
 * Parses a stored JSON array of strings. Returns 0 and *out (NULL for an
 * empty array), or -1 when it is not one (*oom tells out of memory apart).
 */
static int
argv_from_json(const char *text, char ***out, int *oom)
{
	cJSON *arr = cJSON_Parse(text), *it;
	char **argv = NULL;
	size_t n, i = 0;
	int rc = -1;

	*out = NULL;
	if (!cJSON_IsArray(arr))
		goto out;
	n = (size_t)cJSON_GetArraySize(arr);
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if ((argv = calloc(n + 1, sizeof(*argv))) == NULL) {
		*oom = 1;
		goto out;
	}
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || i >= n)
			goto out;
		if ((argv[i++] = strdup(it->valuestring)) == NULL) {
			*oom = 1;
			goto out;
		}
	}
	*out = argv;
	argv = NULL;
	rc = 0;
out:
	argv_free(argv);
	cJSON_Delete(arr);
	return rc;
}

/* The columns row_read expects, in order. */
#define TARGET_COLUMNS \
	"id, cert_id, cert_path, chain_path, fullchain_path, key_path, " \
	"combined_path, owner, grp, mode, key_mode, reload_argv, " \
	"reload_timeout, last_run, last_status, last_message, created"

static int
row_read(sqlite3_stmt *stmt, struct deploy_target **out, struct err *e)
{
	struct deploy_target *t;
	const unsigned char *argv_json;
	int oom = 0;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return err_nomem(e);
	t->id = sqlite3_column_int64(stmt, 0);
	t->cert_id = sqlite3_column_int64(stmt, 1);
	t->cert_path = store_col_text(stmt, 2, &oom);
	t->chain_path = store_col_text(stmt, 3, &oom);
	t->fullchain_path = store_col_text(stmt, 4, &oom);
	t->key_path = store_col_text(stmt, 5, &oom);
	t->combined_path = store_col_text(stmt, 6, &oom);
	t->owner = store_col_text(stmt, 7, &oom);
	t->group = store_col_text(stmt, 8, &oom);
	t->mode = sqlite3_column_int(stmt, 9);
	t->key_mode = sqlite3_column_int(stmt, 10);
	argv_json = sqlite3_column_text(stmt, 11);
	t->reload_timeout = sqlite3_column_int(stmt, 12);
	t->last_run = sqlite3_column_int64(stmt, 13);
	t->last_status = store_col_text(stmt, 14, &oom);
	t->last_message = store_col_text(stmt, 15, &oom);
	t->created = sqlite3_column_int64(stmt, 16);
	if (!oom && argv_json != NULL &&
	    argv_from_json((const char *)argv_json, &t->reload_argv, &oom) == -1 &&
	    !oom) {
		err_set(e, ERR_STORE, _("deploy target #%lld has a damaged reload "
		    "command"), (long long)t->id);
		deploy_target_free(t);
		return -1;
	}
	if (oom) {
		deploy_target_free(t);
		return err_nomem(e);
	}
	*out = t;
	return 0;
}

static int
cert_exists(struct store *st, int64_t cert_id, struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, "SELECT 1 FROM certificates WHERE id = ?1", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, cert_id);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_error(st, e, _("cannot look up a certificate"));
}

static int
mode_ok(int mode)
{
	return mode >= 0 && mode <= 0777;
}

int
store_deploy_add(struct store *st, const struct deploy_target *t, int64_t *id_out,
    struct err *e)
{
	sqlite3_stmt *stmt;
	char *argv_json = NULL;
	int rc, oom = 0;

	if (t->cert_path == NULL && t->chain_path == NULL && t->fullchain_path == NULL &&
	    t->key_path == NULL && t->combined_path == NULL)
		return err_set(e, ERR_USAGE, "%s", _("a deploy target needs at least "
		    "one file path"));
	if (!mode_ok(t->mode) || !mode_ok(t->key_mode))
		return err_set(e, ERR_USAGE, "%s", _("file modes go from 0 to 0777"));
	if (t->reload_timeout <= 0)
		return err_set(e, ERR_USAGE, "%s", _("the reload timeout must be at "
		    "least one second"));
	rc = cert_exists(st, t->cert_id, e);
	if (rc == 0) {
		err_set(e, ERR_USAGE, _("no certificate #%lld"), (long long)t->cert_id);
		return 1;
	}
	if (rc != 1)
		return -1;
	argv_json = argv_to_json(t->reload_argv, &oom);
	if (oom)
		return err_nomem(e);
	stmt = store_stmt(st, "INSERT INTO deploy_targets (cert_id, cert_path, "
	    "chain_path, fullchain_path, key_path, combined_path, owner, grp, mode, "
	    "key_mode, reload_argv, reload_timeout, created) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", e);
	if (stmt == NULL) {
		cJSON_free(argv_json);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, t->cert_id);
	store_bind_text(stmt, 2, t->cert_path);
	store_bind_text(stmt, 3, t->chain_path);
	store_bind_text(stmt, 4, t->fullchain_path);
	store_bind_text(stmt, 5, t->key_path);
	store_bind_text(stmt, 6, t->combined_path);
	store_bind_text(stmt, 7, t->owner);
	store_bind_text(stmt, 8, t->group);
	sqlite3_bind_int(stmt, 9, t->mode);
	sqlite3_bind_int(stmt, 10, t->key_mode);
	store_bind_text(stmt, 11, argv_json);
	sqlite3_bind_int(stmt, 12, t->reload_timeout);
	sqlite3_bind_int64(stmt, 13, store_now());
	rc = store_step_done(st, stmt, _("cannot store a deploy target"), e);
	cJSON_free(argv_json);
	if (rc != 0)
		return -1;
	*id_out = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
store_deploy_list(struct store *st, int64_t cert_id, struct deploy_target ***out,
    size_t *n, struct err *e)
{
	struct deploy_target **list = NULL, **grown, *t;
	sqlite3_stmt *stmt;
	size_t cap = 0, count = 0;
	int rc, ret = -1;

	*out = NULL;
	*n = 0;
	stmt = store_stmt(st, "SELECT " TARGET_COLUMNS " FROM deploy_targets "
	    "WHERE ?1 = 0 OR cert_id = ?1 ORDER BY id", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, cert_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 4;
			if ((grown = realloc(list, cap * sizeof(*grown))) == NULL) {
				err_nomem(e);
				goto out;
			}
			list = grown;
		}
		if (row_read(stmt, &t, e) == -1)
			goto out;
		list[count++] = t;
	}
	if (rc != SQLITE_DONE) {
		store_error(st, e, _("cannot read the deploy targets"));
		goto out;
	}
	*out = list;
	*n = count;
	list = NULL;
	count = 0;
	ret = 0;
out:
	sqlite3_reset(stmt);
	deploy_target_list_free(list, count);
	return ret;
}

int
store_deploy_get(struct store *st, int64_t id, struct deploy_target **out,
    struct err *e)
{
	sqlite3_stmt *stmt;
	int rc, ret = -1;

	*out = NULL;
	stmt = store_stmt(st, "SELECT " TARGET_COLUMNS " FROM deploy_targets "
	    "WHERE id = ?1", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		err_set(e, ERR_USAGE, _("no deploy target #%lld"), (long long)id);
		ret = 1;
	} else if (rc != SQLITE_ROW)
		store_error(st, e, _("cannot read a deploy target"));
	else if (row_read(stmt, out, e) == 0)
		ret = 0;
	sqlite3_reset(stmt);
	return ret;
}

int
store_deploy_remove(struct store *st, int64_t cert_id, int64_t id, struct err *e)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, "DELETE FROM deploy_targets WHERE id = ?1 AND "
	    "cert_id = ?2", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, cert_id);
	if (store_step_done(st, stmt, _("cannot remove a deploy target"), e) != 0)
		return -1;
	if (sqlite3_changes(store_db(st)) > 0)
		return 0;
	err_set(e, ERR_INPUT, _("certificate #%lld has no deploy target #%lld"),
	    (long long)cert_id, (long long)id);
	return 1;
}

static int
record_rows(struct store *st, int64_t id, long long when, int ok,
    const char *message, const char *actor, struct err *e)
{
	sqlite3_stmt *stmt;
	char event[1400];
	int64_t cert_id;
	int rc;

	stmt = store_stmt(st, "UPDATE deploy_targets SET last_run = ?2, "
	    "last_status = ?3, last_message = ?4 WHERE id = ?1 RETURNING cert_id", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, when);
	sqlite3_bind_text(stmt, 3, ok ? "ok" : "failed", -1, SQLITE_STATIC);
	store_bind_text(stmt, 4, message);
	rc = sqlite3_step(stmt);
	cert_id = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	/* RETURNING writes the change only when stepped to the end. */
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_error(st, e, _("cannot record a deploy run"));
	if (cert_id == 0) {
		err_set(e, ERR_USAGE, _("no deploy target #%lld"), (long long)id);
		return 1;
	}

	if (ok)
		snprintf(event, sizeof(event), _("certificate #%lld deployed to target "
		    "#%lld: %s"), (long long)cert_id, (long long)id,
		    message != NULL ? message : "");
	else
		snprintf(event, sizeof(event), _("certificate #%lld: deploy to target "
		    "#%lld failed: %s"), (long long)cert_id, (long long)id,
		    message != NULL ? message : "");
	stmt = store_stmt(st, "INSERT INTO events (time, job_id, level, message, "
	    "actor, cert_id) VALUES (?1, NULL, ?2, ?3, ?4, ?5)", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, when);
	sqlite3_bind_text(stmt, 2, ok ? "info" : "error", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, event, -1, SQLITE_STATIC);
	store_bind_text(stmt, 4, actor);
	sqlite3_bind_int64(stmt, 5, cert_id);
	return store_step_done(st, stmt, _("cannot record a deploy run"), e);
}

int
store_deploy_record(struct store *st, int64_t id, long long when, int ok,
    const char *message, const char *actor, struct err *e)
{
	int own, rc;

	/* Alone, a transaction of our own; inside the caller's, a savepoint. */
	if (store_nest_begin(st, "store_deploy_record", &own, e) != 0)
		return -1;
	rc = record_rows(st, id, when, ok, message, actor, e);
	if (rc == 0 && store_nest_end(st, "store_deploy_record", own, e) == 0)
		return 0;
	store_nest_undo(st, "store_deploy_record", own);
	return rc == 0 ? -1 : rc;
}

int
store_deploy_copy(struct store *st, int64_t from_cert_id, int64_t to_cert_id,
    struct err *e)
{
	sqlite3_stmt *stmt;

	if (from_cert_id == to_cert_id)
		return 0;
	stmt = store_stmt(st, "INSERT INTO deploy_targets (cert_id, cert_path, "
	    "chain_path, fullchain_path, key_path, combined_path, owner, grp, mode, "
	    "key_mode, reload_argv, reload_timeout, created) "
	    "SELECT ?2, s.cert_path, s.chain_path, s.fullchain_path, s.key_path, "
	    "s.combined_path, s.owner, s.grp, s.mode, s.key_mode, s.reload_argv, "
	    "s.reload_timeout, ?3 FROM deploy_targets s WHERE s.cert_id = ?1 "
	    "AND NOT EXISTS (SELECT 1 FROM deploy_targets d WHERE d.cert_id = ?2 "
	    "AND d.cert_path IS s.cert_path AND d.chain_path IS s.chain_path "
	    "AND d.fullchain_path IS s.fullchain_path AND d.key_path IS s.key_path "
	    "AND d.combined_path IS s.combined_path AND d.owner IS s.owner "
	    "AND d.grp IS s.grp AND d.mode = s.mode AND d.key_mode = s.key_mode "
	    "AND d.reload_argv IS s.reload_argv "
	    "AND d.reload_timeout = s.reload_timeout) ORDER BY s.id", e);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, from_cert_id);
	sqlite3_bind_int64(stmt, 2, to_cert_id);
	sqlite3_bind_int64(stmt, 3, store_now());
	if (store_step_done(st, stmt, _("cannot copy the deploy targets"), e) != 0)
		return -1;
	return 0;
}
