/*
 * The mail channel's message (src/notify_mail.c) from hostile events:
 * headers that stay headers whatever a CA or a certificate put in a name
 * or an error, folding and RFC 2047 words within the line limit, a 7-bit
 * quoted-printable body that decodes back; the channel checks; and
 * subproc_run_input, which hands the message to sendmail.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "notify_mail.h"
#include "subproc.h"
#include "tap.h"

#define NOW 1800000000LL

/* The header block of msg (up to the empty line), or NULL. */
/* The channel struct holds the store's strings (char *); the literals here are only read. */
#define S(lit) ((char *)(lit))

static char *
headers_of(const char *msg, const char *eol)
{
	char blank[8];
	const char *end;

	snprintf(blank, sizeof(blank), "%s%s", eol, eol);
	if ((end = strstr(msg, blank)) == NULL)
		return NULL;
	return strndup(msg, (size_t)(end - msg) + strlen(eol));
}

/* Whether every line of the block starts a known header or continues one. */
static int
headers_clean(const char *h, const char *eol)
{
	static const char *const names[] = { "Date:", "From:", "To:", "Subject:",
	    "Message-ID:", "Auto-Submitted:", "X-Certdeck-Event:", "X-Certdeck-Condition:",
	    "MIME-Version:", "Content-Type:", "Content-Transfer-Encoding:" };
	const char *p = h, *nl;
	size_t i;

	for (; *p != '\0'; p = nl + strlen(eol)) {
		if ((nl = strstr(p, eol)) == NULL)
			return 0;
		if (memchr(p, '\r', (size_t)(nl - p)) != NULL || memchr(p, '\n',
		    (size_t)(nl - p)) != NULL)
			return 0;
		if (nl - p > 78)
			return 0;
		if (*p == ' ')
			continue;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strncmp(p, names[i], strlen(names[i])) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return 0;
	}
	return 1;
}

/* The number of header lines starting with name. */
static int
count_header(const char *h, const char *name)
{
	const char *p = h;
	int n = 0;

	if (strncmp(p, name, strlen(name)) == 0)
		n++;
	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncmp(p, name, strlen(name)) == 0)
			n++;
	}
	return n;
}

/* Decodes a quoted-printable body (LF line ends) into a new string. */
static char *
qp_decode(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (; out != NULL && *s != '\0'; s++) {
		if (*s == '=' && s[1] == '\n') {
			s++;
		} else if (*s == '=' && s[1] != '\0' && s[2] != '\0') {
			char hex[3] = { s[1], s[2], 0 };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	if (out != NULL)
		*o = '\0';
	return out;
}

static void
test_hostile(void)
{
	struct notify_channel c = { .id = 7, .type = S("mail"), .target = S("ops@example.test"),
	    .mail_from = S("certdeck@example.test"), .min_days = -1 };
	cJSON *ev = cJSON_CreateObject(), *names;
	char *msg = NULL, *h = NULL, *body, *plain = NULL;
	const char *p;
	size_t len = 0, col;
	int seven_bit = 1, short_lines = 1;
	struct err e;

	cJSON_AddStringToObject(ev, "event", "start");
	cJSON_AddStringToObject(ev, "condition", "job-failed");
	cJSON_AddStringToObject(ev, "severity", "critical");
	cJSON_AddNumberToObject(ev, "cert_id", 3);
	cJSON_AddNumberToObject(ev, "job_id", 9);
	names = cJSON_AddArrayToObject(ev, "names");
	cJSON_AddItemToArray(names, cJSON_CreateString("evil.test\r\nBcc: victim@example.test"));
	cJSON_AddItemToArray(names, cJSON_CreateString("b\xc3\xbc" "cher.example.test"));
	cJSON_AddStringToObject(ev, "not_after", "2027-01-15T10:00:00Z");
	cJSON_AddStringToObject(ev, "message", "renewal failed: the CA said\n\nTo: x@y.test");
	cJSON_AddStringToObject(ev, "last_error", "a very long error that goes on and on "
	    "and on, well past seventy-six characters, with \xc3\xbc and a lone\n.\nand "
	    "trailing space ");
	err_clear(&e);
	ok(notify_mail_compose(&c, ev, NOW, "\n", &msg, &len, &e) == 0 && msg != NULL,
	    "compose: a message");
	if (msg == NULL) {
		cJSON_Delete(ev);
		return;
	}
	is_int((long long)len, (long long)strlen(msg), "compose: len is the text's");
	h = headers_of(msg, "\n");
	ok(h != NULL, "compose: a header block and a body");
	ok(h != NULL && headers_clean(h, "\n"), "compose: every header line is certdeck's own "
	    "or a continuation, none over 78");
	ok(h != NULL && count_header(h, "Bcc:") == 0, "compose: the name's CR LF made no Bcc");
	ok(h != NULL && count_header(h, "To:") == 1, "compose: one To, the message's made none");
	ok(h != NULL && strstr(h, "b=C3=BCcher") == NULL && strstr(h, "evil.test") != NULL,
	    "compose: the Subject names the first certificate name");
	body = h != NULL ? msg + strlen(h) + 1 : msg;
	for (p = body, col = 0; *p != '\0'; p++) {
		seven_bit &= (unsigned char)*p < 0x80;
		col = *p == '\n' ? 0 : col + 1;
		short_lines &= col <= 76;
	}
	ok(seven_bit, "compose: the body is 7-bit");
	ok(short_lines, "compose: body lines of 76 characters at most");
	ok(strstr(body, "\n.") == NULL, "compose: no line starts with a dot");
	plain = qp_decode(body);
	ok(plain != NULL && strstr(plain, "b\xc3\xbc" "cher.example.test") != NULL,
	    "compose: the body decodes back to UTF-8");
	ok(plain != NULL && strstr(plain, "Last error:   a very long error") != NULL &&
	    strstr(plain, "a lone.and trailing space") != NULL,
	    "compose: the error on one line, its newlines gone");
	ok(plain != NULL && strstr(plain, "certdeck events --job 9") != NULL &&
	    strstr(plain, "certdeck renew --force 3") != NULL,
	    "compose: the commands to inspect and retry");
	free(msg);
	free(h);
	free(plain);
	msg = NULL;
	ok(notify_mail_compose(&c, ev, NOW, "\r\n", &msg, &len, &e) == 0, "compose: CRLF");
	for (p = msg != NULL ? strchr(msg, '\n') : NULL; p != NULL; p = strchr(p + 1, '\n'))
		if (p[-1] != '\r')
			break;
	ok(msg != NULL && p == NULL, "compose: with CRLF, every LF follows a CR");
	free(msg);
	cJSON_Delete(ev);

	/* A condition with no certificate: its (translated) message is the Subject. */
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "event", "start");
	cJSON_AddStringToObject(ev, "condition", "renew-stale");
	cJSON_AddStringToObject(ev, "severity", "warning");
	cJSON_AddStringToObject(ev, "message", "\xc2\xbb certdeck renew \xc2\xab wurde seit 40 "
	    "Stunden nicht ausgef\xc3\xbchrt: l\xc3\xa4uft sein Timer?\r\nBcc: x@y.test");
	msg = NULL;
	ok(notify_mail_compose(&c, ev, NOW, "\n", &msg, &len, &e) == 0, "compose: no certificate");
	h = msg != NULL ? headers_of(msg, "\n") : NULL;
	ok(h != NULL && strstr(h, "Subject: =?UTF-8?Q?") != NULL && strstr(h, "\n =?UTF-8?Q?"),
	    "compose: a non-ASCII Subject as RFC 2047 words, folded");
	/* A word may end anywhere between characters, never inside one. */
	ok(h != NULL && strstr(h, "=C3=BChrt") != NULL && strstr(h, "=C3?=") == NULL &&
	    strstr(h, "=C2?=") == NULL && strstr(h, "Q?=BC") == NULL && strstr(h, "Q?=BB") == NULL,
	    "compose: ... UTF-8 kept whole");
	ok(h != NULL && headers_clean(h, "\n") && count_header(h, "Bcc:") == 0,
	    "compose: ... and still no header of the message's");
	free(h);
	free(msg);
	cJSON_Delete(ev);
}

static void
test_check(const char *dir)
{
	struct notify_channel c;
	char pw[256];
	struct err e;
	int fd;

	snprintf(pw, sizeof(pw), "%s/pw", dir);
	fd = open(pw, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	ok(fd != -1 && write(fd, "s\n", 2) == 2, "check: a password file");
	if (fd != -1)
		close(fd);
#define RESET(addr) do { \
	memset(&c, 0, sizeof(c)); \
	c.type = S("mail"); \
	c.target = S(addr); \
	c.min_days = -1; \
	err_clear(&e); \
} while (0)
	RESET("ops@example.test");
	c.smtp = S("smtp://127.0.0.1:25");
	ok(notify_mail_check(&c, &e) == 0, "check: an address and an SMTP URL");
	RESET("Ops <ops@example.test>");
	ok(notify_mail_check(&c, &e) == -1 && e.kind == ERR_USAGE, "check: a display name "
	    "is refused");
	RESET("-oQ/tmp@example.test");
	ok(notify_mail_check(&c, &e) == -1, "check: an address like an option is refused");
	RESET("ops@example.test");
	c.smtp = S("smtps://u@127.0.0.1");
	ok(notify_mail_check(&c, &e) == -1, "check: user information in the URL is refused");
	RESET("ops@example.test");
	c.smtp = S("smtp://127.0.0.1:25");
	c.smtp_user = S("alice");
	c.password_file = strdup(pw);
	ok(notify_mail_check(&c, &e) == 0 && c.password_file[0] == '/',
	    "check: a 0600 password file, kept as an absolute path");
	free(c.password_file);
	ok(chmod(pw, 0640) == 0, "check: the file made group-readable");
	RESET("ops@example.test");
	c.smtp = S("smtp://127.0.0.1:25");
	c.smtp_user = S("alice");
	c.password_file = strdup(pw);
	ok(notify_mail_check(&c, &e) == -1 && strstr(e.msg, pw) != NULL &&
	    strstr(e.msg, "0640") != NULL, "check: refused, naming the file and its mode");
	free(c.password_file);
	unlink(pw);
#undef RESET
}

static void
test_input(void)
{
	const char *argv[] = { "/bin/cat", NULL };
	static char big[60000];
	struct subproc_result res;
	struct err e;

	err_clear(&e);
	ok(subproc_run_input(argv, NULL, "hello\n", 6, 10, &res, &e) == 0 && res.exited &&
	    res.status == 0, "input: cat ran");
	ok(res.len == 6 && memcmp(res.tail, "hello\n", 6) == 0, "input: it read what was given");
	memset(big, 'x', sizeof(big));
	ok(subproc_run_input(argv, NULL, big, sizeof(big), 10, &res, &e) == 0 && res.exited &&
	    res.status == 0 && res.cut && res.len == SUBPROC_TAIL_MAX,
	    "input: 60000 bytes pass (a pipe's worth)");
}

int
main(void)
{
	char dir[] = "/tmp/certdeck-mail.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	test_hostile();
	test_check(dir);
	test_input();
	rmdir(dir);
	return done_testing();
}
