#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alert.h"
#include "i18n.h"
#include "metrics.h"
#include "store_alert.h"
#include "store_endpoint.h"
#include "store_run.h"

/* A growing text buffer; oom latches. */
struct buf {
	char *p;
	size_t n, cap;
	int oom;
};

static void
put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		need = vsnprintf(b->p != NULL ? b->p + b->n : NULL, b->p != NULL ?
		    b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (need < 0) {
			b->oom = 1;
			return;
		}
		if (b->p != NULL && (size_t)need < b->cap - b->n) {
			b->n += (size_t)need;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *grown;

		while (cap - b->n <= (size_t)need)
			cap *= 2;
		if ((grown = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
}

/* Appends v as a label value: \\, \" and \n escaped (the exposition format). */
static void
put_label(struct buf *b, const char *v)
{
	char out[512];
	const char *p;
	size_t n = 0;

	for (p = v != NULL ? v : ""; *p != '\0'; p++) {
		if (n + 2 >= sizeof(out)) {
			put(b, "%.*s", (int)n, out);
			n = 0;
		}
		if (*p == '\\' || *p == '"' || *p == '\n') {
			out[n++] = '\\';
			out[n++] = *p == '\n' ? 'n' : *p;
		} else {
			out[n++] = *p;
		}
	}
	put(b, "%.*s", (int)n, out);
}

static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The value of the first CN= of an RFC 2253 DN, into out (empty when none). */
static void
dn_cn(const char *dn, char *out, size_t n)
{
	const char *p = dn, *end;

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		if (strncmp(p, "CN=", 3) == 0) {
			p += 3;
			for (end = p; *end != '\0' && !(*end == ',' && end[-1] != '\\'); end++)
				;
			snprintf(out, n, "%.*s", (int)(end - p), p);
			return;
		}
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
}

/* One pass over the certificates per family keeps each family's lines together. */
enum cert_family {
	FAM_NOT_AFTER,
	FAM_NOT_BEFORE,
	FAM_EXPIRED,
	FAM_RENEW_AT,
	FAM_RENEWAL_OK,
	FAM_RENEWAL_AT,
	FAM_REVOKED,
	FAM_COUNT
};

static const struct {
	const char *name, *help;
} families[FAM_COUNT] = {
	[FAM_NOT_AFTER] = { "x509_cert_not_after",
	    "The certificate's notAfter, in seconds since the epoch." },
	[FAM_NOT_BEFORE] = { "x509_cert_not_before",
	    "The certificate's notBefore, in seconds since the epoch." },
	[FAM_EXPIRED] = { "x509_cert_expired", "1 when the certificate has expired." },
	[FAM_RENEW_AT] = { "certdeck_cert_renewal_due_timestamp_seconds",
	    "When certdeck renews the certificate, in seconds since the epoch." },
	[FAM_RENEWAL_OK] = { "certdeck_cert_last_renewal_success",
	    "1 when the certificate's last renewal (of it, or into it) succeeded." },
	[FAM_RENEWAL_AT] = { "certdeck_cert_last_renewal_timestamp_seconds",
	    "When the certificate's last renewal ended, in seconds since the epoch." },
	[FAM_REVOKED] = { "certdeck_cert_revoked", "1 when the certificate is revoked." },
};

/* A certificate's labels and values, rendered once and kept for every family. */
struct row {
	char *labels;		/* cert_id="1",subject_CN="...",issuer_CN="...",serial_number="..." */
	long long not_before, not_after, renew_at, last_at;
	signed char managed, revoked, last_ok;	/* last_ok: -1 when never renewed */
};

struct rows {
	struct row *v;
	size_t n, cap;
	int oom;
};

static int
collect(const struct mon_cert *c, void *arg)
{
	struct rows *rs = arg;
	struct buf lb = { 0 };
	struct row *r;
	char cn[256];

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 1024;

		if ((r = realloc(rs->v, cap * sizeof(*r))) == NULL)
			goto oom;
		rs->v = r;
		rs->cap = cap;
	}
	dn_cn(c->subject, cn, sizeof(cn));
	put(&lb, "cert_id=\"%lld\",subject_CN=\"", (long long)c->id);
	put_label(&lb, cn[0] != '\0' ? cn : c->name);
	put(&lb, "\",issuer_CN=\"");
	put_label(&lb, c->issuer_cn);
	put(&lb, "\",serial_number=\"");
	put_label(&lb, c->serial);
	put(&lb, "\"");
	if (lb.oom) {
		free(lb.p);
		goto oom;
	}
	r = &rs->v[rs->n++];
	r->labels = lb.p;
	r->not_before = c->not_before;
	r->not_after = c->not_after;
	r->renew_at = c->managed ? c->renew_at : 0;
	r->managed = (signed char)c->managed;
	r->revoked = strcmp(c->status, "revoked") == 0;
	r->last_ok = c->last_renewal == NULL ? -1 : strcmp(c->last_renewal, "done") == 0;
	r->last_at = c->last_renewal_at;
	return 0;
oom:
	rs->oom = 1;
	return -1;
}

static void
rows_free(struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		free(rs->v[i].labels);
	free(rs->v);
}

/* Every certificate's line of family f. */
static void
cert_family(struct buf *b, const struct rows *rs, enum cert_family f, long long now)
{
	size_t i;

	family(b, families[f].name, "gauge", families[f].help);
	for (i = 0; i < rs->n && !b->oom; i++) {
		const struct row *r = &rs->v[i];
		long long v;

		switch (f) {
		case FAM_NOT_AFTER: v = r->not_after; break;
		case FAM_NOT_BEFORE: v = r->not_before; break;
		case FAM_EXPIRED: v = r->not_after <= now; break;
		case FAM_RENEW_AT:
			if (r->renew_at <= 0)
				continue;
			v = r->renew_at;
			break;
		case FAM_RENEWAL_OK:
			if (r->last_ok < 0)
				continue;
			v = r->last_ok;
			break;
		case FAM_RENEWAL_AT:
			if (r->last_ok < 0)
				continue;
			v = r->last_at;
			break;
		case FAM_REVOKED: v = r->revoked; break;
		default: continue;
		}
		put(b, "%s{%s} %lld\n", families[f].name, r->labels, v);
	}
}

static int
job_line(const char *kind, const char *state, long n, void *arg)
{
	struct buf *b = arg;

	put(b, "certdeck_jobs{kind=\"");
	put_label(b, kind);
	put(b, "\",state=\"");
	put_label(b, state);
	put(b, "\"} %ld\n", n);
	return b->oom ? -1 : 0;
}

/* One endpoint's labels: which endpoint, for which certificate, where. */
static void
endpoint_labels(struct buf *b, const struct endpoint_row *r)
{
	put(b, "endpoint_id=\"%lld\",cert_id=\"%lld\",host=\"", (long long)r->id,
	    (long long)r->cert_id);
	put_label(b, r->host);
	put(b, "\",port=\"%d\",sni=\"", r->port);
	put_label(b, r->sni != NULL ? r->sni : r->host);
	put(b, "\"");
}

/*
 * What each checked endpoint served at its last check, as a state set
 * (one series per state, 1 for the one it is in), and when that was.
 */
static int
endpoint_families(struct buf *b, struct store *st, struct err *e)
{
	struct endpoint_row **list = NULL;
	size_t n = 0, i;
	int s;

	if (store_endpoint_list(st, 0, &list, &n, e) != 0)
		return -1;
	family(b, "certdeck_endpoint_state", "gauge",
	    "What the endpoint served at the last 'certdeck check': 1 for its state, 0 for the others.");
	for (i = 0; i < n; i++) {
		if (!list[i]->has_state)
			continue;
		for (s = 0; s < EP_STATE_COUNT; s++) {
			put(b, "certdeck_endpoint_state{");
			endpoint_labels(b, list[i]);
			put(b, ",state=\"%s\"} %d\n", store_endpoint_state_name(s),
			    list[i]->state == (enum endpoint_state)s);
		}
	}
	family(b, "certdeck_endpoint_last_check_timestamp_seconds", "gauge",
	    "When 'certdeck check' last probed the endpoint, in seconds since the epoch.");
	for (i = 0; i < n; i++) {
		if (!list[i]->has_state)
			continue;
		put(b, "certdeck_endpoint_last_check_timestamp_seconds{");
		endpoint_labels(b, list[i]);
		put(b, "} %lld\n", list[i]->checked);
	}
	endpoint_list_free(list, n);
	return 0;
}

int
metrics_render(struct store *st, long long now, char **out, size_t *len, struct err *e)
{
	struct buf b = { 0 };
	struct rows rs = { 0 };
	struct alert_report rep;
	struct alert_opts o;
	int i, rc = -1;

	*out = NULL;
	alert_opts_default(&o);
	o.now = now;
	o.keep = 1;
	if (alert_evaluate(st, &o, &rep, e) != 0)
		return -1;
	/* One walk over the certificates; each family is then written from memory. */
	if (store_alert_certs(st, collect, &rs, e) != 0) {
		if (rs.oom)
			err_nomem(e);
		goto out;
	}
	for (i = 0; i < FAM_COUNT; i++)
		cert_family(&b, &rs, (enum cert_family)i, rep.now);
	family(&b, "certdeck_jobs", "gauge", "Jobs in the store, by kind and state.");
	if (store_alert_job_counts(st, job_line, &b, e) != 0)
		goto out;
	family(&b, "certdeck_alerts", "gauge",
	    "Active alert conditions, by condition (0 when none).");
	for (i = 0; i < ALERT_KIND_COUNT; i++)
		put(&b, "certdeck_alerts{condition=\"%s\"} %zu\n",
		    alert_kind_name((enum alert_kind)i), rep.count[i]);
	if (endpoint_families(&b, st, e) != 0)
		goto out;
	family(&b, "certdeck_status", "gauge",
	    "The worst active condition: 0 ok, 1 warning, 2 critical (as 'certdeck status').");
	put(&b, "certdeck_status %d\n", (int)rep.worst);
	if (rep.have_run) {
		family(&b, "certdeck_renew_last_run_timestamp_seconds", "gauge",
		    "When the last 'certdeck renew' run completed, in seconds since the epoch.");
		put(&b, "certdeck_renew_last_run_timestamp_seconds %lld\n", rep.last_run.ended);
		family(&b, "certdeck_renew_last_run_duration_seconds", "gauge",
		    "How long the last 'certdeck renew' run took.");
		put(&b, "certdeck_renew_last_run_duration_seconds %lld\n",
		    rep.last_run.ended - rep.last_run.started);
		family(&b, "certdeck_renew_last_run_success", "gauge",
		    "1 when the last 'certdeck renew' run renewed everything it ran.");
		put(&b, "certdeck_renew_last_run_success %d\n", rep.last_run.outcome == RUN_OK);
	}
	if (b.oom) {
		err_nomem(e);
		goto out;
	}
	*out = b.p;
	*len = b.n;
	b.p = NULL;
	rc = 0;
out:
	free(b.p);
	rows_free(&rs);
	alert_report_clear(&rep);
	return rc;
}

struct metrics_server {
	struct MHD_Daemon *daemon;
	char *store_path;
	int port;
};

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static const char not_found[] = "not found: try /metrics\n";
	struct metrics_server *srv = cls;
	struct MHD_Response *resp;
	struct store *st = NULL;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result rc;
	struct err e;
	char *text = NULL;
	size_t len = 0;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics") != 0) {
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1,
		    (void *)(uintptr_t)not_found, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_FOUND;
	} else {
		/* A fresh connection per scrape: the store may change under us. */
		err_clear(&e);
		if (store_open(srv->store_path, 0, &st, &e) != 0 ||
		    metrics_render(st, 0, &text, &len, &e) != 0) {
			status = MHD_HTTP_INTERNAL_SERVER_ERROR;
			free(text);
			text = NULL;
			resp = MHD_create_response_from_buffer(strlen(e.msg), e.msg,
			    MHD_RESPMEM_MUST_COPY);
		} else {
			resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		}
		store_close(st);
	}
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	if (status == MHD_HTTP_OK)
		MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; "
		    "charset=utf-8");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* A listening socket on the numeric host:port spec. Returns the fd, or -1. */
static int
listen_on(const char *spec, int *port, struct err *e)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[128], serv[16];
	const char *colon = strrchr(spec, ':');
	size_t hl;
	int fd = -1, one = 1, rc;

	if (colon == NULL || colon == spec || colon[1] == '\0' ||
	    strlen(colon + 1) >= sizeof(serv))
		return err_set(e, ERR_USAGE, _("'%s' is not ADDRESS:PORT"), spec);
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return err_set(e, ERR_USAGE, _("'%s' is not ADDRESS:PORT"), spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	snprintf(serv, sizeof(serv), "%s", colon + 1);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, serv, &hints, &ai)) != 0)
		return err_set(e, ERR_USAGE, _("'%s' is not a numeric address and port: %s"),
		    host, gai_strerror(rc));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
	    sizeof(one)) == -1) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 || listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		int saved = errno;

		err_set(e, ERR_NET, _("cannot listen on %s:%s: %s"), host, serv,
		    strerror(saved));
		if (fd != -1)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int
metrics_server_start(const char *store_path, const char *listen, struct metrics_server **out,
    struct err *e)
{
	struct metrics_server *s;
	int fd;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->store_path = strdup(store_path)) == NULL) {
		free(s);
		return err_nomem(e);
	}
	if ((fd = listen_on(listen, &s->port, e)) == -1) {
		metrics_server_stop(s);
		return -1;
	}
	/* One thread: a scrape is one render; MHD takes over (and closes) fd. */
	s->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, answer, s,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
	    MHD_OPTION_END);
	if (s->daemon == NULL) {
		close(fd);
		metrics_server_stop(s);
		return err_set(e, ERR_NET, _("cannot start the metrics server on %s"), listen);
	}
	*out = s;
	return 0;
}

int
metrics_server_port(const struct metrics_server *s)
{
	return s->port;
}

void
metrics_server_stop(struct metrics_server *s)
{
	if (s == NULL)
		return;
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
	free(s->store_path);
	free(s);
}
