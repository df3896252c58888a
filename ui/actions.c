#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "actions_enroll.h"
#include "fileio.h"
#include "i18n.h"
#include "issue.h"
#include "jobs.h"
#include "revoke.h"
#include "store_acme.h"
#include "store_cert.h"
#include "store_endpoint.h"
#include "store_job.h"
#include "subproc.h"
#include "widget_dialog.h"
#include "widget_line.h"

int
actions_refused(struct ui *ui, enum ui_action act)
{
	if (!ui->readonly || !keymap_action_writes(act))
		return 0;
	ui_message(ui, 1, "%s", _("read-only: actions are off (start "
	    "certdeck without --readonly)"));
	return 1;
}

/* "queued job #4" or "queued jobs #4, #5", with skipped ones counted. */
static void
report(struct ui *ui, const int64_t *jobs, size_t n, size_t skipped,
    const char *skip_why, const struct err *e)
{
	char buf[256];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof(buf); i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s#%lld",
		    i > 0 ? ", " : "", (long long)jobs[i]);
	}
	if (e != NULL && e->msg[0] != '\0') {
		ui_error(ui, e);
		return;
	}
	if (n == 0)
		ui_message(ui, 1, "%s", skip_why);
	else if (skipped > 0)
		ui_message(ui, 0, n == 1 ? _("queued job %s (%zu skipped: %s)") :
		    _("queued jobs %s (%zu skipped: %s)"), buf, skipped,
		    skip_why);
	else
		ui_message(ui, 0, n == 1 ? _("queued job %s") :
		    _("queued jobs %s"), buf);
}

/* Queues kind with params for every id not already pending. */
static int
queue_each(struct ui *ui, const char *kind, const char *params,
    const int64_t *ids, size_t n)
{
	int64_t *jobs = calloc(n > 0 ? n : 1, sizeof(*jobs));
	size_t i, nj = 0, skipped = 0;
	struct err e;
	int p;

	err_clear(&e);
	if (jobs == NULL) {
		ui_nomem(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	for (i = 0; i < n; i++) {
		if ((p = store_job_pending(ui->st, kind, ids[i], &e)) == -1)
			break;
		if (p == 1) {
			skipped++;
			continue;
		}
		if (store_job_add(ui->st, kind, ids[i], params, 0, ui->actor,
		    &jobs[nj], &e) != 0)
			break;
		nj++;
	}
	report(ui, jobs, nj, skipped, _("a job for it is already queued"),
	    &e);
	free(jobs);
	return UI_HANDLED | UI_REDRAW;
}

int
actions_renew(struct ui *ui, const int64_t *ids, size_t n)
{
	if (actions_refused(ui, ACT_RENEW) || n == 0)
		return UI_HANDLED | UI_REDRAW;
	return queue_each(ui, JOB_RENEW, "{\"reuse_key\":false}", ids, n);
}

int
actions_probe(struct ui *ui, int64_t id)
{
	struct err e;
	int worst;

	if (actions_refused(ui, ACT_PROBE))
		return UI_HANDLED | UI_REDRAW;
	err_clear(&e);
	if (store_endpoint_worst(ui->st, id, &worst, &e) != 0) {
		ui_error(ui, &e);
		return UI_HANDLED | UI_REDRAW;
	}
	if (worst < 0) {
		ui_message(ui, 1, _("#%lld has no endpoints to probe: 'certdeck "
		    "endpoint add %lld HOST[:PORT]' adds one"), (long long)id,
		    (long long)id);
		return UI_HANDLED | UI_REDRAW;
	}
	return queue_each(ui, JOB_CHECK, NULL, &id, 1);
}

struct id_set {
	int64_t *ids;
	size_t n;
};

static void
id_set_free(void *arg)
{
	struct id_set *s = arg;

	if (s != NULL)
		free(s->ids);
	free(s);
}

static int
rotate_done(struct ui *ui, void *arg, int choice)
{
	struct id_set *s = arg;

	if (choice != 0 && choice != 1) {
		ui_message(ui, 0, "%s", _("cancelled"));
		return UI_REDRAW;
	}
	return queue_each(ui, JOB_ROTATE_KEY, choice == 1 ?
	    "{\"revoke_old\":true}" : "{\"revoke_old\":false}", s->ids, s->n);
}

int
actions_rotate_key(struct ui *ui, const int64_t *ids, size_t n)
{
	const char *opts[3];
	struct id_set *s;
	char text[160];

	if (actions_refused(ui, ACT_ROTATE_KEY) || n == 0)
		return UI_HANDLED | UI_REDRAW;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->ids = calloc(n, sizeof(*s->ids))) == NULL) {
		id_set_free(s);
		ui_nomem(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	memcpy(s->ids, ids, n * sizeof(*ids));
	s->n = n;
	if (n == 1)
		snprintf(text, sizeof(text), _("A new key and certificate for "
		    "#%lld?"), (long long)ids[0]);
	else
		snprintf(text, sizeof(text), _("A new key and certificate for "
		    "each of %zu certificates?"), n);
	opts[0] = _("Rotate key");
	opts[1] = _("Rotate and revoke the old one (superseded)");
	opts[2] = _("Cancel");
	/* Cancel is the default: a stray Enter rotates nothing. */
	return dialog_choice(ui, _("Rotate key"), text, opts, 3, 2, "rvc",
	    rotate_done, s, id_set_free) | UI_HANDLED;
}

struct revoke_req {
	int64_t id;
	char name[256];
	enum revoke_reason reason;
};

static const struct {
	const char *name;
	enum revoke_reason reason;
} reasons[] = {
	{ "unspecified", REVOKE_UNSPECIFIED },
	{ "keyCompromise", REVOKE_KEY_COMPROMISE },
	{ "superseded", REVOKE_SUPERSEDED },
	{ "cessationOfOperation", REVOKE_CESSATION },
	{ "affiliationChanged", REVOKE_AFFILIATION_CHANGED },
};
#define N_REASONS (int)(sizeof(reasons) / sizeof(reasons[0]))

static int
revoke_confirm(struct ui *ui, void *arg, char *const *values, struct err *e)
{
	struct revoke_req *r = arg;
	cJSON *p;
	char *params;
	int rc;

	if (strcmp(values[0], r->name) != 0) {
		err_set(e, ERR_INPUT, _("that is not '%s'; Esc cancels"),
		    r->name);
		return -1;
	}
	if ((p = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddNumberToObject(p, "reason", r->reason);
	cJSON_AddBoolToObject(p, "use_cert_key",
	    r->reason == REVOKE_KEY_COMPROMISE);
	params = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	if (params == NULL) {
		err_nomem(e);
		return -1;
	}
	rc = queue_each(ui, JOB_REVOKE, params, &r->id, 1);
	free(params);
	return rc;
}

static int
revoke_reason_done(struct ui *ui, void *arg, int choice)
{
	struct revoke_req *r = arg, *next;
	struct dialog_field f = { 0 };
	char label[320];

	if (choice < 0 || choice >= N_REASONS) {
		ui_message(ui, 0, "%s", _("cancelled"));
		return UI_REDRAW;
	}
	if ((next = malloc(sizeof(*next))) == NULL) {
		ui_nomem(ui);
		return UI_REDRAW;
	}
	*next = *r;
	next->reason = reasons[choice].reason;
	snprintf(label, sizeof(label), _("Type %s"), r->name);
	f.label = _("Name");
	return dialog_form(ui, label, &f, 1, revoke_confirm, next, free);
}

int
actions_revoke(struct ui *ui, int64_t id, const char *name)
{
	const char *opts[N_REASONS + 1];
	struct revoke_req *r;
	struct cert_row *c = NULL;
	struct err e;
	char title[320];
	int i;

	if (actions_refused(ui, ACT_REVOKE))
		return UI_HANDLED | UI_REDRAW;
	/* SCEP and EST have no revocation: say so and what to do, queue nothing. */
	err_clear(&e);
	if ((i = store_cert_get(ui->st, id, &c, &e)) == 0) {
		i = jobs_revoke_refused(c, &e);
		cert_row_free(c);
	} else if (i == 1) {
		i = 0;	/* gone meanwhile: the job says so */
	}
	if (i != 0) {
		ui_error(ui, &e);
		return UI_HANDLED | UI_REDRAW;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		ui_nomem(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	r->id = id;
	snprintf(r->name, sizeof(r->name), "%s", name);
	for (i = 0; i < N_REASONS; i++)
		opts[i] = reasons[i].name;
	opts[N_REASONS] = _("Cancel");
	snprintf(title, sizeof(title), _("Revoke #%lld %s"), (long long)id,
	    name);
	/* Cancel is the default: a stray Enter revokes nothing. */
	return dialog_choice(ui, title, _("Why? (the CA publishes the "
	    "reason)"), opts, N_REASONS + 1, N_REASONS, "12345c",
	    revoke_reason_done, r, free) | UI_HANDLED;
}

/*
 * The new-certificate form: what `certdeck issue` takes, and a deploy
 * target. The first four keep their places (muscle memory, tests).
 */
enum {
	F_NAMES, F_CHALLENGE, F_PORT, F_ADDR, F_WEBROOT, F_DNS_HOOK,
	F_DNS_RESOLVER, F_DNS_TIMEOUT, F_KEY, F_KEY_FILE, F_ACCOUNT, F_PROFILE,
	F_CHAIN, F_FULLCHAIN, F_DEPLOY_KEY, F_RELOAD, F_COUNT
};

static const char *const challenges[] = { "http-01", "dns-01",
	"tls-alpn-01", NULL };
static const char *const key_types[] = { "ec256", "ec384", "rsa2048",
	"rsa3072", "rsa4096", NULL };

static int
parse_num(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits names at commas and spaces into v (pointers into buf). */
static size_t
split_names(char *buf, const char **v, size_t cap)
{
	size_t n = 0;
	char *p = buf, *tok;

	while ((tok = strsep(&p, ", \t")) != NULL)
		if (*tok != '\0' && n < cap)
			v[n++] = tok;
	return n;
}

static int
has_space(const char *s)
{
	return strpbrk(s, " \t") != NULL;
}

/*
 * Checks an absolute path to a file whose directory exists. Returns 0, or
 * -1 with e filled (what names the field).
 */
static int
check_file_path(const char *what, const char *path, struct err *e)
{
	char dir[LINE_EDIT_MAX + 1];
	struct stat sb;
	char *slash;

	if (path[0] != '/' || path[strlen(path) - 1] == '/') {
		err_set(e, ERR_INPUT, _("%s: give an absolute file path"), what);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		err_set(e, ERR_INPUT, _("%s: its directory does not exist"), what);
		return -1;
	}
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		err_set(e, ERR_INPUT, _("%s: that is a directory"), what);
		return -1;
	}
	return 0;
}

/*
 * A program to run: a bare name (searched in PATH) or an absolute path to
 * an executable file. A relative path is refused: the worker that runs it
 * may have another working directory. Returns 0, or -1 with e filled.
 */
static int
check_program(const char *what, const char *prog, struct err *e)
{
	struct stat sb;

	if (strchr(prog, '/') == NULL)
		return 0;
	if (prog[0] != '/') {
		err_set(e, ERR_INPUT, _("%s: give an absolute path"), what);
		return -1;
	}
	if (stat(prog, &sb) == -1 || !S_ISREG(sb.st_mode) || access(prog, X_OK) == -1) {
		err_set(e, ERR_INPUT, _("%s: not an executable file"), what);
		return -1;
	}
	return 0;
}

/* "host:port[,host:port...]", each with a port; IPv6 as [addr]:port. */
static int
resolvers_ok(const char *list)
{
	char buf[LINE_EDIT_MAX + 1], *p = buf, *tok, *colon;
	long port;

	snprintf(buf, sizeof(buf), "%s", list);
	while ((tok = strsep(&p, ",")) != NULL) {
		if ((colon = strrchr(tok, ':')) == NULL || colon == tok ||
		    parse_num(colon + 1, 65535, &port) == -1)
			return 0;
	}
	return 1;
}

/*
 * The "deploy" object for the issue job's params: {"fullchain", "key",
 * "reload": [argv]} (the reload command split at spaces, run without a
 * shell). Returns 0 and *out (NULL when nothing is to be deployed), or
 * -1 with e filled.
 */
static int
deploy_spec(char *const *v, cJSON **out, struct err *e)
{
	char buf[LINE_EDIT_MAX + 1], *p = buf, *tok;
	cJSON *spec, *argv;

	*out = NULL;
	if (v[F_FULLCHAIN][0] == '\0' && v[F_DEPLOY_KEY][0] == '\0') {
		if (v[F_RELOAD][0] != '\0') {
			err_set(e, ERR_INPUT, "%s", _("Reload command: needs Fullchain "
			    "to or Key to"));
			return -1;
		}
		return 0;
	}
	if ((v[F_FULLCHAIN][0] != '\0' &&
	    check_file_path(_("Fullchain to"), v[F_FULLCHAIN], e) == -1) ||
	    (v[F_DEPLOY_KEY][0] != '\0' &&
	    check_file_path(_("Key to"), v[F_DEPLOY_KEY], e) == -1))
		return -1;
	if (strcmp(v[F_FULLCHAIN], v[F_DEPLOY_KEY]) == 0) {
		err_set(e, ERR_INPUT, "%s", _("Fullchain to and Key to name the same "
		    "file"));
		return -1;
	}
	if ((spec = cJSON_CreateObject()) == NULL)
		goto oom;
	if ((v[F_FULLCHAIN][0] != '\0' &&
	    cJSON_AddStringToObject(spec, "fullchain", v[F_FULLCHAIN]) == NULL) ||
	    (v[F_DEPLOY_KEY][0] != '\0' &&
	    cJSON_AddStringToObject(spec, "key", v[F_DEPLOY_KEY]) == NULL))
		goto oom_spec;
	snprintf(buf, sizeof(buf), "%s", v[F_RELOAD]);
	if (buf[0] != '\0') {
		if ((argv = cJSON_AddArrayToObject(spec, "reload")) == NULL)
			goto oom_spec;
		while ((tok = strsep(&p, " \t")) != NULL) {
			if (*tok == '\0')
				continue;
			if (cJSON_GetArraySize(argv) == 0 &&
			    check_program(_("Reload command"), tok, e) == -1) {
				cJSON_Delete(spec);
				return -1;
			}
			cJSON_AddItemToArray(argv, cJSON_CreateString(tok));
		}
		if (cJSON_GetArraySize(argv) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "reload");
	}
	*out = spec;
	return 0;
oom_spec:
	cJSON_Delete(spec);
oom:
	err_nomem(e);
	return -1;
}

/* Checks the challenge fields and fills set from them. Returns 0, or -1 with e filled. */
static int
challenge_settings(char *const *v, struct issue_settings *set, struct err *e)
{
	const char *ch = v[F_CHALLENGE];
	struct stat sb;
	long port = 0, timeout;

	set->http_port = 80;
	set->tls_port = 443;
	set->dns_timeout = 120;
	if ((set->challenge = strdup(ch)) == NULL)
		goto oom;
	if (strcmp(ch, "dns-01") == 0) {
		if (v[F_DNS_HOOK][0] == '\0') {
			err_set(e, ERR_INPUT, "%s", _("DNS hook: dns-01 needs a hook "
			    "program"));
			return -1;
		}
		if (check_program(_("DNS hook"), v[F_DNS_HOOK], e) == -1)
			return -1;
		if (v[F_DNS_RESOLVER][0] != '\0' && !resolvers_ok(v[F_DNS_RESOLVER])) {
			err_set(e, ERR_INPUT, "%s", _("DNS resolver: write host:port, "
			    "several with commas"));
			return -1;
		}
		if (v[F_DNS_TIMEOUT][0] != '\0') {
			if (parse_num(v[F_DNS_TIMEOUT], 65535, &timeout) == -1) {
				err_set(e, ERR_INPUT, _("DNS timeout: '%s' is not a number "
				    "of seconds"), v[F_DNS_TIMEOUT]);
				return -1;
			}
			set->dns_timeout = (int)timeout;
		}
		/* Stored as the absolute path it resolves to now, if safe to run. */
		if (subproc_resolve(v[F_DNS_HOOK], &set->dns_hook, e) == -1) {
			err_prefix(e, "%s", _("DNS hook"));
			return -1;
		}
		if ((v[F_DNS_RESOLVER][0] != '\0' &&
		    (set->dns_resolvers = strdup(v[F_DNS_RESOLVER])) == NULL))
			goto oom;
		return 0;
	}
	if (v[F_PORT][0] != '\0' && parse_num(v[F_PORT], 65535, &port) == -1) {
		err_set(e, ERR_INPUT, _("Port: '%s' is not a port number"), v[F_PORT]);
		return -1;
	}
	if (strcmp(ch, "tls-alpn-01") == 0) {
		if (port > 0)
			set->tls_port = (int)port;
		if (v[F_ADDR][0] != '\0' && (set->tls_addr = strdup(v[F_ADDR])) == NULL)
			goto oom;
		return 0;
	}
	if (port > 0)
		set->http_port = (int)port;
	if (v[F_ADDR][0] != '\0' && (set->http_addr = strdup(v[F_ADDR])) == NULL)
		goto oom;
	if (v[F_WEBROOT][0] != '\0') {
		if (v[F_WEBROOT][0] != '/') {
			err_set(e, ERR_INPUT, "%s", _("Webroot: give an absolute path"));
			return -1;
		}
		if (stat(v[F_WEBROOT], &sb) == -1 || !S_ISDIR(sb.st_mode)) {
			err_set(e, ERR_INPUT, "%s", _("Webroot: not a directory"));
			return -1;
		}
		if ((set->webroot = strdup(v[F_WEBROOT])) == NULL)
			goto oom;
	}
	return 0;
oom:
	err_nomem(e);
	return -1;
}

static int
new_cert_submit(struct ui *ui, void *arg, char *const *values, struct err *e)
{
	struct issue_settings set = { 0 };
	struct issue_request req = { 0 };
	char names_buf[LINE_EDIT_MAX + 1];
	const char *names[64];
	const char *profile = NULL;
	char *key_pem = NULL, *params = NULL;
	cJSON *spec = NULL, *p = NULL;
	size_t n, key_len = 0;
	long acct;
	int64_t order_id, job_id;
	struct err se;
	int rc = -1;

	(void)arg;
	err_clear(&se);
	snprintf(names_buf, sizeof(names_buf), "%s", values[F_NAMES]);
	if ((n = split_names(names_buf, names, 64)) == 0) {
		err_set(e, ERR_INPUT, "%s", _("Names: give at least one name"));
		return -1;
	}
	if (challenge_settings(values, &set, e) == -1)
		goto out;
	if (parse_num(values[F_ACCOUNT], 0x7fffffffL, &acct) == -1) {
		err_set(e, ERR_INPUT, "%s", _("Account: give an account ID "
		    "(see :accounts)"));
		goto out;
	}
	if (values[F_PROFILE][0] != '\0') {
		if (has_space(values[F_PROFILE])) {
			err_set(e, ERR_INPUT, "%s", _("Profile: one name, no spaces"));
			goto out;
		}
		profile = values[F_PROFILE];
	}
	if (values[F_CHAIN][0] != '\0' &&
	    (set.preferred_chain = strdup(values[F_CHAIN])) == NULL)
		goto oom;
	if ((set.key_type = strdup(values[F_KEY])) == NULL)
		goto oom;
	if (values[F_KEY_FILE][0] != '\0') {
		if (values[F_KEY_FILE][0] != '/') {
			err_set(e, ERR_INPUT, "%s", _("Key file: give an absolute path"));
			goto out;
		}
		if (fileio_read(values[F_KEY_FILE], 1024 * 1024, &key_pem, &key_len,
		    &se) != 0 || issue_key_check(key_pem, &se) != 0) {
			err_set(e, ERR_INPUT, _("Key file: %s"), se.msg);
			goto out;
		}
	}
	if (deploy_spec(values, &spec, e) == -1)
		goto out;
	if (spec != NULL) {
		if ((p = cJSON_CreateObject()) == NULL)
			goto oom;
		cJSON_AddItemToObject(p, "deploy", spec);
		spec = NULL;
		if ((params = cJSON_PrintUnformatted(p)) == NULL)
			goto oom;
	}
	req.account_id = acct;
	req.names = names;
	req.n_names = n;
	req.profile = profile;
	req.settings = &set;
	req.key_pem = key_pem;
	req.key_label = _("Key file");
	req.params = params;
	if (issue_submit(ui->st, &req, ui->actor, &order_id, &job_id, e) != 0)
		goto out;
	ui_message(ui, 0, _("queued job #%lld (order #%lld)"),
	    (long long)job_id, (long long)order_id);
	rc = UI_REDRAW;
	goto out;
oom:
	err_nomem(e);
out:
	issue_settings_clear(&set);
	if (key_pem != NULL)
		OPENSSL_cleanse(key_pem, key_len);
	free(key_pem);
	free(params);
	cJSON_Delete(spec);
	cJSON_Delete(p);
	return rc;
}

/* The new-certificate form (N_()-marked; the account is filled in). */
static const struct dialog_field new_cert_fields[F_COUNT] = {
	[F_NAMES] = { .label = N_("Names"),
	    .hint = N_("DNS names or IPs, separated by commas or spaces") },
	[F_CHALLENGE] = { .label = N_("Challenge"), .choices = challenges,
	    .hint = N_("Space or Left/Right picks") },
	[F_PORT] = { .label = N_("Port"),
	    .hint = N_("responder port (empty: 80, tls-alpn-01 443)") },
	[F_ADDR] = { .label = N_("Address"),
	    .hint = N_("responder address (empty: all)") },
	[F_WEBROOT] = { .label = N_("Webroot"),
	    .hint = N_("http-01: write files under this directory instead") },
	[F_DNS_HOOK] = { .label = N_("DNS hook"),
	    .hint = N_("dns-01: program run as PROG add|del RECORD VALUE") },
	[F_DNS_RESOLVER] = { .label = N_("DNS resolver"),
	    .hint = N_("dns-01: wait until host:port serves the record") },
	[F_DNS_TIMEOUT] = { .label = N_("DNS timeout"),
	    .hint = N_("dns-01: seconds to wait (empty: 120)") },
	[F_KEY] = { .label = N_("Key type"), .choices = key_types,
	    .hint = N_("Space or Left/Right picks") },
	[F_KEY_FILE] = { .label = N_("Key file"),
	    .hint = N_("use this private key (empty: a fresh one)") },
	[F_ACCOUNT] = { .label = N_("Account"),
	    .hint = N_("account ID (see :accounts)") },
	[F_PROFILE] = { .label = N_("Profile"),
	    .hint = N_("a certificate profile the CA offers (optional)") },
	[F_CHAIN] = { .label = N_("Preferred chain"),
	    .hint = N_("issuer CN of the root to prefer (optional)") },
	[F_FULLCHAIN] = { .label = N_("Fullchain to"),
	    .hint = N_("deploy: write the full chain to this file") },
	[F_DEPLOY_KEY] = { .label = N_("Key to"),
	    .hint = N_("deploy: write the private key to this file") },
	[F_RELOAD] = { .label = N_("Reload command"),
	    .hint = N_("deploy: run after (no shell; split at spaces)") },
};

/* The ACME form. Returns UI_* flags. */
static int
new_cert_acme(struct ui *ui)
{
	struct dialog_field f[F_COUNT];
	char acct[32] = "";
	int64_t id;
	struct err e;

	err_clear(&e);
	if (store_account_default(ui->st, &id, &e) == 0)
		snprintf(acct, sizeof(acct), "%lld", (long long)id);
	dialog_fields_from(f, new_cert_fields, F_COUNT);
	f[F_ACCOUNT].value = acct;
	return dialog_form(ui, _("New certificate (ACME)"), f, F_COUNT,
	    new_cert_submit, NULL, NULL) | UI_HANDLED;
}

static int
protocol_done(struct ui *ui, void *arg, int choice)
{
	(void)arg;
	switch (choice) {
	case 0:
		return new_cert_acme(ui);
	case 1:
		return actions_enroll_scep(ui);
	case 2:
		return actions_enroll_est(ui);
	}
	ui_message(ui, 0, "%s", _("cancelled"));
	return UI_REDRAW;
}

int
actions_new_cert(struct ui *ui)
{
	const char *opts[4];

	if (actions_refused(ui, ACT_NEW_CERT))
		return UI_HANDLED | UI_REDRAW;
	opts[0] = _("ACME (a public or private ACME CA)");
	opts[1] = _("SCEP (an enterprise CA: NDES, EJBCA...)");
	opts[2] = _("EST (RFC 7030)");
	opts[3] = _("Cancel");
	/* ACME first: what most users want, and one Enter away as before. */
	return dialog_choice(ui, _("New certificate"), _("Which protocol?"), opts, 4, 0,
	    "asec", protocol_done, NULL, NULL) | UI_HANDLED;
}
