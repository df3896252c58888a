/*
 * http.c against tests/faultsrv (started by test_http.sh):
 *   test_http BASE_URL        e.g. http://127.0.0.1:34567
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "tap.h"

static const char *base;

static char *
url_of(const char *path)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s%s", base, path);
	return buf;
}

static struct http_response *
get(struct http *h, const char *method, const char *path, struct err *e)
{
	struct http_response *r = NULL;

	err_clear(e);
	if (http_request(h, method, url_of(path), NULL, NULL, 0, &r, e) != 0) {
		diag("%s %s: %s", method, path, e->msg);
		return NULL;
	}
	return r;
}

static void
no_headers(const struct http_response *r, const char *what)
{
	char name[160];

	snprintf(name, sizeof(name), "%s: no Location", what);
	ok(r->location == NULL, name);
	snprintf(name, sizeof(name), "%s: no Replay-Nonce", what);
	ok(r->replay_nonce == NULL, name);
	snprintf(name, sizeof(name), "%s: no Retry-After", what);
	is_int(r->retry_after, -1, name);
	snprintf(name, sizeof(name), "%s: no links", what);
	ok(r->n_links_alternate == 0 && r->links_alternate == NULL &&
	    r->link_up == NULL && r->link_index == NULL, name);
}

static void
expect_fail(struct http *h, const char *path, enum err_kind kind,
    int retryable, const char *needle, const char *what)
{
	struct http_response *r = NULL;
	struct err e;
	char name[160];
	int rc;

	err_clear(&e);
	rc = http_request(h, "GET", url_of(path), NULL, NULL, 0, &r, &e);
	snprintf(name, sizeof(name), "%s fails", what);
	is_int(rc, -1, name);
	ok(r == NULL, "no response on failure");
	snprintf(name, sizeof(name), "%s: error kind %s", what, err_kind_name(kind));
	is_int(e.kind, kind, name);
	snprintf(name, sizeof(name), "%s: retryable=%d", what, retryable);
	is_int(e.retryable, retryable, name);
	snprintf(name, sizeof(name), "%s: message names the URL", what);
	ok(strstr(e.msg, url_of(path)) != NULL, name);
	if (needle != NULL) {
		snprintf(name, sizeof(name), "%s: message says \"%s\"", what, needle);
		ok(strstr(e.msg, needle) != NULL, name);
	}
	diag("%s", e.msg);
	http_response_free(r);
}

static void *
thread_main(void *arg)
{
	struct http *h = NULL;
	struct http_response *r = NULL;
	struct err e;
	char url[512];
	long good = 0;
	int i;

	/* Each thread its own URL: url_of's buffer is shared. */
	snprintf(url, sizeof(url), "%s/nonce", base);
	if (http_new(NULL, &h, &e) != 0)
		return (void *)(intptr_t)0;
	for (i = 0; i < 20; i++) {
		if (http_request(h, "GET", url, NULL, NULL, 0, &r,
		    &e) == 0 && r->status == 200 && r->replay_nonce != NULL &&
		    strcmp(r->replay_nonce, "abc") == 0)
			good++;
		http_response_free(r);
		r = NULL;
	}
	http_free(h);
	return (void *)(intptr_t)good;
}

int
main(int argc, char **argv)
{
	struct http *h = NULL, *h2 = NULL;
	struct http_response *r = NULL;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	pthread_t th[4];
	struct err e;
	char closed[128];
	static const char post_body[] = "hello\0world";
	static const char want_echo[] = "POST application/jose+json\nhello\0world";
	long total = 0;
	int fd, i;

	if (argc != 2) {
		fprintf(stderr, "usage: test_http BASE_URL\n");
		return 2;
	}
	base = argv[1];

	err_clear(&e);
	ok(http_new(NULL, &h, &e) == 0 && h != NULL, "http_new");

	/* Garbage is not our business: the caller judges the body. */
	if ((r = get(h, "GET", "/garbage", &e)) != NULL) {
		is_int(r->status, 200, "garbage: status 200");
		is_str(r->content_type, "application/json", "garbage: content type");
		is_str(r->body, "{not json", "garbage: body returned as-is");
		is_int(r->body_len, 9, "garbage: body length");
		no_headers(r, "garbage");
		is_int(http_last_connects(h), 1, "first request opens a connection");
	} else
		ok(0, "GET /garbage");
	http_response_free(r);

	if ((r = get(h, "GET", "/nonce", &e)) != NULL) {
		is_str(r->replay_nonce, "abc", "nonce: Replay-Nonce");
		is_int(http_last_connects(h), 0, "second request reuses the connection");
	} else
		ok(0, "GET /nonce");
	http_response_free(r);

	if ((r = get(h, "HEAD", "/nonce", &e)) != NULL) {
		is_int(r->status, 200, "HEAD nonce: status 200");
		is_str(r->replay_nonce, "abc", "HEAD nonce: Replay-Nonce");
		ok(r->body != NULL && r->body_len == 0 && r->body[0] == '\0',
		    "HEAD nonce: empty, NUL-terminated body");
	} else
		ok(0, "HEAD /nonce");
	http_response_free(r);

	if ((r = get(h, "GET", "/headers", &e)) != NULL) {
		is_int(r->status, 201, "headers: status 201");
		is_str(r->content_type, "application/json",
		    "headers: content type lower-cased, parameters stripped");
		is_str(r->location, "https://127.0.0.1/acct/1", "headers: Location");
		is_str(r->replay_nonce, "nonce-from-headers", "headers: Replay-Nonce");
		is_int(r->retry_after, 3, "headers: Retry-After");
		is_int(r->n_links_alternate, 1, "headers: one alternate link");
		if (r->n_links_alternate == 1)
			is_str(r->links_alternate[0], "https://127.0.0.1/alt",
			    "headers: alternate link");
		is_str(r->link_up, "https://127.0.0.1/up", "headers: up link");
		is_str(r->link_index, "https://127.0.0.1/dir", "headers: index link");
	} else
		ok(0, "GET /headers");
	http_response_free(r);

	/* Same handle, next response: nothing may carry over. */
	if ((r = get(h, "GET", "/garbage", &e)) != NULL) {
		no_headers(r, "after /headers");
		is_str(r->body, "{not json", "after /headers: body is the new one");
	} else
		ok(0, "GET /garbage again");
	http_response_free(r);

	if ((r = get(h, "GET", "/links", &e)) != NULL) {
		is_int(r->n_links_alternate, 2, "links: two alternates over two headers");
		if (r->n_links_alternate == 2) {
			is_str(r->links_alternate[0], "https://127.0.0.1/cert/1/alt,1",
			    "links: first alternate (comma inside <>)");
			is_str(r->links_alternate[1], "https://127.0.0.1/cert/1/alt2",
			    "links: second alternate (unquoted rel after a quoted ;,)");
		}
		is_str(r->link_up, "https://127.0.0.1/issuer", "links: up");
		is_str(r->link_index, "https://127.0.0.1/dir", "links: index");
	} else
		ok(0, "GET /links");
	http_response_free(r);

	if ((r = get(h, "GET", "/links-bad", &e)) != NULL) {
		is_int(r->status, 200, "links-bad: still a response");
		is_int(r->n_links_alternate, 0, "links-bad: no alternates from garbage");
		is_str(r->link_up, "https://127.0.0.1/up", "links-bad: good link kept");
		ok(r->link_index == NULL, "links-bad: no index");
	} else
		ok(0, "GET /links-bad");
	http_response_free(r);

	if ((r = get(h, "GET", "/500", &e)) != NULL) {
		is_int(r->status, 500, "500: any status is a response");
		is_str(r->content_type, "application/problem+json", "500: problem type");
		ok(strstr(r->body, "urn:ietf:params:acme:error:serverInternal") != NULL,
		    "500: problem body");
	} else
		ok(0, "GET /500");
	http_response_free(r);

	if ((r = get(h, "GET", "/429", &e)) != NULL) {
		is_int(r->status, 429, "429: status");
		is_int(r->retry_after, 7, "429: Retry-After delta-seconds");
		ok(strstr(r->body, "rateLimited") != NULL, "429: problem body");
	} else
		ok(0, "GET /429");
	http_response_free(r);

	if ((r = get(h, "GET", "/retry-date", &e)) != NULL) {
		is_int(r->status, 503, "retry-date: status");
		ok(r->retry_after >= 100 && r->retry_after <= 130,
		    "retry-date: HTTP-date 120 s ahead gives 100..130");
		diag("retry_after = %ld", r->retry_after);
	} else
		ok(0, "GET /retry-date");
	http_response_free(r);

	if ((r = get(h, "GET", "/retry-past", &e)) != NULL)
		is_int(r->retry_after, 0, "retry-past: a date in the past clamps to 0");
	else
		ok(0, "GET /retry-past");
	http_response_free(r);

	if ((r = get(h, "GET", "/retry-bogus", &e)) != NULL)
		is_int(r->retry_after, -1, "retry-bogus: unparseable means absent");
	else
		ok(0, "GET /retry-bogus");
	http_response_free(r);

	expect_fail(h, "/big", ERR_PROTO, 0, "1 MiB", "big (Content-Length)");
	expect_fail(h, "/big-chunked", ERR_PROTO, 0, "1 MiB", "big (chunked)");
	expect_fail(h, "/drop", ERR_NET, 1, NULL, "drop");

	/* A failure must not poison the handle. */
	if ((r = get(h, "GET", "/nonce", &e)) != NULL) {
		is_int(r->status, 200, "handle usable after failures");
		is_str(r->replay_nonce, "abc", "and parses headers again");
	} else
		ok(0, "GET /nonce after failures");
	http_response_free(r);

	err_clear(&e);
	r = NULL;
	ok(http_request(h, "POST", url_of("/echo"), "application/jose+json",
	    post_body, sizeof(post_body) - 1, &r, &e) == 0, "POST echo");
	if (r != NULL) {
		ok(r->body_len == sizeof(want_echo) - 1 &&
		    memcmp(r->body, want_echo, sizeof(want_echo) - 1) == 0,
		    "POST sends the content type and the binary body");
		diag("echo: %s", r->body);
	}
	http_response_free(r);
	r = NULL;
	ok(http_request(h, "POST", url_of("/echo"), NULL, NULL, 0, &r, &e) == 0,
	    "POST echo without body");
	if (r != NULL)
		is_str(r->body, "POST -\n", "no body, and no content type invented");
	http_response_free(r);
	r = NULL;

	/* The previous request was a POST: a GET must not inherit its method. */
	if ((r = get(h, "GET", "/echo", &e)) != NULL)
		is_str(r->body, "GET -\n", "GET after POST is a GET");
	else
		ok(0, "GET /echo");
	http_response_free(r);

	err_clear(&e);
	r = NULL;
	ok(http_request(h, "PUT", url_of("/echo"), NULL, NULL, 0, &r, &e) == -1 &&
	    e.kind == ERR_USAGE && r == NULL, "PUT is refused");
	err_clear(&e);
	ok(http_request(h, "POST", url_of("/echo"), "text/plain\r\nX-Evil: 1", "",
	    0, &r, &e) == -1 && e.kind == ERR_USAGE, "header injection refused");
	err_clear(&e);
	ok(http_request(h, "GET", "ftp://127.0.0.1/x", NULL, NULL, 0, &r, &e) == -1 &&
	    e.kind == ERR_USAGE && e.retryable == 0, "ftp:// is refused");
	diag("%s", e.msg);
	err_clear(&e);
	ok(http_request(h, "GET", "file:///etc/passwd", NULL, NULL, 0, &r,
	    &e) == -1 && r == NULL, "file:// is refused");

	/* A bound socket that never listens: connect gets a reset, every time. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == 0) {
		snprintf(closed, sizeof(closed), "http://127.0.0.1:%u/x",
		    ntohs(sin.sin_port));
		err_clear(&e);
		ok(http_request(h, "GET", closed, NULL, NULL, 0, &r, &e) == -1,
		    "closed port fails");
		is_int(e.kind, ERR_NET, "closed port: ERR_NET");
		is_int(e.retryable, 1, "closed port: retryable");
		ok(strstr(e.msg, closed) != NULL, "closed port: message names the URL");
		diag("%s", e.msg);
	} else
		ok(0, "bind a loopback socket");
	if (fd >= 0)
		close(fd);

	err_clear(&e);
	ok(http_new("/nonexistent/ca.pem", &h2, &e) == -1 && h2 == NULL &&
	    e.kind == ERR_INPUT && strstr(e.msg, "/nonexistent/ca.pem") != NULL,
	    "missing CA bundle is refused up front");

	/* One handle per thread, all at once. */
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, thread_main, NULL);
	for (i = 0; i < 4; i++) {
		void *v = NULL;

		pthread_join(th[i], &v);
		total += (long)(intptr_t)v;
	}
	is_int(total, 80, "4 threads x 20 requests, each on its own handle");

	http_free(h);
	http_free(NULL);
	http_response_free(NULL);
	return done_testing();
}
