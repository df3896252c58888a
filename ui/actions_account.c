#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "account.h"
#include "actions.h"
#include "actions_account.h"
#include "fileio.h"
#include "format.h"
#include "i18n.h"
#include "strv.h"
#include "jobs.h"
#include "store_acme.h"
#include "store_job.h"
#include "widget_dialog.h"
#include "widget_line.h"


/* Queues kind for target. Returns UI_REDRAW, or -1 with e filled. */
static int
queue(struct ui *ui, const char *kind, int64_t target, const cJSON *params,
    struct err *e)
{
	char *text = params != NULL ? cJSON_PrintUnformatted(params) : NULL;
	char num[32];
	int64_t job;
	struct err se;
	int p;

	err_clear(&se);
	if (params != NULL && text == NULL) {
		err_nomem(e);
		return -1;
	}
	p = target > 0 ? store_job_pending(ui->st, kind, target, &se) : 0;
	if (p == 0)
		p = store_job_add(ui->st, kind, target, text, 0, ui->actor, &job, &se);
	else if (p == 1)
		snprintf(se.msg, sizeof(se.msg), "%s", _("a job for it is already queued"));
	if (text != NULL) {
		/* The params may hold an EAB HMAC key (memset could be elided). */
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	if (p != 0) {
		*e = se;
		return -1;
	}
	snprintf(num, sizeof(num), "#%lld", (long long)job);
	ui_message(ui, 0, _("queued job %s"), num);
	return UI_REDRAW;
}

/* The same, for a dialog that has closed: errors go to the status line. */
static int
queue_msg(struct ui *ui, const char *kind, int64_t target, const cJSON *params)
{
	struct err e;

	err_clear(&e);
	if (queue(ui, kind, target, params, &e) == -1) {
		ui_error(ui, &e);
		return UI_REDRAW;
	}
	return UI_REDRAW;
}

/*
 * Account id, if it can still change (valid). Returns the row (free with
 * account_row_free), or NULL with a message set.
 */
static struct account_row *
usable_account(struct ui *ui, int64_t id)
{
	struct account_row *r = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	if ((rc = store_account_get(ui->st, id, &r, &e)) != 0) {
		if (rc == 1)
			ui_message(ui, 1, _("no account #%lld"), (long long)id);
		else
			ui_error(ui, &e);
		return NULL;
	}
	if (r->status == NULL || strcmp(r->status, "valid") != 0) {
		ui_message(ui, 1, _("account #%lld is %s: only a valid account can "
		    "change"), (long long)id, r->status != NULL ? r->status : "-");
		account_row_free(r);
		return NULL;
	}
	return r;
}

/* s without leading and trailing blanks, in place. */
static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/*
 * Parses "a@b, c@d" (commas or blanks; "mailto:" optional) into an array
 * of "mailto:" URIs by the engine's one rule (account_contacts_normalise).
 * Returns it (cJSON_Delete), or NULL with e filled.
 */
static cJSON *
parse_contacts(const char *text, struct err *e)
{
	char buf[LINE_EDIT_MAX], *p = buf, *tok, **uris = NULL;
	const char *toks[ACCOUNT_CONTACTS_MAX + 1];
	cJSON *arr;
	size_t n = 0, i;
	struct err ne;

	snprintf(buf, sizeof(buf), "%s", text);
	/* One more than allowed, so the rule can say "at most". */
	while ((tok = strsep(&p, ", \t")) != NULL && n <= ACCOUNT_CONTACTS_MAX)
		if (*tok != '\0')
			toks[n++] = tok;
	err_clear(&ne);
	if (account_contacts_normalise(toks, n, &uris, &ne) != 0) {
		err_set(e, ERR_INPUT, _("Contacts: %s"), ne.msg);
		return NULL;
	}
	if ((arr = cJSON_CreateArray()) == NULL) {
		err_nomem(e);
		goto out;
	}
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(uris[i]));
out:
	strv_free(uris, n);
	return arr;
}

/* ---- new ---- */

enum { F_URL, F_BUNDLE, F_CONTACTS, F_KEY, F_TOS, F_KID, F_HMAC, F_HMAC_FILE, F_COUNT };

#define HMAC_FILE_MAX 4096

static const char *const key_types[] = { "ec256", "ec384", "rsa2048",
	"rsa3072", "rsa4096", NULL };
/* Translated when the form opens; the dialog keeps pointers to them. */
static const char *tos_choices[3];

static int
base64url_ok(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    (*p == '=' && (p[1] == '\0' || p[1] == '='))))
			return 0;
	return p != s;
}

static int
new_submit(struct ui *ui, void *arg, char *const *values, struct err *e)
{
	char *url = trim(values[F_URL]), *bundle = trim(values[F_BUNDLE]);
	char *kid = trim(values[F_KID]), *hmac = trim(values[F_HMAC]);
	char *hmac_path = trim(values[F_HMAC_FILE]), *from_file = NULL;
	char abs[PATH_MAX];
	cJSON *p = NULL, *contacts;
	size_t len = 0;
	struct err fe;
	int rc = -1;

	(void)arg;
	if (*url == '\0') {
		err_set(e, ERR_INPUT, "%s", _("Directory URL: give the CA's "
		    "directory URL (https://...)"));
		return -1;
	}
	/* A name like "letsencrypt" is expanded; anything else must be https. */
	if (account_server_url(url) == url && strncmp(url, "https://", 8) != 0) {
		err_set(e, ERR_INPUT, _("Directory URL: '%s' is neither an "
		    "https:// URL nor a known CA name"), url);
		return -1;
	}
	if (*bundle != '\0' && (realpath(bundle, abs) == NULL ||
	    access(abs, R_OK) != 0)) {
		err_set(e, ERR_INPUT, _("CA bundle: cannot read '%s'"), bundle);
		return -1;
	}
	if ((contacts = parse_contacts(values[F_CONTACTS], e)) == NULL)
		return -1;
	if (strcmp(values[F_TOS], tos_choices[1]) != 0) {
		err_set(e, ERR_INPUT, "%s", _("Tick 'I agree to the CA's terms of "
		    "service' (Space) to go on"));
		goto out;
	}
	if (*hmac_path != '\0') {
		if (*hmac != '\0') {
			err_set(e, ERR_INPUT, "%s", _("EAB: give the HMAC key or a file "
			    "holding it, not both"));
			goto out;
		}
		err_clear(&fe);
		if (fileio_read(hmac_path, HMAC_FILE_MAX, &from_file, &len, &fe) != 0) {
			err_set(e, ERR_INPUT, _("EAB HMAC key file: %s"), fe.msg);
			goto out;
		}
		while (len > 0 && strchr(" \t\r\n", from_file[len - 1]) != NULL)
			from_file[--len] = '\0';
		hmac = trim(from_file);
	}
	if ((*kid == '\0') != (*hmac == '\0')) {
		err_set(e, ERR_INPUT, "%s", _("EAB: give both the key ID and the "
		    "HMAC key, or neither"));
		goto out;
	}
	if (*hmac != '\0' && !base64url_ok(hmac)) {
		err_set(e, ERR_INPUT, "%s", _("EAB HMAC key: use the base64url "
		    "text your CA gave"));
		goto out;
	}
	if ((p = cJSON_CreateObject()) == NULL) {
		err_nomem(e);
		goto out;
	}
	cJSON_AddStringToObject(p, "server", url);
	if (*bundle != '\0')
		cJSON_AddStringToObject(p, "ca_bundle", abs);
	cJSON_AddItemToObject(p, "contacts", contacts);
	contacts = NULL;
	cJSON_AddStringToObject(p, "key_type", values[F_KEY]);
	cJSON_AddBoolToObject(p, "agree_tos", 1);
	if (*kid != '\0') {
		cJSON_AddStringToObject(p, "eab_kid", kid);
		cJSON_AddStringToObject(p, "eab_hmac_key", hmac);
	}
	rc = queue(ui, JOB_ACCOUNT_NEW, 0, p, e);
out:
	if (from_file != NULL) {
		OPENSSL_cleanse(from_file, len);
		free(from_file);
	}
	cJSON_Delete(contacts);
	cJSON_Delete(p);
	return rc;
}

/* The new-account form (N_()-marked; the CA's URL is filled in). */
static const struct dialog_field new_fields[F_COUNT] = {
	[F_URL] = { .label = N_("Directory URL"),
	    .hint = N_("ACME directory (https://...) or a name such as "
	    "letsencrypt") },
	[F_BUNDLE] = { .label = N_("CA bundle"),
	    .hint = N_("PEM file to trust for HTTPS (empty: the CA's stored "
	    "one)") },
	[F_CONTACTS] = { .label = N_("Contacts"),
	    .hint = N_("e-mail addresses, separated by commas") },
	[F_KEY] = { .label = N_("Key type"), .choices = key_types,
	    .hint = N_("Space or Left/Right picks") },
	[F_TOS] = { .label = N_("Terms"), .choices = tos_choices,
	    .hint = N_("Space ticks; the CA requires it") },
	[F_KID] = { .label = N_("EAB key ID"),
	    .hint = N_("if the CA asks for external account binding (else "
	    "empty)") },
	[F_HMAC] = { .label = N_("EAB HMAC key"),
	    .hint = N_("the HMAC key that goes with the key ID (hidden)"),
	    .masked = 1 },
	[F_HMAC_FILE] = { .label = N_("EAB HMAC key file"),
	    .hint = N_("or a file that holds the HMAC key, instead of typing it") },
};

int
actions_account_new(struct ui *ui, const char *ca_url)
{
	struct dialog_field f[F_COUNT];

	if (actions_refused(ui, ACT_ACCOUNT_NEW))
		return UI_HANDLED | UI_REDRAW;
	tos_choices[0] = _("[ ] I agree to the CA's terms of service");
	tos_choices[1] = _("[x] I agree to the CA's terms of service");
	tos_choices[2] = NULL;
	dialog_fields_from(f, new_fields, F_COUNT);
	f[F_URL].value = ca_url;
	return dialog_form(ui, _("New account"), f, F_COUNT, new_submit, NULL,
	    NULL) | UI_HANDLED;
}

/* ---- edit contacts ---- */

struct account_req {
	int64_t id;
};

static int
edit_submit(struct ui *ui, void *arg, char *const *values, struct err *e)
{
	struct account_req *r = arg;
	cJSON *p, *contacts;
	int rc;

	if ((contacts = parse_contacts(values[0], e)) == NULL)
		return -1;
	if ((p = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(contacts);
		err_nomem(e);
		return -1;
	}
	cJSON_AddItemToObject(p, "contacts", contacts);
	rc = queue(ui, JOB_ACCOUNT_UPDATE, r->id, p, e);
	cJSON_Delete(p);
	return rc;
}

static struct account_req *
req_new(struct ui *ui, int64_t id)
{
	struct account_req *r = malloc(sizeof(*r));

	if (r == NULL)
		ui_nomem(ui);
	else
		r->id = id;
	return r;
}

int
actions_account_edit(struct ui *ui, int64_t id)
{
	struct dialog_field f = { 0 };
	struct account_row *a;
	struct account_req *r;
	char title[128], line[LINE_EDIT_MAX];

	if (actions_refused(ui, ACT_ACCOUNT_EDIT))
		return UI_HANDLED | UI_REDRAW;
	if ((a = usable_account(ui, id)) == NULL)
		return UI_HANDLED | UI_REDRAW;
	format_contacts(a->contacts_json, line, sizeof(line));
	account_row_free(a);
	if ((r = req_new(ui, id)) == NULL)
		return UI_HANDLED | UI_REDRAW;
	snprintf(title, sizeof(title), _("Contacts of account #%lld"),
	    (long long)id);
	f.label = _("Contacts");
	f.value = line;
	f.hint = _("e-mail addresses, separated by commas; empty removes "
	    "them all");
	return dialog_form(ui, title, &f, 1, edit_submit, r, free) | UI_HANDLED;
}

/* ---- key rollover ---- */

static int
rollover_done(struct ui *ui, void *arg, int choice)
{
	struct account_req *r = arg;
	cJSON *p;
	int rc;

	if (choice != 1) {
		ui_message(ui, 0, "%s", _("cancelled"));
		return UI_REDRAW;
	}
	/* No key type: the new key is of the current one's type. */
	if ((p = cJSON_CreateObject()) == NULL) {
		ui_nomem(ui);
		return UI_REDRAW;
	}
	rc = queue_msg(ui, JOB_ACCOUNT_ROLLOVER, r->id, p);
	cJSON_Delete(p);
	return rc;
}

int
actions_account_rollover(struct ui *ui, int64_t id)
{
	const char *opts[2];
	struct account_row *a;
	struct account_req *r;
	char title[128], text[160];

	if (actions_refused(ui, ACT_ACCOUNT_ROLLOVER))
		return UI_HANDLED | UI_REDRAW;
	if ((a = usable_account(ui, id)) == NULL)
		return UI_HANDLED | UI_REDRAW;
	snprintf(title, sizeof(title), _("Key rollover of account #%lld"),
	    (long long)id);
	snprintf(text, sizeof(text), _("Replace the account key with a new %s "
	    "key?"), a->key_type != NULL ? a->key_type : "");
	account_row_free(a);
	if ((r = req_new(ui, id)) == NULL)
		return UI_HANDLED | UI_REDRAW;
	opts[0] = _("No");
	opts[1] = _("Yes, roll the key over");
	/* No is the default: a stray Enter changes nothing. */
	return dialog_choice(ui, title, text, opts, 2, 0, "ny",
	    rollover_done, r, free) | UI_HANDLED;
}

/* ---- deactivate ---- */

static int
deactivate_confirm(struct ui *ui, void *arg, char *const *values, struct err *e)
{
	struct account_req *r = arg;
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)r->id);
	if (strcmp(trim(values[0]), num) != 0) {
		err_set(e, ERR_INPUT, _("that is not '%s'; Esc cancels"), num);
		return -1;
	}
	return queue(ui, JOB_ACCOUNT_DEACTIVATE, r->id, NULL, e);
}

static int
deactivate_warned(struct ui *ui, void *arg, int choice)
{
	struct account_req *r = arg, *next;
	struct dialog_field f = { 0 };
	char title[64], num[32];

	if (choice != 1) {
		ui_message(ui, 0, "%s", _("cancelled"));
		return UI_REDRAW;
	}
	if ((next = req_new(ui, r->id)) == NULL)
		return UI_REDRAW;
	snprintf(num, sizeof(num), "%lld", (long long)r->id);
	snprintf(title, sizeof(title), _("Type %s"), num);
	f.label = _("Account");
	f.hint = _("permanent: the CA refuses this account forever; Esc "
	    "cancels");
	return dialog_form(ui, title, &f, 1, deactivate_confirm, next, free);
}

int
actions_account_deactivate(struct ui *ui, int64_t id)
{
	const char *opts[2];
	struct account_row *a;
	struct account_req *r;
	char title[128];

	if (actions_refused(ui, ACT_ACCOUNT_DEACTIVATE))
		return UI_HANDLED | UI_REDRAW;
	if ((a = usable_account(ui, id)) == NULL)
		return UI_HANDLED | UI_REDRAW;
	account_row_free(a);
	if ((r = req_new(ui, id)) == NULL)
		return UI_HANDLED | UI_REDRAW;
	snprintf(title, sizeof(title), _("Deactivate account #%lld"),
	    (long long)id);
	opts[0] = _("Cancel");
	opts[1] = _("Deactivate (type its number next)");
	/* Cancel is the default, and only it has a key of its own. */
	return dialog_choice(ui, title, _("Permanent: the CA will refuse this "
	    "account forever."), opts, 2, 0, "c", deactivate_warned, r,
	    free) | UI_HANDLED;
}
