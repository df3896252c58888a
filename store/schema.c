#include "config.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "schema.h"

/* "cdek": marks the file as ours in `file` and sqlite3's .dbinfo. */
#define CERTDECK_APPLICATION_ID 1667523947

/*
 * The migrations, in order: step N brings user_version from N-1 to N.
 * Append new steps; never edit one that has shipped.
 *
 * Times are INTEGER Unix seconds, JSON documents are TEXT. Only the
 * certificates table is expected to grow large (10^6 rows); the partial
 * indexes on its nullable references keep deletes from scanning it for
 * foreign-key children.
 */
static const char *const steps[] = {
	/* 1: core tables. */
	"PRAGMA application_id = 1667523947;\n"
	"CREATE TABLE cas (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT,\n"
	"  directory_url TEXT NOT NULL UNIQUE,\n"
	"  ca_bundle_pem TEXT,\n"
	"  eab_kid TEXT,\n"
	"  eab_hmac_key TEXT,\n"
	"  directory_json TEXT,\n"
	"  directory_fetched INTEGER,\n"
	"  created INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE keys (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  type TEXT NOT NULL,\n"
	"  pem TEXT NOT NULL,\n"
	"  created INTEGER\n"
	");\n"
	/* old_key_id: the previous key, kept until a rollover is confirmed. */
	"CREATE TABLE accounts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  ca_id INTEGER NOT NULL REFERENCES cas(id) ON DELETE RESTRICT,\n"
	"  key_id INTEGER NOT NULL REFERENCES keys(id) ON DELETE RESTRICT,\n"
	"  old_key_id INTEGER REFERENCES keys(id) ON DELETE SET NULL,\n"
	"  url TEXT,\n"
	"  contacts TEXT,\n"
	"  status TEXT NOT NULL DEFAULT 'pending',\n"
	"  tos_agreed INTEGER,\n"
	"  created INTEGER,\n"
	"  updated INTEGER\n"
	");\n"
	"CREATE TABLE orders (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id)"
	" ON DELETE CASCADE,\n"
	"  url TEXT,\n"
	"  status TEXT,\n"
	"  identifiers TEXT,\n"
	"  profile TEXT,\n"
	"  replaces TEXT,\n"
	"  expires INTEGER,\n"
	"  finalize_url TEXT,\n"
	"  certificate_url TEXT,\n"
	"  key_id INTEGER REFERENCES keys(id) ON DELETE SET NULL,\n"
	"  csr BLOB,\n"
	"  settings TEXT,\n"
	"  error TEXT,\n"
	"  cert_id INTEGER REFERENCES certificates(id) ON DELETE SET NULL,\n"
	"  created INTEGER,\n"
	"  updated INTEGER\n"
	");\n"
	"CREATE TABLE authorizations (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,\n"
	"  url TEXT NOT NULL,\n"
	"  identifier_type TEXT,\n"
	"  identifier_value TEXT,\n"
	"  wildcard INTEGER NOT NULL DEFAULT 0,\n"
	"  status TEXT,\n"
	"  expires INTEGER,\n"
	"  updated INTEGER,\n"
	"  UNIQUE (order_id, url)\n"
	");\n"
	"CREATE TABLE challenges (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  authz_id INTEGER NOT NULL REFERENCES authorizations(id)"
	" ON DELETE CASCADE,\n"
	"  type TEXT,\n"
	"  url TEXT,\n"
	"  token TEXT,\n"
	"  status TEXT,\n"
	"  error TEXT,\n"
	"  validated INTEGER,\n"
	"  UNIQUE (authz_id, url)\n"
	");\n"
	"CREATE TABLE certificates (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,\n"
	"  order_id INTEGER REFERENCES orders(id) ON DELETE SET NULL,\n"
	"  key_id INTEGER REFERENCES keys(id) ON DELETE SET NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  subject TEXT,\n"
	"  issuer TEXT,\n"
	"  issuer_cn TEXT,\n"
	"  serial TEXT,\n"
	"  not_before INTEGER NOT NULL,\n"
	"  not_after INTEGER NOT NULL,\n"
	"  key_type TEXT,\n"
	"  fingerprint TEXT NOT NULL UNIQUE,\n"
	"  aki TEXT,\n"
	"  pem_chain TEXT NOT NULL,\n"
	"  status TEXT NOT NULL DEFAULT 'valid',\n"
	"  replaced_by INTEGER REFERENCES certificates(id) ON DELETE SET NULL,\n"
	"  source TEXT,\n"
	"  ari_window_start INTEGER,\n"
	"  ari_window_end INTEGER,\n"
	"  ari_explanation TEXT,\n"
	"  ari_next_check INTEGER,\n"
	"  revoked_at INTEGER,\n"
	"  revocation_reason INTEGER,\n"
	"  created INTEGER NOT NULL\n"
	");\n"
	/*
	 * An explicit INTEGER PRIMARY KEY: the FTS index of step 2 points at
	 * these rowids, and VACUUM may renumber implicit ones.
	 */
	"CREATE TABLE cert_names (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  cert_id INTEGER NOT NULL REFERENCES certificates(id)"
	" ON DELETE CASCADE,\n"
	"  position INTEGER NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  UNIQUE (cert_id, position)\n"
	");\n"
	"CREATE TABLE jobs (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  kind TEXT NOT NULL,\n"
	"  target_id INTEGER,\n"
	"  params TEXT,\n"
	"  state TEXT NOT NULL DEFAULT 'queued',\n"
	"  attempt INTEGER NOT NULL DEFAULT 0,\n"
	"  run_after INTEGER NOT NULL DEFAULT 0,\n"
	"  step INTEGER,\n"
	"  steps INTEGER,\n"
	"  progress TEXT,\n"
	"  last_error TEXT,\n"
	"  claimed_by TEXT,\n"
	"  claimed_at INTEGER,\n"
	"  actor TEXT,\n"
	"  created INTEGER,\n"
	"  updated INTEGER\n"
	");\n"
	"CREATE TABLE events (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  time INTEGER NOT NULL,\n"
	"  job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,\n"
	"  level TEXT,\n"
	"  step INTEGER,\n"
	"  steps INTEGER,\n"
	"  message TEXT NOT NULL,\n"
	"  actor TEXT\n"
	");\n"
	/*
	 * The UNIQUE constraints above already index authorizations(order_id),
	 * challenges(authz_id) and cert_names(cert_id).
	 */
	"CREATE INDEX certificates_not_after ON certificates (not_after, id);\n"
	"CREATE INDEX certificates_status ON certificates"
	" (status, not_after, id);\n"
	"CREATE INDEX certificates_account ON certificates (account_id);\n"
	"CREATE INDEX certificates_order ON certificates (order_id)"
	" WHERE order_id IS NOT NULL;\n"
	"CREATE INDEX certificates_replaced_by ON certificates (replaced_by)"
	" WHERE replaced_by IS NOT NULL;\n"
	"CREATE INDEX cert_names_name ON cert_names (name);\n"
	"CREATE INDEX jobs_state ON jobs (state, run_after);\n"
	"CREATE INDEX events_job ON events (job_id, id);\n"
	"CREATE INDEX orders_account ON orders (account_id);\n"
	"CREATE INDEX orders_cert ON orders (cert_id)"
	" WHERE cert_id IS NOT NULL;\n",

	/*
	 * 2: substring search over names at 10^6 certificates. A trigram
	 * index answers "contains xyz" without scanning cert_names; it is an
	 * external-content table, so the names are stored once.
	 */
	"CREATE VIRTUAL TABLE cert_names_fts USING fts5(name,"
	" tokenize = 'trigram', content = 'cert_names', content_rowid = 'id');\n"
	"CREATE TRIGGER cert_names_fts_insert AFTER INSERT ON cert_names BEGIN\n"
	"  INSERT INTO cert_names_fts (rowid, name) VALUES (new.id, new.name);\n"
	"END;\n"
	"CREATE TRIGGER cert_names_fts_delete AFTER DELETE ON cert_names BEGIN\n"
	"  INSERT INTO cert_names_fts (cert_names_fts, rowid, name)"
	" VALUES ('delete', old.id, old.name);\n"
	"END;\n"
	"CREATE TRIGGER cert_names_fts_update AFTER UPDATE ON cert_names BEGIN\n"
	"  INSERT INTO cert_names_fts (cert_names_fts, rowid, name)"
	" VALUES ('delete', old.id, old.name);\n"
	"  INSERT INTO cert_names_fts (rowid, name) VALUES (new.id, new.name);\n"
	"END;\n"
	"INSERT INTO cert_names_fts (cert_names_fts) VALUES ('rebuild');\n",

	/*
	 * 3: where a certificate is installed. A NULL path is a file not
	 * wanted; modes are the permission bits (420 = 0644, 384 = 0600);
	 * reload_argv is a JSON array of strings run without a shell.
	 * Renewal copies a certificate's rows to its successor.
	 */
	"CREATE TABLE deploy_targets (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  cert_id INTEGER NOT NULL REFERENCES certificates(id)"
	" ON DELETE CASCADE,\n"
	"  cert_path TEXT,\n"
	"  chain_path TEXT,\n"
	"  fullchain_path TEXT,\n"
	"  key_path TEXT,\n"
	"  combined_path TEXT,\n"
	"  owner TEXT,\n"
	"  grp TEXT,\n"
	"  mode INTEGER NOT NULL DEFAULT 420 CHECK (mode BETWEEN 0 AND 511),\n"
	"  key_mode INTEGER NOT NULL DEFAULT 384"
	" CHECK (key_mode BETWEEN 0 AND 511),\n"
	"  reload_argv TEXT,\n"
	"  reload_timeout INTEGER NOT NULL DEFAULT 60"
	" CHECK (reload_timeout > 0),\n"
	"  last_run INTEGER,\n"
	"  last_status TEXT CHECK (last_status IN ('ok', 'failed')),\n"
	"  last_message TEXT,\n"
	"  created INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX deploy_targets_cert ON deploy_targets (cert_id);\n",

	/*
	 * 4: renewal and jobs. renew_at is when a certificate becomes due: a
	 * third of its lifetime left (half for ten days or less, so 6-day
	 * certificates renew in time), or a moment in the CA's ARI window.
	 * Kept in a column so "what is due" is one indexed range scan.
	 */
	"ALTER TABLE certificates ADD COLUMN renew_at INTEGER;\n"
	"ALTER TABLE certificates ADD COLUMN ari_checked INTEGER;\n"
	"UPDATE certificates SET renew_at = CASE"
	" WHEN not_after - not_before <= 864000"
	" THEN not_after - (not_after - not_before) / 2"
	" ELSE not_after - (not_after - not_before) / 3 END;\n"
	"UPDATE certificates SET ari_next_check = 0 WHERE ari_next_check IS NULL;\n"
	"CREATE TRIGGER certificates_renew_at AFTER INSERT ON certificates"
	" WHEN new.renew_at IS NULL BEGIN\n"
	"  UPDATE certificates SET renew_at = CASE"
	" WHEN new.not_after - new.not_before <= 864000"
	" THEN new.not_after - (new.not_after - new.not_before) / 2"
	" ELSE new.not_after - (new.not_after - new.not_before) / 3 END,"
	" ari_next_check = coalesce(new.ari_next_check, 0)"
	" WHERE id = new.id;\n"
	"END;\n"
	"CREATE INDEX certificates_due ON certificates (status, renew_at)"
	" WHERE order_id IS NOT NULL;\n"
	"CREATE INDEX certificates_ari ON certificates (status, ari_next_check)"
	" WHERE order_id IS NOT NULL;\n"
	"ALTER TABLE jobs ADD COLUMN result_id INTEGER;\n"
	"CREATE INDEX jobs_target ON jobs (kind, target_id, state);\n",

	/*
	 * 5: the detail view's "recent events" finds the jobs that produced a
	 * certificate by result_id; without this every look scans all jobs.
	 */
	"CREATE INDEX jobs_result ON jobs (result_id) WHERE result_id IS NOT NULL;\n",

	/*
	 * 6: events that belong to a certificate outside any job (a deploy
	 * run from the command line) name it, so its detail view shows them.
	 * Older rows stay unlinked: their only link is in translated text.
	 */
	"ALTER TABLE events ADD COLUMN cert_id INTEGER"
	" REFERENCES certificates (id) ON DELETE SET NULL;\n"
	"CREATE INDEX events_cert ON events (cert_id, id) WHERE cert_id IS NOT NULL;\n",

	/*
	 * 7: monitoring. runs records each completed `certdeck renew` (the
	 * dead man's switch reads the newest); outcome is 'ok', 'failed' or
	 * 'retry'. alert_days overrides, per certificate, how many days
	 * before expiry it counts as expiring (NULL: the caller's default);
	 * its partial index answers max(alert_days) without a scan.
	 */
	"CREATE TABLE runs (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  kind TEXT NOT NULL,\n"
	"  started INTEGER NOT NULL,\n"
	"  ended INTEGER NOT NULL,\n"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'retry')),\n"
	"  done INTEGER NOT NULL DEFAULT 0,\n"
	"  failed INTEGER NOT NULL DEFAULT 0,\n"
	"  deferred INTEGER NOT NULL DEFAULT 0,\n"
	"  actor TEXT\n"
	");\n"
	"CREATE INDEX runs_kind ON runs (kind, ended);\n"
	"ALTER TABLE certificates ADD COLUMN alert_days INTEGER"
	" CHECK (alert_days IS NULL OR alert_days >= 0);\n"
	"CREATE INDEX certificates_alert_days ON certificates (alert_days)"
	" WHERE alert_days IS NOT NULL;\n"
	/*
	 * Notification channels (a hook program, or a webhook URL with its
	 * body format), each with the result of its last delivery; and the
	 * conditions notified so far, one row per (kind, subject: the
	 * certificate, the job, or 0), so each is told when it starts, at
	 * most daily while it lasts, and once when it clears.
	 */
	"CREATE TABLE notify_channels (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  type TEXT NOT NULL CHECK (type IN ('hook', 'webhook')),\n"
	"  target TEXT NOT NULL,\n"
	"  format TEXT CHECK (format IN ('json', 'slack', 'ntfy')),\n"
	"  ca_bundle TEXT,\n"
	"  created INTEGER NOT NULL,\n"
	"  last_time INTEGER,\n"
	"  last_status TEXT CHECK (last_status IN ('ok', 'failed')),\n"
	"  last_message TEXT,\n"
	"  failures INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE alert_state (\n"
	"  kind TEXT NOT NULL,\n"
	"  subject INTEGER NOT NULL,\n"
	"  started INTEGER NOT NULL,\n"
	"  notified INTEGER NOT NULL,\n"
	"  cert_id INTEGER,\n"
	"  message TEXT,\n"
	"  PRIMARY KEY (kind, subject)\n"
	") WITHOUT ROWID;\n",

	/*
	 * 8: job leases. A running job is its worker's until lease_until
	 * (Unix seconds), which the worker keeps pushing forward while it
	 * works; after that any worker may take it over. Jobs running under
	 * an older program get the old rule: 900 s after their last update.
	 */
	"ALTER TABLE jobs ADD COLUMN lease_until INTEGER;\n"
	"UPDATE jobs SET lease_until = coalesce(updated, 0) + 900 WHERE state = 'running';\n",

	/*
	 * 9: origins a CA may hand out URLs on besides its directory's (a CA
	 * that really splits its hosts; the user allows them per CA), as
	 * "https://host:port" words separated by spaces, or NULL.
	 */
	"ALTER TABLE cas ADD COLUMN allowed_origins TEXT;\n",

	/*
	 * 10: the mail channel and per-channel filters. SQLite cannot widen
	 * a CHECK, so notify_channels is rebuilt (nothing references it),
	 * now with AUTOINCREMENT: a removed channel's number is never given
	 * to a new one, which would otherwise inherit its queued notices.
	 * events: the event and condition names a channel gets, separated
	 * by commas (NULL: all); min_days: a certificate's notices only
	 * once it expires within that many days (NULL: always). A mail
	 * channel's target is the address; it is sent through sendmail
	 * (that program's absolute path, NULL: the system's) or, with
	 * smtp, to that smtp:// or smtps:// URL, logging in as smtp_user
	 * with the password read from password_file (the secret itself is
	 * never stored).
	 */
	"CREATE TABLE notify_channels_new (\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  type TEXT NOT NULL CHECK (type IN ('hook', 'webhook', 'mail')),\n"
	"  target TEXT NOT NULL,\n"
	"  format TEXT CHECK (format IN ('json', 'slack', 'ntfy')),\n"
	"  ca_bundle TEXT,\n"
	"  created INTEGER NOT NULL,\n"
	"  last_time INTEGER,\n"
	"  last_status TEXT CHECK (last_status IN ('ok', 'failed')),\n"
	"  last_message TEXT,\n"
	"  failures INTEGER NOT NULL DEFAULT 0,\n"
	"  events TEXT,\n"
	"  min_days INTEGER CHECK (min_days IS NULL OR min_days >= 0),\n"
	"  mail_from TEXT,\n"
	"  smtp TEXT,\n"
	"  smtp_user TEXT,\n"
	"  password_file TEXT,\n"
	"  sendmail TEXT\n"
	");\n"
	"INSERT INTO notify_channels_new (id, type, target, format, ca_bundle, created,"
	" last_time, last_status, last_message, failures)"
	" SELECT id, type, target, format, ca_bundle, created, last_time, last_status,"
	" last_message, failures FROM notify_channels;\n"
	"DROP TABLE notify_channels;\n"
	"ALTER TABLE notify_channels_new RENAME TO notify_channels;\n",

	/*
	 * 11: acknowledged alerts and what was last sent. acked_at/acked_by
	 * (who, as the program computes the actor) stop the reminders of a
	 * condition until it clears; the clearing deletes the row, so a new
	 * condition starts unacknowledged. job_first..job_last are the notify
	 * jobs queued for its last notice (one per channel, consecutive ids
	 * from one transaction), so the Alerts screen can say how it went.
	 */
	"ALTER TABLE alert_state ADD COLUMN acked_at INTEGER;\n"
	"ALTER TABLE alert_state ADD COLUMN acked_by TEXT;\n"
	"ALTER TABLE alert_state ADD COLUMN job_first INTEGER;\n"
	"ALTER TABLE alert_state ADD COLUMN job_last INTEGER;\n",

	/*
	 * 12: revocation status as the CA publishes it (a CRL, else OCSP),
	 * one row per certificate checked: good, revoked (reason, time) or
	 * unknown (detail says why), and when to ask again. CRLs are cached
	 * until their nextUpdate, by URL, so a thousand certificates of one CA
	 * fetch its CRL once.
	 */
	"CREATE TABLE revocation_status (\n"
	"  cert_id INTEGER PRIMARY KEY REFERENCES certificates(id) ON DELETE CASCADE,\n"
	"  state TEXT NOT NULL CHECK (state IN ('good', 'revoked', 'unknown')),\n"
	"  method TEXT CHECK (method IN ('crl', 'ocsp')),\n"
	"  source_url TEXT,\n"
	"  reason INTEGER,\n"
	"  revoked_at INTEGER,\n"
	"  detail TEXT,\n"
	"  checked_at INTEGER NOT NULL,\n"
	"  next_check INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE crl_cache (\n"
	"  url TEXT PRIMARY KEY,\n"
	"  der BLOB NOT NULL,\n"
	"  this_update INTEGER,\n"
	"  next_update INTEGER,\n"
	"  fetched_at INTEGER NOT NULL\n"
	");\n",

	/*
	 * 13: channels the config file declares ([notify NAME]): conf_name
	 * ties the store's copy (and its delivery record) to the section, so
	 * certdeck can update and remove it as the file changes.
	 */
	"ALTER TABLE notify_channels ADD COLUMN conf_name TEXT;\n"
	"CREATE UNIQUE INDEX notify_channels_conf_name ON notify_channels (conf_name) "
	"WHERE conf_name IS NOT NULL;\n",

	/*
	 * 14: where certificates should be served and
	 * what the last check there saw. cert_id is any certificate of the
	 * lineage (check follows replaced_by to the current one); one row per
	 * host, port and server name. served_cert_id is the stored certificate
	 * with the served fingerprint, if any; state is check's verdict and
	 * state_since when the endpoint entered it (an alert's start).
	 */
	"CREATE TABLE endpoints (\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  cert_id INTEGER NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,\n"
	"  host TEXT NOT NULL,\n"
	"  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),\n"
	"  sni TEXT,\n"
	"  starttls TEXT CHECK (starttls IN ('smtp', 'imap', 'pop3')),\n"
	"  created INTEGER NOT NULL,\n"
	"  checked INTEGER,\n"
	"  state TEXT CHECK (state IN ('ok', 'expiring', 'stale', 'unknown',"
	" 'untrusted-chain', 'name-mismatch', 'unreachable', 'revoked')),\n"
	"  fingerprint TEXT,\n"
	"  served_cert_id INTEGER REFERENCES certificates(id) ON DELETE SET NULL,\n"
	"  served_not_after INTEGER,\n"
	"  protocol TEXT,\n"
	"  cipher TEXT,\n"
	"  message TEXT,\n"
	"  state_since INTEGER\n"
	");\n"
	"CREATE UNIQUE INDEX endpoints_target ON endpoints (host, port, IFNULL(sni, ''));\n"
	"CREATE INDEX endpoints_cert ON endpoints (cert_id);\n"
	"CREATE INDEX endpoints_served ON endpoints (served_cert_id)"
	" WHERE served_cert_id IS NOT NULL;\n",

	/*
	 * 15: every certificate on the host. kind is what a certificate is
	 * for (CA certificates are kept out of the default list and the
	 * expiry alerts); validation the CA/B Forum level its policies state
	 * (NULL when none does); source is one of store_cert_source_name()'s
	 * words, checked by the store on insert. Rows stored before were leaf certificates
	 * issued or imported one at a time: 'server', level unknown. source
	 * 'acme' becomes 'certdeck'; rows without one were imported (or
	 * issued, when an order made them). cert_locations holds every file a
	 * scan found a certificate in, with what identified the file then, so
	 * a rescan skips unchanged files (mtime in nanoseconds, unlike the other
	 * times: a rewrite within a second still shows); UNIQUE (path, cert_id) is also the
	 * index by path (prefix ranges for path: filters and rescans).
	 */
	"ALTER TABLE certificates ADD COLUMN kind TEXT NOT NULL DEFAULT 'server'"
	" CHECK (kind IN ('server', 'client', 'codesign', 'email', 'ca'));\n"
	"ALTER TABLE certificates ADD COLUMN validation TEXT"
	" CHECK (validation IS NULL OR validation IN ('DV', 'OV', 'EV', 'IV'));\n"
	"UPDATE certificates SET source = 'certdeck' WHERE source = 'acme'"
	" OR (source IS NULL AND order_id IS NOT NULL);\n"
	"UPDATE certificates SET source = 'import' WHERE source IS NULL;\n"
	"CREATE INDEX certificates_kind ON certificates (kind, not_after, id)"
	" WHERE kind <> 'server';\n"
	"CREATE INDEX certificates_source ON certificates (source);\n"
	"CREATE TABLE cert_locations (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  cert_id INTEGER NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,\n"
	"  path TEXT NOT NULL,\n"
	"  mtime INTEGER NOT NULL,\n"
	"  inode INTEGER NOT NULL,\n"
	"  size INTEGER NOT NULL,\n"
	"  seen_at INTEGER NOT NULL,\n"
	"  UNIQUE (path, cert_id)\n"
	");\n"
	"CREATE INDEX cert_locations_cert ON cert_locations (cert_id);\n",
};

#define N_STEPS ((int)(sizeof(steps) / sizeof(steps[0])))

int
schema_version(void)
{
	return N_STEPS;
}

int
schema_application_id(void)
{
	return CERTDECK_APPLICATION_ID;
}

/* The file name for messages. */
static const char *
db_name(sqlite3 *db)
{
	const char *name = sqlite3_db_filename(db, "main");

	return name != NULL && name[0] != '\0' ? name : ":memory:";
}

static int
read_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*out = sqlite3_column_int(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int
newer(sqlite3 *db, int found, struct err *e)
{
	return err_set(e, ERR_STORE, _("%s was written by a newer certdeck "
	    "(schema %d, this program knows %d)"), db_name(db), found,
	    N_STEPS);
}

/* Fills e from db's last error; call before ROLLBACK, which clears it. */
static int
step_failed(sqlite3 *db, int step, struct err *e)
{
	int code = sqlite3_extended_errcode(db);

	err_set(e, ERR_STORE, _("cannot upgrade %s to schema %d: %s"),
	    db_name(db), step, sqlite3_errmsg(db));
	if (e != NULL)
		e->retryable = (code & 0xff) == SQLITE_BUSY;
	return -1;
}

/*
 * Runs step (1-based) in its own transaction. The version is read again
 * under the write lock: two programs opening a fresh store at once must
 * not both run a step.
 */
static int
run_step(sqlite3 *db, int step, struct err *e)
{
	char sql[64];
	int found;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return step_failed(db, step, e);
	if (read_version(db, &found) != SQLITE_OK) {
		step_failed(db, step, e);
		goto fail;
	}
	if (found > N_STEPS) {
		newer(db, found, e);
		goto fail;
	}
	if (found < step) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", step);
		if (sqlite3_exec(db, steps[step - 1], NULL, NULL, NULL) !=
		    SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			step_failed(db, step, e);
			goto fail;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		step_failed(db, step, e);
		goto fail;
	}
	return 0;
fail:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
schema_migrate_to(sqlite3 *db, int version, struct err *e)
{
	int found, step;

	if (version < 0 || version > N_STEPS)
		return err_set(e, ERR_USAGE, _("no schema version %d (this "
		    "program knows 0 to %d)"), version, N_STEPS);
	if (read_version(db, &found) != SQLITE_OK)
		return err_set(e, ERR_STORE, _("cannot read the schema "
		    "version of %s: %s"), db_name(db), sqlite3_errmsg(db));
	if (found > N_STEPS)
		return newer(db, found, e);
	for (step = found + 1; step <= version; step++)
		if (run_step(db, step, e) == -1)
			return -1;
	return 0;
}

int
schema_migrate(sqlite3 *db, struct err *e)
{
	return schema_migrate_to(db, N_STEPS, e);
}
