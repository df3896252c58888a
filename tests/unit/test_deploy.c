/*
 * Deployment: content building (against the demo certificates made by
 * test_deploy.sh), the deploy_targets bookkeeping including the copy that
 * renewal makes, and one deploy_run end to end. The shell test
 * tests/cli/test_deploy.sh covers files, owners and reload commands.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cert_record.h"
#include "crypto.h"
#include "deploy.h"
#include "fileio.h"
#include "store.h"
#include "store_sql.h"
#include "store_cert.h"
#include "store_deploy.h"
#include "store_key.h"
#include "tap.h"

static const char *dir;

static char *
path_in(const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *s = malloc(n);

	if (s == NULL)
		abort();
	snprintf(s, n, "%s/%s", dir, name);
	return s;
}

/* A file's contents; aborts the test when it cannot be read. */
static char *
slurp(const char *name)
{
	char *p = path_in(name), *text = NULL;
	size_t len;
	struct err e;

	err_clear(&e);
	if (fileio_read(p, 1 << 20, &text, &len, &e) != 0) {
		printf("Bail out! %s\n", e.msg);
		exit(1);
	}
	free(p);
	return text;
}

static char *
concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s == NULL)
		abort();
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

static long long
query_int(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	long long v = -999;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void
query_text(struct store *st, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *stmt = NULL;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

/* Stores certs/NAME.pem (certificate, chain, key) like `certdeck import`. */
static int64_t
import(struct store *st, const char *name, int with_key)
{
	char file[128], *text, *key_pem = NULL;
	struct cert_row *row = NULL;
	EVP_PKEY *key = NULL;
	int64_t key_id, id = 0;
	struct err e;

	snprintf(file, sizeof(file), "certs/%s.pem", name);
	text = slurp(file);
	err_clear(&e);
	if (cert_record_from_pem(text, strlen(text), &row, &e) != 0)
		goto fail;
	if (with_key) {
		enum key_type kt;

		if (crypto_key_from_pem(text, strlen(text), &key, &e) != 0 ||
		    crypto_key_type_of(key, &kt, &e) != 0 ||
		    crypto_key_to_pem(key, &key_pem, &e) != 0 ||
		    store_key_insert(st, crypto_key_type_name(kt), key_pem, &key_id,
		    &e) != 0)
			goto fail;
		row->key_id = key_id;
	}
	if (store_cert_insert(st, row, &id, &e) != 0)
		goto fail;
	EVP_PKEY_free(key);
	cert_row_free(row);
	free(text);
	free(key_pem);
	return id;
fail:
	printf("Bail out! cannot import %s: %s\n", name, e.msg);
	exit(1);
}

static int
count_blocks(const char *s)
{
	int n = 0;

	while (s != NULL && (s = strstr(s, "-----BEGIN CERTIFICATE-----")) != NULL) {
		n++;
		s++;
	}
	return n;
}

static void
test_contents(void)
{
	char *leaf = slurp("certs/www.example.test.crt");
	char *ca = slurp("certs/ca.crt");
	char *www_key = slurp("certs/www.example.test.key");
	char *api_key = slurp("certs/api.example.test.key");
	char *chain = concat(leaf, ca), *reversed = concat(ca, leaf), *fullchain;
	char *combined;
	struct deploy_contents c;
	struct err e;
	int f;

	err_clear(&e);
	ok(deploy_contents_build(chain, www_key, &c, &e) == 0, "contents: leaf + CA + key");
	is_str(c.data[DEPLOY_FILE_CERT], leaf, "contents: cert is the leaf alone");
	is_int(count_blocks(c.data[DEPLOY_FILE_CERT]), 1, "contents: one block in cert");
	is_str(c.data[DEPLOY_FILE_CHAIN], ca, "contents: chain is the CA");
	fullchain = concat(leaf, ca);
	is_str(c.data[DEPLOY_FILE_FULLCHAIN], fullchain, "contents: fullchain is leaf + chain");
	is_str(c.data[DEPLOY_FILE_KEY], www_key, "contents: key is the stored PEM");
	combined = concat(www_key, fullchain);
	is_str(c.data[DEPLOY_FILE_COMBINED], combined, "contents: combined is key + fullchain");
	for (f = 0; f < DEPLOY_FILE_COUNT; f++)
		is_int(c.len[f], strlen(c.data[f]), "contents: lengths agree");
	ok(strstr(c.data[DEPLOY_FILE_FULLCHAIN], "PRIVATE") == NULL,
	    "contents: no key in the fullchain");
	deploy_contents_clear(&c);
	ok(c.data[DEPLOY_FILE_KEY] == NULL && c.len[DEPLOY_FILE_KEY] == 0,
	    "contents: clear empties");

	ok(deploy_contents_build(chain, NULL, &c, &e) == 0, "contents: without a key");
	ok(c.data[DEPLOY_FILE_KEY] == NULL && c.data[DEPLOY_FILE_COMBINED] == NULL,
	    "contents: ... no key, no combined");
	ok(c.data[DEPLOY_FILE_FULLCHAIN] != NULL, "contents: ... fullchain still");
	deploy_contents_clear(&c);

	ok(deploy_contents_build(leaf, NULL, &c, &e) == 0, "contents: a leaf alone");
	ok(c.data[DEPLOY_FILE_CHAIN] == NULL, "contents: ... has no chain");
	is_str(c.data[DEPLOY_FILE_FULLCHAIN], leaf, "contents: ... fullchain is the leaf");
	deploy_contents_clear(&c);

	err_clear(&e);
	ok(deploy_contents_build(chain, api_key, &c, &e) == -1,
	    "contents: another certificate's key is refused");
	ok(strstr(e.msg, "does not belong") != NULL, "contents: ... saying so");
	ok(c.data[DEPLOY_FILE_CERT] == NULL, "contents: ... and nothing is built");
	err_clear(&e);
	ok(deploy_contents_build(reversed, NULL, &c, &e) == -1,
	    "contents: a chain in the wrong order is refused");
	ok(strstr(e.msg, "broken chain") != NULL, "contents: ... as a broken chain");
	err_clear(&e);
	ok(deploy_contents_build("hello\n", NULL, &c, &e) == -1,
	    "contents: text without a certificate is refused");
	err_clear(&e);
	ok(deploy_contents_build(chain, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", &c, &e) == -1,
	    "contents: a damaged key is refused");
	ok(strstr(e.msg, "BEGIN") == NULL && strstr(e.msg, "AAAA") == NULL,
	    "contents: ... without quoting it");

	is_str(deploy_file_name(DEPLOY_FILE_COMBINED), "combined", "file names");
	ok(deploy_file_name(DEPLOY_FILE_COUNT) == NULL, "file names: out of range");

	free(leaf);
	free(ca);
	free(www_key);
	free(api_key);
	free(chain);
	free(reversed);
	free(fullchain);
	free(combined);
}

static void
test_owner(void)
{
	uid_t uid;
	gid_t gid;
	struct err e;

	err_clear(&e);
	ok(deploy_resolve_owner(NULL, NULL, &uid, &gid, &e) == 0 &&
	    uid == (uid_t)-1 && gid == (gid_t)-1, "owner: none keeps both");
	ok(deploy_resolve_owner("root", "0", &uid, &gid, &e) == 0 && uid == 0 &&
	    gid == 0, "owner: root and group 0");
	ok(deploy_resolve_owner("4242", NULL, &uid, &gid, &e) == 0 && uid == 4242,
	    "owner: a number is taken as an id");
	ok(deploy_resolve_owner("no-such-user-certdeck", NULL, &uid, &gid, &e) == -1,
	    "owner: an unknown user fails");
	ok(strstr(e.msg, "no-such-user-certdeck") != NULL, "owner: ... naming it");
	err_clear(&e);
	ok(deploy_resolve_owner(NULL, "no-such-group-certdeck", &uid, &gid, &e) == -1,
	    "owner: an unknown group fails");
	ok(strstr(e.msg, "no-such-group-certdeck") != NULL, "owner: ... naming it");
}

static struct deploy_target *
find_target(struct deploy_target **list, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i]->id == id)
			return list[i];
	return NULL;
}

static void
test_store(struct store *st, int64_t www, int64_t api)
{
	static char a0[] = "/bin/true", a1[] = "a b", a2[] = "$HOME;x";
	static char fc[] = "/srv/x/fullchain.pem", key[] = "/srv/x/key.pem";
	static char grp[] = "ssl-cert", cert[] = "/srv/y/cert.pem";
	static char chain[] = "/srv/y/chain.pem", comb[] = "/srv/y/combined.pem";
	static char owner[] = "www-data";
	char *argv[] = { a0, a1, a2, NULL };
	struct deploy_target t = { 0 }, *got = NULL, **list = NULL;
	int64_t t1 = 0, t2 = 0;
	size_t n = 0;
	char sql[256], buf[512];
	struct err e;

	err_clear(&e);
	t.cert_id = 999999;
	t.fullchain_path = fc;
	t.mode = DEPLOY_MODE_DEFAULT;
	t.key_mode = DEPLOY_KEY_MODE_DEFAULT;
	t.reload_timeout = DEPLOY_RELOAD_TIMEOUT_DEFAULT;
	is_int(store_deploy_add(st, &t, &t1, &e), 1, "store: no such certificate is 1");
	t.cert_id = www;
	t.fullchain_path = NULL;
	ok(store_deploy_add(st, &t, &t1, &e) == -1 && e.kind == ERR_USAGE,
	    "store: a target without a file is refused");
	t.fullchain_path = fc;
	t.mode = 01000;
	ok(store_deploy_add(st, &t, &t1, &e) == -1, "store: a mode over 0777 is refused");
	t.mode = DEPLOY_MODE_DEFAULT;

	t.key_path = key;
	t.reload_argv = argv;
	t.group = grp;
	ok(store_deploy_add(st, &t, &t1, &e) == 0 && t1 > 0, "store: add target 1");
	memset(&t, 0, sizeof(t));
	t.cert_id = www;
	t.cert_path = cert;
	t.chain_path = chain;
	t.combined_path = comb;
	t.owner = owner;
	t.mode = 0640;
	t.key_mode = 0400;
	t.reload_timeout = 5;
	ok(store_deploy_add(st, &t, &t2, &e) == 0 && t2 > t1, "store: add target 2");

	ok(store_deploy_list(st, www, &list, &n, &e) == 0 && n == 2, "store: list has two");
	if (n == 2) {
		is_int(list[0]->id, t1, "store: list in id order");
		is_str(list[0]->fullchain_path, "/srv/x/fullchain.pem", "store: fullchain path");
		is_str(list[0]->key_path, "/srv/x/key.pem", "store: key path");
		ok(list[0]->cert_path == NULL && list[0]->combined_path == NULL,
		    "store: unset paths are NULL");
		is_int(list[0]->mode, 0644, "store: default mode 0644");
		is_int(list[0]->key_mode, 0600, "store: default key mode 0600");
		is_int(list[0]->reload_timeout, 60, "store: default timeout");
		ok(list[0]->reload_argv != NULL, "store: reload argv kept");
		if (list[0]->reload_argv != NULL) {
			is_str(list[0]->reload_argv[0], "/bin/true", "store: argv[0]");
			is_str(list[0]->reload_argv[1], "a b", "store: argv[1] with a space");
			is_str(list[0]->reload_argv[2], "$HOME;x", "store: argv[2] literal");
			ok(list[0]->reload_argv[3] == NULL, "store: argv ends");
		}
		ok(list[0]->owner == NULL, "store: no owner");
		is_str(list[0]->group, "ssl-cert", "store: group");
		ok(list[0]->last_run == 0 && list[0]->last_status == NULL,
		    "store: never run");
		is_int(list[1]->mode, 0640, "store: mode 0640");
		is_int(list[1]->key_mode, 0400, "store: key mode 0400");
		ok(list[1]->reload_argv == NULL, "store: no reload");
		is_str(list[1]->owner, "www-data", "store: owner");
	}
	deploy_target_list_free(list, n);
	ok(store_deploy_list(st, api, &list, &n, &e) == 0 && n == 0 && list == NULL,
	    "store: another certificate has none");

	ok(store_deploy_get(st, t2, &got, &e) == 0 && got != NULL && got->cert_id == www,
	    "store: get");
	deploy_target_free(got);
	is_int(store_deploy_get(st, 999999, &got, &e), 1, "store: get a missing one is 1");

	/* A run result goes to the row and to events, together. */
	ok(store_deploy_record(st, t1, 1700000000, 0, "reload failed: boom", "tester",
	    &e) == 0, "record: a failure");
	ok(store_deploy_get(st, t1, &got, &e) == 0, "record: read back");
	if (got != NULL) {
		is_int(got->last_run, 1700000000, "record: last_run");
		is_str(got->last_status, "failed", "record: last_status failed");
		is_str(got->last_message, "reload failed: boom", "record: last_message");
	}
	deploy_target_free(got);
	is_int(query_int(st, "SELECT count(*) FROM events WHERE level = 'error' AND "
	    "job_id IS NULL AND actor = 'tester' AND time = 1700000000"), 1,
	    "record: an error event");
	snprintf(sql, sizeof(sql), "SELECT message FROM events WHERE time = 1700000000");
	query_text(st, sql, buf, sizeof(buf));
	ok(strstr(buf, "boom") != NULL, "record: the event carries the message");
	snprintf(sql, sizeof(sql), "#%lld", (long long)t1);
	ok(strstr(buf, sql) != NULL, "record: ... and names the target");
	ok(store_deploy_record(st, t1, 1700000100, 1, "wrote", NULL, &e) == 0,
	    "record: a success");
	is_int(query_int(st, "SELECT count(*) FROM events WHERE level = 'info' AND "
	    "time = 1700000100"), 1, "record: an info event");
	is_int(store_deploy_record(st, 999999, 1, 1, "x", NULL, &e), 1,
	    "record: a missing target is 1");
	is_int(query_int(st, "SELECT count(*) FROM events WHERE time = 1"), 0,
	    "record: ... and writes no event");
	/* Inside a caller's transaction it is part of it. */
	ok(store_begin(st, &e) == 0, "record: caller's transaction");
	ok(store_deploy_record(st, t2, 1700000200, 1, "inner", NULL, &e) == 0,
	    "record: inside it");
	store_rollback(st);
	is_int(query_int(st, "SELECT count(*) FROM events WHERE time = 1700000200"), 0,
	    "record: rolled back with the caller");

	/* Renewal: api (the "new" certificate) gets www's targets. */
	ok(store_deploy_copy(st, www, api, &e) == 0, "copy: www to api");
	ok(store_deploy_list(st, api, &list, &n, &e) == 0 && n == 2, "copy: two targets");
	if (n == 2) {
		ok(list[0]->id != t1 && list[1]->id != t2, "copy: new rows");
		is_int(list[0]->cert_id, api, "copy: for the new certificate");
		is_str(list[0]->fullchain_path, "/srv/x/fullchain.pem", "copy: paths kept");
		is_str(list[1]->combined_path, "/srv/y/combined.pem", "copy: combined kept");
		is_str(list[0]->group, "ssl-cert", "copy: group kept");
		is_str(list[1]->owner, "www-data", "copy: owner kept");
		is_int(list[1]->mode, 0640, "copy: mode kept");
		is_int(list[1]->key_mode, 0400, "copy: key mode kept");
		is_int(list[1]->reload_timeout, 5, "copy: timeout kept");
		ok(list[0]->reload_argv != NULL && list[0]->reload_argv[2] != NULL &&
		    strcmp(list[0]->reload_argv[2], "$HOME;x") == 0, "copy: argv kept");
		ok(list[0]->last_run == 0 && list[0]->last_status == NULL &&
		    list[0]->last_message == NULL, "copy: history not copied");
		ok(find_target(list, n, t1) == NULL, "copy: the old ids stay with www");
	}
	deploy_target_list_free(list, n);
	ok(store_deploy_copy(st, www, api, &e) == 0, "copy: again (a resumed renewal)");
	ok(store_deploy_list(st, api, &list, &n, &e) == 0 && n == 2,
	    "copy: ... adds no duplicates");
	deploy_target_list_free(list, n);
	ok(store_deploy_copy(st, api, api, &e) == 0, "copy: onto itself is a no-op");
	ok(store_deploy_list(st, www, &list, &n, &e) == 0 && n == 2,
	    "copy: the old certificate keeps its targets");
	deploy_target_list_free(list, n);
	ok(store_deploy_copy(st, 999999, api, &e) == 0, "copy: from nothing copies nothing");

	/* Remove. */
	ok(store_deploy_list(st, api, &list, &n, &e) == 0 && n == 2, "remove: before");
	if (n == 2) {
		is_int(store_deploy_remove(st, www, list[0]->id, &e), 1,
		    "remove: another certificate's target is 1");
		is_int(store_deploy_remove(st, api, list[0]->id, &e), 0, "remove: ok");
		is_int(store_deploy_remove(st, api, list[0]->id, &e), 1, "remove: twice is 1");
	}
	deploy_target_list_free(list, n);

	/* A reload command that is not a JSON array of strings is reported. */
	snprintf(sql, sizeof(sql), "UPDATE deploy_targets SET reload_argv = '[1,2]' "
	    "WHERE id = %lld", (long long)t2);
	ok(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) == SQLITE_OK, "damaged: set");
	err_clear(&e);
	ok(store_deploy_get(st, t2, &got, &e) == -1 && got == NULL, "damaged: get fails");
	ok(strstr(e.msg, "damaged") != NULL, "damaged: ... saying so");
	snprintf(sql, sizeof(sql), "UPDATE deploy_targets SET reload_argv = NULL "
	    "WHERE id = %lld", (long long)t2);
	sqlite3_exec(store_db(st), sql, NULL, NULL, NULL);

	/* Deleting a certificate takes its targets along. */
	snprintf(sql, sizeof(sql), "DELETE FROM certificates WHERE id = %lld",
	    (long long)api);
	ok(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) == SQLITE_OK,
	    "cascade: delete a certificate");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM deploy_targets WHERE "
	    "cert_id = %lld", (long long)api);
	is_int(query_int(st, sql), 0, "cascade: its targets are gone");
}

static void
test_run(struct store *st, int64_t shop, int64_t www, int64_t bare)
{
	static char a0[] = "/bin/sh", a1[] = "-c";
	static char a2[] = "echo \"$CERTDECK_CERT_ID $CERTDECK_KEY\"";
	char *argv[] = { a0, a1, a2, NULL };
	struct deploy_report rep = { NULL, 0, 0 };
	struct deploy_target t = { 0 };
	struct stat sb;
	char *out = path_in("out"), *fc = path_in("out/fullchain.pem");
	char *key = path_in("out/key.pem"), want[256];
	int64_t tid = 0;
	struct err e;

	mkdir(out, 0700);
	err_clear(&e);
	t.cert_id = shop;
	t.fullchain_path = fc;
	t.key_path = key;
	t.mode = 0644;
	t.key_mode = 0600;
	t.reload_timeout = 10;
	t.reload_argv = argv;
	ok(store_deploy_add(st, &t, &tid, &e) == 0, "run: add a target");
	ok(deploy_run(st, shop, 0, "tester", &rep, &e) == 0, "run: deploy_run succeeds");
	if (rep.n != 1 || !rep.results[0].ok)
		diag("%s / %s", e.msg, rep.n > 0 ? rep.results[0].message : "");
	is_int(rep.n, 1, "run: one result");
	is_int(rep.n_failed, 0, "run: none failed");
	if (rep.n == 1) {
		is_int(rep.results[0].target_id, tid, "run: the result names the target");
		snprintf(want, sizeof(want), "%lld %s", (long long)shop, key);
		ok(strstr(rep.results[0].message, want) != NULL,
		    "run: the reload output (with its environment) is in the message");
	}
	deploy_report_clear(&rep);
	ok(stat(fc, &sb) == 0 && (sb.st_mode & 07777) == 0644, "run: fullchain 0644");
	ok(stat(key, &sb) == 0 && (sb.st_mode & 07777) == 0600, "run: key 0600");
	snprintf(want, sizeof(want), "SELECT count(*) FROM deploy_targets WHERE "
	    "id = %lld AND last_status = 'ok' AND last_message LIKE 'wrote %%'",
	    (long long)tid);
	is_int(query_int(st, want), 1, "run: recorded ok");

	err_clear(&e);
	ok(deploy_run(st, www, tid, "tester", &rep, &e) == -1, "run: another certificate's target "
	    "is refused");
	is_int(rep.n, 0, "run: ... nothing tried");
	ok(strstr(e.msg, "no deploy target") != NULL, "run: ... saying so");
	deploy_report_clear(&rep);
	err_clear(&e);
	ok(deploy_run(st, 999999, 0, "tester", NULL, &e) == -1, "run: a missing certificate fails");
	ok(deploy_run(st, bare, 0, "tester", &rep, &e) == 0 && rep.n == 0,
	    "run: no targets is success with an empty report");
	deploy_report_clear(&rep);
	unlink(fc);
	unlink(key);
	rmdir(out);
	free(out);
	free(fc);
	free(key);
}

int
main(int argc, char **argv)
{
	struct store *st = NULL;
	char *db;
	int64_t www, api, shop, bare;
	struct err e;

	if (argc != 2) {
		printf("Bail out! usage: test_deploy DIR (run test_deploy.sh)\n");
		return 1;
	}
	dir = argv[1];
	test_contents();
	test_owner();

	db = path_in("store.db");
	err_clear(&e);
	if (store_open(db, STORE_CREATE, &st, &e) != 0) {
		printf("Bail out! %s\n", e.msg);
		return 1;
	}
	www = import(st, "www.example.test", 1);
	api = import(st, "api.example.test", 1);
	shop = import(st, "shop.example.test", 1);
	bare = import(st, "old.example.test", 0);
	test_store(st, www, api);
	test_run(st, shop, www, bare);
	store_close(st);
	free(db);
	return done_testing();
}
