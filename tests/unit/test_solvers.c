/*
 * Challenge solvers: http-01 (standalone and webroot), dns-01 (hook and
 * propagation check against pebble-challtestsrv) and tls-alpn-01, all on
 * 127.0.0.1 only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64url.h"
#include "solver.h"
#include "tap.h"

extern char **environ;

#define TOKEN_A "tokA-1_x"
#define KEYAUTH_A TOKEN_A ".thumbprint_0123456789abcdefghijklmnopqrstuvwxyzABC"
/* base64url(SHA-256(KEYAUTH_A)), computed independently with Python. */
#define VALUE_A "poCQ_9ehYJNpoFjCdcuSH53FasnIBqsY2z-n8Biwapk"
#define SHA_A "a68090ffd7a1609369a058c275cb921f9dc56ac9c806ab18db3fa7f018b06a99"
#define TOKEN_B "Zm9vYmFyYmF6LXRva2VuLUI"
#define KEYAUTH_B TOKEN_B ".thumbprintB"

static const char *const bad_tokens[] = {
	"../etc/passwd", "a b", "$(id)", "", "tok/../../x", "tok\nline", "`id`",
};
#define N_BAD (sizeof(bad_tokens) / sizeof(bad_tokens[0]))

static char tmproot[] = "/tmp/test_solvers.XXXXXX";

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 65536);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char sub[4096];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int
count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* A port that is free for TCP (and UDP when both is set) right now. */
static int
free_port(int both)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);
		int u = socket(AF_INET, both ? SOCK_DGRAM : SOCK_STREAM, 0), t = -1, port;

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(u, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    getsockname(u, (struct sockaddr *)&sin, &len) == -1) {
			close(u);
			continue;
		}
		port = ntohs(sin.sin_port);
		if (both) {
			t = socket(AF_INET, SOCK_STREAM, 0);
			if (bind(t, (struct sockaddr *)&sin, sizeof(sin)) == -1)
				port = -1;
			close(t);
		}
		close(u);
		if (port > 0)
			return port;
	}
	return -1;
}

static int
tcp_connect(const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		inet_pton(AF_INET, ip, &s4->sin_addr);
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Opens n idle connections to 127.0.0.1:port and waits (up to 5 s, a
 * guard against a hang) until the server has closed all but at most max
 * of them. Returns how many it still holds.
 */
static int
held_connections(int port, int n, int max)
{
	int *fd = calloc((size_t)n, sizeof(*fd)), i, held = 0, round;
	struct pollfd *p = calloc((size_t)n, sizeof(*p));

	if (fd == NULL || p == NULL) {
		free(fd);
		free(p);
		return -1;
	}
	for (i = 0; i < n; i++)
		fd[i] = tcp_connect("127.0.0.1", port);
	for (round = 0; round < 50; round++) {
		for (i = 0, held = 0; i < n; i++) {
			char c;

			if (fd[i] == -1)
				continue;
			p[0].fd = fd[i];
			p[0].events = POLLIN;
			p[0].revents = 0;
			if (poll(p, 1, 0) == 1 && read(fd[i], &c, 1) <= 0) {
				close(fd[i]);
				fd[i] = -1;
				continue;
			}
			held++;
		}
		if (held <= max)
			break;
		(void)poll(NULL, 0, 100);
	}
	for (i = 0; i < n; i++)
		if (fd[i] != -1)
			close(fd[i]);
	free(fd);
	free(p);
	return held;
}

/* ---- http-01 standalone ------------------------------------------------ */

struct fetch {
	CURL *h;
	char body[4096];
	size_t len;
	long status;
};

static size_t
fetch_write(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;

	if (f->len + len >= sizeof(f->body))
		return 0;
	memcpy(f->body + f->len, p, len);
	f->len += len;
	f->body[f->len] = '\0';
	return len;
}

static void
fetch_init(struct fetch *f, const char *url, const char *method)
{
	memset(f, 0, sizeof(*f));
	f->h = curl_easy_init();
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(f->h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(f->h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, f);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(f->h, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(f->h, CURLOPT_CUSTOMREQUEST, method);
}

/* One request; returns the HTTP status (0 on a transport error), body in f. */
static long
http(struct fetch *f, const char *method, const char *url)
{
	fetch_init(f, url, method);
	if (curl_easy_perform(f->h) == CURLE_OK)
		curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &f->status);
	curl_easy_cleanup(f->h);
	f->h = NULL;
	return f->status;
}

static char *
challenge_url(const char *host, int port, const char *token)
{
	static char url[512];

	snprintf(url, sizeof(url), "http://%s:%d/.well-known/acme-challenge/%s", host,
	    port, token);
	return url;
}

/* Six fetches at once, as Pebble does (three per token). */
static void
concurrent_fetches(int port)
{
	struct fetch f[6];
	CURLM *m = curl_multi_init();
	int running = 1, good = 0, i;

	for (i = 0; i < 6; i++) {
		fetch_init(&f[i], challenge_url("127.0.0.1", port, i % 2 ? TOKEN_B : TOKEN_A),
		    "GET");
		curl_multi_add_handle(m, f[i].h);
	}
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	for (i = 0; i < 6; i++) {
		curl_easy_getinfo(f[i].h, CURLINFO_RESPONSE_CODE, &f[i].status);
		if (f[i].status == 200 &&
		    strcmp(f[i].body, i % 2 ? KEYAUTH_B : KEYAUTH_A) == 0)
			good++;
		curl_multi_remove_handle(m, f[i].h);
		curl_easy_cleanup(f[i].h);
	}
	curl_multi_cleanup(m);
	is_int(good, 6, "six concurrent fetches of two tokens: 200 and exact key authorizations");
}

static void
send_garbage(int port)
{
	static const unsigned char junk[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
	    "GARBAGE \xff\xfe\r\n\r\n\r\n";
	char buf[512];
	int fd = tcp_connect("127.0.0.1", port);
	struct pollfd p;

	if (fd == -1)
		return;
	(void)write(fd, junk, sizeof(junk) - 1);
	(void)write(fd, "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: -5\r\n\r\n", 62);
	shutdown(fd, SHUT_WR);
	p.fd = fd;
	p.events = POLLIN;
	/* Wait until the server answers or hangs up; a crash would end the test. */
	while (poll(&p, 1, 2000) > 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

static void
test_standalone(void)
{
	struct solver *s = NULL, *s2 = NULL;
	struct err e;
	struct fetch f;
	struct solver_challenge a = { "example.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	struct solver_challenge b = { "www.example.com", TOKEN_B, KEYAUTH_B, NULL, NULL, NULL };
	char url[512];
	int port, idle, six, held;
	size_t i;

	err_clear(&e);
	ok(solver_http01_standalone_new("127.0.0.1", 0, &s, &e) == 0,
	    "standalone responder starts on 127.0.0.1 port 0");
	if (s == NULL) {
		diag("%s", e.msg);
		return;
	}
	is_str(s->ops->type, "http-01", "its type is http-01");
	port = solver_http01_port(s);
	ok(port > 0 && port < 65536, "solver_http01_port gives the chosen port");

	ok(solver_http01_standalone_new("127.0.0.1", port, &s2, &e) == -1 && s2 == NULL,
	    "a second responder on the same port fails");
	ok(strstr(e.msg, "in use") != NULL, "and says the address is in use");
	diag("%s", e.msg);

	is_int(http(&f, "GET", challenge_url("127.0.0.1", port, TOKEN_A)), 404,
	    "token not yet presented: 404");
	ok(s->ops->present(s, &a, &e) == 0, "present token A");
	ok(s->ops->present(s, &b, &e) == 0, "present token B");
	concurrent_fetches(port);

	is_int(http(&f, "GET", challenge_url("127.0.0.1", port, TOKEN_A)), 200, "GET A: 200");
	is_str(f.body, KEYAUTH_A, "GET A: body is the key authorization, nothing more");
	is_int(http(&f, "HEAD", challenge_url("127.0.0.1", port, TOKEN_B)), 200, "HEAD B: 200");
	is_int(f.len, 0, "HEAD B: no body");
	is_int(http(&f, "GET", challenge_url("127.0.0.1", port, "unknownToken")), 404,
	    "unknown token: 404");
	is_int(http(&f, "GET", challenge_url("127.0.0.1", port, TOKEN_A "x")), 404,
	    "token with a suffix: 404");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	is_int(http(&f, "GET", url), 404, "other path: 404");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", port, TOKEN_A);
	is_int(http(&f, "GET", url), 404, "token outside the challenge path: 404");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/.well-known/acme-challenge/", port);
	is_int(http(&f, "GET", url), 404, "empty token: 404");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/.well-known/acme-challenge/%s/x",
	    port, TOKEN_A);
	is_int(http(&f, "GET", url), 404, "path below a token: 404");
	is_int(http(&f, "POST", challenge_url("127.0.0.1", port, TOKEN_A)), 405,
	    "POST: 405");
	is_int(http(&f, "DELETE", challenge_url("127.0.0.1", port, TOKEN_A)), 405,
	    "DELETE: 405");

	/* An idle connection and garbage must not stop it serving others. */
	idle = tcp_connect("127.0.0.1", port);
	ok(idle != -1, "an idle connection is accepted");
	send_garbage(port);
	send_garbage(port);
	is_int(http(&f, "GET", challenge_url("127.0.0.1", port, TOKEN_A)), 200,
	    "after garbage and with an idle connection open: still 200");
	is_str(f.body, KEYAUTH_A, "and the right body");

	for (i = 0; i < N_BAD; i++) {
		struct solver_challenge bad = { "example.com", bad_tokens[i], KEYAUTH_A, NULL, NULL, NULL };

		err_clear(&e);
		if (s->ops->present(s, &bad, &e) != -1 || e.msg[0] == '\0')
			break;
	}
	ok(i == N_BAD, "bad tokens (../etc/passwd, 'a b', $(id), ...) are refused by present");
	ok(strstr(e.msg, "base64url") != NULL, "with a message naming the problem");
	{
		struct solver_challenge mismatch = { "example.com", TOKEN_A, KEYAUTH_B, NULL, NULL, NULL };

		ok(s->ops->present(s, &mismatch, &e) == -1,
		    "a key authorization for another token is refused");
	}

	ok(s->ops->cleanup(s, &a, &e) == 0, "cleanup A");
	is_int(http(&f, "GET", challenge_url("127.0.0.1", port, TOKEN_A)), 404,
	    "after cleanup A: 404");
	is_int(http(&f, "GET", challenge_url("127.0.0.1", port, TOKEN_B)), 200,
	    "B still served");
	ok(s->ops->cleanup(s, &a, &e) == 0, "cleaning up twice is harmless");
	six = solver_http01_port(NULL);
	is_int(six, -1, "solver_http01_port(NULL) is -1");
	/* One client cannot take every slot: 200 idle connections, 128 at most held. */
	held = held_connections(port, 200, 128 - (idle != -1));
	ok(held >= 0 && held <= 128, "one address holds at most 128 connections");
	diag("held %d of 200", held);
	if (idle != -1)
		close(idle);
	tap_guard(60, "solver_free (http-01)");
	solver_free(s);
	tap_unguard();
	is_int(http(&f, "GET", challenge_url("127.0.0.1", port, TOKEN_B)), 0,
	    "after free nothing listens");
	ok_returns(solver_free(NULL), "solver_free(NULL) returns (a no-op)");

	/* IPv6 loopback, when this host has it. */
	{
		int fd = socket(AF_INET6, SOCK_STREAM, 0);
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		int have6 = fd != -1 && bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;

		if (fd != -1)
			close(fd);
		if (!have6) {
			ok(1, "standalone on [::1] # SKIP no IPv6 loopback");
		} else if (solver_http01_standalone_new("[::1]", 0, &s, &e) == 0) {
			char u6[512];

			s->ops->present(s, &a, &e);
			snprintf(u6, sizeof(u6), "http://[::1]:%d/.well-known/acme-challenge/%s",
			    solver_http01_port(s), TOKEN_A);
			is_int(http(&f, "GET", u6), 200, "standalone on [::1] serves the token");
			solver_free(s);
		} else {
			ok(0, "standalone on [::1] starts");
			diag("%s", e.msg);
		}
	}
	ok(solver_http01_standalone_new("example.com", 0, &s, &e) == -1,
	    "a host name as listen address is refused");
}

/* ---- http-01 webroot --------------------------------------------------- */

static void
test_webroot(void)
{
	char www[256], wk[300], dir[400], file[500], path[500];
	struct solver *s = NULL;
	struct err e;
	struct solver_challenge a = { "example.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	struct solver_challenge b = { "example.com", TOKEN_B, KEYAUTH_B, NULL, NULL, NULL };
	struct stat st;
	char *body;
	mode_t old;
	size_t i;

	snprintf(www, sizeof(www), "%s/www", tmproot);
	snprintf(wk, sizeof(wk), "%s/.well-known", www);
	snprintf(dir, sizeof(dir), "%s/acme-challenge", wk);
	snprintf(file, sizeof(file), "%s/%s", dir, TOKEN_A);
	err_clear(&e);

	ok(solver_http01_webroot_new(www, &s, &e) == -1 && s == NULL,
	    "a webroot that does not exist is refused");
	diag("%s", e.msg);
	mkdir(www, 0755);
	snprintf(path, sizeof(path), "%s/plainfile", tmproot);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	ok(solver_http01_webroot_new(path, &s, &e) == -1, "a webroot that is a file is refused");
	ok(solver_http01_webroot_new(www, &s, &e) == 0, "webroot solver on an existing directory");
	if (s == NULL)
		return;

	for (i = 0; i < N_BAD; i++) {
		struct solver_challenge bad = { "example.com", bad_tokens[i], KEYAUTH_A, NULL, NULL, NULL };

		if (s->ops->present(s, &bad, &e) != -1)
			break;
	}
	ok(i == N_BAD, "bad tokens are refused");
	ok(stat(wk, &st) == -1, "refusing them created no directory");
	is_int(count_entries(tmproot), 2, "and nothing outside the webroot (only www and plainfile)");
	snprintf(path, sizeof(path), "%s/etc", tmproot);
	ok(stat(path, &st) == -1, "no etc/ next to the webroot");

	/* A restrictive umask must not leave the web server unable to read. */
	old = umask(077);
	ok(s->ops->present(s, &a, &e) == 0, "present A (umask 077)");
	ok(s->ops->present(s, &b, &e) == 0, "present B");
	umask(old);
	ok(stat(file, &st) == 0 && S_ISREG(st.st_mode), "the challenge file exists");
	is_int(st.st_mode & 07777, 0644, "with mode 0644");
	body = read_file(file);
	is_str(body, KEYAUTH_A, "and exactly the key authorization");
	free(body);
	ok(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0755, "acme-challenge/ made 0755");
	ok(stat(wk, &st) == 0 && (st.st_mode & 07777) == 0755, ".well-known/ made 0755");
	is_int(count_entries(dir), 2, "two files, no temporary file left behind");

	ok(s->ops->cleanup(s, &a, &e) == 0, "cleanup A");
	ok(stat(file, &st) == -1 && errno == ENOENT, "A's file is gone");
	ok(stat(dir, &st) == 0, "the directory stays while B is there");
	ok(s->ops->cleanup(s, &b, &e) == 0, "cleanup B");
	ok(stat(wk, &st) == -1, "the directories we made are removed when empty");
	is_int(count_entries(www), 0, "the webroot is as it was");
	ok(s->ops->cleanup(s, &b, &e) == 0, "cleaning up twice is harmless");

	/* Directories that were there before are left alone. */
	mkdir(wk, 0755);
	snprintf(path, sizeof(path), "%s/other-file", wk);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	ok(s->ops->present(s, &a, &e) == 0 && s->ops->cleanup(s, &a, &e) == 0,
	    "present and cleanup with an existing .well-known");
	ok(stat(wk, &st) == 0 && stat(path, &st) == 0, "the existing .well-known and its file stay");
	ok(stat(dir, &st) == -1, "the acme-challenge/ we made is gone");
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/keep", dir);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	ok(s->ops->present(s, &a, &e) == 0 && s->ops->cleanup(s, &a, &e) == 0,
	    "present and cleanup with an existing acme-challenge/");
	ok(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700 && stat(path, &st) == 0,
	    "the existing acme-challenge/ keeps its mode and content");

	/* A .well-known that is a symbolic link is not followed. */
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof(path), "%s/other-file", wk);
	unlink(path);
	rmdir(wk);
	snprintf(path, sizeof(path), "%s/elsewhere", tmproot);
	mkdir(path, 0755);
	ok(symlink(path, wk) == 0, "a symbolic link .well-known -> elsewhere/");
	err_clear(&e);
	ok(s->ops->present(s, &a, &e) == -1, "present through it fails");
	ok(strstr(e.msg, "symbolic link") != NULL && strstr(e.msg, ".well-known") != NULL,
	    "... saying .well-known is a symbolic link");
	diag("%s", e.msg);
	is_int(count_entries(path), 0, "... and nothing was written where it points");
	unlink(wk);
	rmdir(path);

	/* A directory on the way that others may write is refused. */
	mkdir(wk, 0755);
	mkdir(dir, 0755);
	chmod(dir, 0777);
	err_clear(&e);
	ok(s->ops->present(s, &a, &e) == -1 && strstr(e.msg, "writable by other users") != NULL,
	    "a world-writable acme-challenge/ is refused");
	diag("%s", e.msg);
	is_int(count_entries(dir), 0, "... with nothing written in it");
	rmdir(dir);
	rmdir(wk);
	solver_free(s);
}

/* ---- dns-01 hook ------------------------------------------------------- */

static char hook[4096], hooklog[600];

static int
log_has(const char *line)
{
	char *log = read_file(hooklog), *p;
	size_t n = strlen(line);
	int found = 0;

	for (p = log; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && memcmp(p, line, n) == 0) {
			found = 1;
			break;
		}
		p += len + (nl != NULL);
	}
	free(log);
	return found;
}

static int
process_gone(pid_t pid)
{
	char path[64], *stat;
	int gone;

	int i;

	/* A killed process takes a moment to exit on a loaded machine: poll up to 3 s. */
	for (i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		stat = read_file(path);
		/* Absent, or a zombie nobody has reaped yet. */
		gone = stat == NULL || strstr(stat, ") Z ") != NULL;
		free(stat);
		if (gone)
			return 1;
		usleep(10000);
	}
	return 0;
}

static void
test_dns_hook(void)
{
	struct solver *s = NULL;
	struct err e;
	struct solver_challenge wild = { "*.example.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	struct solver_challenge plain = { "example.com.", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	char *pidtxt, path[700];
	long long t0, took;
	size_t i;

	snprintf(hook, sizeof(hook), "%s/tests/hooks/record-hook.sh",
	    getenv("top_srcdir") ? getenv("top_srcdir") : ".");
	snprintf(hooklog, sizeof(hooklog), "%s/hook.log", tmproot);
	setenv("CERTDECK_RECORD_HOOK_LOG", hooklog, 1);
	setenv("RECORD_HOOK_INHERITED", "yes", 1);
	setenv("CERTDECK_DOMAIN", "stale-value", 1);
	unsetenv("CERTDECK_RECORD_HOOK_MODE");
	err_clear(&e);

	ok(solver_dns01_hook_new(hook, NULL, 0, &s, &e) == 0, "dns-01 hook solver");
	if (s == NULL) {
		diag("%s", e.msg);
		return;
	}
	is_str(s->ops->type, "dns-01", "its type is dns-01");
	ok(s->ops->present(s, &wild, &e) == 0, "present *.example.com runs the hook");
	if (e.msg[0])
		diag("%s", e.msg);
	ok(log_has("argc=3"), "the hook gets three arguments");
	ok(log_has("argv: add _acme-challenge.example.com. " VALUE_A),
	    "argv is exactly: add _acme-challenge.example.com. VALUE");
	ok(log_has("CERTDECK_DOMAIN=example.com"), "CERTDECK_DOMAIN without *. (and ours wins)");
	ok(!log_has("CERTDECK_DOMAIN=stale-value"), "the caller's stale CERTDECK_DOMAIN is not passed");
	ok(log_has("CERTDECK_RECORD=_acme-challenge.example.com."), "CERTDECK_RECORD");
	ok(log_has("CERTDECK_VALUE=" VALUE_A), "CERTDECK_VALUE is base64url(SHA-256(keyauth))");
	ok(log_has("CERTDECK_TOKEN=" TOKEN_A), "CERTDECK_TOKEN");
	ok(log_has("CERTDECK_ACTION=add"), "CERTDECK_ACTION=add");
	ok(log_has("INHERITED=(unset)"), "the rest of the environment is not passed");
	ok(log_has("stdin="), "stdin is empty (/dev/null)");
	unlink(hooklog);
	ok(s->ops->cleanup(s, &plain, &e) == 0, "cleanup of example.com. runs the hook");
	ok(log_has("argv: del _acme-challenge.example.com. " VALUE_A),
	    "argv is exactly: del _acme-challenge.example.com. VALUE (one trailing dot)");
	ok(log_has("CERTDECK_ACTION=del"), "CERTDECK_ACTION=del");
	unlink(hooklog);

	for (i = 0; i < N_BAD; i++) {
		struct solver_challenge bad = { "example.com", bad_tokens[i], KEYAUTH_A, NULL, NULL, NULL };

		if (s->ops->present(s, &bad, &e) != -1)
			break;
	}
	ok(i == N_BAD, "bad tokens are refused");
	{
		struct solver_challenge badid = { "example.com;id", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
		struct solver_challenge ip = { "192.0.2.1", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };

		struct solver_challenge dash = { "-rf.example.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
		struct solver_challenge dash2 = { "example-.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
		struct solver_challenge dots = { "example..com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };

		ok(s->ops->present(s, &badid, &e) == -1, "a malformed identifier is refused");
		ok(s->ops->present(s, &dash, &e) == -1 && s->ops->present(s, &dash2, &e) == -1,
		    "labels starting or ending with '-' are refused");
		ok(s->ops->present(s, &dots, &e) == -1, "an empty label is refused");
		ok(s->ops->present(s, &ip, &e) == -1, "an IP identifier is refused for dns-01");
	}
	ok(access(hooklog, F_OK) == -1, "and the hook never ran for them");

	setenv("CERTDECK_RECORD_HOOK_MODE", "fail", 1);
	err_clear(&e);
	ok(s->ops->present(s, &wild, &e) == -1, "a hook exiting 3 fails present");
	ok(strstr(e.msg, "exit status 3") != NULL, "the message has the exit status");
	ok(strstr(e.msg, "zone update refused") != NULL, "and the tail of the hook's output");
	ok(strstr(e.msg, "noise line 99") != NULL, "stdout and stderr both captured");
	ok(strstr(e.msg, "first line of output") == NULL, "only the last ~512 bytes");
	ok(strchr(e.msg, '\n') == NULL, "on one line");
	diag("%s", e.msg);

	setenv("CERTDECK_RECORD_HOOK_MODE", "hang", 1);
	ok(solver_dns01_set_hook_timeout(s, 1) == 0, "hook timeout set to 1 s");
	ok(solver_dns01_set_hook_timeout(s, 0) == -1, "a zero timeout is refused");
	t0 = now_ms();
	err_clear(&e);
	/* The hook waits 30 s for its child: a guard well past that. */
	tap_guard(120, "present with a hanging hook");
	ok(s->ops->present(s, &wild, &e) == -1, "a hanging hook fails present");
	tap_unguard();
	took = now_ms() - t0;
	diag("took %lld ms: %s", took, e.msg);
	ok(strstr(e.msg, "killed") != NULL, "the message says it was killed");
	snprintf(path, sizeof(path), "%s.pid", hooklog);
	pidtxt = read_file(path);
	ok(pidtxt != NULL && atoi(pidtxt) > 0 && process_gone(atoi(pidtxt)),
	    "the hook's own child was killed too (process group)");
	free(pidtxt);
	unsetenv("CERTDECK_RECORD_HOOK_MODE");
	solver_free(s);

	ok(solver_dns01_hook_new("/nonexistent/hook", NULL, 0, &s, &e) == 0,
	    "a solver with a missing program can be made");
	ok(s->ops->present(s, &wild, &e) == -1, "but present fails");
	diag("%s", e.msg);
	solver_free(s);
	ok(solver_dns01_set_hook_timeout(NULL, 5) == -1, "set_hook_timeout(NULL) is -1");
	ok(solver_dns01_hook_new(hook, "[::1", 5, &s, &e) == -1, "a malformed resolver is refused");
	ok(solver_dns01_hook_new(hook, "[::1]:5353, 127.0.0.1,::1", 5, &s, &e) == 0,
	    "resolvers as [v6]:port, bare IPv4 and bare IPv6 are accepted");
	solver_free(s);
}

/* ---- dns-01 propagation check ------------------------------------------ */

static pid_t challtestsrv = -1;

static int
mgmt_post(int port, const char *path, const char *json)
{
	char url[256];
	CURL *h = curl_easy_init();
	long status = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 2L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status == 200 ? 0 : -1;
}

static int
start_challtestsrv(int dns_port, int mgmt_port)
{
	char dns[64], mgmt[64];
	const char *args[] = { "pebble-challtestsrv", "-defaultIPv4", "127.0.0.1",
		"-defaultIPv6", "", "-dns01", dns, "-management", mgmt, "-http01", "",
		"-https01", "", "-tlsalpn01", "", NULL };
	char *argv[sizeof(args) / sizeof(args[0])];
	posix_spawn_file_actions_t fa;
	long long deadline;
	int rc;

	snprintf(dns, sizeof(dns), "127.0.0.1:%d", dns_port);
	snprintf(mgmt, sizeof(mgmt), "127.0.0.1:%d", mgmt_port);
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		argv[i] = (char *)args[i];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&challtestsrv, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		challtestsrv = -1;
		return -1;
	}
	for (deadline = now_ms() + 10000; now_ms() < deadline;) {
		if (mgmt_post(mgmt_port, "/clear-txt", "{\"host\":\"nothing.test.\"}") == 0)
			return 0;
		poll(NULL, 0, 50);
	}
	return -1;
}

static void
test_dns_propagation(void)
{
	struct solver *s = NULL;
	struct err e;
	struct solver_challenge c = { "prop.example.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	struct solver_challenge late = { "late.example.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	struct solver_challenge missing = { "missing.example.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	int dns_port = free_port(1), mgmt_port = free_port(0), dead_port = free_port(1);
	char mgmt[64], resolvers[128];
	long long t0, took;

	if (start_challtestsrv(dns_port, mgmt_port) == -1) {
		ok(1, "propagation check # SKIP pebble-challtestsrv did not start");
		return;
	}
	snprintf(mgmt, sizeof(mgmt), "127.0.0.1:%d", mgmt_port);
	setenv("CERTDECK_RECORD_HOOK_MGMT", mgmt, 1);
	setenv("CERTDECK_RECORD_HOOK_MODE", "dns", 1);
	snprintf(resolvers, sizeof(resolvers), "127.0.0.1:%d", dns_port);
	err_clear(&e);
	ok(solver_dns01_hook_new(hook, resolvers, 5, &s, &e) == 0,
	    "hook solver with a resolver");
	if (s == NULL)
		return;
	t0 = now_ms();
	ok(s->ops->present(s, &c, &e) == 0,
	    "present: the hook sets the TXT record and the check sees it");
	took = now_ms() - t0;
	if (e.msg[0])
		diag("%s", e.msg);
	diag("took %lld ms", took);
	ok(s->ops->cleanup(s, &c, &e) == 0, "cleanup clears it");

	setenv("CERTDECK_RECORD_HOOK_MODE", "dns-late", 1);
	t0 = now_ms();
	ok(s->ops->present(s, &late, &e) == 0,
	    "a record that appears 300 ms after the hook is waited for");
	took = now_ms() - t0;
	diag("took %lld ms", took);
	solver_free(s);

	/* The hook succeeds but sets nothing. */
	unsetenv("CERTDECK_RECORD_HOOK_MODE");
	ok(solver_dns01_hook_new(hook, resolvers, 1, &s, &e) == 0, "a 1 s propagation timeout");
	t0 = now_ms();
	err_clear(&e);
	ok(s->ops->present(s, &missing, &e) == -1, "a record that never appears fails");
	took = now_ms() - t0;
	ok(strstr(e.msg, "_acme-challenge.missing.example.com.") != NULL &&
	    strstr(e.msg, resolvers) != NULL, "naming the record and the resolver");
	ok(e.retryable, "as retryable");
	diag("took %lld ms: %s", took, e.msg);
	solver_free(s);

	/* One resolver sees it, the other never answers. */
	setenv("CERTDECK_RECORD_HOOK_MODE", "dns", 1);
	snprintf(resolvers, sizeof(resolvers), "127.0.0.1:%d, 127.0.0.1:%d", dns_port,
	    dead_port);
	ok(solver_dns01_hook_new(hook, resolvers, 1, &s, &e) == 0, "two resolvers");
	ok(s->ops->present(s, &c, &e) == -1, "the value must be seen at all of them");
	{
		char dead[64];

		snprintf(dead, sizeof(dead), "127.0.0.1:%d", dead_port);
		ok(strstr(e.msg, dead) != NULL, "the message names the silent one");
		snprintf(dead, sizeof(dead), "127.0.0.1:%d,", dns_port);
		ok(strstr(e.msg, dead) == NULL, "and not the one that answered");
	}
	diag("%s", e.msg);
	s->ops->cleanup(s, &c, &e);
	solver_free(s);
	unsetenv("CERTDECK_RECORD_HOOK_MODE");
}

/* ---- tls-alpn-01 ------------------------------------------------------- */

struct handshake {
	char alpn[64];
	X509 *cert;
	int ok;
};

/* One TLS handshake; alpn is a wire-format protocol list or NULL. */
static void
tls_connect(int port, const char *sni, const unsigned char *alpn, size_t alpn_len,
    struct handshake *h)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	int fd = tcp_connect("127.0.0.1", port);
	const unsigned char *sel = NULL;
	unsigned int sel_len = 0;

	memset(h, 0, sizeof(*h));
	if (ctx == NULL || fd == -1)
		goto out;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (sni != NULL)
		SSL_set_tlsext_host_name(ssl, sni);
	if (alpn != NULL)
		SSL_set_alpn_protos(ssl, alpn, (unsigned int)alpn_len);
	if (SSL_connect(ssl) != 1)
		goto out;
	h->ok = 1;
	SSL_get0_alpn_selected(ssl, &sel, &sel_len);
	if (sel_len < sizeof(h->alpn)) {
		memcpy(h->alpn, sel, sel_len);
		h->alpn[sel_len] = '\0';
	}
	h->cert = SSL_get1_peer_certificate(ssl);
	SSL_shutdown(ssl);
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd != -1)
		close(fd);
}

static const unsigned char ACME_ALPN[] = "\x0a" "acme-tls/1";
static const unsigned char OFFER_BOTH[] = "\x08" "http/1.1" "\x0a" "acme-tls/1";
static const unsigned char HTTP_ALPN[] = "\x08" "http/1.1";

/* The certificate's one SAN entry, as text ("DNS:x" or "IP:hex"). */
static void
san_text(X509 *cert, char *out, size_t size)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);

	snprintf(out, size, "(none)");
	if (gens != NULL && sk_GENERAL_NAME_num(gens) == 1) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, 0);

		if (gn->type == GEN_DNS) {
			snprintf(out, size, "DNS:%.*s", ASN1_STRING_length(gn->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(gn->d.dNSName));
		} else if (gn->type == GEN_IPADD) {
			const unsigned char *p = ASN1_STRING_get0_data(gn->d.iPAddress);
			int n = ASN1_STRING_length(gn->d.iPAddress), i;
			size_t o = (size_t)snprintf(out, size, "IP:");

			for (i = 0; i < n && o + 3 < size; i++)
				o += (size_t)snprintf(out + o, size - o, "%02x", p[i]);
		}
	} else if (gens != NULL) {
		snprintf(out, size, "(%d entries)", sk_GENERAL_NAME_num(gens));
	}
	GENERAL_NAMES_free(gens);
}

/* Checks the acmeIdentifier extension against SHA-256(keyauth). */
static void
check_acme_ext(X509 *cert, const char *keyauth, const char *what)
{
	ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
	int idx = cert ? X509_get_ext_by_OBJ(cert, obj, -1) : -1;
	X509_EXTENSION *ext = idx >= 0 ? X509_get_ext(cert, idx) : NULL;
	unsigned char want[34] = { 0x04, 0x20 };
	unsigned int n;
	char msg[256];

	EVP_Digest(keyauth, strlen(keyauth), want + 2, &n, EVP_sha256(), NULL);
	snprintf(msg, sizeof(msg), "%s: acmeIdentifier extension present", what);
	ok(ext != NULL, msg);
	snprintf(msg, sizeof(msg), "%s: acmeIdentifier is critical", what);
	ok(ext != NULL && X509_EXTENSION_get_critical(ext) == 1, msg);
	snprintf(msg, sizeof(msg), "%s: its value is OCTET STRING(SHA-256(key authorization))",
	    what);
	if (ext != NULL) {
		ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(ext);

		ok(ASN1_STRING_length(d) == 34 &&
		    memcmp(ASN1_STRING_get0_data(d), want, 34) == 0, msg);
	} else {
		ok(0, msg);
	}
	ASN1_OBJECT_free(obj);
}

struct par {
	int port;
	int ok;
};

static void *
par_run(void *arg)
{
	struct par *p = arg;
	struct handshake h;

	tls_connect(p->port, "example.com", ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	p->ok = h.ok && strcmp(h.alpn, "acme-tls/1") == 0;
	X509_free(h.cert);
	return NULL;
}

static void
test_alpn(void)
{
	struct solver *s = NULL;
	struct err e;
	struct solver_challenge dns = { "Example.COM", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	struct solver_challenge ip4 = { "127.0.0.1", TOKEN_B, KEYAUTH_B, NULL, NULL, NULL };
	struct solver_challenge ip6 = { "2001:db8::1", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	struct solver_challenge wild = { "*.example.com", TOKEN_A, KEYAUTH_A, NULL, NULL, NULL };
	struct handshake h;
	char san[128];
	int port, idle, i, good;
	struct par par[8];
	pthread_t th[8];

	err_clear(&e);
	ok(solver_alpn_new("127.0.0.1", 0, &s, &e) == 0, "tls-alpn-01 responder on port 0");
	if (s == NULL) {
		diag("%s", e.msg);
		return;
	}
	is_str(s->ops->type, "tls-alpn-01", "its type is tls-alpn-01");
	port = solver_alpn_port(s);
	ok(port > 0, "solver_alpn_port gives the chosen port");
	is_int(solver_alpn_port(NULL), -1, "solver_alpn_port(NULL) is -1");

	tls_connect(port, "example.com", ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	ok(!h.ok, "nothing presented: the handshake fails");
	ok(s->ops->present(s, &dns, &e) == 0, "present Example.COM");
	ok(s->ops->present(s, &ip4, &e) == 0, "present 127.0.0.1");
	ok(s->ops->present(s, &ip6, &e) == 0, "present 2001:db8::1");
	ok(s->ops->present(s, &wild, &e) == -1, "a wildcard identifier is refused");
	for (i = 0; i < (int)N_BAD; i++) {
		struct solver_challenge bad = { "example.com", bad_tokens[i], KEYAUTH_A, NULL, NULL, NULL };

		if (s->ops->present(s, &bad, &e) != -1)
			break;
	}
	ok(i == (int)N_BAD, "bad tokens are refused");

	tls_connect(port, "example.com", OFFER_BOTH, sizeof(OFFER_BOTH) - 1, &h);
	ok(h.ok, "handshake with SNI example.com and ALPN acme-tls/1");
	is_str(h.alpn, "acme-tls/1", "acme-tls/1 is negotiated");
	san_text(h.cert, san, sizeof(san));
	is_str(san, "DNS:example.com", "the SAN is exactly dNSName example.com");
	ok(h.cert != NULL && X509_verify(h.cert, X509_get0_pubkey(h.cert)) == 1,
	    "the certificate is self-signed");
	ok(h.cert != NULL && EVP_PKEY_is_a(X509_get0_pubkey(h.cert), "EC") &&
	    EVP_PKEY_get_bits(X509_get0_pubkey(h.cert)) == 256, "with a P-256 key");
	check_acme_ext(h.cert, KEYAUTH_A, "example.com");
	X509_free(h.cert);

	tls_connect(port, "EXAMPLE.com.", ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	ok(h.ok, "SNI matches case-insensitively, with a trailing dot");
	X509_free(h.cert);

	tls_connect(port, "1.0.0.127.in-addr.arpa", ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	ok(h.ok, "IPv4 identifier: SNI 1.0.0.127.in-addr.arpa (RFC 8738)");
	san_text(h.cert, san, sizeof(san));
	is_str(san, "IP:7f000001", "the SAN is iPAddress 127.0.0.1");
	check_acme_ext(h.cert, KEYAUTH_B, "127.0.0.1");
	X509_free(h.cert);

	tls_connect(port, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	    ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	ok(h.ok, "IPv6 identifier: SNI in ip6.arpa");
	san_text(h.cert, san, sizeof(san));
	is_str(san, "IP:20010db8000000000000000000000001", "the SAN is iPAddress 2001:db8::1");
	X509_free(h.cert);

	tls_connect(port, "example.com", NULL, 0, &h);
	ok(!h.ok, "no ALPN: the handshake fails");
	X509_free(h.cert);
	tls_connect(port, "example.com", HTTP_ALPN, sizeof(HTTP_ALPN) - 1, &h);
	ok(!h.ok, "ALPN http/1.1 only: the handshake fails");
	X509_free(h.cert);
	tls_connect(port, "other.example.com", ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	ok(!h.ok, "unknown SNI: the handshake fails");
	X509_free(h.cert);
	tls_connect(port, NULL, ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	ok(!h.ok, "no SNI: the handshake fails");
	X509_free(h.cert);

	/* Garbage and an idle connection must not block the others. */
	idle = tcp_connect("127.0.0.1", port);
	send_garbage(port);
	for (i = 0; i < 8; i++) {
		par[i].port = port;
		pthread_create(&th[i], NULL, par_run, &par[i]);
	}
	for (good = 0, i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		good += par[i].ok;
	}
	is_int(good, 8, "eight concurrent handshakes (with an idle connection open) succeed");

	ok(s->ops->cleanup(s, &dns, &e) == 0, "cleanup example.com");
	tls_connect(port, "example.com", ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	ok(!h.ok, "after cleanup the handshake fails");
	X509_free(h.cert);
	tls_connect(port, "1.0.0.127.in-addr.arpa", ACME_ALPN, sizeof(ACME_ALPN) - 1, &h);
	ok(h.ok, "the other identifiers are still served");
	X509_free(h.cert);

	/* A thread per connection, but not without end: 200 idle ones, 128 at most held. */
	i = held_connections(port, 200, 127);
	ok(i >= 0 && i <= 128, "tls-alpn-01: one address holds at most 128 connections");
	diag("held %d of 200", i);

	tap_guard(60, "solver_free with an idle connection open (tls-alpn-01)");
	solver_free(s);
	tap_unguard();
	if (idle != -1)
		close(idle);
	ok(tcp_connect("127.0.0.1", port) == -1, "after free nothing listens");
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_standalone();
	test_webroot();
	test_dns_hook();
	test_dns_propagation();
	test_alpn();
	if (challtestsrv > 0) {
		kill(challtestsrv, SIGTERM);
		waitpid(challtestsrv, NULL, 0);
	}
	curl_global_cleanup();
	rm_rf(tmproot);
	return done_testing();
}
