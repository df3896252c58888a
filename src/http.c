#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "i18n.h"
#include "testhook.h"

/* The longest wait we accept from a server (callers add it to a time_t). */
#define RETRY_AFTER_MAX (365L * 24 * 3600)
/* More alternate chains than this is abuse, not a CA. */
#define LINKS_ALTERNATE_MAX 32

struct http {
	CURL *curl;
	char *ca_bundle;
	char *ca_pem;		/* trusted roots as PEM text, instead of a file */
	char *user, *password;	/* HTTP basic authentication (EST), or NULL */
	char *client_cert;	/* TLS client certificate and key, PEM (EST), or NULL */
	char *client_key;
	char *secret_header;	/* "Name: value" on every request (an API key), or NULL */
	int no_verify;		/* RFC 7030 bootstrap: the server is not verified */
	long last_connects;
	char errbuf[CURL_ERROR_SIZE];
	/* Per-request state, reset by each http_request. */
	struct http_response *cur;
	size_t body_cap;
	int body_overflow;
	int oom;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
http_new(const char *ca_bundle, struct http **out, struct err *e)
{
	struct http *h = NULL;

	*out = NULL;
	if (pthread_once(&global_once, global_init) != 0 ||
	    global_rc != CURLE_OK)
		return err_set(e, ERR_NET, _("cannot initialise libcurl: %s"),
		    curl_easy_strerror(global_rc));
	/* Fail here, with the path, rather than later as a TLS error. */
	if (ca_bundle != NULL && access(ca_bundle, R_OK) != 0)
		return err_set(e, ERR_INPUT, _("CA bundle %s: %s"), ca_bundle,
		    strerror(errno));
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (ca_bundle != NULL && (h->ca_bundle = strdup(ca_bundle)) == NULL) ||
	    (h->curl = curl_easy_init()) == NULL) {
		http_free(h);
		return err_nomem(e);
	}
	*out = h;
	return 0;
}

int
http_new_pem(const char *ca_pem, struct http **out, struct err *e)
{
	if (http_new(NULL, out, e) != 0)
		return -1;
	if (ca_pem != NULL && ((*out)->ca_pem = strdup(ca_pem)) == NULL) {
		http_free(*out);
		*out = NULL;
		return err_nomem(e);
	}
	return 0;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->ca_bundle);
	free(h->ca_pem);
	http_set_basic_auth(h, NULL, NULL, NULL);
	http_set_client_cert(h, NULL, NULL, NULL);
	(void)http_set_secret_header(h, NULL, NULL, NULL);
	free(h);
}

/* Frees a secret string after wiping it. */
static void
free_secret(char **s)
{
	if (*s != NULL) {
		OPENSSL_cleanse(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

int
http_set_basic_auth(struct http *h, const char *user, const char *password, struct err *e)
{
	free(h->user);
	h->user = NULL;
	free_secret(&h->password);
	if (user == NULL)
		return 0;
	if ((h->user = strdup(user)) == NULL || (h->password = strdup(password)) == NULL) {
		free(h->user);
		h->user = NULL;
		return err_nomem(e);
	}
	return 0;
}

int
http_set_secret_header(struct http *h, const char *name, const char *value, struct err *e)
{
	size_t n;

	free_secret(&h->secret_header);
	if (name == NULL)
		return 0;
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return err_set(e, ERR_INPUT, "%s", _("a header value holds a line break"));
	n = strlen(name) + strlen(value) + 3;
	if ((h->secret_header = malloc(n)) == NULL)
		return err_nomem(e);
	snprintf(h->secret_header, n, "%s: %s", name, value);
	return 0;
}

void
http_set_bootstrap(struct http *h)
{
	h->no_verify = 1;
}

int
http_set_client_cert(struct http *h, const char *cert_pem, const char *key_pem,
    struct err *e)
{
	free(h->client_cert);
	h->client_cert = NULL;
	free_secret(&h->client_key);
	if (cert_pem == NULL)
		return 0;
	if ((h->client_cert = strdup(cert_pem)) == NULL ||
	    (h->client_key = strdup(key_pem)) == NULL) {
		free(h->client_cert);
		h->client_cert = NULL;
		return err_nomem(e);
	}
	return 0;
}

long
http_last_connects(const struct http *h)
{
	return h->last_connects;
}

static void
links_free(struct http_response *r)
{
	size_t i;

	for (i = 0; i < r->n_links_alternate; i++)
		free(r->links_alternate[i]);
	free(r->links_alternate);
	r->links_alternate = NULL;
	r->n_links_alternate = 0;
	free(r->link_up);
	r->link_up = NULL;
	free(r->link_index);
	r->link_index = NULL;
}

/* Forgets every header seen so far: a new status line starts a new response. */
static void
headers_reset(struct http_response *r)
{
	free(r->content_type);
	r->content_type = NULL;
	free(r->location);
	r->location = NULL;
	free(r->replay_nonce);
	r->replay_nonce = NULL;
	r->retry_after = -1;
	links_free(r);
}

void
http_response_free(struct http_response *r)
{
	if (r == NULL)
		return;
	headers_reset(r);
	free(r->body);
	free(r);
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http *h = arg;
	struct http_response *r = h->cur;
	size_t n = size * nmemb, need;
	char *p;

	if (n > HTTP_MAX_BODY || r->body_len + n > HTTP_MAX_BODY) {
		h->body_overflow = 1;
		return 0;
	}
	need = r->body_len + n + 1;
	if (need > h->body_cap) {
		size_t cap = h->body_cap * 2;

		if (cap < need)
			cap = need;
		if (cap > HTTP_MAX_BODY + 1)
			cap = HTTP_MAX_BODY + 1;
		if ((p = realloc(r->body, cap)) == NULL) {
			h->oom = 1;
			return 0;
		}
		r->body = p;
		h->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

static char *
dup_range(const char *s, const char *end)
{
	size_t n = (size_t)(end - s);
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static const char *
skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* Replaces *slot with a copy of [s, end); returns -1 on allocation failure. */
static int
set_field(char **slot, const char *s, const char *end)
{
	char *p = dup_range(s, end);

	if (p == NULL)
		return -1;
	free(*slot);
	*slot = p;
	return 0;
}

static int
set_content_type(struct http_response *r, const char *s, const char *end)
{
	const char *semi = memchr(s, ';', (size_t)(end - s));
	char *p;

	if (semi != NULL)
		end = semi;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (set_field(&r->content_type, s, end) != 0)
		return -1;
	for (p = r->content_type; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

static void
set_retry_after(struct http_response *r, const char *s, const char *end)
{
	char buf[128];
	const char *p;
	long v = 0;
	time_t t;

	if (s == end || (size_t)(end - s) >= sizeof(buf))
		return;
	for (p = s; p < end && isdigit((unsigned char)*p); p++)
		if (v <= RETRY_AFTER_MAX)
			v = v * 10 + (*p - '0');
	if (p == end) {
		r->retry_after = v > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : v;
		return;
	}
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = '\0';
	if ((t = curl_getdate(buf, NULL)) == -1)
		return;
	t -= time(NULL);
	if (t < 0)
		t = 0;
	r->retry_after = t > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : (long)t;
}

/* Compares the word [w, we) with lit, ignoring case. */
static int
word_is(const char *w, const char *we, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(we - w) == n && strncasecmp(w, lit, n) == 0;
}

/* Records a link target under each relation type in rel (space-separated). */
static int
add_link(struct http_response *r, const char *url, const char *uend,
    const char *rel, const char *rend)
{
	const char *w, *we;
	char **v;

	for (w = rel; w < rend; w = we) {
		while (w < rend && *w == ' ')
			w++;
		for (we = w; we < rend && *we != ' '; we++)
			;
		if (we == w)
			break;
		if (word_is(w, we, "alternate")) {
			if (r->n_links_alternate >= LINKS_ALTERNATE_MAX)
				continue;
			v = realloc(r->links_alternate,
			    (r->n_links_alternate + 1) * sizeof(*v));
			if (v == NULL)
				return -1;
			r->links_alternate = v;
			v[r->n_links_alternate] = dup_range(url, uend);
			if (v[r->n_links_alternate] == NULL)
				return -1;
			r->n_links_alternate++;
		} else if (word_is(w, we, "up")) {
			if (r->link_up == NULL &&
			    (r->link_up = dup_range(url, uend)) == NULL)
				return -1;
		} else if (word_is(w, we, "index")) {
			if (r->link_index == NULL &&
			    (r->link_index = dup_range(url, uend)) == NULL)
				return -1;
		}
	}
	return 0;
}

/* True for the first "rel" parameter of a link; RFC 8288 ignores later ones. */
static int
is_rel(const char *name, const char *nend, int *got_rel)
{
	if ((size_t)(nend - name) != 3 || strncasecmp(name, "rel", 3) != 0 ||
	    *got_rel)
		return 0;
	*got_rel = 1;
	return 1;
}

/*
 * Parses one Link header value (RFC 8288): a comma-separated list of
 * <target> followed by ;name=value parameters, values quoted or bare.
 * Malformed elements are skipped up to the next comma.
 */
static int
parse_link(struct http_response *r, const char *s, const char *end)
{
	const char *url, *uend, *name, *nend;
	char qbuf[256];
	int got_rel;

	while (s < end) {
		s = skip_ws(s, end);
		if (s < end && *s == ',') {
			s++;
			continue;
		}
		if (s == end)
			break;
		if (*s != '<')
			goto skip;
		url = s + 1;
		if ((uend = memchr(url, '>', (size_t)(end - url))) == NULL)
			break;
		s = uend + 1;
		got_rel = 0;
		for (;;) {
			s = skip_ws(s, end);
			if (s == end || *s != ';')
				break;
			s = skip_ws(s + 1, end);
			name = s;
			while (s < end && *s != '=' && *s != ';' && *s != ',' &&
			    *s != ' ' && *s != '\t')
				s++;
			nend = s;
			s = skip_ws(s, end);
			if (s == end || *s != '=')
				continue;
			s = skip_ws(s + 1, end);
			if (s < end && *s == '"') {
				/* Unescaped; longer is no rel of ours. */
				size_t q = 0;

				for (s++; s < end && *s != '"'; s++) {
					if (*s == '\\' && s + 1 < end)
						s++;
					if (q < sizeof(qbuf) - 1)
						qbuf[q++] = *s;
				}
				if (s < end)
					s++;
				qbuf[q] = '\0';
				if (is_rel(name, nend, &got_rel) &&
				    add_link(r, url, uend, qbuf, qbuf + q) != 0)
					return -1;
			} else {
				const char *v = s;

				while (s < end && *s != ';' && *s != ',' &&
				    *s != ' ' && *s != '\t')
					s++;
				if (is_rel(name, nend, &got_rel) &&
				    add_link(r, url, uend, v, s) != 0)
					return -1;
			}
		}
skip:
		/* Past the parameters (or garbage): on to the next element. */
		while (s < end && *s != ',') {
			if (*s == '"') {
				for (s++; s < end && *s != '"'; s++)
					if (*s == '\\' && s + 1 < end)
						s++;
			} else if (*s == '<') {
				break;
			}
			if (s < end)
				s++;
		}
	}
	return 0;
}

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http *h = arg;
	struct http_response *r = h->cur;
	size_t n = size * nmemb;
	const char *s = data, *end = data + n, *colon, *v;
	size_t nl;
	int rc = 0;

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A 1xx or proxy response came first: keep only the last. */
		headers_reset(r);
		return n;
	}
	while (end > s && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if ((colon = memchr(s, ':', (size_t)(end - s))) == NULL)
		return n;
	nl = (size_t)(colon - s);
	v = skip_ws(colon + 1, end);
#define IS(name) (nl == sizeof(name) - 1 && strncasecmp(s, name, nl) == 0)
	if (IS("Content-Type"))
		rc = set_content_type(r, v, end);
	else if (IS("Location"))
		rc = set_field(&r->location, v, end);
	else if (IS("Replay-Nonce"))
		rc = set_field(&r->replay_nonce, v, end);
	else if (IS("Retry-After"))
		set_retry_after(r, v, end);
	else if (IS("Link"))
		rc = parse_link(r, v, end);
#undef IS
	if (rc != 0) {
		h->oom = 1;
		return 0;
	}
	return n;
}

static int
is_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

static int
is_tls_verify(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_INVALIDCERTSTATUS ||
	    rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/*
 * Turns a failed transfer into an error naming the URL and curl's reason;
 * only transport trouble is worth retrying.
 */
static void
transfer_error(struct http *h, const char *url, CURLcode rc, struct err *e)
{
	const char *why = h->errbuf[0] != '\0' ? h->errbuf :
	    curl_easy_strerror(rc);

	if (e != NULL)
		e->retryable = 0;
	if (h->body_overflow || rc == CURLE_FILESIZE_EXCEEDED)
		err_set(e, ERR_PROTO, _("response from %s exceeds 1 MiB"), url);
	else if (h->oom)
		err_nomem(e);
	else if (is_tls_verify(rc))
		err_set(e, ERR_NET,
		    _("certificate verification failed for %s: %s"), url, why);
	else if (rc == CURLE_SSL_CACERT_BADFILE)
		err_set(e, ERR_INPUT, _("cannot load CA bundle %s: %s"),
		    h->ca_bundle != NULL ? h->ca_bundle : _("(system)"), why);
	else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
		err_set(e, ERR_USAGE, _("unusable URL %s: %s"), url, why);
	else {
		err_set(e, ERR_NET, _("request to %s failed: %s"), url, why);
		if (e != NULL)
			e->retryable = is_transient(rc);
	}
}

/* Verified TLS 1.2 or later, against the client's roots. Returns curl's code. */
static CURLcode
set_tls(struct http *h)
{
	CURL *c = h->curl;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { \
	if (rc == CURLE_OK) \
		rc = curl_easy_setopt(c, opt, val); \
} while (0)
	SET(CURLOPT_SSL_VERIFYPEER, h->no_verify ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, h->no_verify ? 0L : 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->ca_bundle != NULL) {
		/* A per-CA bundle replaces the system store, not extends it. */
		SET(CURLOPT_CAINFO, h->ca_bundle);
		SET(CURLOPT_CAPATH, (char *)NULL);
	} else if (h->ca_pem != NULL) {
		struct curl_blob blob = { h->ca_pem, strlen(h->ca_pem), CURL_BLOB_NOCOPY };

		SET(CURLOPT_CAINFO_BLOB, &blob);
		SET(CURLOPT_CAINFO, (char *)NULL);
		SET(CURLOPT_CAPATH, (char *)NULL);
	}
	if (h->client_cert != NULL) {
		/* From memory: the key never touches a file of its own. */
		struct curl_blob cb = { h->client_cert, strlen(h->client_cert),
		    CURL_BLOB_NOCOPY };
		struct curl_blob kb = { h->client_key, strlen(h->client_key),
		    CURL_BLOB_NOCOPY };

		SET(CURLOPT_SSLCERT_BLOB, &cb);
		SET(CURLOPT_SSLCERTTYPE, "PEM");
		SET(CURLOPT_SSLKEY_BLOB, &kb);
		SET(CURLOPT_SSLKEYTYPE, "PEM");
	}
#undef SET
	return rc;
}

/* Sets every option afresh: nothing of the previous request survives. */
static int
setup(struct http *h, const char *method, const char *url,
    const char *body, size_t body_len, struct curl_slist *hdrs)
{
	CURL *c = h->curl;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { \
	if (rc == CURLE_OK) \
		rc = curl_easy_setopt(c, opt, val); \
} while (0)
	curl_easy_reset(c);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_USERAGENT, "certdeck/" VERSION);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	SET(CURLOPT_PROTOCOLS_STR, "https,http");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_CONNECTTIMEOUT, 10L);
	SET(CURLOPT_TIMEOUT, testhook_seconds("CERTDECK_TEST_HTTP_TIMEOUT", 30L));
	SET(CURLOPT_LOW_SPEED_LIMIT, 64L);
	SET(CURLOPT_LOW_SPEED_TIME,
	    testhook_seconds("CERTDECK_TEST_HTTP_LOW_SPEED_TIME", 15L));
	if (rc == CURLE_OK)
		rc = set_tls(h);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, h);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, h);
	SET(CURLOPT_HTTPHEADER, hdrs);
	if (h->user != NULL) {
		/* Basic only, and never in the clear: certdeck sends it over TLS only. */
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, h->user);
		SET(CURLOPT_PASSWORD, h->password);
		SET(CURLOPT_PROTOCOLS_STR, "https");
	}
	if (strcmp(method, "GET") == 0) {
		SET(CURLOPT_HTTPGET, 1L);
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_MAX_BODY);
	} else if (strcmp(method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else {
		SET(CURLOPT_POST, 1L);
		if (strcmp(method, "PATCH") == 0)
			SET(CURLOPT_CUSTOMREQUEST, "PATCH");
		SET(CURLOPT_POSTFIELDS, body != NULL ? body : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(body != NULL ? body_len : 0));
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_MAX_BODY);
	}
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

int
http_request(struct http *h, const char *method, const char *url,
    const char *content_type, const char *body, size_t body_len,
    struct http_response **out, struct err *e)
{
	struct http_response *r = NULL;
	struct curl_slist *hdrs = NULL, *tmp;
	char ctbuf[256];
	CURLcode rc;
	long conns = 0;
	int ret = -1;

	*out = NULL;
	h->last_connects = 0;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "POST") != 0 && strcmp(method, "PATCH") != 0)
		return err_set(e, ERR_USAGE, _("unsupported HTTP method %s"),
		    method);
	if (content_type != NULL && (strchr(content_type, '\r') != NULL ||
	    strchr(content_type, '\n') != NULL ||
	    (size_t)snprintf(ctbuf, sizeof(ctbuf), "Content-Type: %s",
	    content_type) >= sizeof(ctbuf)))
		return err_set(e, ERR_USAGE, _("invalid content type"));
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->body = malloc(1)) == NULL) {
		err_nomem(e);
		goto out;
	}
	r->body[0] = '\0';
	r->retry_after = -1;
	h->cur = r;
	h->body_cap = 1;
	h->body_overflow = 0;
	h->oom = 0;
	h->errbuf[0] = '\0';

	/*
	 * Never wait for "100 Continue" (some servers don't send it), and
	 * without a type of ours curl would claim a form for a POST.
	 */
	if ((hdrs = curl_slist_append(NULL, "Expect:")) == NULL ||
	    (tmp = curl_slist_append(hdrs, content_type != NULL ? ctbuf :
	    "Content-Type:")) == NULL) {
		err_nomem(e);
		goto out;
	}
	hdrs = tmp;
	if (h->secret_header != NULL) {
		if ((tmp = curl_slist_append(hdrs, h->secret_header)) == NULL) {
			err_nomem(e);
			goto out;
		}
		hdrs = tmp;
	}
	if (setup(h, method, url, body, body_len, hdrs) != 0) {
		err_set(e, ERR_NET, _("cannot configure libcurl for %s"), url);
		goto out;
	}
	rc = curl_easy_perform(h->curl);
	if (curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &conns) ==
	    CURLE_OK)
		h->last_connects = conns;
	if (rc != CURLE_OK) {
		transfer_error(h, url, rc, e);
		goto out;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	*out = r;
	r = NULL;
	ret = 0;
out:
	/* The handle must not keep pointing at the list freed below. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER,
	    (struct curl_slist *)NULL);
	for (tmp = hdrs; tmp != NULL; tmp = tmp->next)
		OPENSSL_cleanse(tmp->data, strlen(tmp->data));	/* the API key's copy */
	curl_slist_free_all(hdrs);
	h->cur = NULL;
	http_response_free(r);
	return ret;
}

/* ---- SMTP --------------------------------------------------------------- */

struct upload {
	const char *p;
	size_t left;
};

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb < u->left ? size * nmemb : u->left;

	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/*
 * A failed submission: the server's own reply code says whether a later
 * try may do better (4xx yes, 5xx no); so does curl's, without one.
 */
static void
smtp_error(struct http *h, const char *url, CURLcode rc, struct err *e)
{
	const char *why = h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc);
	long code = 0;

	(void)curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_USE_SSL_FAILED) {
		err_set(e, ERR_NET, _("%s does not offer STARTTLS, and certdeck sends mail "
		    "over TLS only"), url);
		return;
	}
	if (rc == CURLE_LOGIN_DENIED) {
		err_set(e, ERR_NET, _("%s refused the SMTP login: %s"), url, why);
		return;
	}
	transfer_error(h, url, rc, e);
	if (code >= 400 && code <= 599) {
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), _("%s (SMTP reply %ld)"), e->msg, code);
		snprintf(e->msg, sizeof(e->msg), "%s", msg);
		e->retryable = code < 500;
	}
}

int
http_smtp_send(struct http *h, const struct http_mail *m, struct err *e)
{
	struct upload up = { m->message, m->len };
	struct curl_slist *rcpt = NULL;
	char addr[1024];
	CURL *c = h->curl;
	CURLcode rc = CURLE_OK;
	int ret = -1;

	if (strncmp(m->url, "smtp://", 7) != 0 && strncmp(m->url, "smtps://", 8) != 0)
		return err_set(e, ERR_USAGE, _("unusable URL %s: smtp:// or smtps:// only"),
		    m->url);
	if ((size_t)snprintf(addr, sizeof(addr), "<%s>", m->to) >= sizeof(addr))
		return err_set(e, ERR_USAGE, "%s", _("the recipient address is too long"));
	if ((rcpt = curl_slist_append(NULL, addr)) == NULL)
		return err_nomem(e);
	h->errbuf[0] = '\0';
	h->body_overflow = 0;
	h->oom = 0;
	(void)snprintf(addr, sizeof(addr), "<%s>", m->from);
#define SET(opt, val) do { \
	if (rc == CURLE_OK) \
		rc = curl_easy_setopt(c, opt, val); \
} while (0)
	curl_easy_reset(c);
	SET(CURLOPT_URL, m->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS or nothing: a password or a notice never goes out in clear. */
	SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	SET(CURLOPT_CONNECTTIMEOUT, 10L);
	SET(CURLOPT_TIMEOUT, 60L);
	SET(CURLOPT_LOW_SPEED_LIMIT, 64L);
	SET(CURLOPT_LOW_SPEED_TIME, 15L);
	if (rc == CURLE_OK)
		rc = set_tls(h);
	SET(CURLOPT_MAIL_FROM, addr);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, read_cb);
	SET(CURLOPT_READDATA, &up);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->len);
	if (m->user != NULL) {
		SET(CURLOPT_USERNAME, m->user);
		SET(CURLOPT_PASSWORD, m->password != NULL ? m->password : "");
	}
#undef SET
	if (rc != CURLE_OK) {
		err_set(e, ERR_NET, _("cannot configure libcurl for %s"), m->url);
		goto out;
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		smtp_error(h, m->url, rc, e);
		goto out;
	}
	ret = 0;
out:
	/* Nothing of this mail (the list, the password) stays on the handle. */
	curl_easy_reset(c);
	curl_slist_free_all(rcpt);
	return ret;
}
