/*
 * One certificate: every field, its validity with the time left, its
 * renewal history, revocation status, deploy targets, endpoints (their
 * last check) and its jobs' recent events, and with
 * `p` its PEM chain. Long values wrap; the view scrolls.
 */
#include "config.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "expiry.h"
#include "format.h"
#include "i18n.h"
#include "store_acme.h"
#include "store_cert.h"
#include "revocation.h"
#include "store_deploy.h"
#include "store_endpoint.h"
#include "store_job.h"
#include "store_revocation.h"
#include "timefmt.h"
#include "ui.h"

#define LABEL_W 13

struct field {
	const char *label;	/* translated, or "" for a continuation */
	char *text;
	enum theme_role role;
};

struct detail {
	struct screen *self;
	int64_t id;
	struct field *fields;
	size_t n, cap;
	int show_pem;
	int top;		/* first wrapped line shown */
	int missing;		/* the certificate is gone */
	char name[256];		/* for the revocation's confirmation */
};

static void
fields_clear(struct detail *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->fields[i].text);
	d->n = 0;
}

static void
add(struct detail *d, const char *label, enum theme_role role,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
add(struct detail *d, const char *label, enum theme_role role,
    const char *fmt, ...)
{
	struct field *grown;
	va_list ap;
	char *text;
	int n;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;

		if ((grown = realloc(d->fields, cap * sizeof(*grown))) == NULL)
			return;
		d->fields = grown;
		d->cap = cap;
	}
	/* Measure, then format: vsnprintf twice, bounded both times. */
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (text = malloc((size_t)n + 1)) == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	d->fields[d->n].label = label;
	d->fields[d->n].text = text;
	d->fields[d->n].role = role;
	d->n++;
}

/* One line per deploy target: where it goes and how its last run went. */
/*
 * For a SCEP or EST certificate, the CA's URL: from the params of the job
 * that produced it (the settings renewals use too). Nothing when unknown.
 */
static void
add_enroll_url(struct ui *ui, struct detail *d, const struct cert_row *row)
{
	struct job_row *job = NULL;
	cJSON *p = NULL;
	const cJSON *url;
	char path[32];
	int64_t id;
	struct err e;

	if (row->source == NULL || (strcmp(row->source, "scep") != 0 &&
	    strcmp(row->source, "est") != 0))
		return;
	err_clear(&e);
	snprintf(path, sizeof(path), "$.%s.url", row->source);
	if (store_job_producer(ui->st, row->id, path, &id, &e) != 0 ||
	    store_job_get(ui->st, id, &job, &e) != 0)
		return;
	if (job->params != NULL && (p = cJSON_Parse(job->params)) != NULL) {
		url = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p,
		    row->source), "url");
		if (cJSON_IsString(url))
			add(d, _("CA URL"), TH_NORMAL, "%s", url->valuestring);
	}
	cJSON_Delete(p);
	job_row_free(job);
}

static void
add_deploy_rows(struct ui *ui, struct detail *d, int64_t cert_id)
{
	struct deploy_target **t = NULL;
	size_t n = 0, i;
	char when[64] = "";
	struct err e;

	err_clear(&e);
	if (store_deploy_list(ui->st, cert_id, &t, &n, &e) != 0)
		return;
	for (i = 0; i < n; i++) {
		const char *path = t[i]->fullchain_path ? t[i]->fullchain_path :
		    t[i]->cert_path ? t[i]->cert_path : t[i]->combined_path ?
		    t[i]->combined_path : t[i]->key_path ? t[i]->key_path : "-";
		int failed = t[i]->last_status != NULL &&
		    strcmp(t[i]->last_status, "failed") == 0;

		if (t[i]->last_run > 0)
			timefmt_utc(t[i]->last_run, 1, when, sizeof(when));
		add(d, i == 0 ? _("Deployed to") : "", failed ? TH_ERROR : TH_NORMAL,
		    "%s: %s", path, t[i]->last_status == NULL ? _("never run") :
		    failed ? _("FAILED") : when);
		if (failed && t[i]->last_message != NULL)
			add(d, "", TH_ERROR, "  %s", t[i]->last_message);
	}
	deploy_target_list_free(t, n);
}

/*
 * One line per endpoint: where, what its last check said and when, and
 * the check's message when something is wrong. Only the store's record:
 * probing is the worker's (the UI does no network I/O).
 */
static void
add_endpoint_rows(struct ui *ui, struct detail *d, int64_t cert_id)
{
	struct endpoint_row **ep = NULL;
	size_t n = 0, i;
	char when[64];
	struct err e;

	err_clear(&e);
	if (store_endpoint_list(ui->st, cert_id, &ep, &n, &e) != 0) {
		add(d, _("Endpoints"), TH_ERROR, "%s", e.msg);
		return;
	}
	if (n == 0)
		add(d, _("Endpoints"), TH_DIM, "%s", _("none (certdeck endpoint add)"));
	for (i = 0; i < n; i++) {
		const struct endpoint_row *r = ep[i];
		const char *label = i == 0 ? _("Endpoints") : "";
		char where[512];
		int bad = r->has_state && r->state != EP_OK;

		if (r->sni != NULL && strcmp(r->sni, r->host) != 0)
			snprintf(where, sizeof(where), "%s:%d (%s)", r->host, r->port, r->sni);
		else
			snprintf(where, sizeof(where), "%s:%d", r->host, r->port);
		if (r->starttls != NULL) {
			size_t o = strlen(where);

			snprintf(where + o, sizeof(where) - o, " starttls %s", r->starttls);
		}
		if (!r->has_state || r->checked <= 0) {
			add(d, label, TH_DIM, _("%s: not checked yet"), where);
			continue;
		}
		timefmt_utc(r->checked, 1, when, sizeof(when));
		add(d, label, bad ? (r->state == EP_EXPIRING ? TH_WEEK : TH_ERROR) :
		    TH_NORMAL, _("%s: %s, checked %s"), where,
		    store_endpoint_state_name(r->state), when);
		if (bad && r->message != NULL)
			add(d, "", TH_ERROR, "  %s", r->message);
	}
	endpoint_list_free(ep, n);
}

/* What the CA publishes about the certificate (CRL or OCSP), as last asked. */
static void
add_revocation_rows(struct ui *ui, struct detail *d, int64_t cert_id)
{
	struct revocation_row r;
	const char *label = _("Revocation");
	char a[64], c[64];
	struct err e;
	int rc;

	err_clear(&e);
	rc = store_revocation_get(ui->st, cert_id, &r, &e);
	if (rc == -1) {
		add(d, label, TH_ERROR, "%s", e.msg);
		return;
	}
	if (rc == 1) {
		add(d, label, TH_DIM, "%s", _("not checked (certdeck revocation)"));
		return;
	}
	timefmt_utc(r.checked_at, 1, c, sizeof(c));
	switch (r.state) {
	case REVOCATION_REVOKED:
		timefmt_utc(r.revoked_at, 1, a, sizeof(a));
		add(d, label, TH_REVOKED, _("REVOKED by its CA: %s, %s"),
		    revocation_reason_name(r.reason), a);
		break;
	case REVOCATION_GOOD:
		add(d, label, TH_NORMAL, "%s", _("good"));
		break;
	default:
		add(d, label, TH_WEEK, _("unknown: %s"), r.detail[0] != '\0' ?
		    r.detail : "-");
		break;
	}
	if (r.source_url[0] != '\0')
		add(d, "", TH_DIM, _("%s %s, checked %s"),
		    strcmp(r.method, "crl") == 0 ? "CRL" : "OCSP", r.source_url, c);
	else
		add(d, "", TH_DIM, _("checked %s"), c);
}

#define HISTORY_MAX 20
#define EVENTS_MAX 10

/*
 * The renewal chain, newest first, one line each: id, validity, serial
 * (its first 8 digits), status, and a mark on this certificate.
 */
static void
add_history_rows(struct ui *ui, struct detail *d, const struct cert_row *row)
{
	struct cert_history h = { 0 };
	const char *label = _("History");
	char a[64], b[64];
	struct err e;
	size_t i;

	err_clear(&e);
	if (store_cert_history(ui->st, row->id, HISTORY_MAX, &h, &e) != 0) {
		add(d, label, TH_ERROR, "%s", e.msg[0] ? e.msg : "-");
		return;
	}
	if (h.n == 1) {
		add(d, label, TH_DIM, "%s", _("none (not renewed, replaces nothing)"));
		cert_history_clear(&h);
		return;
	}
	if (h.newer_hidden > 0) {
		add(d, label, TH_DIM, _("+%zu newer"), h.newer_hidden);
		label = "";
	}
	for (i = 0; i < h.n; i++) {
		const struct cert_link *l = &h.links[i];
		int self = i == h.self;

		timefmt_utc(l->not_before, 0, a, sizeof(a));
		timefmt_utc(l->not_after, 0, b, sizeof(b));
		add(d, label, self ? TH_NORMAL : TH_DIM, "#%-5lld %s..%s %-8.8s %s%s",
		    (long long)l->id, a, b, l->serial != NULL ? l->serial : "-",
		    format_status_cell(l->status, l->not_after, ui->now),
		    self ? _(" <- this one") : "");
		label = "";
	}
	if (h.older_hidden > 0)
		add(d, "", TH_DIM, _("+%zu older"), h.older_hidden);
	cert_history_clear(&h);
}

struct event_fill {
	struct detail *d;
	int n;
};

static int
event_row_cb(const struct event_row *ev, void *arg)
{
	struct event_fill *f = arg;
	char when[64];
	int err = ev->level != NULL && strcmp(ev->level, "error") == 0;

	timefmt_utc(ev->time, 1, when, sizeof(when));
	when[16] = '\0';	/* "YYYY-MM-DD HH:MM" */
	if (ev->job_id > 0)
		add(f->d, f->n == 0 ? _("Recent events") : "", err ? TH_ERROR : TH_NORMAL,
		    _("%s job #%lld %s: %s"), when, (long long)ev->job_id,
		    ev->level != NULL ? ev->level : "-", ev->message);
	else	/* outside any job, e.g. 'certdeck deploy run' */
		add(f->d, f->n == 0 ? _("Recent events") : "", err ? TH_ERROR : TH_NORMAL,
		    _("%s %s: %s"), when, ev->level != NULL ? ev->level : "-",
		    ev->message);
	f->n++;
	return 0;
}

/*
 * The newest events of the jobs that targeted or produced this
 * certificate, and of deploy runs outside any job.
 */
static void
add_event_rows(struct ui *ui, struct detail *d, int64_t cert_id)
{
	struct event_fill f = { d, 0 };
	struct err e;

	err_clear(&e);
	if (store_event_list_cert(ui->st, cert_id, EVENTS_MAX, event_row_cb, &f, &e) != 0)
		add(d, _("Recent events"), TH_ERROR, "%s", e.msg);
	else if (f.n == 0)
		add(d, _("Recent events"), TH_DIM, "%s", _("none"));
}

/* "[#######...] 70% used", in the theme's glyphs. */
static void
lifetime_bar(struct ui *ui, const struct cert_row *row, char *buf, size_t n)
{
	long long life = row->not_after - row->not_before;
	long long used = ui->now - row->not_before;
	const char *full = ui->theme.utf8 ? "\xe2\x96\x88" : "#";	/* U+2588 */
	const char *empty = ui->theme.utf8 ? "\xe2\x96\x91" : ".";	/* U+2591 */
	size_t o = 0;
	int pct, i, filled;

	if (life <= 0) {
		snprintf(buf, n, "-");
		return;
	}
	if (used < 0)
		used = 0;
	if (used > life)
		used = life;
	pct = (int)(used * 100 / life);
	filled = pct / 5;
	o += (size_t)snprintf(buf + o, n - o, "[");
	for (i = 0; i < 20 && o + 4 < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s", i < filled ? full :
		    empty);
	snprintf(buf + o, n - o, _("] %d%% of the lifetime used"), pct);
}

static int
load(struct detail *d, struct ui *ui)
{
	struct cert_row *row = NULL;
	struct account_row *acct = NULL;
	const char *status;
	enum theme_role role = TH_NORMAL;
	char a[64], b[64], bar[256];
	struct err e;
	size_t i;
	int rc;

	fields_clear(d);
	err_clear(&e);
	rc = store_cert_get(ui->st, d->id, &row, &e);
	if (rc == -1) {
		ui_error(ui, &e);
		return -1;
	}
	if (rc == 1) {
		d->missing = 1;
		add(d, _("Certificate"), TH_ERROR, _("#%lld is no longer in the "
		    "store"), (long long)d->id);
		return 0;
	}
	snprintf(d->self->title, sizeof(d->self->title), "#%lld %s",
	    (long long)d->id, row->name);
	snprintf(d->name, sizeof(d->name), "%s", row->name);
	if (d->show_pem) {
		char *p = row->pem_chain, *nl;

		while (p != NULL && *p != '\0') {
			nl = strchr(p, '\n');
			add(d, "", TH_NORMAL, "%.*s", nl != NULL ?
			    (int)(nl - p) : (int)strlen(p), p);
			p = nl != NULL ? nl + 1 : NULL;
		}
		goto out;
	}
	add(d, _("Name"), TH_NORMAL, "%s", row->name);
	add(d, _("Subject"), TH_NORMAL, "%s", row->subject ? row->subject : "-");
	for (i = 0; i < row->n_sans; i++)
		add(d, i == 0 ? _("Names") : "", TH_NORMAL, "%s", row->sans[i]);
	if (row->n_sans == 0)
		add(d, _("Names"), TH_DIM, "%s", _("none (subject only)"));
	status = format_status_cell(row->status, row->not_after, ui->now);
	switch (format_row_band(row->status, row->not_after, ui->now)) {
	case -1:
		role = TH_REVOKED;
		break;
	case EXPIRY_EXPIRED:
		role = TH_EXPIRED;
		break;
	case EXPIRY_WEEK:
		role = TH_WEEK;
		break;
	case EXPIRY_MONTH:
		role = TH_MONTH;
		break;
	}
	/* "expiring (<7d)"; EXPIRED, valid, revoked... say it all. */
	if (row->status == CERT_VALID && (role == TH_WEEK || role == TH_MONTH))
		add(d, _("Status"), role, "%s (%s)", _("expiring"), status);
	else
		add(d, _("Status"), role, "%s", status);
	timefmt_utc(row->not_before, 1, a, sizeof(a));
	timefmt_utc(row->not_after, 1, b, sizeof(b));
	add(d, _("Not before"), TH_NORMAL, "%s", a);
	add(d, _("Not after"), TH_NORMAL, "%s", b);
	format_time_left(row->not_after, ui->now, a, sizeof(a));
	add(d, _("Time left"), role, "%s", a);
	lifetime_bar(ui, row, bar, sizeof(bar));
	add(d, _("Lifetime"), TH_NORMAL, "%s", bar);
	add(d, _("Issuer"), TH_NORMAL, "%s", row->issuer ? row->issuer : "-");
	add(d, _("Serial"), TH_NORMAL, "%s", row->serial ? row->serial : "-");
	add(d, _("Key"), TH_NORMAL, "%s", row->key_type ? row->key_type : "-");
	if (row->key_id != 0)
		add(d, _("Key held"), TH_NORMAL, _("yes (key #%lld)"),
		    (long long)row->key_id);
	else
		add(d, _("Key held"), TH_NORMAL, "%s", _("no"));
	add(d, _("SHA-256"), TH_NORMAL, "%s", row->fingerprint);
	if (row->aki != NULL)
		add(d, _("Authority key"), TH_NORMAL, "%s", row->aki);
	if (row->account_id != 0) {
		if (store_account_get(ui->st, row->account_id, &acct, &e) == 0 &&
		    acct->url != NULL)
			add(d, _("Account"), TH_NORMAL, "#%lld %s",
			    (long long)row->account_id, acct->url);
		else
			add(d, _("Account"), TH_NORMAL, "#%lld",
			    (long long)row->account_id);
		account_row_free(acct);
	} else
		add(d, _("Account"), TH_DIM, "%s", _("none (imported)"));
	if (row->order_id != 0)
		add(d, _("Order"), TH_NORMAL, "#%lld", (long long)row->order_id);
	add_history_rows(ui, d, row);
	if (row->status == CERT_VALID && row->order_id != 0 && row->renew_at > 0) {
		timefmt_utc(row->renew_at, 1, a, sizeof(a));
		add(d, _("Renewal due"), TH_NORMAL, "%s", a);
	}
	if (row->ari_start > 0) {
		timefmt_utc(row->ari_start, 1, a, sizeof(a));
		timefmt_utc(row->ari_end, 1, b, sizeof(b));
		add(d, _("ARI window"), TH_NORMAL, "%s .. %s", a, b);
		if (row->ari_explanation != NULL)
			add(d, "", TH_DIM, "%s", row->ari_explanation);
	}
	if (row->revoked_at > 0) {
		timefmt_utc(row->revoked_at, 1, a, sizeof(a));
		add(d, _("Revoked"), TH_ERROR, _("%s (reason %d)"), a, row->revocation_reason);
	}
	add_revocation_rows(ui, d, row->id);
	add_deploy_rows(ui, d, row->id);
	add_endpoint_rows(ui, d, row->id);
	add_event_rows(ui, d, row->id);
	add(d, _("Source"), TH_NORMAL, "%s", row->source ? row->source : "-");
	add_enroll_url(ui, d, row);
	timefmt_utc(row->created, 1, a, sizeof(a));
	add(d, _("Stored"), TH_NORMAL, "%s", a);
	add(d, "", TH_DIM, "%s", "");
	add(d, "", TH_DIM, "%s", _("p: the PEM chain"));
out:
	cert_row_free(row);
	return 0;
}

/* Wrapped lines of field i at the value width w. */
static int
wrapped(const struct field *f, int w)
{
	const char *p = f->text;
	int n = 0;

	if (*p == '\0')
		return 1;
	while (*p != '\0') {
		p += format_take(p, w);
		n++;
	}
	return n;
}

static int
value_x(const struct detail *d)
{
	return d->show_pem ? 1 : LABEL_W + 2;
}

static int
total_lines(const struct detail *d, struct ui *ui)
{
	int w = ui->cols - value_x(d), n = 0;
	size_t i;

	if (w < 1)
		w = 1;
	for (i = 0; i < d->n; i++)
		n += wrapped(&d->fields[i], w);
	return n;
}

static void
clamp(struct detail *d, struct ui *ui)
{
	int max = total_lines(d, ui) - ui->body_rows;

	if (d->top > max)
		d->top = max;
	if (d->top < 0)
		d->top = 0;
}

static void
detail_draw(struct screen *s, struct ui *ui)
{
	struct detail *d = s->priv;
	const struct theme *t = &ui->theme;
	int w = ui->cols - value_x(d), line = 0, y, first;
	char chunk[1024];
	const char *p;
	size_t i, take;

	if (w < 1)
		w = 1;
	clamp(d, ui);
	for (i = 0; i < d->n; i++) {
		p = d->fields[i].text;
		first = 1;
		do {
			take = format_take(p, w);
			if (take >= sizeof(chunk))
				take = sizeof(chunk) - 1;
			memcpy(chunk, p, take);
			chunk[take] = '\0';
			y = ui->body_top + line - d->top;
			if (y >= ui->body_top && y < ui->body_top + ui->body_rows) {
				if (first && !d->show_pem)
					ui_put(ui, y, 1, LABEL_W, t->attr[TH_LABEL],
					    d->fields[i].label);
				ui_put(ui, y, value_x(d), w,
				    t->attr[d->fields[i].role], chunk);
			}
			line++;
			first = 0;
			p += take;
		} while (*p != '\0');
	}
	s->cursor_y = ui->body_top;
	s->hint[0] = '\0';
	if (d->top + ui->body_rows < line)
		snprintf(s->hint, sizeof(s->hint), "%s %s", t->more, _("more"));
}

static int
detail_key(struct screen *s, struct ui *ui, enum ui_action act, int key)
{
	struct detail *d = s->priv;
	int old = d->top;

	switch (act) {
	case ACT_UP:
		d->top--;
		break;
	case ACT_DOWN:
		d->top++;
		break;
	case ACT_PAGE_UP:
		d->top -= ui->body_rows - 1;
		break;
	case ACT_PAGE_DOWN:
		d->top += ui->body_rows - 1;
		break;
	case ACT_TOP:
		d->top = 0;
		break;
	case ACT_BOTTOM:
		d->top = total_lines(d, ui);
		break;
	case ACT_TOGGLE_PEM:
		d->show_pem = !d->show_pem;
		d->top = 0;
		load(d, ui);
		return UI_HANDLED | UI_REDRAW;
	case ACT_PROBE:
		if (d->missing)
			return UI_HANDLED;
		return actions_probe(ui, d->id);
	case ACT_RENEW:
	case ACT_ROTATE_KEY:
	case ACT_REVOKE:
		if (actions_refused(ui, act))
			return UI_HANDLED | UI_REDRAW;
		if (d->missing)
			return UI_HANDLED;
		if (act == ACT_RENEW)
			return actions_renew(ui, &d->id, 1);
		if (act == ACT_ROTATE_KEY)
			return actions_rotate_key(ui, &d->id, 1);
		return actions_revoke(ui, d->id, d->name);
	default:
		return 0;
	}
	clamp(d, ui);
	return UI_HANDLED | (d->top != old ? UI_REDRAW : 0);
}

static int
detail_event(struct screen *s, struct ui *ui, enum ui_event ev)
{
	struct detail *d = s->priv;

	if (ev == UI_EV_DATA || ev == UI_EV_SHOW)
		load(d, ui);
	clamp(d, ui);
	return UI_REDRAW;
}

static void
detail_free(struct screen *s)
{
	struct detail *d = s->priv;

	if (d == NULL)
		return;
	fields_clear(d);
	free(d->fields);
	free(d);
}

static const struct screen_ops detail_ops = {
	.name = N_("Certificate"),
	.context = KM_ANY | KM_DETAIL,
	.draw = detail_draw,
	.key = detail_key,
	.on_event = detail_event,
	.free = detail_free,
};

struct screen *
screen_detail_new(struct ui *ui, int64_t cert_id)
{
	struct screen *s = screen_alloc(ui, &detail_ops, sizeof(struct detail));
	struct detail *d;

	if (s == NULL)
		return NULL;
	d = s->priv;
	d->self = s;
	d->id = cert_id;
	if (load(d, ui) == -1) {
		screen_free(s);
		return NULL;
	}
	return s;
}
