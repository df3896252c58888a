#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expiry.h"
#include "http.h"
#include "i18n.h"
#include "notify_mail.h"
#include "safetext.h"
#include "subproc.h"
#include "timefmt.h"

#define SENDMAIL_TIMEOUT 60
#define PASSWORD_MAX 4096
/* RFC 5322 asks for lines of at most 78 characters; 76 leaves room. */
#define LINE_MAX_CHARS 76

/* A growing text buffer; oom sticks once memory ran out. */
struct mbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
mb_add(struct mbuf *b, const char *s, size_t n)
{
	char *grown;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((grown = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
mb_str(struct mbuf *b, const char *s)
{
	mb_add(b, s, strlen(s));
}

static void mb_printf(struct mbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
mb_printf(struct mbuf *b, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		mb_add(b, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* ---- checking a channel ------------------------------------------------- */

/*
 * A plain address: local@domain in printable ASCII with none of the
 * characters that would end a header, start a comment or list another
 * address, and no leading '-' (it could pass for an option).
 */
static int
address_ok(const char *a)
{
	static const char local_extra[] = ".!#$%&'*+/=?^_`{|}~-";
	const char *at = a != NULL ? strrchr(a, '@') : NULL, *p;

	if (at == NULL || at == a || at[1] == '\0' || a[0] == '-' || strlen(a) > 254)
		return 0;
	for (p = a; p < at; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr(local_extra, *p) != NULL))
			return 0;
	for (p = at + 1; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '[' ||
		    *p == ']' || *p == ':'))
			return 0;
	return 1;
}

/* smtp:// or smtps://, a host, no user information, nothing unprintable. */
static int
smtp_url_ok(const char *u)
{
	const char *p = strncmp(u, "smtp://", 7) == 0 ? u + 7 :
	    strncmp(u, "smtps://", 8) == 0 ? u + 8 : NULL;
	const char *q;

	if (p == NULL || *p == '\0' || *p == '/' || *p == ':')
		return 0;
	for (q = p; *q != '\0'; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return 0;
	q = strchr(p, '/');
	return memchr(p, '@', q != NULL ? (size_t)(q - p) : strlen(p)) == NULL;
}

/*
 * Opens the password file: a regular file (no link followed) that no
 * other user may read or write. Returns the descriptor, or -1 naming it.
 */
static int
password_open(const char *path, struct err *e)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

	if (fd == -1)
		return err_set(e, ERR_INPUT, _("cannot read the password file %s: %s"), path,
		    strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, ERR_INPUT, _("the password file %s is not a regular file"),
		    path);
	}
	if ((sb.st_mode & 077) != 0) {
		close(fd);
		return err_set(e, ERR_INPUT, _("refusing the password file %s: other users "
		    "can read or change it (mode %04o); chmod 600 it"), path,
		    (unsigned)(sb.st_mode & 07777));
	}
	return fd;
}

/* Reads the password (its first line). Returns 0 and *out (wipe, free()), or -1. */
static int
password_read(const char *path, char **out, struct err *e)
{
	char buf[PASSWORD_MAX + 1];
	size_t len = 0;
	ssize_t n;
	int fd;

	*out = NULL;
	if ((fd = password_open(path, e)) == -1)
		return -1;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_set(e, ERR_INPUT, _("cannot read the password file %s: %s"), path,
			    strerror(errno));
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
		err_set(e, ERR_INPUT, _("the password file %s is empty"), path);
	else if ((*out = strdup(buf)) == NULL)
		err_nomem(e);
	explicit_bzero(buf, sizeof(buf));
	return *out != NULL ? 0 : -1;
}

/* Replaces *path with its absolute form. Returns 0 or -1. */
static int
make_absolute(char **path, struct err *e)
{
	char *real = realpath(*path, NULL);

	if (real == NULL)
		return err_set(e, ERR_INPUT, _("cannot read %s: %s"), *path, strerror(errno));
	free(*path);
	*path = real;
	return 0;
}

int
notify_mail_check(struct notify_channel *c, struct err *e)
{
	char *prog = NULL;
	int fd;

	if (c->format != NULL)
		return err_set(e, ERR_USAGE, "%s", _("a mail channel takes no --format"));
	if (!address_ok(c->target))
		return err_set(e, ERR_USAGE, _("'%s' is not a plain mail address "
		    "(local@domain)"), c->target);
	if (c->mail_from != NULL && !address_ok(c->mail_from))
		return err_set(e, ERR_USAGE, _("--from: '%s' is not a plain mail address "
		    "(local@domain)"), c->mail_from);
	if ((c->smtp_user == NULL) != (c->password_file == NULL))
		return err_set(e, ERR_USAGE, "%s", _("--smtp-user and --smtp-password-file "
		    "go together"));
	if (c->smtp == NULL) {
		if (c->smtp_user != NULL || c->ca_bundle != NULL)
			return err_set(e, ERR_USAGE, "%s", _("--smtp-user, --smtp-password-file "
			    "and --ca-bundle need --smtp"));
		if (subproc_resolve(c->sendmail != NULL ? c->sendmail : NOTIFY_MAIL_SENDMAIL,
		    &prog, e) != 0)
			return -1;
		free(c->sendmail);
		c->sendmail = prog;
		return 0;
	}
	if (c->sendmail != NULL)
		return err_set(e, ERR_USAGE, "%s", _("--sendmail and --smtp exclude each other"));
	if (!smtp_url_ok(c->smtp))
		return err_set(e, ERR_USAGE, _("--smtp takes smtp://HOST[:PORT] (STARTTLS) or "
		    "smtps://HOST[:PORT], without a user name, not '%s'"), c->smtp);
	if (c->smtp_user != NULL && (strpbrk(c->smtp_user, "\r\n") != NULL ||
	    c->smtp_user[0] == '\0'))
		return err_set(e, ERR_USAGE, "%s", _("--smtp-user takes one line"));
	if (c->ca_bundle != NULL && access(c->ca_bundle, R_OK) != 0)
		return err_set(e, ERR_INPUT, _("cannot read %s"), c->ca_bundle);
	if (c->ca_bundle != NULL && make_absolute(&c->ca_bundle, e) != 0)
		return -1;
	if (c->password_file != NULL) {
		if ((fd = password_open(c->password_file, e)) == -1)
			return -1;
		close(fd);
		if (make_absolute(&c->password_file, e) != 0)
			return -1;
	}
	return 0;
}

/* ---- the message ------------------------------------------------------- */

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static long long
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* This machine's name, reduced to what a hostname may hold. */
static void
host_name(char *out, size_t n)
{
	char raw[256] = "";
	size_t i, k = 0;

	if (gethostname(raw, sizeof(raw) - 1) != 0)
		raw[0] = '\0';
	for (i = 0; raw[i] != '\0' && k + 1 < n; i++)
		if ((raw[i] >= 'A' && raw[i] <= 'Z') || (raw[i] >= 'a' && raw[i] <= 'z') ||
		    (raw[i] >= '0' && raw[i] <= '9') || raw[i] == '.' || raw[i] == '-')
			out[k++] = raw[i];
	out[k] = '\0';
	if (k == 0)
		snprintf(out, n, "localhost");
}

/*
 * One header. The value is sanitised first (safetext: no CR, LF or other
 * control character survives, so it cannot end the header), then folded
 * at spaces, or, holding anything but ASCII, written as RFC 2047 "Q"
 * encoded words of at most 75 characters each.
 */
static void
header(struct mbuf *b, const char *name, const char *value, const char *eol)
{
	static const char hex[] = "0123456789ABCDEF";
	char v[1024], word[80];
	size_t col = strlen(name) + 2, i, w;
	int ascii = 1;

	safetext_copy(v, sizeof(v), value);
	for (i = 0; v[i] != '\0'; i++)
		ascii &= (unsigned char)v[i] < 0x80;
	mb_str(b, name);
	mb_str(b, ":");
	if (ascii) {
		const char *p = v;
		int first = 1;

		while (*p != '\0') {
			/* A word with the spaces before it; a fold goes before those. */
			size_t sp = strspn(p, " "), tok = sp + strcspn(p + sp, " ");

			if (first) {
				mb_str(b, " ");
				mb_add(b, p + sp, tok - sp);
				col += tok - sp;
				first = 0;
			} else if (sp > 0 && col + tok > LINE_MAX_CHARS) {
				mb_str(b, eol);
				mb_add(b, p, tok);
				col = tok;
			} else {
				mb_add(b, p, tok);
				col += tok;
			}
			p += tok;
		}
		mb_str(b, eol);
		return;
	}
	for (i = 0; v[i] != '\0';) {
		w = (size_t)snprintf(word, sizeof(word), "=?UTF-8?Q?");
		/* One character at a time, never split: 62 leaves room for "?=". */
		while (v[i] != '\0') {
			unsigned char ch = (unsigned char)v[i];
			size_t clen = 1, k, need;

			if (ch >= 0xc0)
				while (((unsigned char)v[i + clen] & 0xc0) == 0x80)
					clen++;
			need = 0;
			for (k = 0; k < clen; k++) {
				unsigned char c = (unsigned char)v[i + k];

				need += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				    (c >= '0' && c <= '9') || c == ' ' ? 1 : 3;
			}
			if (w + need > 62)
				break;
			for (k = 0; k < clen; k++) {
				unsigned char c = (unsigned char)v[i + k];

				if (c == ' ') {
					word[w++] = '_';
				} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				    (c >= '0' && c <= '9')) {
					word[w++] = (char)c;
				} else {
					word[w++] = '=';
					word[w++] = hex[c >> 4];
					word[w++] = hex[c & 15];
				}
			}
			i += clen;
		}
		word[w++] = '?';
		word[w++] = '=';
		word[w] = '\0';
		mb_str(b, " ");
		mb_str(b, word);
		if (v[i] != '\0')
			mb_str(b, eol);
	}
	mb_str(b, eol);
}

/*
 * Appends text (lines separated by '\n') quoted-printable (RFC 2045):
 * 7-bit lines of at most 76 characters whatever a CA put in a name or an
 * error, and nothing a mail system rewrites.
 */
static void
quoted_printable(struct mbuf *b, const char *text, const char *eol)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p;
	size_t col = 0;

	for (p = text; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;
		char enc[4];
		size_t n;

		if (ch == '\n') {
			mb_str(b, eol);
			col = 0;
			continue;
		}
		/* Trailing white space would be stripped in transit; so would a lone dot. */
		if ((ch >= 33 && ch <= 126 && ch != '=' && !(ch == '.' && col == 0)) ||
		    ((ch == ' ' || ch == '\t') && p[1] != '\n' && p[1] != '\0')) {
			enc[0] = (char)ch;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[ch >> 4];
			enc[2] = hex[ch & 15];
			n = 3;
		}
		if (col + n > LINE_MAX_CHARS - 1) {
			mb_str(b, "=");
			mb_str(b, eol);
			col = 0;
		}
		mb_add(b, enc, n);
		col += n;
	}
	if (col > 0)
		mb_str(b, eol);
}

/* A body line "Label: value", value sanitised; nothing when value is empty. */
static void
field(struct mbuf *b, const char *label, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	mb_printf(b, "%-13s %s\n", label, safetext(value));
}

/* The names, comma-separated and sanitised, into out. */
static void
names_text(const cJSON *ev, char *out, size_t n)
{
	const cJSON *nm;
	size_t k = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(nm, cJSON_GetObjectItemCaseSensitive(ev, "names")) {
		if (!cJSON_IsString(nm) || k + 3 >= n)
			continue;
		if (k > 0)
			k += (size_t)snprintf(out + k, n - k, ", ");
		k += safetext_copy(out + k, n - k, nm->valuestring);
	}
}

/* What to type next, by condition. */
static void
commands(struct mbuf *b, const char *event, const char *cond, long long cert,
    long long job, long long channel)
{
	mb_printf(b, "\n%s\n", strcmp(event, "clear") == 0 ? _("To check:") :
	    _("What to do:"));
	if (strcmp(event, "test") == 0) {
		mb_printf(b, "  certdeck notify list\n");
	} else if (strcmp(cond, "job-failed") == 0 || strcmp(cond, "job-retrying") == 0) {
		if (job > 0)
			mb_printf(b, "  certdeck events --job %lld    %s\n", job,
			    _("# what the job did"));
		if (cert > 0)
			mb_printf(b, "  certdeck renew --force %lld   %s\n", cert,
			    _("# try the renewal again"));
	} else if (strcmp(cond, "renew-stale") == 0) {
		mb_printf(b, "  systemctl status certdeck-renew.timer\n");
		mb_printf(b, "  certdeck renew    %s\n", _("# run it by hand"));
	} else if (strcmp(cond, "channel-failing") == 0) {
		mb_printf(b, "  certdeck notify list\n");
		if (channel > 0)
			mb_printf(b, "  certdeck notify test %lld\n", channel);
	} else if (cert > 0) {
		mb_printf(b, "  certdeck show %lld\n", cert);
		if (strcmp(event, "clear") != 0)
			mb_printf(b, "  certdeck renew --force %lld   %s\n", cert,
			    _("# renew it now"));
	}
	mb_printf(b, "  certdeck status\n");
}

/* The subject: the condition and what it is about. */
static void
subject(const cJSON *ev, const char *names, char *out, size_t n)
{
	const char *event = str(ev, "event"), *cond = str(ev, "condition");
	const char *sev = strcmp(str(ev, "severity"), "critical") == 0 ? "CRITICAL" : "WARNING";
	char what[512], first[256];
	long long cert = num(ev, "cert_id");

	snprintf(first, sizeof(first), "%.*s", (int)strcspn(names, ","), names);
	if (cert > 0 && first[0] != '\0')
		snprintf(what, sizeof(what), "%s (#%lld)", first, cert);
	else
		snprintf(what, sizeof(what), "%s", str(ev, "message"));
	if (strcmp(event, "test") == 0)
		snprintf(out, n, "%s", _("[certdeck] test notice: this channel works"));
	else if (strcmp(event, "clear") == 0)
		snprintf(out, n, _("[certdeck] resolved %s: %s"), cond, what);
	else if (strcmp(event, "reminder") == 0)
		snprintf(out, n, _("[certdeck] still %s %s: %s"), sev, cond, what);
	else
		snprintf(out, n, "[certdeck] %s %s: %s", sev, cond, what);
}

int
notify_mail_compose(const struct notify_channel *c, const cJSON *ev, long long now,
    const char *eol, char **out, size_t *len, struct err *e)
{
	struct mbuf m = { 0 }, body = { 0 };
	const char *event = str(ev, "event"), *cond = str(ev, "condition");
	char host[256], from[300], t[64], names[1024], subj[1024], rnd[8], tmp[512];
	long long cert = num(ev, "cert_id"), job = num(ev, "job_id");
	long long channel = num(ev, "channel_id"), when;
	size_t i;

	*out = NULL;
	*len = 0;
	host_name(host, sizeof(host));
	if (c->mail_from != NULL)
		snprintf(from, sizeof(from), "%s", c->mail_from);
	else
		snprintf(from, sizeof(from), "certdeck@%s", host);
	names_text(ev, names, sizeof(names));
	subject(ev, names, subj, sizeof(subj));

	timefmt_rfc5322(now, t, sizeof(t));
	header(&m, "Date", t, eol);
	snprintf(tmp, sizeof(tmp), "certdeck <%s>", from);
	header(&m, "From", tmp, eol);
	header(&m, "To", c->target, eol);
	header(&m, "Subject", subj, eol);
	if (getentropy(rnd, sizeof(rnd)) != 0)
		memset(rnd, 0, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), "<%lld.", now);
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp), "%02x",
		    (unsigned char)rnd[i]);
	mb_printf(&m, "Message-ID: %s.certdeck@%s>%s", tmp, host, eol);
	/* RFC 3834: no vacation replies to a machine. */
	mb_printf(&m, "Auto-Submitted: auto-generated%s", eol);
	header(&m, "X-Certdeck-Event", event, eol);
	if (strcmp(event, "test") != 0)
		header(&m, "X-Certdeck-Condition", cond, eol);
	mb_printf(&m, "MIME-Version: 1.0%s", eol);
	mb_printf(&m, "Content-Type: text/plain; charset=UTF-8%s", eol);
	mb_printf(&m, "Content-Transfer-Encoding: quoted-printable%s%s", eol, eol);

	if (strcmp(event, "test") == 0)
		mb_printf(&body, "%s\n\n", _("certdeck test notice: this channel works."));
	else if (strcmp(event, "clear") == 0)
		mb_printf(&body, _("Resolved: %s\n\n"), safetext(str(ev, "message")));
	else if (strcmp(event, "reminder") == 0)
		mb_printf(&body, _("Still: %s\n\n"), safetext(str(ev, "message")));
	else
		mb_printf(&body, "%s\n\n", safetext(str(ev, "message")));
	if (strcmp(event, "test") != 0) {
		snprintf(tmp, sizeof(tmp), "%s (%s)", cond, str(ev, "severity"));
		field(&body, _("Condition:"), tmp);
		if (timefmt_parse_rfc3339(str(ev, "since"), &when) == 0) {
			timefmt_utc(when, 1, t, sizeof(t));
			field(&body, _("Since:"), t);
		}
	}
	if (cert > 0) {
		snprintf(tmp, sizeof(tmp), "#%lld ", cert);
		mb_printf(&body, "%-13s %s%s\n", _("Certificate:"), tmp, names);
	}
	if (timefmt_parse_rfc3339(str(ev, "not_after"), &when) == 0) {
		long long days = expiry_days_left(when, now);

		timefmt_utc(when, 1, t, sizeof(t));
		if (when <= now)
			snprintf(tmp, sizeof(tmp), _("%s (expired)"), t);
		else
			snprintf(tmp, sizeof(tmp), ngettext_("%s (in %lld day)",
			    "%s (in %lld days)", (unsigned long)days), t, days);
		field(&body, _("Expires:"), tmp);
	}
	if (job > 0) {
		snprintf(tmp, sizeof(tmp), "#%lld", job);
		field(&body, _("Job:"), tmp);
	}
	if (channel > 0) {
		snprintf(tmp, sizeof(tmp), "#%lld", channel);
		field(&body, _("Channel:"), tmp);
	}
	field(&body, _("Last error:"), str(ev, "last_error"));
	field(&body, _("Host:"), host);
	commands(&body, event, cond, cert, job, channel);
	mb_printf(&body, "\n-- \n");
	mb_printf(&body, _("certdeck %s on %s, notification channel #%lld\n"), VERSION, host,
	    (long long)c->id);
	if (!body.oom)
		quoted_printable(&m, body.p != NULL ? body.p : "", eol);
	free(body.p);
	if (m.oom || body.oom) {
		free(m.p);
		return err_nomem(e);
	}
	*out = m.p;
	*len = m.len;
	return 0;
}

/* ---- sending ------------------------------------------------------------ */

/* Through the local sendmail: recipients from the headers (-t), dots as text (-oi). */
static int
send_sendmail(const struct notify_channel *c, const char *msg, size_t len, char *result,
    size_t rn, struct err *e)
{
	const char *prog = c->sendmail != NULL ? c->sendmail : NOTIFY_MAIL_SENDMAIL;
	const char *argv[] = { prog, "-t", "-oi", NULL, NULL, NULL };
	struct subproc_result res;
	char line[512];

	if (c->mail_from != NULL) {
		argv[3] = "-f";
		argv[4] = c->mail_from;
	}
	if (subproc_run_input(argv, NULL, msg, len, SENDMAIL_TIMEOUT, &res, e) != 0) {
		e->retryable = 1;
		return -1;
	}
	if (res.exited && res.status == 0) {
		snprintf(result, rn, _("handed to %s"), prog);
		return 0;
	}
	subproc_tail_line(&res, 200, line, sizeof(line));
	if (res.timed_out)
		err_set(e, ERR_IO, _("%s ran longer than %d s"), prog, SENDMAIL_TIMEOUT);
	else if (res.exited)
		err_set(e, ERR_IO, _("%s exited %d: %s"), prog, res.status, line);
	else
		err_set(e, ERR_IO, _("%s was killed by signal %d"), prog, res.signal);
	e->retryable = 1;
	return -1;
}

/* To the smart host, logging in with the password read now (never kept). */
static int
send_smtp(const struct notify_channel *c, const char *msg, size_t len, char *result,
    size_t rn, struct err *e)
{
	struct http_mail m = { 0 };
	struct http *h = NULL;
	char host[256], from[300], *password = NULL;
	int rc = -1;

	host_name(host, sizeof(host));
	if (c->mail_from != NULL)
		snprintf(from, sizeof(from), "%s", c->mail_from);
	else
		snprintf(from, sizeof(from), "certdeck@%s", host);
	if (c->password_file != NULL && password_read(c->password_file, &password, e) != 0)
		return -1;
	if (http_new(c->ca_bundle, &h, e) != 0)
		goto out;
	m.url = c->smtp;
	m.from = from;
	m.to = c->target;
	m.user = c->smtp_user;
	m.password = password;
	m.message = msg;
	m.len = len;
	if (http_smtp_send(h, &m, e) != 0)
		goto out;
	snprintf(result, rn, _("accepted by %s"), c->smtp);
	rc = 0;
out:
	http_free(h);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return rc;
}

int
notify_mail_deliver(const struct notify_channel *c, const cJSON *ev, char *result,
    size_t rn, struct err *e)
{
	char *msg = NULL;
	size_t len = 0;
	int rc;

	/* sendmail takes local line ends; SMTP's DATA wants CRLF. */
	if (notify_mail_compose(c, ev, store_now(), c->smtp != NULL ? "\r\n" : "\n", &msg,
	    &len, e) != 0)
		return -1;
	rc = c->smtp != NULL ? send_smtp(c, msg, len, result, rn, e) :
	    send_sendmail(c, msg, len, result, rn, e);
	free(msg);
	return rc;
}
