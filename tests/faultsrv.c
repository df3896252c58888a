/*
 * faultsrv: a plain-HTTP server on 127.0.0.1 that misbehaves on request,
 * for testing how clients cope with broken or hostile servers.
 *
 *   faultsrv PORTFILE [tls]
 *
 * Binds an ephemeral loopback port, writes its number to PORTFILE (atomically,
 * so a reader never sees a partial file) and serves until SIGTERM or SIGINT.
 * With "tls" it speaks HTTPS (an ACME directory must be https) with a
 * certificate for 127.0.0.1 whose CA it first writes to PORTFILE.ca.
 * Paths:
 *   /garbage      200 application/json, body "{not json"
 *   /big          200, 2 MiB body with a Content-Length
 *   /big-chunked  200, 2 MiB body, chunked (no length announced)
 *   /500          500 problem serverInternal
 *   /hits         200 text/plain: how many requests came before (/hits aside)
 *   /429          429 problem rateLimited, Retry-After: 7
 *   /retry-date   503 problem rateLimited, Retry-After: HTTP-date 120 s ahead
 *   /retry-past   503, Retry-After: an HTTP-date in 1994
 *   /retry-bogus  503, Retry-After: "soon" (unparseable)
 *   /drop         closes the connection without an answer
 *   /links        200 with two Link headers (two alternate, one up, one index)
 *   /links-bad    200 with malformed Link headers around one good rel="up"
 *   /nonce        200 with Replay-Nonce: abc
 *   /headers      201 with every header a client collects
 *   /echo         200 text/plain: "METHOD CONTENT-TYPE\n" then the request body
 *   anything else 404
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "tlsfixture.h"

#define BIG_SIZE (2u * 1024 * 1024)
#define ECHO_MAX (4u * 1024 * 1024)

static char *big;
static atomic_int hits;		/* one thread per connection: shared */
static int plain_marker;	/* con_cls of requests that need no state */

static const char problem_500[] =
    "{\"type\":\"urn:ietf:params:acme:error:serverInternal\","
    "\"detail\":\"faultsrv: injected internal error\",\"status\":500}";
static const char problem_429[] =
    "{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
    "\"detail\":\"faultsrv: too many requests\",\"status\":429}";
static const char problem_503[] =
    "{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
    "\"detail\":\"faultsrv: come back later\",\"status\":503}";

struct echo {
	char *buf;
	size_t len;
};

static ssize_t
big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	size_t n;

	if (pos >= BIG_SIZE)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = BIG_SIZE - (size_t)pos;
	if (n > max)
		n = max;
	memset(buf, 'y', n);
	return (ssize_t)n;
}

static enum MHD_Result
send_static(struct MHD_Connection *c, unsigned int status, const char *ctype,
    const char *body, size_t len, const char *const *extra)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	if (ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	for (i = 0; extra != NULL && extra[i] != NULL; i += 2)
		MHD_add_response_header(resp, extra[i], extra[i + 1]);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
send_echo(struct MHD_Connection *c, const char *method, struct echo *st)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Content-Type");
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *out;
	size_t hl, n;
	int len;

	len = snprintf(NULL, 0, "%s %s\n", method, ct != NULL ? ct : "-");
	if (len < 0)
		return MHD_NO;
	hl = (size_t)len;
	n = hl + st->len;
	if ((out = malloc(n + 1)) == NULL)
		return MHD_NO;
	snprintf(out, hl + 1, "%s %s\n", method, ct != NULL ? ct : "-");
	if (st->len > 0)
		memcpy(out + hl, st->buf, st->len);
	resp = MHD_create_response_from_buffer(n, out, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(out);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct echo *st = *con_cls;

	if (strcmp(url, "/drop") == 0)
		return MHD_NO;
	if (strcmp(url, "/echo") == 0) {
		if (st == NULL) {
			if ((st = calloc(1, sizeof(*st))) == NULL)
				return MHD_NO;
			*con_cls = st;
			return MHD_YES;
		}
		if (*upload_data_size > 0) {
			char *p;

			if (st->len + *upload_data_size > ECHO_MAX ||
			    (p = realloc(st->buf, st->len + *upload_data_size)) == NULL)
				return MHD_NO;
			memcpy(p + st->len, upload_data, *upload_data_size);
			st->buf = p;
			st->len += *upload_data_size;
			*upload_data_size = 0;
			return MHD_YES;
		}
		return send_echo(c, method, st);
	}
	/*
	 * Everything else ignores any request body. Answering on the first
	 * call, before MHD has seen the end of the request, makes it close
	 * the connection: wait for the second call to allow keep-alive.
	 */
	if (*con_cls == NULL) {
		*con_cls = &plain_marker;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/hits") != 0)
		atomic_fetch_add(&hits, 1);
	if (strcmp(url, "/garbage") == 0)
		return send_static(c, MHD_HTTP_OK, "application/json", "{not json",
		    9, NULL);
	if (strcmp(url, "/dir-incomplete") == 0)
		return send_static(c, MHD_HTTP_OK, "application/json",
		    "{\"newNonce\":\"http://127.0.0.1:1/n\"}", 35, NULL);
	if (strcmp(url, "/big") == 0)
		return send_static(c, MHD_HTTP_OK, "application/octet-stream", big,
		    BIG_SIZE, NULL);
	if (strcmp(url, "/big-chunked") == 0) {
		struct MHD_Response *resp;
		enum MHD_Result ret;

		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32768,
		    big_reader, NULL, NULL);
		if (resp == NULL)
			return MHD_NO;
		ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (strcmp(url, "/500") == 0)
		return send_static(c, 500, "application/problem+json",
		    problem_500, sizeof(problem_500) - 1, NULL);
	if (strcmp(url, "/hits") == 0) {
		char n[16];
		int len = snprintf(n, sizeof(n), "%d", atomic_load(&hits));
		struct MHD_Response *resp;
		enum MHD_Result ret;

		/* The text lives on this stack: MHD must copy it. */
		resp = MHD_create_response_from_buffer((size_t)len, n, MHD_RESPMEM_MUST_COPY);
		if (resp == NULL)
			return MHD_NO;
		ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (strcmp(url, "/429") == 0) {
		static const char *const h[] = { "Retry-After", "7", NULL };

		return send_static(c, 429, "application/problem+json",
		    problem_429, sizeof(problem_429) - 1, h);
	}
	if (strcmp(url, "/retry-date") == 0) {
		char date[64];
		const char *h[] = { "Retry-After", date, NULL };
		time_t t = time(NULL) + 120;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		return send_static(c, 503, "application/problem+json",
		    problem_503, sizeof(problem_503) - 1, h);
	}
	if (strcmp(url, "/retry-past") == 0) {
		static const char *const h[] = {
			"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT", NULL };

		return send_static(c, 503, "application/problem+json",
		    problem_503, sizeof(problem_503) - 1, h);
	}
	if (strcmp(url, "/retry-bogus") == 0) {
		static const char *const h[] = { "Retry-After", "soon", NULL };

		return send_static(c, 503, "application/problem+json",
		    problem_503, sizeof(problem_503) - 1, h);
	}
	if (strcmp(url, "/links-bad") == 0) {
		static const char *const h[] = {
			"Link", "garbage;rel=\"alternate\", <https://127.0.0.1/nr>, "
			    "<https://127.0.0.1/up>;rel=\"up\", "
			    "<https://127.0.0.1/x>;rel",
			"Link", "<https://127.0.0.1/unterminated;rel=\"alternate\"",
			"Link", "",
			NULL };

		return send_static(c, MHD_HTTP_OK, "text/plain", "links\n", 6, h);
	}
	if (strcmp(url, "/links") == 0) {
		static const char *const h[] = {
			"Link", "<https://127.0.0.1/cert/1/alt,1>;rel=\"alternate\", "
			    "<https://127.0.0.1/issuer>; rel=\"up\"",
			"Link", "<https://127.0.0.1/terms>;rel=\"terms-of-service\","
			    "<https://127.0.0.1/cert/1/alt2> ; title=\"a;b,c\" ; "
			    "rel=alternate, <https://127.0.0.1/dir>;rel=\"index\"",
			NULL };

		return send_static(c, MHD_HTTP_OK, "text/plain", "links\n", 6, h);
	}
	if (strcmp(url, "/nonce") == 0) {
		static const char *const h[] = { "Replay-Nonce", "abc", NULL };

		return send_static(c, MHD_HTTP_OK, "text/plain", "nonce\n", 6, h);
	}
	if (strcmp(url, "/headers") == 0) {
		static const char *const h[] = {
			"Location", "https://127.0.0.1/acct/1",
			"Replay-Nonce", "nonce-from-headers",
			"Retry-After", "3",
			"Link", "<https://127.0.0.1/alt>;rel=\"alternate\", "
			    "<https://127.0.0.1/up>;rel=\"up\", "
			    "<https://127.0.0.1/dir>;rel=\"index\"",
			NULL };

		return send_static(c, MHD_HTTP_CREATED,
		    "Application/JSON; charset=utf-8", "{}", 2, h);
	}
	return send_static(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10,
	    NULL);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct echo *st = *con_cls;

	/* Only /echo allocates; the other paths leave a static marker. */
	if (st != NULL && *con_cls != (void *)&plain_marker) {
		free(st->buf);
		free(st);
		*con_cls = NULL;
	}
}

static int
write_portfile(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct MHD_Daemon *d;
	sigset_t set;
	int fd, sig = 0, one = 1, tls;
	char *tls_cert = NULL, *tls_key = NULL, *tls_ca = NULL, capath[4096];

	tls = argc == 3 && strcmp(argv[2], "tls") == 0;
	if (argc != 2 && !tls) {
		fprintf(stderr, "usage: faultsrv PORTFILE [tls]\n");
		return 2;
	}
	if (tls && (tlsfix_server(&tls_cert, &tls_key, &tls_ca) != 0 ||
	    (size_t)snprintf(capath, sizeof(capath), "%s.ca", argv[1]) >= sizeof(capath) ||
	    tlsfix_write(capath, tls_ca) != 0)) {
		fprintf(stderr, "faultsrv: cannot make its TLS certificate\n");
		return 1;
	}
	if ((big = malloc(BIG_SIZE)) == NULL)
		return 1;
	memset(big, 'x', BIG_SIZE);

	/* Block before any thread starts so that only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("faultsrv: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0) {
		perror("faultsrv: bind");
		return 1;
	}
	if (tls)
		d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG | MHD_USE_TLS, 0, NULL, NULL,
		    handler, NULL,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_HTTPS_MEM_KEY, tls_key,
		    MHD_OPTION_HTTPS_MEM_CERT, tls_cert,
		    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		    MHD_OPTION_END);
	else
		d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		    handler, NULL,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "faultsrv: cannot start the HTTP daemon\n");
		return 1;
	}
	if (write_portfile(argv[1], ntohs(sin.sin_port)) != 0) {
		fprintf(stderr, "faultsrv: %s: %s\n", argv[1], strerror(errno));
		MHD_stop_daemon(d);
		return 1;
	}
	while (sig != SIGTERM && sig != SIGINT)
		if (sigwait(&set, &sig) != 0)
			break;
	MHD_stop_daemon(d);
	free(big);
	free(tls_cert);
	free(tls_key);
	free(tls_ca);
	return 0;
}
