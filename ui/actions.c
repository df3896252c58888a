#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "i18n.h"
#include "issue.h"
#include "jobs.h"
#include "revoke.h"
#include "store_acme.h"
#include "store_job.h"
#include "widget_dialog.h"

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
		ui_message(ui, 1, "%s", e->msg);
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
		ui_message(ui, 1, "%s", _("out of memory"));
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
		ui_message(ui, 1, "%s", _("out of memory"));
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
revoke_confirm(struct ui *ui, void *arg, char *const *values, char *err,
    size_t errlen)
{
	struct revoke_req *r = arg;
	cJSON *p;
	char *params;
	int rc;

	if (strcmp(values[0], r->name) != 0) {
		snprintf(err, errlen, _("that is not '%s'; Esc cancels"),
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
		snprintf(err, errlen, "%s", _("out of memory"));
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
		ui_message(ui, 1, "%s", _("out of memory"));
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
	char title[320];
	int i;

	if (actions_refused(ui, ACT_REVOKE))
		return UI_HANDLED | UI_REDRAW;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		ui_message(ui, 1, "%s", _("out of memory"));
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

enum { F_NAMES, F_CHALLENGE, F_PORT, F_ADDR, F_KEY, F_ACCOUNT, F_COUNT };

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
new_cert_submit(struct ui *ui, void *arg, char *const *values, char *err,
    size_t errlen)
{
	struct issue_settings set = { 0 };
	char names_buf[256];
	const char *names[64];
	size_t n;
	long port = 0, acct;
	int64_t order_id, job_id;
	struct err e;
	int rc = -1, dns;

	(void)arg;
	err_clear(&e);
	snprintf(names_buf, sizeof(names_buf), "%s", values[F_NAMES]);
	if ((n = split_names(names_buf, names, 64)) == 0) {
		snprintf(err, errlen, "%s", _("Names: give at least one name"));
		return -1;
	}
	dns = strcmp(values[F_CHALLENGE], "dns-01") == 0;
	if (dns && values[F_PORT][0] == '\0') {
		snprintf(err, errlen, "%s", _("dns-01 needs a hook program "
		    "in Port/hook"));
		return -1;
	}
	if (!dns && values[F_PORT][0] != '\0' &&
	    parse_num(values[F_PORT], 65535, &port) == -1) {
		snprintf(err, errlen, _("Port: '%s' is not a port number"),
		    values[F_PORT]);
		return -1;
	}
	if (parse_num(values[F_ACCOUNT], 0x7fffffffL, &acct) == -1) {
		snprintf(err, errlen, "%s", _("Account: give an account ID "
		    "(see :accounts)"));
		return -1;
	}
	set.challenge = strdup(values[F_CHALLENGE]);
	set.key_type = strdup(values[F_KEY]);
	set.http_port = 80;
	set.tls_port = 443;
	set.dns_timeout = 120;
	if (dns)
		set.dns_hook = strdup(values[F_PORT]);
	else if (strcmp(values[F_CHALLENGE], "tls-alpn-01") == 0) {
		if (port > 0)
			set.tls_port = (int)port;
		if (values[F_ADDR][0] != '\0')
			set.tls_addr = strdup(values[F_ADDR]);
	} else {
		if (port > 0)
			set.http_port = (int)port;
		if (values[F_ADDR][0] != '\0')
			set.http_addr = strdup(values[F_ADDR]);
	}
	if (set.challenge == NULL || set.key_type == NULL) {
		snprintf(err, errlen, "%s", _("out of memory"));
		goto out;
	}
	if (issue_order_create(ui->st, acct, names, n, NULL, NULL, &set,
	    &order_id, &e) != 0) {
		snprintf(err, errlen, "%s", e.msg);
		goto out;
	}
	if (store_job_add(ui->st, JOB_ISSUE, order_id, NULL, 0, ui->actor,
	    &job_id, &e) != 0) {
		snprintf(err, errlen, "%s", e.msg);
		goto out;
	}
	ui_message(ui, 0, _("queued job #%lld (order #%lld)"),
	    (long long)job_id, (long long)order_id);
	rc = UI_REDRAW;
out:
	issue_settings_clear(&set);
	return rc;
}

int
actions_new_cert(struct ui *ui)
{
	struct dialog_field f[F_COUNT];
	char acct[32] = "";
	int64_t id;
	struct err e;

	if (actions_refused(ui, ACT_NEW_CERT))
		return UI_HANDLED | UI_REDRAW;
	err_clear(&e);
	if (store_account_default(ui->st, &id, &e) == 0)
		snprintf(acct, sizeof(acct), "%lld", (long long)id);
	memset(f, 0, sizeof(f));
	f[F_NAMES].label = _("Names");
	f[F_NAMES].hint = _("DNS names or IPs, separated by commas or spaces");
	f[F_CHALLENGE].label = _("Challenge");
	f[F_CHALLENGE].choices = challenges;
	f[F_CHALLENGE].hint = _("Space or Left/Right picks");
	f[F_PORT].label = _("Port/hook");
	f[F_PORT].hint = _("responder port (empty: 80, tls-alpn-01 443); "
	    "dns-01: the hook program");
	f[F_ADDR].label = _("Address");
	f[F_ADDR].hint = _("responder address (empty: all)");
	f[F_KEY].label = _("Key type");
	f[F_KEY].choices = key_types;
	f[F_KEY].hint = _("Space or Left/Right picks");
	f[F_ACCOUNT].label = _("Account");
	f[F_ACCOUNT].hint = _("account ID (see :accounts)");
	f[F_ACCOUNT].value = acct;
	return dialog_form(ui, _("New certificate"), f, F_COUNT,
	    new_cert_submit, NULL, NULL) | UI_HANDLED;
}
