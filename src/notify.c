#include "config.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "i18n.h"
#include "jobs.h"
#include "notify.h"
#include "store_cert.h"
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

int
notify_channel_add(struct store *st, const char *type, const char *target,
    const char *format, const char *ca_bundle, int64_t *id, struct err *e)
{
	struct notify_channel c = { 0 };
	char path[PATH_MAX];

	if (strcmp(type, "hook") == 0) {
		if (format != NULL || ca_bundle != NULL)
			return err_set(e, ERR_USAGE, "%s", _("a hook takes no --format or "
			    "--ca-bundle"));
		if (strchr(target, '/') == NULL)
			return err_set(e, ERR_USAGE, _("give the hook '%s' as a path (no PATH "
			    "search: ./%s or an absolute path)"), target, target);
		if (realpath(target, path) == NULL || access(path, X_OK) != 0)
			return err_set(e, ERR_INPUT, _("%s is not an executable program"),
			    target);
		c.target = path;
	} else if (strcmp(type, "webhook") == 0) {
		if (strncmp(target, "https://", 8) != 0 || target[8] == '\0')
			return err_set(e, ERR_USAGE, _("a webhook URL must start with "
			    "https://, not '%s'"), target);
		if (format == NULL)
			format = "json";
		if (strcmp(format, "json") != 0 && strcmp(format, "slack") != 0 &&
		    strcmp(format, "ntfy") != 0)
			return err_set(e, ERR_USAGE, _("--format takes json, slack or ntfy, "
			    "not '%s'"), format);
		if (ca_bundle != NULL && access(ca_bundle, R_OK) != 0)
			return err_set(e, ERR_INPUT, _("cannot read %s"), ca_bundle);
		c.target = (char *)target;
		c.format = (char *)format;
		c.ca_bundle = (char *)ca_bundle;
	} else {
		return err_set(e, ERR_USAGE, _("no channel type '%s' (hook or webhook)"), type);
	}
	c.type = (char *)type;
	return store_notify_add(st, &c, id, e);
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
	if (subproc_run(argv, envp, HOOK_TIMEOUT, &res, e) != 0) {
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
	else
		rc = deliver_webhook(c, ev, event_json, result, sizeof(result), e);
	cJSON_Delete(ev);
	store_notify_result(st, c->id, rc == 0, rc == 0 ? result : e->msg, &ignore);
	return rc;
}

/* The event as JSON text (free()), or NULL when out of memory. */
static char *
event_json(struct store *st, enum notify_event ev, const char *condition,
    const char *severity, int64_t cert_id, int64_t job_id, const char *message,
    long long since, long long now)
{
	struct cert_row *row = NULL;
	struct err ignore;
	cJSON *o = cJSON_CreateObject(), *names;
	char t[40], *text = NULL;
	size_t i;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "event", notify_event_name(ev));
	cJSON_AddStringToObject(o, "condition", condition);
	cJSON_AddStringToObject(o, "severity", severity);
	cJSON_AddNumberToObject(o, "cert_id", (double)cert_id);
	cJSON_AddNumberToObject(o, "job_id", (double)job_id);
	names = cJSON_AddArrayToObject(o, "names");
	if (cert_id > 0 && store_cert_get(st, cert_id, &row, &ignore) == 0) {
		for (i = 0; i < row->n_sans; i++)
			cJSON_AddItemToArray(names, cJSON_CreateString(row->sans[i]));
		if (row->n_sans == 0)
			cJSON_AddItemToArray(names, cJSON_CreateString(row->name));
		timefmt_rfc3339(row->not_after, t, sizeof(t));
		cJSON_AddStringToObject(o, "not_after", t);
		cert_row_free(row);
	}
	cJSON_AddStringToObject(o, "message", message != NULL ? message : "");
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
	return event_json(NULL, NOTIFY_TEST, "test", "ok", 0, 0,
	    _("certdeck test notice: this channel works"), 0, store_now());
}

/*
 * Queues the event for every channel, its first and last job in *first
 * and *last (when not NULL). Returns 0 or -1.
 */
static int
queue(struct store *st, struct notify_channel **ch, size_t n_ch, const char *json,
    const char *actor, int *queued, int64_t *first, int64_t *last, struct err *e)
{
	int64_t id;
	size_t i;

	if (json == NULL)
		return err_nomem(e);
	for (i = 0; i < n_ch; i++) {
		if (store_job_add(st, JOB_NOTIFY, ch[i]->id, json, 0, actor, &id, e) != 0)
			return -1;
		if (first != NULL && i == 0)
			*first = id;
		if (last != NULL)
			*last = id;
		(*queued)++;
	}
	return 0;
}

int64_t
notify_subject(const struct alert *a)
{
	/* A job's condition is the job's; a certificate's, the certificate's. */
	return a->job_id > 0 ? a->job_id : a->channel_id > 0 ? a->channel_id : a->cert_id;
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
		json = event_json(st, ev, kind, alert_severity_name(a->severity), a->cert_id,
		    a->job_id, a->message, a->since, r->now);
		rc = queue(st, ch, n_ch, json, actor, queued, &put.job_first, &put.job_last, e);
		if (rc == 0)
			rc = store_notify_state_put(st, &put, e);
		free(json);
		if (rc != 0)
			goto undo;
	}
	for (j = 0; j < n_sv; j++) {
		if (seen[j])
			continue;
		json = event_json(st, NOTIFY_CLEAR, sv[j].kind, "ok", sv[j].cert_id,
		    sv[j].subject != sv[j].cert_id ? sv[j].subject : 0, sv[j].message,
		    sv[j].started, r->now);
		rc = store_notify_state_clear(st, sv[j].kind, sv[j].subject, e) != 0 ? -1 :
		    queue(st, ch, n_ch, json, actor, queued, NULL, NULL, e);
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
