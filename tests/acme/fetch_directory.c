/*
 * http.c against a live Pebble (started by test_pebble_directory.sh):
 * reads PEBBLE_URL and PEBBLE_CA from the environment, prints TAP.
 */
#include "config.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "../unit/tap.h"

static int
is_b64url(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == strlen(s);
}

static int
write_file(const char *dir, const char *name, const char *text, char *path,
    size_t size)
{
	FILE *f;

	if ((size_t)snprintf(path, size, "%s/%s", dir, name) >= size ||
	    (f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* A loopback port that refuses connections: bound, never listening. */
static int
closed_port(unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

int
main(void)
{
	const char *url = getenv("PEBBLE_URL"), *ca = getenv("PEBBLE_CA");
	const char *mgmt = getenv("PEBBLE_MGMT"), *pdir = getenv("PEBBLE_DIR");
	static const char *const fields[] = {
		"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange",
	};
	struct http *h = NULL, *sys = NULL;
	struct http_response *r = NULL, *r2 = NULL;
	char path[4096];
	struct err e;
	cJSON *dir = NULL;
	char *new_nonce = NULL, *nonce1 = NULL, name[128], closed[128];
	unsigned port;
	size_t i;
	int fd;

	if (url == NULL || ca == NULL || mgmt == NULL || pdir == NULL) {
		printf("Bail out! run me from test_pebble_directory.sh\n");
		return 1;
	}
	err_clear(&e);
	if (!ok(http_new(ca, &h, &e) == 0, "http_new with Pebble's CA bundle")) {
		diag("%s", e.msg);
		return done_testing();
	}

	if (!ok(http_request(h, "GET", url, NULL, NULL, 0, &r, &e) == 0,
	    "GET the directory"))
		diag("%s", e.msg);
	if (r != NULL) {
		is_int(r->status, 200, "directory: status 200");
		is_str(r->content_type, "application/json",
		    "directory: content type application/json");
		is_int(http_last_connects(h), 1, "directory: a new connection");
		dir = cJSON_ParseWithLength(r->body, r->body_len);
		ok(cJSON_IsObject(dir), "directory: a JSON object");
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const char *v = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(dir, fields[i]));

			snprintf(name, sizeof(name), "directory: %s is an https URL",
			    fields[i]);
			ok(v != NULL && strncmp(v, "https://127.0.0.1:", 18) == 0, name);
		}
		new_nonce = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(dir, "newNonce"));
	}
	http_response_free(r);
	r = NULL;

	if (new_nonce != NULL) {
		err_clear(&e);
		if (!ok(http_request(h, "HEAD", new_nonce, NULL, NULL, 0, &r,
		    &e) == 0, "HEAD newNonce"))
			diag("%s", e.msg);
		if (r != NULL) {
			is_int(r->status, 200, "HEAD newNonce: status 200");
			ok(is_b64url(r->replay_nonce),
			    "HEAD newNonce: a base64url Replay-Nonce");
			is_int(r->body_len, 0, "HEAD newNonce: no body");
			is_int(http_last_connects(h), 0,
			    "HEAD newNonce: connection reused");
			is_str(r->link_index, url, "HEAD newNonce: Link rel=index");
			nonce1 = r->replay_nonce;
			r->replay_nonce = NULL;
		}
		http_response_free(r);
		r = NULL;

		err_clear(&e);
		if (!ok(http_request(h, "GET", new_nonce, NULL, NULL, 0, &r,
		    &e) == 0, "GET newNonce"))
			diag("%s", e.msg);
		if (r != NULL) {
			is_int(r->status, 204, "GET newNonce: status 204");
			ok(is_b64url(r->replay_nonce) && nonce1 != NULL &&
			    strcmp(r->replay_nonce, nonce1) != 0,
			    "GET newNonce: a fresh nonce");
			is_int(http_last_connects(h), 0,
			    "GET newNonce: connection reused");
		}
		http_response_free(r);
		r = NULL;
	} else
		ok(0, "no newNonce URL to try");

	/* Pebble's throwaway CA is not in the system store. */
	err_clear(&e);
	if (ok(http_new(NULL, &sys, &e) == 0, "http_new with the system store")) {
		ok(http_request(sys, "GET", url, NULL, NULL, 0, &r, &e) == -1 &&
		    r == NULL, "without Pebble's CA the directory fails");
		is_int(e.kind, ERR_NET, "untrusted: ERR_NET");
		is_int(e.retryable, 0, "untrusted: not retryable");
		ok(strstr(e.msg, "certificate verification failed") != NULL &&
		    strstr(e.msg, url) != NULL,
		    "untrusted: message says verification failed, names the URL");
		diag("%s", e.msg);
	}
	http_free(sys);

	/* A bundle is the whole trust: another valid root does not do. */
	snprintf(name, sizeof(name), "%s/roots/0", mgmt);
	err_clear(&e);
	if (ok(http_request(h, "GET", name, NULL, NULL, 0, &r, &e) == 0 &&
	    r->status == 200 && strstr(r->body, "BEGIN CERTIFICATE") != NULL,
	    "GET Pebble's issuing root from the management port") &&
	    write_file(pdir, "other-root.pem", r->body, path, sizeof(path)) == 0) {
		err_clear(&e);
		if (ok(http_new(path, &sys, &e) == 0, "http_new with another root")) {
			ok(http_request(sys, "GET", url, NULL, NULL, 0, &r2, &e) == -1 &&
			    e.kind == ERR_NET && e.retryable == 0 &&
			    strstr(e.msg, "certificate verification failed") != NULL,
			    "another root does not verify Pebble's HTTPS");
			diag("%s", e.msg);
		}
		http_free(sys);
		sys = NULL;
	} else
		diag("%s", e.msg);
	http_response_free(r);
	r = NULL;

	/* A bundle file that holds no certificate is the user's mistake. */
	if (write_file(pdir, "junk.pem", "not a certificate\n", path,
	    sizeof(path)) == 0) {
		err_clear(&e);
		if (ok(http_new(path, &sys, &e) == 0, "http_new with a junk bundle")) {
			ok(http_request(sys, "GET", url, NULL, NULL, 0, &r2, &e) == -1 &&
			    r2 == NULL, "junk bundle fails");
			is_int(e.kind, ERR_INPUT, "junk bundle: ERR_INPUT");
			ok(strstr(e.msg, path) != NULL, "junk bundle: message names it");
			diag("%s", e.msg);
		}
		http_free(sys);
		sys = NULL;
	} else
		ok(0, "write junk.pem");

	if ((fd = closed_port(&port)) >= 0) {
		snprintf(closed, sizeof(closed), "https://127.0.0.1:%u/dir", port);
		err_clear(&e);
		ok(http_request(h, "GET", closed, NULL, NULL, 0, &r, &e) == -1 &&
		    r == NULL, "closed port fails");
		is_int(e.kind, ERR_NET, "closed port: ERR_NET");
		is_int(e.retryable, 1, "closed port: retryable");
		ok(strstr(e.msg, closed) != NULL, "closed port: message names the URL");
		diag("%s", e.msg);
		close(fd);
	} else
		ok(0, "bind a loopback socket");

	/* After all that, the handle still talks to Pebble. */
	err_clear(&e);
	ok(http_request(h, "GET", url, NULL, NULL, 0, &r, &e) == 0 && r != NULL &&
	    r->status == 200, "directory again after failures");
	http_response_free(r);

	free(nonce1);
	cJSON_Delete(dir);
	http_free(h);
	return done_testing();
}
