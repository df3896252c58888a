#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "actions_enroll.h"
#include "crypto.h"
#include "enroll.h"
#include "est_enroll.h"
#include "fileio.h"
#include "i18n.h"
#include "jobs.h"
#include "store_job.h"
#include "widget_dialog.h"
#include "widget_line.h"

#define MAX_NAMES 64

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

/* s, or NULL when the field was left empty. */
static const char *
opt(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

/*
 * A file named in a field, resolved to an absolute path (the worker may
 * have another working directory) after checking that it reads as a
 * secret of at most max bytes: a typo shows now, not in the job. The
 * secret itself is wiped at once. Returns it (free()), or NULL with e set.
 */
static char *
secret_file(const char *what, const char *path, size_t max, struct err *e)
{
	char *secret = NULL, *abs;
	struct err se;

	err_clear(&se);
	if (enroll_read_secret(path, max, what, &secret, &se) != 0) {
		err_set(e, ERR_INPUT, "%s", se.msg);
		return NULL;
	}
	enroll_secret_free(secret);
	if ((abs = realpath(path, NULL)) == NULL)
		err_set(e, ERR_INPUT, _("%s: cannot resolve the path"), what);
	return abs;
}

/* Adds names (split from the field) as the array "names" of s. Returns 0 or -1. */
static int
add_names(cJSON *s, const char *field, struct err *e)
{
	char buf[LINE_EDIT_MAX + 1];
	const char *names[MAX_NAMES];
	cJSON *arr;
	size_t i, n;

	snprintf(buf, sizeof(buf), "%s", field);
	if ((n = split_names(buf, names, MAX_NAMES)) == 0) {
		err_set(e, ERR_INPUT, "%s", _("Names: give at least one name"));
		return -1;
	}
	if ((arr = cJSON_AddArrayToObject(s, "names")) == NULL)
		return err_nomem(e), -1;
	for (i = 0; i < n; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(names[i])))
			return err_nomem(e), -1;
	return 0;
}

/* Queues kind with params p. Returns UI_REDRAW, or -1 with e filled. */
static int
queue(struct ui *ui, const char *kind, const cJSON *p, const char *proto, struct err *e)
{
	char *params = cJSON_PrintUnformatted(p);
	int64_t job;

	if (params == NULL) {
		err_nomem(e);
		return -1;
	}
	if (store_job_add(ui->st, kind, 0, params, 0, ui->actor, &job, e) != 0) {
		free(params);
		return -1;
	}
	free(params);
	ui_message(ui, 0, _("queued job #%lld (%s enrolment)"), (long long)job, proto);
	return UI_REDRAW;
}

/* ---- SCEP ---- */

enum { S_URL, S_NAMES, S_SUBJECT, S_CHALLENGE, S_FP, S_KEY, S_COUNT };

/* SCEP needs an RSA key: the CA encrypts its answer to it. */
static const char *const scep_keys[] = { "rsa2048", "rsa3072", "rsa4096", NULL };

static const struct dialog_field scep_fields[S_COUNT] = {
	[S_URL] = { .label = N_("SCEP URL"),
	    .hint = N_("the CA's SCEP endpoint, http:// or https://") },
	[S_NAMES] = { .label = N_("Names"),
	    .hint = N_("DNS names or IPs, separated by commas or spaces") },
	[S_SUBJECT] = { .label = N_("Subject"),
	    .hint = N_("/CN=a/O=b or CN=a,O=b (empty: CN=the first name)") },
	[S_CHALLENGE] = { .label = N_("Challenge file"),
	    .hint = N_("the challenge password, one line in this file (optional)") },
	[S_FP] = { .label = N_("CA fingerprint"),
	    .hint = N_("SHA-256 of the CA certificate (certdeck enroll --scep URL --info)") },
	[S_KEY] = { .label = N_("Key type"), .choices = scep_keys,
	    .hint = N_("Space or Left/Right picks") },
};

static int
scep_submit(struct ui *ui, void *arg, char *const *v, struct err *e)
{
	cJSON *p = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(p, "scep");
	char fp[65], *chal = NULL;
	struct err se;
	int rc = -1;

	(void)arg;
	err_clear(&se);
	if (s == NULL) {
		err_nomem(e);
		goto out;
	}
	if (strncmp(v[S_URL], "http://", 7) != 0 && strncmp(v[S_URL], "https://", 8) != 0) {
		err_set(e, ERR_INPUT, "%s", _("SCEP URL: give an http:// or https:// URL"));
		goto out;
	}
	if (add_names(s, v[S_NAMES], e) != 0)
		goto out;
	/* The CLI's first-contact rule: trust only a CA checked by fingerprint. */
	if (v[S_FP][0] == '\0') {
		err_set(e, ERR_INPUT, "%s", _("CA fingerprint: the CA is not trusted yet; see "
		    "its fingerprint with certdeck enroll --scep URL --info, check it with "
		    "the CA's operator, then give it here"));
		goto out;
	}
	if (enroll_fingerprint_normalise(v[S_FP], fp, &se) != 0) {
		err_set(e, ERR_INPUT, _("CA fingerprint: %s"), se.msg);
		goto out;
	}
	if (v[S_CHALLENGE][0] != '\0' &&
	    (chal = secret_file(_("Challenge file"), v[S_CHALLENGE], 4096, e)) == NULL)
		goto out;
	if (cJSON_AddStringToObject(s, "url", v[S_URL]) == NULL ||
	    cJSON_AddStringToObject(s, "ca_fingerprint", fp) == NULL ||
	    cJSON_AddStringToObject(s, "key_type", v[S_KEY]) == NULL ||
	    (opt(v[S_SUBJECT]) != NULL &&
	    cJSON_AddStringToObject(s, "subject", v[S_SUBJECT]) == NULL) ||
	    (chal != NULL && cJSON_AddStringToObject(s, "challenge_file", chal) == NULL)) {
		err_nomem(e);
		goto out;
	}
	rc = queue(ui, JOB_SCEP_ENROLL, p, "SCEP", e);
out:
	free(chal);
	cJSON_Delete(p);
	return rc;
}

int
actions_enroll_scep(struct ui *ui)
{
	struct dialog_field f[S_COUNT];

	if (actions_refused(ui, ACT_NEW_CERT))
		return UI_HANDLED | UI_REDRAW;
	dialog_fields_from(f, scep_fields, S_COUNT);
	return dialog_form(ui, _("New certificate (SCEP)"), f, S_COUNT, scep_submit,
	    NULL, NULL) | UI_HANDLED;
}

/* ---- EST ---- */

enum {
	E_URL, E_NAMES, E_SUBJECT, E_BUNDLE, E_FP, E_USER, E_PWFILE, E_CLIENT,
	E_KEY, E_LABEL, E_COUNT
};

static const char *const est_keys[] = { "ec256", "ec384", "rsa2048", "rsa3072",
	"rsa4096", NULL };

static const struct dialog_field est_fields[E_COUNT] = {
	[E_URL] = { .label = N_("EST URL"),
	    .hint = N_("the EST server, https://host[:port]") },
	[E_NAMES] = { .label = N_("Names"),
	    .hint = N_("DNS names or IPs, separated by commas or spaces") },
	[E_SUBJECT] = { .label = N_("Subject"),
	    .hint = N_("/CN=a/O=b or CN=a,O=b (empty: CN=the first name)") },
	[E_BUNDLE] = { .label = N_("CA bundle"),
	    .hint = N_("trust the server by the CA certificates in this file") },
	[E_FP] = { .label = N_("CA fingerprint"),
	    .hint = N_("or: SHA-256 of its /cacerts CA (certdeck enroll --est URL --info)") },
	[E_USER] = { .label = N_("User"),
	    .hint = N_("HTTP basic authentication as this user, with") },
	[E_PWFILE] = { .label = N_("Password file"),
	    .hint = N_("the password, one line in this file (read by each run)") },
	[E_CLIENT] = { .label = N_("Client cert ID"),
	    .hint = N_("or: authenticate with this certificate from the store") },
	[E_KEY] = { .label = N_("Key type"), .choices = est_keys,
	    .hint = N_("Space or Left/Right picks") },
	[E_LABEL] = { .label = N_("CA label"),
	    .hint = N_("/.well-known/est/LABEL/... (optional)") },
};

/* A label is one path segment (RFC 7030 section 3.2.2). */
static int
label_ok(const char *l)
{
	const char *p;

	for (p = l; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-._~", *p) == NULL)
			return 0;
	return *l != '\0';
}

static int
est_submit(struct ui *ui, void *arg, char *const *v, struct err *e)
{
	cJSON *p = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(p, "est");
	char fp[65], *bundle = NULL, *pw = NULL, *end;
	struct err se;
	long long client = 0;
	int rc = -1;

	(void)arg;
	err_clear(&se);
	if (s == NULL) {
		err_nomem(e);
		goto out;
	}
	if (strncmp(v[E_URL], "https://", 8) != 0) {
		err_set(e, ERR_INPUT, "%s", _("EST URL: give an https:// URL (EST runs over "
		    "TLS only)"));
		goto out;
	}
	if (add_names(s, v[E_NAMES], e) != 0)
		goto out;
	if (v[E_LABEL][0] != '\0' && !label_ok(v[E_LABEL])) {
		err_set(e, ERR_INPUT, "%s", _("CA label: one path segment of letters, digits "
		    "and -._~"));
		goto out;
	}
	if ((v[E_USER][0] != '\0') != (v[E_PWFILE][0] != '\0')) {
		err_set(e, ERR_INPUT, "%s", _("User and Password file go together"));
		goto out;
	}
	if (v[E_USER][0] != '\0' && v[E_CLIENT][0] != '\0') {
		err_set(e, ERR_INPUT, "%s", _("give User and Password file, or Client cert ID, "
		    "not both"));
		goto out;
	}
	if (strchr(v[E_USER], ':') != NULL) {
		err_set(e, ERR_INPUT, "%s", _("User: a user name for HTTP basic authentication "
		    "has no ':'"));
		goto out;
	}
	if (v[E_CLIENT][0] != '\0') {
		errno = 0;
		client = strtoll(v[E_CLIENT], &end, 10);
		if (errno != 0 || client <= 0 || *end != '\0') {
			err_set(e, ERR_INPUT, _("Client cert ID: '%s' is not a certificate ID"),
			    v[E_CLIENT]);
			goto out;
		}
	}
	if (v[E_BUNDLE][0] != '\0' && v[E_FP][0] != '\0') {
		err_set(e, ERR_INPUT, "%s", _("give CA bundle or CA fingerprint, not both"));
		goto out;
	}
	/* The CLI's first-contact rule: trust only a server checked by a CA. */
	if (v[E_BUNDLE][0] == '\0' && v[E_FP][0] == '\0') {
		err_set(e, ERR_INPUT, "%s", _("CA fingerprint: the EST server is not trusted "
		    "yet; see its CA's fingerprint with certdeck enroll --est URL --info, check "
		    "it with the CA's operator, then give it here (or a CA bundle)"));
		goto out;
	}
	if (v[E_FP][0] != '\0' && enroll_fingerprint_normalise(v[E_FP], fp, &se) != 0) {
		err_set(e, ERR_INPUT, _("CA fingerprint: %s"), se.msg);
		goto out;
	}
	if (v[E_BUNDLE][0] != '\0' && (bundle = realpath(v[E_BUNDLE], NULL)) == NULL) {
		err_set(e, ERR_INPUT, "%s", _("CA bundle: cannot resolve the path"));
		goto out;
	}
	if (v[E_PWFILE][0] != '\0' && (pw = secret_file(_("Password file"), v[E_PWFILE],
	    EST_PASSWORD_MAX, e)) == NULL)
		goto out;
	if (cJSON_AddStringToObject(s, "url", v[E_URL]) == NULL ||
	    cJSON_AddStringToObject(s, "key_type", v[E_KEY]) == NULL ||
	    (opt(v[E_LABEL]) != NULL && cJSON_AddStringToObject(s, "label", v[E_LABEL]) == NULL) ||
	    (opt(v[E_SUBJECT]) != NULL &&
	    cJSON_AddStringToObject(s, "subject", v[E_SUBJECT]) == NULL) ||
	    (bundle != NULL && cJSON_AddStringToObject(s, "ca_bundle", bundle) == NULL) ||
	    (v[E_FP][0] != '\0' && cJSON_AddStringToObject(s, "ca_fingerprint", fp) == NULL) ||
	    (opt(v[E_USER]) != NULL && cJSON_AddStringToObject(s, "user", v[E_USER]) == NULL) ||
	    (pw != NULL && cJSON_AddStringToObject(s, "password_file", pw) == NULL) ||
	    (client > 0 && cJSON_AddStringToObject(s, "client_cert_id", v[E_CLIENT]) == NULL)) {
		err_nomem(e);
		goto out;
	}
	rc = queue(ui, JOB_EST_ENROLL, p, "EST", e);
out:
	free(bundle);
	free(pw);
	cJSON_Delete(p);
	return rc;
}

int
actions_enroll_est(struct ui *ui)
{
	struct dialog_field f[E_COUNT];

	if (actions_refused(ui, ACT_NEW_CERT))
		return UI_HANDLED | UI_REDRAW;
	dialog_fields_from(f, est_fields, E_COUNT);
	return dialog_form(ui, _("New certificate (EST)"), f, E_COUNT, est_submit,
	    NULL, NULL) | UI_HANDLED;
}
