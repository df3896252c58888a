/*
 * dns-01 through the PowerDNS authoritative server's HTTP API
 * (/api/v1/servers/ID/zones/ZONE). Presenting reads the zone's TXT rrset
 * at each _acme-challenge name and PATCHes it with changetype REPLACE
 * holding the values already there plus ours (a wildcard and its apex
 * share the name; records of others stay); cleanup REPLACEs it with what
 * remains without ours, or DELETEs it when nothing remains. Because both
 * read the zone first, a cleanup in a later process (recorded before the
 * add) needs no state of this one. Then it waits, as the RFC 2136
 * solver does, until every authoritative nameserver serves the values.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base64url.h"
#include "crypto.h"
#include "dns_msg.h"
#include "http.h"
#include "i18n.h"
#include "solver.h"
#include "solver_priv.h"
#include "timefmt.h"

#define PROPAGATION_DEFAULT 120		/* seconds */
#define TXT_TTL 60			/* short: the record lives for minutes */
#define KEY_MAX 512			/* bytes of an API key */

struct pdns {
	pthread_mutex_t lock;		/* one batch at a time: one http handle */
	struct http *http;		/* carries the X-API-Key header */
	char *url;			/* "http://127.0.0.1:8081", no trailing slash */
	char *server_id;		/* "localhost" */
	char *key_file;			/* for messages */
	char *zone;			/* --dns-zone ("example.org."), or NULL: discover */
	char *alias;			/* "_acme-challenge.ZONE.", or NULL */
	struct dns_server *resolvers;	/* zone and NS lookups; none: resolv.conf */
	size_t nresolvers;
	int propagation_timeout;
};

int
solver_pdns_key_load(const char *path, char **out, struct err *e)
{
	struct stat sb;
	size_t len = 0;
	ssize_t n;
	char *buf;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return err_set(e, ERR_INPUT, _("cannot read the PowerDNS API key file %s: %s"),
		    path, strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, ERR_INPUT, _("the PowerDNS API key file %s is not a regular "
		    "file"), path);
	}
	if ((sb.st_mode & 077) != 0) {
		close(fd);
		return err_set(e, ERR_INPUT, _("refusing the PowerDNS API key file %s: other "
		    "users can read or change it (mode %04o); chmod 600 it"), path,
		    (unsigned)(sb.st_mode & 07777));
	}
	if ((buf = malloc(KEY_MAX + 2)) == NULL) {
		close(fd);
		return err_nomem(e);
	}
	while (len < KEY_MAX + 1 && (n = read(fd, buf + len, KEY_MAX + 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			OPENSSL_cleanse(buf, len);
			free(buf);
			return err_set(e, ERR_INPUT, _("cannot read the PowerDNS API key file %s: "
			    "%s"), path, strerror(errno));
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	if (len == 0 || len > KEY_MAX || strlen(buf) != len || strpbrk(buf, "\r\n") != NULL) {
		OPENSSL_cleanse(buf, KEY_MAX + 2);
		free(buf);
		return err_set(e, ERR_INPUT, _("%s: the PowerDNS API key is one line of at most "
		    "%d bytes"), path, KEY_MAX);
	}
	*out = buf;
	return 0;
}


/* One record of a batch: where it goes and what it says. */
struct item {
	char *record;		/* "_acme-challenge.NAME." */
	char *value;
	char *zone;		/* "example.org." */
	int done;		/* handled (grouped into a zone's request) */
};

/* ".../api/v1/servers/ID/zones/ZONE"; caller frees. */
static char *
zone_url(const struct pdns *d, const char *zone)
{
	size_t n = strlen(d->url) + strlen(d->server_id) + strlen(zone) + 32;
	char *u = malloc(n);

	if (u != NULL)
		snprintf(u, n, "%s/api/v1/servers/%s/zones/%s", d->url, d->server_id, zone);
	return u;
}

/* The message for a status other than 2xx, with the API's "error" text. */
static int
api_error(const struct pdns *d, const char *zone, const struct http_response *r,
    struct err *e)
{
	cJSON *j = r->body_len > 0 ? cJSON_Parse(r->body) : NULL;
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "error");
	char why[256];

	snprintf(why, sizeof(why), "%s", cJSON_IsString(m) ? m->valuestring : "");
	cJSON_Delete(j);
	if (r->status == 401 || r->status == 403)
		return err_set(e, ERR_INPUT, _("the PowerDNS API at %s rejected the API key "
		    "from %s (HTTP %ld)"), d->url, d->key_file, r->status);
	if (r->status == 404)
		return err_set(e, ERR_INPUT, _("the PowerDNS API at %s has no zone %s on server "
		    "%s (HTTP 404)"), d->url, zone, d->server_id);
	if (r->status >= 500) {
		err_set(e, ERR_NET, _("the PowerDNS API at %s answered for zone %s with HTTP "
		    "%ld %s"), d->url, zone, r->status, why);
		e->retryable = 1;
		return -1;
	}
	return err_set(e, ERR_INPUT, _("the PowerDNS API at %s refused the change of zone %s: "
	    "HTTP %ld %s"), d->url, zone, r->status, why);
}

/* The zone's rrsets (GET): 0 and *zj (cJSON_Delete), or -1. */
static int
get_zone(struct pdns *d, const char *zone, cJSON **zj, struct err *e)
{
	struct http_response *r = NULL;
	char *url = zone_url(d, zone);
	int rc = -1;

	*zj = NULL;
	if (url == NULL)
		return err_nomem(e);
	if (http_request(d->http, "GET", url, NULL, NULL, 0, &r, e) != 0) {
		err_prefix(e, _("PowerDNS API at %s"), d->url);
	} else if (r->status != 200) {
		api_error(d, zone, r, e);
	} else if ((*zj = cJSON_Parse(r->body)) == NULL || !cJSON_IsObject(*zj)) {
		cJSON_Delete(*zj);
		*zj = NULL;
		err_set(e, ERR_PROTO, _("the PowerDNS API at %s sent no zone object for %s"),
		    d->url, zone);
	} else {
		rc = 0;
	}
	http_response_free(r);
	free(url);
	return rc;
}

/* The TXT rrset named record in a zone object, or NULL. */
static const cJSON *
find_rrset(const cJSON *zj, const char *record)
{
	const cJSON *rs, *name, *type;

	cJSON_ArrayForEach(rs, cJSON_GetObjectItemCaseSensitive(zj, "rrsets")) {
		name = cJSON_GetObjectItemCaseSensitive(rs, "name");
		type = cJSON_GetObjectItemCaseSensitive(rs, "type");
		if (cJSON_IsString(name) && cJSON_IsString(type) &&
		    strcasecmp(name->valuestring, record) == 0 &&
		    strcmp(type->valuestring, "TXT") == 0)
			return rs;
	}
	return NULL;
}

/* Whether a record's content ("\"value\"") is value. */
static int
content_is(const char *content, const char *value)
{
	size_t n = strlen(value);

	return content[0] == '"' && strncmp(content + 1, value, n) == 0 &&
	    content[n + 1] == '"' && content[n + 2] == '\0';
}

/* Whether value is one of ours in this batch at record. */
static int
ours(struct item *const *it, size_t n, const char *record, const char *content)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(it[i]->record, record) == 0 && content_is(content, it[i]->value))
			return 1;
	return 0;
}

/* Appends {"content": c, "disabled": false} to records. Returns 0 or -1. */
static int
add_record(cJSON *records, const char *content)
{
	cJSON *r = cJSON_CreateObject();

	if (r == NULL || cJSON_AddStringToObject(r, "content", content) == NULL ||
	    cJSON_AddFalseToObject(r, "disabled") == NULL) {
		cJSON_Delete(r);
		return -1;
	}
	cJSON_AddItemToArray(records, r);
	return 0;
}

/*
 * The rrset change for record: the values there now except ours, plus
 * ours when adding; REPLACE, or DELETE when that leaves none. Returns
 * the object or NULL (no memory).
 */
static cJSON *
rrset_change(const cJSON *zj, struct item *const *it, size_t n, const char *record, int add)
{
	cJSON *rs = cJSON_CreateObject(), *records = cJSON_CreateArray();
	const cJSON *old = find_rrset(zj, record), *r, *c;
	char buf[128];
	size_t i;

	if (rs == NULL || records == NULL)
		goto fail;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(old, "records")) {
		c = cJSON_GetObjectItemCaseSensitive(r, "content");
		if (cJSON_IsString(c) && !ours(it, n, record, c->valuestring) &&
		    add_record(records, c->valuestring) != 0)
			goto fail;
	}
	for (i = 0; add && i < n; i++) {
		if (strcmp(it[i]->record, record) != 0)
			continue;
		snprintf(buf, sizeof(buf), "\"%s\"", it[i]->value);
		if (add_record(records, buf) != 0)
			goto fail;
	}
	if (cJSON_AddStringToObject(rs, "name", record) == NULL ||
	    cJSON_AddStringToObject(rs, "type", "TXT") == NULL)
		goto fail;
	if (cJSON_GetArraySize(records) == 0) {
		cJSON_Delete(records);
		records = NULL;
		if (cJSON_AddStringToObject(rs, "changetype", "DELETE") == NULL)
			goto fail;
		return rs;
	}
	if (cJSON_AddStringToObject(rs, "changetype", "REPLACE") == NULL ||
	    cJSON_AddNumberToObject(rs, "ttl", TXT_TTL) == NULL)
		goto fail;
	cJSON_AddItemToObject(rs, "records", records);
	return rs;
fail:
	cJSON_Delete(rs);
	cJSON_Delete(records);
	return NULL;
}

/* One PATCH of zone adding (or removing) the values of the n items. Returns 0 or -1. */
static int
send_change(struct pdns *d, const char *zone, struct item *const *it, size_t n, int add,
    struct err *e)
{
	cJSON *zj = NULL, *body = NULL, *rrsets, *ch;
	struct http_response *r = NULL;
	char *url = NULL, *text = NULL;
	size_t i, j;
	int rc = -1;

	if (get_zone(d, zone, &zj, e) != 0)
		return -1;
	if ((body = cJSON_CreateObject()) == NULL ||
	    (rrsets = cJSON_AddArrayToObject(body, "rrsets")) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && strcmp(it[j]->record, it[i]->record) != 0; j++)
			;
		if (j < i)
			continue;	/* this name's rrset is in already */
		if ((ch = rrset_change(zj, it, n, it[i]->record, add)) == NULL)
			goto oom;
		cJSON_AddItemToArray(rrsets, ch);
	}
	if ((text = cJSON_PrintUnformatted(body)) == NULL || (url = zone_url(d, zone)) == NULL)
		goto oom;
	if (http_request(d->http, "PATCH", url, "application/json", text, strlen(text), &r,
	    e) != 0)
		err_prefix(e, _("PowerDNS API at %s"), d->url);
	else if (r->status != 204 && r->status != 200)
		api_error(d, zone, r, e);
	else
		rc = 0;
	goto out;
oom:
	err_nomem(e);
out:
	http_response_free(r);
	free(url);
	free(text);
	cJSON_Delete(body);
	cJSON_Delete(zj);
	return rc;
}

/* Waits for the items' records at every authoritative server of zone (dns_await_authorities). */
static int
await_authorities(struct pdns *d, const char *zone, struct item *const *it, size_t ni,
    const struct solver_challenge *c, struct err *e)
{
	struct dns_wait *w = calloc(ni + 1, sizeof(*w));
	size_t j;
	int rc;

	if (w == NULL)
		return err_nomem(e);
	for (j = 0; j < ni; j++) {
		w[j].record = it[j]->record;
		w[j].value = it[j]->value;
	}
	rc = dns_await_authorities(d->resolvers, d->nresolvers, zone, w, ni,
	    d->propagation_timeout, c, e);
	free(w);
	return rc;
}

/* Checks the challenge and derives record (alias or CNAME target) and value. */
static int
prepare(struct pdns *d, const struct solver_challenge *c, struct item *v, struct err *e)
{
	char *target = NULL;

	if (solver_check_challenge(c, e) == -1)
		return -1;
	if (solver_ip_family(c->identifier) != 0)
		return err_set(e, ERR_USAGE, "%s",
		    _("dns-01 cannot validate an IP address identifier"));
	if ((v->record = dns01_record_name(c->identifier)) == NULL)
		return err_nomem(e);
	if (dns01_txt_value(c->key_authorization, &v->value, e) == -1)
		return -1;
	if (d->alias != NULL)
		target = strdup(d->alias);
	else if (dns_follow_cname(d->resolvers, d->nresolvers, v->record, &target, e) == -1)
		return -1;
	if (target == NULL)
		return err_nomem(e);
	free(v->record);
	v->record = target;
	if (d->zone != NULL)
		v->zone = strdup(d->zone);
	else if (dns_find_zone(d->resolvers, d->nresolvers, v->record, &v->zone, e) == -1)
		return -1;
	return v->zone == NULL ? err_nomem(e) : 0;
}

static void
items_free(struct item *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].record);
		free(v[i].value);
		free(v[i].zone);
	}
	free(v);
}

/*
 * Adds (add = 1) or removes the values of n challenges: one PATCH per
 * zone, and after adding one propagation wait per zone. ok[i] and errs[i]
 * per challenge. Returns 0 when all succeeded.
 */
static int
run_batch_locked(struct pdns *d, const struct solver_challenge *c, size_t n, int add, int *ok,
    struct err *errs)
{
	struct item *v = calloc(n + 1, sizeof(*v)), **group = calloc(n + 1, sizeof(*group));
	size_t i, j, k, *gi = calloc(n + 1, sizeof(*gi));
	int rc = 0;

	for (i = 0; i < n; i++) {
		ok[i] = 0;
		err_clear(&errs[i]);
	}
	if (v == NULL || group == NULL || gi == NULL) {
		for (i = 0; i < n; i++)
			err_nomem(&errs[i]);
		rc = -1;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (prepare(d, &c[i], &v[i], &errs[i]) == -1)
			v[i].done = 1;
	for (i = 0; i < n; i++) {
		struct err ge;

		if (v[i].done)
			continue;
		for (k = 0, j = i; j < n; j++) {
			if (!v[j].done && strcmp(v[j].zone, v[i].zone) == 0) {
				group[k] = &v[j];
				gi[k++] = j;
				v[j].done = 1;
			}
		}
		err_clear(&ge);
		if (send_change(d, v[i].zone, group, k, add, &ge) == 0 &&
		    (!add || await_authorities(d, v[i].zone, group, k, &c[i], &ge) == 0)) {
			for (j = 0; j < k; j++)
				ok[gi[j]] = 1;
			continue;
		}
		if (add && ge.kind != ERR_INPUT) {
			struct err ignore;

			/* Not presented after all: the values go again (no cleanup follows). */
			err_clear(&ignore);
			(void)send_change(d, v[i].zone, group, k, 0, &ignore);
		}
		for (j = 0; j < k; j++)
			errs[gi[j]] = ge;
	}
	for (i = 0; i < n; i++)
		if (!ok[i])
			rc = -1;
out:
	items_free(v, n);
	free(group);
	free(gi);
	return rc;
}

/* Workers may present at once; the read-modify-write of a rrset must not interleave. */
static int
run_batch(struct pdns *d, const struct solver_challenge *c, size_t n, int add, int *ok,
    struct err *errs)
{
	int rc;

	pthread_mutex_lock(&d->lock);
	rc = run_batch_locked(d, c, n, add, ok, errs);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static int
pdns_present_batch(struct solver *s, const struct solver_challenge *c, size_t n, int *ok,
    struct err *errs)
{
	return run_batch(s->priv, c, n, 1, ok, errs);
}

static int
pdns_cleanup_batch(struct solver *s, const struct solver_challenge *c, size_t n, int *ok,
    struct err *errs)
{
	return run_batch(s->priv, c, n, 0, ok, errs);
}

static int
pdns_present(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	int ok;

	return run_batch(s->priv, c, 1, 1, &ok, e);
}

static int
pdns_cleanup(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	int ok;

	return run_batch(s->priv, c, 1, 0, &ok, e);
}

static void
pdns_free(struct solver *s)
{
	struct pdns *d;

	if (s == NULL)
		return;
	d = s->priv;
	if (d != NULL) {
		http_free(d->http);
		free(d->url);
		free(d->server_id);
		free(d->key_file);
		free(d->zone);
		free(d->alias);
		dns_server_list_free(d->resolvers, d->nresolvers);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
	free(s);
}

static const struct solver_ops pdns_ops = {
	.type = "dns-01",
	.present = pdns_present,
	.cleanup = pdns_cleanup,
	.free = pdns_free,
	.present_batch = pdns_present_batch,
	.cleanup_batch = pdns_cleanup_batch,
};

/* A copy of name ending in "." (prefix prepended), or NULL. */
static char *
fqdn(const char *prefix, const char *name)
{
	size_t n = strlen(prefix) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s%s%s", prefix, name, name[strlen(name) - 1] == '.' ? "" : ".");
	return p;
}

int
solver_dns01_pdns_new(const struct solver_pdns_config *c, struct solver **out,
    struct err *e)
{
	struct solver *s;
	struct pdns *d;
	char *key = NULL;
	size_t ul;
	int rc;

	*out = NULL;
	if (c->url == NULL || (strncmp(c->url, "http://", 7) != 0 &&
	    strncmp(c->url, "https://", 8) != 0))
		return err_set(e, ERR_USAGE, "%s", _("--dns pdns needs --pdns-url http[s]://HOST:PORT"));
	if (c->key_file == NULL || c->key_file[0] == '\0')
		return err_set(e, ERR_USAGE, "%s", _("--dns pdns needs --pdns-api-key-file FILE"));
	if (c->server_id != NULL && (c->server_id[0] == '\0' ||
	    strpbrk(c->server_id, "/?#%") != NULL))
		return err_set(e, ERR_USAGE, "%s", _("--pdns-server-id is a name without / ? # %"));
	s = calloc(1, sizeof(*s));
	d = calloc(1, sizeof(*d));
	if (s == NULL || d == NULL) {
		free(s);
		free(d);
		return err_nomem(e);
	}
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		free(s);
		free(d);
		return err_nomem(e);
	}
	s->ops = &pdns_ops;
	s->priv = d;
	d->propagation_timeout = c->propagation_timeout > 0 ? c->propagation_timeout :
	    PROPAGATION_DEFAULT;
	if ((d->url = strdup(c->url)) == NULL || (d->key_file = strdup(c->key_file)) == NULL ||
	    (d->server_id = strdup(c->server_id != NULL ? c->server_id : "localhost")) == NULL)
		goto oom;
	ul = strlen(d->url);
	while (ul > 0 && d->url[ul - 1] == '/')
		d->url[--ul] = '\0';
	if (c->zone != NULL && c->zone[0] != '\0' && (d->zone = fqdn("", c->zone)) == NULL)
		goto oom;
	if (c->challenge_alias != NULL && c->challenge_alias[0] != '\0' &&
	    (d->alias = fqdn("_acme-challenge.", c->challenge_alias)) == NULL)
		goto oom;
	if (dns_server_list_parse(c->resolvers, _("DNS resolver"), &d->resolvers,
	    &d->nresolvers, e) == -1)
		goto fail;
	if (http_new(c->ca_bundle, &d->http, e) == -1)
		goto fail;
	if (solver_pdns_key_load(c->key_file, &key, e) == -1)
		goto fail;
	rc = http_set_secret_header(d->http, "X-API-Key", key, e);
	OPENSSL_cleanse(key, strlen(key));
	free(key);
	if (rc == -1)
		goto fail;
	*out = s;
	return 0;
oom:
	err_nomem(e);
fail:
	solver_free(s);
	return -1;
}
