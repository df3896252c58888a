#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "tsig_key.h"

#define KEY_FILE_MAX 16384	/* a key file is a few lines */
#define TOKEN_MAX 1024

void
tsig_key_clear(struct tsig_key *k)
{
	free(k->name);
	free(k->algorithm);
	if (k->secret != NULL)
		explicit_bzero(k->secret, strlen(k->secret));
	free(k->secret);
	k->name = k->algorithm = k->secret = NULL;
}

/* The tokens of named.conf syntax that a key statement uses. */
struct lexer {
	const char *p;
	char tok[TOKEN_MAX];
	int quoted;
};

/* Next token into l->tok: a word, a quoted string or one of { } ;. 0, 1 at the end, -1. */
static int
next_token(struct lexer *l)
{
	size_t n = 0;

	for (;;) {
		while (isspace((unsigned char)*l->p))
			l->p++;
		if (*l->p == '#' || (l->p[0] == '/' && l->p[1] == '/')) {
			while (*l->p != '\0' && *l->p != '\n')
				l->p++;
			continue;
		}
		if (l->p[0] == '/' && l->p[1] == '*') {
			const char *end = strstr(l->p + 2, "*/");

			if (end == NULL)
				return -1;
			l->p = end + 2;
			continue;
		}
		break;
	}
	l->quoted = 0;
	if (*l->p == '\0')
		return 1;
	if (*l->p == '{' || *l->p == '}' || *l->p == ';') {
		l->tok[0] = *l->p++;
		l->tok[1] = '\0';
		return 0;
	}
	if (*l->p == '"') {
		l->quoted = 1;
		l->p++;
		while (*l->p != '"') {
			if (*l->p == '\0' || n + 1 >= sizeof(l->tok))
				return -1;
			l->tok[n++] = *l->p++;
		}
		l->p++;
	} else {
		while (*l->p != '\0' && !isspace((unsigned char)*l->p) && strchr("{};\"", *l->p) == NULL) {
			if (n + 1 >= sizeof(l->tok))
				return -1;
			l->tok[n++] = *l->p++;
		}
	}
	l->tok[n] = '\0';
	return 0;
}

/* "name" → "name." */
static char *
fqdn(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	if (n == 0 || s[n - 1] != '.')
		p[n++] = '.';
	p[n] = '\0';
	return p;
}

static int
base64_ok(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '+' && *s != '/' && *s != '=')
			return 0;
	return n > 0 && n % 4 == 0;
}

/*
 * Knot's format (keymgr -t, knotc conf-export): a "key:" section of YAML
 * lines "- id: NAME", "algorithm: ALG", "secret: BASE64". Only the first
 * key counts. Returns 0 (fields set, maybe partly), or -1 out of memory.
 */
static int
parse_knot(const char *text, struct tsig_key *out)
{
	const char *p = text;
	int in_key = 0;

	while (*p != '\0') {
		const char *end = strchr(p, '\n'), *v;
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p), wl, vl;
		char **slot = NULL;

		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n >= 2 && p[0] == '-' && p[1] == ' ') {
			p += 2;
			n -= 2;
		}
		v = memchr(p, ':', n);
		if (n == 0 || *p == '#' || v == NULL)
			goto next;
		wl = (size_t)(v - p);
		v++;
		while (v < p + n && (*v == ' ' || *v == '\t'))
			v++;
		vl = (size_t)(p + n - v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\r' || v[vl - 1] == '\t'))
			vl--;
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v++;
			vl -= 2;
		}
		if (wl == 3 && strncmp(p, "key", 3) == 0 && vl == 0) {
			in_key = 1;
		} else if (in_key && wl == 2 && strncmp(p, "id", 2) == 0) {
			if (out->name != NULL)
				break;	/* the next key */
			slot = &out->name;
		} else if (in_key && wl == 9 && strncmp(p, "algorithm", 9) == 0) {
			slot = &out->algorithm;
		} else if (in_key && wl == 6 && strncmp(p, "secret", 6) == 0) {
			slot = &out->secret;
		}
		if (slot != NULL) {
			if (*slot != NULL) {
				explicit_bzero(*slot, strlen(*slot));
				free(*slot);
			}
			if ((*slot = malloc(vl + 2)) == NULL)
				return -1;
			memcpy(*slot, v, vl);
			(*slot)[vl] = '\0';
		}
next:
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

/* "name" → "name." in place (s has room: parse_knot allocates one more). */
static void
qualify(char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[n - 1] != '.') {
		s[n] = '.';
		s[n + 1] = '\0';
	}
}

int
tsig_key_parse(const char *text, const char *label, struct tsig_key *out, struct err *e)
{
	struct lexer l = { .p = text };
	int rc;

	memset(out, 0, sizeof(*out));
	if (next_token(&l) == 0 && !l.quoted && strcmp(l.tok, "key:") == 0) {
		explicit_bzero(l.tok, sizeof(l.tok));
		if (parse_knot(text, out) == -1) {
			tsig_key_clear(out);
			return err_nomem(e);
		}
		if (out->name == NULL || out->name[0] == '\0') {
			tsig_key_clear(out);
			goto bad;
		}
		qualify(out->name);
		if (out->algorithm != NULL) {
			qualify(out->algorithm);
			for (char *c = out->algorithm; *c != '\0'; c++)
				*c = (char)tolower((unsigned char)*c);
		}
		goto check;
	}
	l.p = text;
	if (next_token(&l) != 0 || l.quoted || strcmp(l.tok, "key") != 0 ||
	    next_token(&l) != 0 || l.tok[0] == '\0')
		goto bad;
	if ((out->name = fqdn(l.tok)) == NULL)
		goto oom;
	if (next_token(&l) != 0 || strcmp(l.tok, "{") != 0)
		goto bad;
	for (;;) {
		char what[16] = "";

		if (next_token(&l) != 0)
			goto bad;
		if (!l.quoted && strcmp(l.tok, "}") == 0)
			break;
		/* Only the statement names we know matter: longer ones are skipped. */
		if (strlen(l.tok) < sizeof(what))
			memcpy(what, l.tok, strlen(l.tok) + 1);
		else
			what[0] = '\0';
		if (next_token(&l) != 0)
			goto bad;
		if (strcasecmp(what, "algorithm") == 0) {
			free(out->algorithm);
			if ((out->algorithm = fqdn(l.tok)) == NULL)
				goto oom;
			for (char *c = out->algorithm; *c != '\0'; c++)
				*c = (char)tolower((unsigned char)*c);
		} else if (strcasecmp(what, "secret") == 0) {
			if (out->secret != NULL)
				explicit_bzero(out->secret, strlen(out->secret));
			free(out->secret);
			if ((out->secret = strdup(l.tok)) == NULL)
				goto oom;
		}
		/* Other statements (knot's "id:"-free format aside) are ignored. */
		if (next_token(&l) != 0 || strcmp(l.tok, ";") != 0)
			goto bad;
	}
	explicit_bzero(l.tok, sizeof(l.tok));
check:
	if (out->algorithm == NULL || out->secret == NULL) {
		rc = err_set(e, ERR_INPUT, _("TSIG key file %s: the key %s has no %s"), label,
		    out->name, out->algorithm == NULL ? "algorithm" : "secret");
		tsig_key_clear(out);
		return rc;
	}
	if (strcmp(out->algorithm, "hmac-sha256.") != 0 &&
	    strcmp(out->algorithm, "hmac-sha512.") != 0) {
		rc = err_set(e, ERR_INPUT, _("TSIG key file %s: algorithm %s is not supported "
		    "(use hmac-sha256 or hmac-sha512)"), label, out->algorithm);
		tsig_key_clear(out);
		return rc;
	}
	if (!base64_ok(out->secret)) {
		rc = err_set(e, ERR_INPUT, _("TSIG key file %s: the secret of %s is not base64"),
		    label, out->name);
		tsig_key_clear(out);
		return rc;
	}
	return 0;
oom:
	explicit_bzero(l.tok, sizeof(l.tok));
	tsig_key_clear(out);
	return err_nomem(e);
bad:
	explicit_bzero(l.tok, sizeof(l.tok));
	tsig_key_clear(out);
	return err_set(e, ERR_INPUT, _("TSIG key file %s: not a key statement "
	    "(key \"NAME\" { algorithm ALG; secret \"BASE64\"; };), as tsig-keygen writes, "
	    "nor a Knot key section (key: - id: NAME ...), as keymgr -t writes"), label);
}

int
tsig_key_load(const char *path, struct tsig_key *out, struct err *e)
{
	char *buf;
	struct stat sb;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return err_set(e, ERR_INPUT, _("cannot read the TSIG key file %s: %s"), path,
		    strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, ERR_INPUT, _("the TSIG key file %s is not a regular file"), path);
	}
	if ((sb.st_mode & 077) != 0) {
		close(fd);
		return err_set(e, ERR_INPUT, _("refusing the TSIG key file %s: other users "
		    "can read or change it (mode %04o); chmod 600 it"), path,
		    (unsigned)(sb.st_mode & 07777));
	}
	if ((buf = malloc(KEY_FILE_MAX + 1)) == NULL) {
		close(fd);
		return err_nomem(e);
	}
	while (len < KEY_FILE_MAX && (n = read(fd, buf + len, KEY_FILE_MAX - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = err_set(e, ERR_INPUT, _("cannot read the TSIG key file %s: %s"), path,
			    strerror(errno));
			close(fd);
			explicit_bzero(buf, len);
			free(buf);
			return rc;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	rc = tsig_key_parse(buf, path, out, e);
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}
