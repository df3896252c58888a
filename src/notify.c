#include "config.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "expiry.h"
#include "http.h"
#include "i18n.h"
#include "jobs.h"
#include "notify.h"
#include "notify_mail.h"
#include "store_cert.h"
#include "store_job.h"
#include "subproc.h"
#include "timefmt.h"

#define HOOK_TIMEOUT 60

static const char *const event_names[NOTIFY_EVENT_COUNT] = {
	[NOTIFY_START] = "start", [NOTIFY_REMINDER] = "reminder", [NOTIFY_CLEAR] = "clear",
	[NOTIFY_TEST] = "test",
};

const char *
notify_event_name(enum notify_event ev)
{
	return (unsigned)ev < NOTIFY_EVENT_COUNT ? event_names[ev] : "unknown";
}

/* Whether every word of the comma-separated list is an event or condition name. */
static int
events_ok(const char *list, struct err *e)
{
	const char *p = list, *end;
	char word[64];
	int i, found;

	if (list[0] == '\0')
		return err_set(e, ERR_USAGE, "%s", _("--events takes a list of names"));
	for (; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchrnul(p, ',');
		snprintf(word, sizeof(word), "%.*s", (int)(end - p), p);
		found = 0;
		for (i = 0; i < NOTIFY_TEST && !found; i++)
			found = strcmp(word, event_names[i]) == 0;
		for (i = 0; i < ALERT_KIND_COUNT && !found; i++)
			found = strcmp(word, alert_kind_name((enum alert_kind)i)) == 0;
		if (!found)
			return err_set(e, ERR_USAGE, _("--events: no event or condition '%s' "
			    "(start, reminder, clear; job-failed, job-retrying, expiring, "
			    "revoked, renew-stale, channel-failing)"), word);
	}
	return 0;
}

/* A copy of s in *slot (NULL stays NULL). Returns 0, or -1 when out of memory. */
static int
dup_into(char **slot, const char *s)
{
	*slot = s != NULL ? strdup(s) : NULL;
	return s != NULL && *slot == NULL ? -1 : 0;
}

/* Checks a hook or webhook channel. Returns 0 or -1. */
static int
check_hook_webhook(struct notify_channel *c, const struct notify_channel_opts *o,
    struct err *e)
{
	char path[PATH_MAX];

	if (o->mail_from != NULL || o->smtp != NULL || o->smtp_user != NULL ||
	    o->password_file != NULL || o->sendmail != NULL)
		return err_set(e, ERR_USAGE, "%s", _("--from, --smtp, --smtp-user, "
		    "--smtp-password-file and --sendmail are for mail channels"));
	if (strcmp(c->type, "hook") == 0) {
		if (o->format != NULL || o->ca_bundle != NULL)
			return err_set(e, ERR_USAGE, "%s", _("a hook takes no --format or "
			    "--ca-bundle"));
		if (strchr(c->target, '/') == NULL)
			return err_set(e, ERR_USAGE, _("give the hook '%s' as a path (no PATH "
			    "search: ./%s or an absolute path)"), c->target, c->target);
		if (realpath(c->target, path) == NULL || access(path, X_OK) != 0)
			return err_set(e, ERR_INPUT, _("%s is not an executable program"),
			    c->target);
		free(c->target);
		return dup_into(&c->target, path) != 0 ? err_nomem(e) : 0;
	}
	if (strncmp(c->target, "https://", 8) != 0 || c->target[8] == '\0')
		return err_set(e, ERR_USAGE, _("a webhook URL must start with "
		    "https://, not '%s'"), c->target);
	if (c->format == NULL && dup_into(&c->format, "json") != 0)
		return err_nomem(e);
	if (strcmp(c->format, "json") != 0 && strcmp(c->format, "slack") != 0 &&
	    strcmp(c->format, "ntfy") != 0)
		return err_set(e, ERR_USAGE, _("--format takes json, slack or ntfy, "
		    "not '%s'"), c->format);
	if (c->ca_bundle != NULL && access(c->ca_bundle, R_OK) != 0)
		return err_set(e, ERR_INPUT, _("cannot read %s"), c->ca_bundle);
	return 0;
}

/*
 * A checked channel for type and target with o's settings. Returns 0
 * and *out (notify_channel_free), or -1 (ERR_USAGE or ERR_INPUT).
 */
static int
channel_build(const char *type, const char *target, const struct notify_channel_opts *o,
    struct notify_channel **out, struct err *e)
{
	struct notify_channel *c = calloc(1, sizeof(*c));
	int rc = -1;

	*out = NULL;
	if (c == NULL)
		return err_nomem(e);
	c->min_days = o->min_days;
	if (dup_into(&c->type, type) != 0 || dup_into(&c->target, target) != 0 ||
	    dup_into(&c->format, o->format) != 0 || dup_into(&c->ca_bundle, o->ca_bundle) != 0 ||
	    dup_into(&c->events, o->events) != 0 || dup_into(&c->mail_from, o->mail_from) != 0 ||
	    dup_into(&c->smtp, o->smtp) != 0 || dup_into(&c->smtp_user, o->smtp_user) != 0 ||
	    dup_into(&c->password_file, o->password_file) != 0 ||
	    dup_into(&c->sendmail, o->sendmail) != 0) {
		err_nomem(e);
		goto out;
	}
	if (c->events != NULL && events_ok(c->events, e) != 0)
		goto out;
	if (strcmp(type, "mail") == 0)
		rc = notify_mail_check(c, e);
	else if (strcmp(type, "hook") == 0 || strcmp(type, "webhook") == 0)
		rc = check_hook_webhook(c, o, e);
	else
		rc = err_set(e, ERR_USAGE, _("no channel type '%s' (hook, webhook or mail)"),
		    type);
	if (rc == 0) {
		*out = c;
		c = NULL;
	}
out:
	notify_channel_free(c);
	return rc;
}

int
notify_channel_add(struct store *st, const char *type, const char *target,
    const struct notify_channel_opts *o, int64_t *id, struct err *e)
{
	struct notify_channel *c;
	int rc;

	if (channel_build(type, target, o, &c, e) != 0)
		return -1;
	rc = store_notify_add(st, c, id, e);
	notify_channel_free(c);
	return rc;
}

/* The channel a [notify NAME] section declares, checked. Returns 0 and *out, or -1. */
static int
conf_channel(const struct conf *cf, const struct conf_notify *n,
    struct notify_channel **out, struct err *e)
{
	const struct notify_channel_opts o = {
		.format = n->format, .ca_bundle = n->ca_bundle, .events = n->events,
		.min_days = n->min_days, .mail_from = n->mail_from, .smtp = n->smtp,
		.smtp_user = n->smtp_user, .password_file = n->password_file,
		.sendmail = n->sendmail,
	};

	if (channel_build(n->type, n->target, &o, out, e) != 0)
		return err_prefix(e, "%s:%d: [notify %s]", cf->path != NULL ? cf->path : "-",
		    n->line, n->name);
	if (dup_into(&(*out)->conf_name, n->name) != 0) {
		notify_channel_free(*out);
		*out = NULL;
		return err_nomem(e);
	}
	return 0;
}

int
notify_conf_check(const struct conf *cf, struct err *e)
{
	struct notify_channel *c;
	size_t i;

	for (i = 0; cf != NULL && i < cf->n_notify; i++) {
		if (conf_channel(cf, &cf->notify[i], &c, e) != 0)
			return -1;
		notify_channel_free(c);
	}
	return 0;
}

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether two channels have the same settings (not the same delivery record). */
static int
same_settings(const struct notify_channel *a, const struct notify_channel *b)
{
	return same_str(a->type, b->type) && same_str(a->target, b->target) &&
	    same_str(a->format, b->format) && same_str(a->ca_bundle, b->ca_bundle) &&
	    same_str(a->events, b->events) && a->min_days == b->min_days &&
	    same_str(a->mail_from, b->mail_from) && same_str(a->smtp, b->smtp) &&
	    same_str(a->smtp_user, b->smtp_user) &&
	    same_str(a->password_file, b->password_file) && same_str(a->sendmail, b->sendmail);
}

/* Brings the store's config channels to what cf declares, inside a transaction. */
static int
sync_in_tx(struct store *st, const struct conf *cf, struct notify_channel **have, size_t n,
    int *changed, struct err *e)
{
	struct notify_channel *want;
	size_t i, j;
	int64_t id;

	for (i = 0; cf != NULL && i < cf->n_notify; i++) {
		if (conf_channel(cf, &cf->notify[i], &want, e) != 0)
			return -1;
		for (j = 0; j < n; j++)
			if (have[j]->conf_name != NULL && strcmp(have[j]->conf_name, want->conf_name) == 0)
				break;
		if (j == n) {
			if (store_notify_add(st, want, &id, e) != 0)
				goto fail;
			(*changed)++;
		} else if (!same_settings(have[j], want)) {
			if (store_notify_update(st, have[j]->id, want, e) != 0)
				goto fail;
			(*changed)++;
		}
		notify_channel_free(want);
	}
	for (j = 0; j < n; j++) {
		if (have[j]->conf_name == NULL)
			continue;
		for (i = 0; cf != NULL && i < cf->n_notify; i++)
			if (strcmp(cf->notify[i].name, have[j]->conf_name) == 0)
				break;
		if (cf != NULL && i < cf->n_notify)
			continue;
		if (store_notify_remove(st, have[j]->id, e) < 0)
			return -1;
		(*changed)++;
	}
	return 0;
fail:
	notify_channel_free(want);
	return -1;
}

int
notify_conf_sync(struct store *st, const struct conf *cf, struct err *e)
{
	struct notify_channel **have = NULL;
	size_t n = 0, i;
	int changed = 0, rc;

	if (notify_conf_check(cf, e) != 0 || store_notify_list(st, &have, &n, e) != 0)
		return -1;
	/* Nothing declared now or before: nothing to write (a read-only store stays so). */
	for (i = 0; i < n && have[i]->conf_name == NULL; i++)
		;
	if (i == n && (cf == NULL || cf->n_notify == 0)) {
		notify_channel_list_free(have, n);
		return 0;
	}
	if (store_begin(st, e) != 0) {
		notify_channel_list_free(have, n);
		return -1;
	}
	rc = sync_in_tx(st, cf, have, n, &changed, e);
	notify_channel_list_free(have, n);
	if (rc != 0) {
		store_rollback(st);
		return -1;
	}
	if (changed == 0) {
		store_rollback(st);	/* wrote nothing */
		return 0;
	}
	return store_commit(st, e);
}

/*
 * Whether channel c takes a notice: its --events list names the event or
 * the condition (one of each kind of word, when both are listed), and
 * with --min-days a certificate's notice waits until it is that close to
 * expiry. A recovery notice passes --min-days (the renewed certificate
 * is far from it); a test notice passes everything.
 */
static int
channel_wants(const struct notify_channel *c, const char *event, const char *condition,
    long long not_after, long long now)
{
	int ev_listed = 0, cond_listed = 0, ev_hit = 0, cond_hit = 0, i;
	const char *p, *end;
	size_t n;

	if (strcmp(event, "test") == 0)
		return 1;
	for (p = c->events; p != NULL && *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchrnul(p, ',');
		n = (size_t)(end - p);
		for (i = 0; i < NOTIFY_TEST; i++)
			if (strlen(event_names[i]) == n && strncmp(p, event_names[i], n) == 0)
				break;
		if (i < NOTIFY_TEST) {
			ev_listed = 1;
			ev_hit |= strlen(event) == n && strncmp(p, event, n) == 0;
		} else {
			cond_listed = 1;
			cond_hit |= strlen(condition) == n && strncmp(p, condition, n) == 0;
		}
	}
	if ((ev_listed && !ev_hit) || (cond_listed && !cond_hit))
		return 0;
	if (c->min_days >= 0 && not_after > 0 && strcmp(event, "clear") != 0 &&
	    expiry_days_left(not_after, now) > c->min_days)
		return 0;
	return 1;
}

/* A string member of o, or "". */
static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The one line a person reads: what happened, in their language. */
static void
event_line(const cJSON *ev, char *out, size_t n)
{
	const char *kind = str(ev, "event"), *msg = str(ev, "message");

	if (strcmp(kind, "clear") == 0)
		snprintf(out, n, _("resolved: %s"), msg);
	else if (strcmp(kind, "reminder") == 0)
		snprintf(out, n, _("still: %s"), msg);
	else if (strcmp(kind, "test") == 0)
		snprintf(out, n, "%s", _("certdeck test notice: this channel works"));
	else
		snprintf(out, n, "%s", msg);
}

/* Appends s to the string in buf (of n bytes), cut to fit. */
static void
append(char *buf, size_t n, const char *s)
{
	size_t k = strlen(buf);

	if (k + 1 < n)
		snprintf(buf + k, n - k, "%s", s);
}

/* "NAME=value" on the heap, or NULL. */
static char *
env_var(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s=%s", name, value);
	return s;
}

/* Runs the hook with the event in a minimal environment. Returns 0 or -1. */
static int
deliver_hook(const struct notify_channel *c, const cJSON *ev, const char *json,
    char *result, size_t rn, struct err *e)
{
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(ev, "names"), *nm;
	const char *argv[] = { c->target, NULL };
	char *envp[12] = { NULL }, joined[2048] = "", id[32], line[1024];
	struct subproc_result res;
	size_t k = 0, i;
	int rc = -1;

	cJSON_ArrayForEach(nm, names) {
		if (cJSON_IsString(nm) && strlen(joined) + strlen(nm->valuestring) + 2 <
		    sizeof(joined)) {
			if (joined[0] != '\0')
				append(joined, sizeof(joined), " ");
			append(joined, sizeof(joined), nm->valuestring);
		}
	}
	snprintf(id, sizeof(id), "%lld", (long long)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(ev, "cert_id")));
	if (strcmp(id, "0") == 0 || strcmp(id, "nan") == 0)
		id[0] = '\0';
	event_line(ev, line, sizeof(line));
	envp[k++] = env_var("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	envp[k++] = env_var("LC_ALL", "C.UTF-8");
	envp[k++] = env_var("CERTDECK_EVENT", str(ev, "event"));
	envp[k++] = env_var("CERTDECK_CONDITION", str(ev, "condition"));
	envp[k++] = env_var("CERTDECK_SEVERITY", str(ev, "severity"));
	envp[k++] = env_var("CERTDECK_CERT_ID", id);
	envp[k++] = env_var("CERTDECK_NAMES", joined);
	envp[k++] = env_var("CERTDECK_NOT_AFTER", str(ev, "not_after"));
	envp[k++] = env_var("CERTDECK_MESSAGE", line);
	envp[k++] = env_var("CERTDECK_EVENT_JSON", json);
	for (i = 0; i < k; i++)
		if (envp[i] == NULL) {
			err_nomem(e);
			goto out;
		}
	/* The whole event on standard input too, as the hook's contract says. */
	if (subproc_run_input(argv, envp, json, strlen(json), HOOK_TIMEOUT, &res, e) != 0) {
		e->retryable = 1;
		goto out;
	}
	if (res.exited && res.status == 0) {
		snprintf(result, rn, "%s", _("the hook exited 0"));
		rc = 0;
		goto out;
	}
	subproc_tail_line(&res, 200, line, sizeof(line));
	if (res.timed_out)
		err_set(e, ERR_IO, _("the hook %s ran longer than %d s"), c->target, HOOK_TIMEOUT);
	else if (res.exited)
		err_set(e, ERR_IO, _("the hook %s exited %d: %s"), c->target, res.status, line);
	else
		err_set(e, ERR_IO, _("the hook %s was killed by signal %d"), c->target, res.signal);
	e->retryable = 1;
out:
	for (i = 0; i < k; i++)
		free(envp[i]);
	return rc;
}

/* Appends s to out percent-encoded (RFC 3986 unreserved kept). */
static void
url_encode(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = strlen(out);

	for (; *s != '\0' && k + 4 < n; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			out[k++] = (char)ch;
		} else {
			out[k++] = '%';
			out[k++] = hex[ch >> 4];
			out[k++] = hex[ch & 15];
		}
	}
	out[k] = '\0';
}

/*
 * A webhook URL often is the secret (Slack's, ntfy's topic): it stays out
 * of messages, which end up in job errors and events. Replaces it in
 * e->msg with the channel's number.
 */
static void
redact(struct err *e, const struct notify_channel *c)
{
	char out[sizeof(e->msg)], name[32];
	const char *at = strstr(e->msg, c->target);

	if (at == NULL)
		return;
	snprintf(name, sizeof(name), _("webhook #%lld"), (long long)c->id);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - e->msg), e->msg, name,
	    at + strlen(c->target));
	snprintf(e->msg, sizeof(e->msg), "%s", out);
}

/* POSTs the event in the channel's format. Returns 0 or -1. */
static int
deliver_webhook(const struct notify_channel *c, const cJSON *ev, const char *json,
    char *result, size_t rn, struct err *e)
{
	struct http_response *resp = NULL;
	struct http *h = NULL;
	const char *ctype = "application/json", *body = json, *sev = str(ev, "severity");
	char line[1024], title[256], url[4096];
	char *owned = NULL;
	cJSON *o;
	int rc = -1;

	event_line(ev, line, sizeof(line));
	snprintf(url, sizeof(url), "%s", c->target);
	if (c->format != NULL && strcmp(c->format, "slack") == 0) {
		if ((o = cJSON_CreateObject()) == NULL ||
		    cJSON_AddStringToObject(o, "text", line) == NULL ||
		    (owned = cJSON_PrintUnformatted(o)) == NULL) {
			cJSON_Delete(o);
			return err_nomem(e);
		}
		cJSON_Delete(o);
		body = owned;
	} else if (c->format != NULL && strcmp(c->format, "ntfy") == 0) {
		/* ntfy takes its title and priority as query parameters too. */
		snprintf(title, sizeof(title), "certdeck %s: %s", str(ev, "event"),
		    str(ev, "condition"));
		append(url, sizeof(url), strchr(url, '?') != NULL ? "&title=" : "?title=");
		url_encode(title, url, sizeof(url));
		append(url, sizeof(url), strcmp(sev, "critical") == 0 ? "&priority=5" :
		    strcmp(sev, "warning") == 0 ? "&priority=4" : "&priority=3");
		ctype = "text/plain; charset=utf-8";
		body = line;
	}
	if (http_new(c->ca_bundle, &h, e) != 0)
		goto out;
	if (http_request(h, "POST", url, ctype, body, strlen(body), &resp, e) != 0) {
		redact(e, c);
		e->retryable = 1;
		goto out;
	}
	if (resp->status < 200 || resp->status > 299) {
		err_set(e, ERR_NET, _("webhook #%lld answered HTTP %ld"), (long long)c->id,
		    resp->status);
		e->retryable = resp->status >= 500 || resp->status == 429;
		goto out;
	}
	snprintf(result, rn, _("HTTP %ld"), resp->status);
	rc = 0;
out:
	http_response_free(resp);
	http_free(h);
	free(owned);
	return rc;
}

int
notify_deliver(struct store *st, const struct notify_channel *c, const char *event_json,
    struct err *e)
{
	cJSON *ev = cJSON_Parse(event_json);
	char result[256] = "";
	struct err ignore;
	int rc;

	if (ev == NULL)
		return err_set(e, ERR_INPUT, "%s", _("the notification is not JSON"));
	if (strcmp(c->type, "hook") == 0)
		rc = deliver_hook(c, ev, event_json, result, sizeof(result), e);
	else if (strcmp(c->type, "mail") == 0)
		rc = notify_mail_deliver(c, ev, result, sizeof(result), e);
	else
		rc = deliver_webhook(c, ev, event_json, result, sizeof(result), e);
	cJSON_Delete(ev);
	store_notify_result(st, c->id, rc == 0, rc == 0 ? result : e->msg, &ignore);
	return rc;
}

/* Who an event is about: a certificate, a job, a channel (0 for none). */
struct about {
	int64_t cert_id, job_id, channel_id, endpoint_id;
};

/* The message of a job's last error, into out ("" when none). */
static void
job_last_error(struct store *st, int64_t job_id, char *out, size_t n)
{
	struct job_row *j = NULL;
	struct err ignore;
	cJSON *o;

	out[0] = '\0';
	if (job_id <= 0 || store_job_get(st, job_id, &j, &ignore) != 0)
		return;
	if (j->last_error != NULL && (o = cJSON_Parse(j->last_error)) != NULL) {
		snprintf(out, n, "%s", str(o, "message"));
		cJSON_Delete(o);
	}
	job_row_free(j);
}

/*
 * The event as JSON text (free()), or NULL when out of memory; *not_after
 * is the certificate's expiry (0 for none), for the channels' filters.
 */
static char *
event_json(struct store *st, enum notify_event ev, const char *condition,
    const char *severity, const struct about *ab, const char *message,
    long long since, long long now, long long *not_after)
{
	struct cert_row *row = NULL;
	struct err ignore;
	cJSON *o = cJSON_CreateObject(), *names;
	char t[40], why[1024], *text = NULL;
	size_t i;

	*not_after = 0;
	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "event", notify_event_name(ev));
	cJSON_AddStringToObject(o, "condition", condition);
	cJSON_AddStringToObject(o, "severity", severity);
	cJSON_AddNumberToObject(o, "cert_id", (double)ab->cert_id);
	cJSON_AddNumberToObject(o, "job_id", (double)ab->job_id);
	if (ab->channel_id > 0)
		cJSON_AddNumberToObject(o, "channel_id", (double)ab->channel_id);
	if (ab->endpoint_id > 0)
		cJSON_AddNumberToObject(o, "endpoint_id", (double)ab->endpoint_id);
	names = cJSON_AddArrayToObject(o, "names");
	if (ab->cert_id > 0 && store_cert_get(st, ab->cert_id, &row, &ignore) == 0) {
		for (i = 0; i < row->n_sans; i++)
			cJSON_AddItemToArray(names, cJSON_CreateString(row->sans[i]));
		if (row->n_sans == 0)
			cJSON_AddItemToArray(names, cJSON_CreateString(row->name));
		timefmt_rfc3339(row->not_after, t, sizeof(t));
		cJSON_AddStringToObject(o, "not_after", t);
		*not_after = row->not_after;
		cert_row_free(row);
	}
	cJSON_AddStringToObject(o, "message", message != NULL ? message : "");
	if (st != NULL && ev != NOTIFY_CLEAR) {
		job_last_error(st, ab->job_id, why, sizeof(why));
		if (why[0] != '\0')
			cJSON_AddStringToObject(o, "last_error", why);
	}
	if (since > 0) {
		timefmt_rfc3339(since, t, sizeof(t));
		cJSON_AddStringToObject(o, "since", t);
	}
	timefmt_rfc3339(now, t, sizeof(t));
	cJSON_AddStringToObject(o, "time", t);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

char *
notify_test_event(void)
{
	struct about none = { 0 };
	long long not_after;

	return event_json(NULL, NOTIFY_TEST, "test", "ok", &none,
	    _("certdeck test notice: this channel works"), 0, store_now(), &not_after);
}

/*
 * Queues the event for every channel that wants it, the first and last
 * job queued in *first and *last (when not NULL). Returns 0 or -1.
 */
static int
queue(struct store *st, struct notify_channel **ch, size_t n_ch, const char *json,
    enum notify_event ev, const char *condition, long long not_after, long long now,
    const char *actor, int *queued, int64_t *first, int64_t *last, struct err *e)
{
	int64_t id, f = 0, l = 0;
	size_t i;

	if (json == NULL)
		return err_nomem(e);
	for (i = 0; i < n_ch; i++) {
		if (!channel_wants(ch[i], notify_event_name(ev), condition, not_after, now))
			continue;
		if (store_job_add(st, JOB_NOTIFY, ch[i]->id, json, 0, actor, &id, e) != 0)
			return -1;
		if (f == 0)
			f = id;
		l = id;
		(*queued)++;
	}
	if (first != NULL)
		*first = f;
	if (last != NULL)
		*last = l;
	return 0;
}

int64_t
notify_subject(const struct alert *a)
{
	/*
	 * A job's condition is the job's; a channel's the channel's; drift the
	 * endpoint's (one per kind, so the id spaces never meet); a
	 * certificate's, the certificate's.
	 */
	return a->job_id > 0 ? a->job_id : a->channel_id > 0 ? a->channel_id :
	    a->endpoint_id > 0 ? a->endpoint_id : a->cert_id;
}

int
notify_ack(struct store *st, const struct alert *a, const char *actor, long long now,
    struct err *e)
{
	struct notify_state s;

	memset(&s, 0, sizeof(s));
	snprintf(s.kind, sizeof(s.kind), "%s", alert_kind_name(a->kind));
	s.subject = notify_subject(a);
	s.started = a->since > 0 && a->since <= now ? a->since : now;
	s.cert_id = a->cert_id;
	s.message = a->message;
	s.acked_at = now;
	return store_notify_ack(st, &s, actor, e);
}

int
notify_queue_test(struct store *st, int64_t channel_id, const char *actor, int64_t *job_id,
    struct err *e)
{
	struct notify_channel *c = NULL;
	char *json;
	int rc;

	if ((rc = store_notify_get(st, channel_id, &c, e)) != 0) {
		if (rc == 1)
			err_set(e, ERR_INPUT, _("no notification channel #%lld"),
			    (long long)channel_id);
		return -1;
	}
	notify_channel_free(c);
	if ((json = notify_test_event()) == NULL)
		return err_nomem(e);
	rc = store_job_add(st, JOB_NOTIFY, channel_id, json, 0, actor, job_id, e);
	free(json);
	return rc != 0 ? -1 : 0;
}

void
notify_target_shown(const struct notify_channel *c, char *out, size_t n)
{
	const char *host, *end;

	if (strcmp(c->type, "webhook") != 0) {
		snprintf(out, n, "%s", c->target);
		return;
	}
	/*
	 * The scheme and the host say which service it is; the path and the
	 * query (a Slack token, an ntfy topic) are the secret.
	 */
	host = strstr(c->target, "://");
	host = host != NULL ? host + 3 : c->target;
	end = host + strcspn(host, "/?#");
	snprintf(out, n, "%.*s%s", (int)(end - c->target), c->target,
	    *end != '\0' ? "/..." : "");
}

int
notify_update(struct store *st, const struct alert_report *r, const char *actor,
    int *queued, struct err *e)
{
	struct notify_channel **ch = NULL;
	struct notify_state *sv = NULL, put;
	size_t n_ch = 0, n_sv = 0, i, j;
	char *seen = NULL, *json;
	struct about ab;
	enum alert_kind dk;
	long long not_after;
	int rc = -1;

	*queued = 0;
	if (store_notify_list(st, &ch, &n_ch, e) != 0)
		return -1;
	if (store_begin(st, e) != 0)
		goto out;
	if (store_notify_states(st, &sv, &n_sv, e) != 0)
		goto undo;
	if (n_sv > 0 && (seen = calloc(n_sv, 1)) == NULL) {
		err_nomem(e);
		goto undo;
	}
	for (i = 0; i < r->n; i++) {
		const struct alert *a = &r->v[i];
		const char *kind = alert_kind_name(a->kind);
		int64_t subject = notify_subject(a);
		enum notify_event ev = NOTIFY_START;

		for (j = 0; j < n_sv; j++)
			if (sv[j].subject == subject && strcmp(sv[j].kind, kind) == 0)
				break;
		if (j < n_sv) {
			seen[j] = 1;
			/* Acknowledged: someone knows; the clearing is still told. */
			if (sv[j].acked_at != 0 ||
			    r->now - sv[j].notified < NOTIFY_REMIND_SECONDS)
				continue;
			ev = NOTIFY_REMINDER;
		}
		/*
		 * With no channel nothing is told, so nothing is tracked: a
		 * channel added later hears of it as it starts.
		 */
		if (n_ch == 0)
			continue;
		memset(&put, 0, sizeof(put));
		snprintf(put.kind, sizeof(put.kind), "%s", kind);
		put.subject = subject;
		put.started = j < n_sv ? sv[j].started : r->now;
		put.notified = r->now;
		put.cert_id = a->cert_id;
		put.message = a->message;
		ab.cert_id = a->cert_id;
		ab.job_id = a->job_id;
		ab.channel_id = a->channel_id;
		ab.endpoint_id = a->endpoint_id;
		json = event_json(st, ev, kind, alert_severity_name(a->severity), &ab,
		    a->message, a->since, r->now, &not_after);
		/* Queued first: the state records which jobs carry this notice. */
		rc = queue(st, ch, n_ch, json, ev, kind, not_after, r->now, actor, queued,
		    &put.job_first, &put.job_last, e);
		if (rc == 0)
			rc = store_notify_state_put(st, &put, e);
		free(json);
		if (rc != 0)
			goto undo;
	}
	for (j = 0; j < n_sv; j++) {
		if (seen[j])
			continue;
		/* The subject is the channel, the endpoint, the job, or the certificate itself. */
		memset(&ab, 0, sizeof(ab));
		ab.cert_id = sv[j].cert_id;
		if (strcmp(sv[j].kind, alert_kind_name(ALERT_CHANNEL_FAILING)) == 0)
			ab.channel_id = sv[j].subject;
		else if (alert_kind_parse(sv[j].kind, &dk) == 0 && alert_kind_is_drift(dk))
			ab.endpoint_id = sv[j].subject;
		else if (sv[j].subject != sv[j].cert_id)
			ab.job_id = sv[j].subject;
		json = event_json(st, NOTIFY_CLEAR, sv[j].kind, "ok", &ab, sv[j].message,
		    sv[j].started, r->now, &not_after);
		rc = store_notify_state_clear(st, sv[j].kind, sv[j].subject, e) != 0 ? -1 :
		    queue(st, ch, n_ch, json, NOTIFY_CLEAR, sv[j].kind, not_after, r->now, actor,
		    queued, NULL, NULL, e);
		free(json);
		if (rc != 0)
			goto undo;
	}
	rc = store_commit(st, e);
	if (rc != 0)
		goto undo;
	goto out;
undo:
	rc = -1;
	*queued = 0;
	store_rollback(st);
out:
	free(seen);
	notify_state_list_free(sv, n_sv);
	notify_channel_list_free(ch, n_ch);
	return rc;
}

int
notify_job(struct store *st, int64_t channel_id, const char *params, struct err *e)
{
	struct notify_channel *c = NULL;
	int rc;

	if ((rc = store_notify_get(st, channel_id, &c, e)) != 0) {
		if (rc == 1)
			err_set(e, ERR_INPUT, _("notification channel #%lld was removed"),
			    (long long)channel_id);
		return -1;
	}
	rc = notify_deliver(st, c, params != NULL ? params : "", e);
	notify_channel_free(c);
	return rc;
}
