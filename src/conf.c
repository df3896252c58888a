#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca_preset.h"
#include "conf.h"
#include "crypto.h"
#include "fileio.h"
#include "i18n.h"

#define CONF_MAX (1024 * 1024)

enum conf_type {
	T_SERVER,	/* preset, [ca NAME] or http(s) URL */
	T_PATH,		/* absolute path */
	T_EMAIL,
	T_ID,		/* positive integer */
	T_KEY_TYPE,
	T_CHALLENGE,
	T_DNS_PROVIDER,
	T_INT,		/* lo..hi */
	T_TEXT,		/* one line, no control characters */
};

static const struct {
	const char *name;
	const char *env;
	enum conf_type type;
	int per_name;	/* a [names] section may set it */
	long lo, hi;
} keys[CONF_KEY_COUNT] = {
	[CONF_SERVER] = { "server", "CERTDECK_SERVER", T_SERVER, 0, 0, 0 },
	[CONF_CA_BUNDLE] = { "ca-bundle", "CERTDECK_CA_BUNDLE", T_PATH, 0, 0, 0 },
	[CONF_EMAIL] = { "email", "CERTDECK_EMAIL", T_EMAIL, 0, 0, 0 },
	[CONF_ACCOUNT] = { "account", "CERTDECK_ACCOUNT", T_ID, 1, 0, 0 },
	[CONF_KEY_TYPE] = { "key-type", "CERTDECK_KEY_TYPE", T_KEY_TYPE, 1, 0, 0 },
	[CONF_CHALLENGE] = { "challenge", "CERTDECK_CHALLENGE", T_CHALLENGE, 1, 0, 0 },
	[CONF_HTTP_PORT] = { "http-port", "CERTDECK_HTTP_PORT", T_INT, 1, 0, 65535 },
	[CONF_HTTP_ADDR] = { "http-addr", "CERTDECK_HTTP_ADDR", T_TEXT, 1, 0, 0 },
	[CONF_WEBROOT] = { "webroot", "CERTDECK_WEBROOT", T_PATH, 1, 0, 0 },
	[CONF_DNS_HOOK] = { "dns-hook", "CERTDECK_DNS_HOOK", T_PATH, 1, 0, 0 },
	[CONF_DNS_RESOLVER] = { "dns-resolver", "CERTDECK_DNS_RESOLVER", T_TEXT, 1, 0, 0 },
	[CONF_DNS_TIMEOUT] = { "dns-timeout", "CERTDECK_DNS_TIMEOUT", T_INT, 1, 1, 65535 },
	[CONF_DNS] = { "dns", "CERTDECK_DNS", T_DNS_PROVIDER, 1, 0, 0 },
	[CONF_DNS_SERVER] = { "dns-server", "CERTDECK_DNS_SERVER", T_TEXT, 1, 0, 0 },
	[CONF_TSIG_KEY_FILE] = { "tsig-key-file", "CERTDECK_TSIG_KEY_FILE", T_PATH, 1, 0, 0 },
	[CONF_DNS_ZONE] = { "dns-zone", "CERTDECK_DNS_ZONE", T_TEXT, 1, 0, 0 },
	[CONF_CHALLENGE_ALIAS] = { "challenge-alias", "CERTDECK_CHALLENGE_ALIAS", T_TEXT, 1, 0,
	    0 },
	[CONF_PDNS_URL] = { "pdns-url", "CERTDECK_PDNS_URL", T_TEXT, 1, 0, 0 },
	[CONF_PDNS_API_KEY_FILE] = { "pdns-api-key-file", "CERTDECK_PDNS_API_KEY_FILE", T_PATH,
	    1, 0, 0 },
	[CONF_PDNS_SERVER_ID] = { "pdns-server-id", "CERTDECK_PDNS_SERVER_ID", T_TEXT, 1, 0,
	    0 },
	[CONF_TLS_PORT] = { "tls-port", "CERTDECK_TLS_PORT", T_INT, 1, 0, 65535 },
	[CONF_TLS_ADDR] = { "tls-addr", "CERTDECK_TLS_ADDR", T_TEXT, 1, 0, 0 },
	[CONF_PROFILE] = { "profile", "CERTDECK_PROFILE", T_TEXT, 1, 0, 0 },
	[CONF_PREFERRED_CHAIN] = { "preferred-chain", "CERTDECK_PREFERRED_CHAIN", T_TEXT, 1,
	    0, 0 },
	[CONF_RENEW_BEFORE] = { "renew-before", "CERTDECK_RENEW_BEFORE", T_INT, 0, 1, 365 },
	[CONF_WORKERS] = { "workers", "CERTDECK_WORKERS", T_INT, 0, 1, 64 },
};

const char *
conf_key_name(enum conf_key k)
{
	return k < CONF_KEY_COUNT ? keys[k].name : "?";
}

const char *
conf_key_env(enum conf_key k)
{
	return k < CONF_KEY_COUNT ? keys[k].env : "?";
}

int
conf_key_per_name(enum conf_key k)
{
	return k < CONF_KEY_COUNT && keys[k].per_name;
}

/* The key called name, or CONF_KEY_COUNT. */
static enum conf_key
key_find(const char *name)
{
	int k;

	for (k = 0; k < CONF_KEY_COUNT; k++) {
		if (strcmp(keys[k].name, name) == 0)
			return (enum conf_key)k;
	}
	return CONF_KEY_COUNT;
}

/*
 * 1 when a key by this name would hold a secret itself: an HMAC key, a
 * password, a TSIG or API secret. "...-file" keys name a file instead.
 */
static int
secret_key(const char *name)
{
	size_t n = strlen(name);

	if (n > 5 && strcmp(name + n - 5, "-file") == 0)
		return 0;
	return strstr(name, "hmac") != NULL || strstr(name, "secret") != NULL ||
	    strstr(name, "password") != NULL || strstr(name, "token") != NULL ||
	    strcmp(name, "tsig-key") == 0 || strcmp(name, "api-key") == 0;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

static int
check_url(const char *v, struct err *e)
{
	if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) ||
	    strchr(v, ' ') != NULL || has_control(v))
		return err_set(e, ERR_INPUT, _("'%s' is not an http:// or https:// URL"), v);
	return 0;
}

static int
check_path(const char *v, struct err *e)
{
	if (v[0] != '/' || has_control(v))
		return err_set(e, ERR_INPUT, _("'%s' is not an absolute path"), v);
	return 0;
}

int
conf_value_check(const struct conf *c, enum conf_key k, const char *v, struct err *e)
{
	enum key_type kt;
	char *end;
	long n;

	if (k >= CONF_KEY_COUNT)
		return err_set(e, ERR_INPUT, "%s", _("no such setting"));
	if (v[0] == '\0')
		return err_set(e, ERR_INPUT, "%s", _("the value is empty"));
	if (has_control(v))
		return err_set(e, ERR_INPUT, "%s", _("the value holds a control character"));
	switch (keys[k].type) {
	case T_SERVER:
		if (conf_ca_find(c, v) != NULL && conf_ca_find(c, v)->directory == NULL)
			return err_set(e, ERR_INPUT, _("[ca %s] has no ACME directory (it is for "
			    "enroll --scep or --est)"), v);
		if (ca_preset_find(v) != NULL || conf_ca_find(c, v) != NULL)
			return 0;
		if (strstr(v, "://") == NULL)
			return err_set(e, ERR_INPUT, _("'%s' is neither a CA preset ('certdeck ca "
			    "list'), a [ca] section nor a URL"), v);
		return check_url(v, e);
	case T_PATH:
		return check_path(v, e);
	case T_EMAIL: {
		const char *at = strchr(v, '@');

		if (at == NULL || at == v || strchr(at + 1, '@') != NULL ||
		    strchr(at + 1, '.') == NULL || strpbrk(v, " \t()<>,;:\\\"[]") != NULL)
			return err_set(e, ERR_INPUT, _("'%s' is not an e-mail address"), v);
		return 0;
	}
	case T_ID:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0' || n <= 0 || !isdigit((unsigned char)v[0]))
			return err_set(e, ERR_INPUT, _("'%s' is not an account ID"), v);
		return 0;
	case T_KEY_TYPE:
		if (crypto_key_type_parse(v, &kt, e) != 0)
			return err_set(e, ERR_INPUT, _("'%s' is not a key type (ec256, ec384, "
			    "rsa2048, rsa3072, rsa4096)"), v);
		return 0;
	case T_CHALLENGE:
		if (strcmp(v, "http-01") != 0 && strcmp(v, "dns-01") != 0 &&
		    strcmp(v, "tls-alpn-01") != 0)
			return err_set(e, ERR_INPUT, _("'%s' is not a challenge type (http-01, "
			    "dns-01, tls-alpn-01)"), v);
		return 0;
	case T_DNS_PROVIDER:
		if (strcmp(v, "hook") != 0 && strcmp(v, "rfc2136") != 0 && strcmp(v, "pdns") != 0)
			return err_set(e, ERR_INPUT, _("'%s' is not a DNS provider (rfc2136, pdns, "
			    "hook)"), v);
		return 0;
	case T_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0' || !isdigit((unsigned char)v[0]) ||
		    n < keys[k].lo || n > keys[k].hi)
			return err_set(e, ERR_INPUT, _("'%s' is not a whole number from %ld to %ld"),
			    v, keys[k].lo, keys[k].hi);
		return 0;
	case T_TEXT:
		return 0;
	}
	return 0;
}

const struct conf_ca *
conf_ca_find(const struct conf *c, const char *name)
{
	size_t i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->n_cas; i++) {
		if (strcmp(c->cas[i].name, name) == 0)
			return &c->cas[i];
	}
	return NULL;
}

const struct conf_names *
conf_names_match(const struct conf *c, const char *const *names, size_t n)
{
	size_t i, j, p;

	if (c == NULL || n == 0)
		return NULL;
	for (i = 0; i < c->n_names; i++) {
		const struct conf_names *s = &c->names[i];

		for (j = 0; j < n; j++) {
			for (p = 0; p < s->n_patterns; p++) {
				if (fnmatch(s->patterns[p], names[j], FNM_CASEFOLD) == 0)
					break;
			}
			if (p == s->n_patterns)
				break;	/* names[j] matches no pattern */
		}
		if (j == n)
			return s;
	}
	return NULL;
}

/* The parser's state: where it is, for messages. */
enum section { SEC_DEFAULTS, SEC_CA, SEC_NAMES, SEC_NOTIFY };

struct parser {
	const char *path;
	int line;
	struct conf *c;
	enum section sec;
	struct err *e;
};

/* Fails with "PATH:LINE: what" (what already translated). Returns -1. */
static int
fail_at(struct parser *p, const char *key, const struct err *why)
{
	if (key != NULL)
		return err_set(p->e, ERR_INPUT, "%s:%d: %s: %s", p->path, p->line, key, why->msg);
	return err_set(p->e, ERR_INPUT, "%s:%d: %s", p->path, p->line, why->msg);
}

/* fail_at with a fresh message. Returns -1. */
static int
fail_msg(struct parser *p, const char *key, const char *msg)
{
	struct err why;

	err_clear(&why);
	err_set(&why, ERR_INPUT, "%s", msg);
	return fail_at(p, key, &why);
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Starts the section a "[...]" line names (inner is what is between the brackets). */
static int
section_start(struct parser *p, char *inner)
{
	struct conf *c = p->c;
	char *word = trim(inner), *rest, *tok, *save = NULL;

	rest = word + strcspn(word, " \t");
	if (*rest != '\0')
		*rest++ = '\0';
	rest = trim(rest);
	if (strcmp(word, "defaults") == 0 && *rest == '\0') {
		p->sec = SEC_DEFAULTS;
		return 0;
	}
	if (strcmp(word, "ca") == 0) {
		struct conf_ca *grown;
		size_t i;

		if (*rest == '\0' || strpbrk(rest, " \t") != NULL)
			return fail_msg(p, NULL, _("a [ca NAME] section takes one name"));
		if (ca_preset_find(rest) != NULL || conf_ca_find(c, rest) != NULL)
			return fail_msg(p, NULL, ca_preset_find(rest) != NULL ?
			    _("this CA name is a built-in preset; choose another") :
			    _("this [ca] section was already given"));
		for (i = 0; rest[i] != '\0'; i++) {
			if (!isalnum((unsigned char)rest[i]) && rest[i] != '-' && rest[i] != '_' &&
			    rest[i] != '.')
				return fail_msg(p, NULL, _("a CA name is letters, digits, '-', '_' "
				    "and '.'"));
		}
		grown = realloc(c->cas, (c->n_cas + 1) * sizeof(*grown));
		if (grown == NULL)
			return err_nomem(p->e);
		c->cas = grown;
		memset(&c->cas[c->n_cas], 0, sizeof(c->cas[0]));
		if ((c->cas[c->n_cas].name = strdup(rest)) == NULL)
			return err_nomem(p->e);
		c->cas[c->n_cas].line = p->line;
		c->n_cas++;
		p->sec = SEC_CA;
		return 0;
	}
	if (strcmp(word, "names") == 0) {
		struct conf_names *grown, *s;

		if (*rest == '\0')
			return fail_msg(p, NULL, _("a [names PATTERN...] section needs a pattern"));
		grown = realloc(c->names, (c->n_names + 1) * sizeof(*grown));
		if (grown == NULL)
			return err_nomem(p->e);
		c->names = grown;
		s = &c->names[c->n_names++];
		memset(s, 0, sizeof(*s));
		s->section_line = p->line;
		for (tok = strtok_r(rest, " \t", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t", &save)) {
			char **pg = realloc(s->patterns, (s->n_patterns + 1) * sizeof(*pg));

			if (pg == NULL)
				return err_nomem(p->e);
			s->patterns = pg;
			if ((s->patterns[s->n_patterns] = strdup(tok)) == NULL)
				return err_nomem(p->e);
			s->n_patterns++;
		}
		p->sec = SEC_NAMES;
		return 0;
	}
	if (strcmp(word, "notify") == 0) {
		struct conf_notify *grown, *n;
		size_t i;

		if (*rest == '\0' || strpbrk(rest, " \t") != NULL)
			return fail_msg(p, NULL, _("a [notify NAME] section takes one name"));
		for (i = 0; rest[i] != '\0'; i++) {
			if (!isalnum((unsigned char)rest[i]) && rest[i] != '-' && rest[i] != '_' &&
			    rest[i] != '.')
				return fail_msg(p, NULL, _("a channel name is letters, digits, '-', "
				    "'_' and '.'"));
		}
		for (i = 0; i < c->n_notify; i++)
			if (strcmp(c->notify[i].name, rest) == 0)
				return fail_msg(p, NULL, _("this [notify] section was already given"));
		grown = realloc(c->notify, (c->n_notify + 1) * sizeof(*grown));
		if (grown == NULL)
			return err_nomem(p->e);
		c->notify = grown;
		n = &c->notify[c->n_notify++];
		memset(n, 0, sizeof(*n));
		n->min_days = -1;
		n->line = p->line;
		if ((n->name = strdup(rest)) == NULL)
			return err_nomem(p->e);
		p->sec = SEC_NOTIFY;
		return 0;
	}
	return fail_msg(p, NULL, _("unknown section (use [defaults], [ca NAME], "
	    "[names PATTERN...] or [notify NAME])"));
}

/* Stores a copy of v in *slot (with its line), refusing a repeat. */
static int
set_once(struct parser *p, const char *key, char **slot, int *line, const char *v)
{
	if (*slot != NULL)
		return fail_msg(p, key, _("given twice in this section"));
	if ((*slot = strdup(v)) == NULL)
		return err_nomem(p->e);
	if (line != NULL)
		*line = p->line;
	return 0;
}

/* 64 hex digits, in pairs that colons may separate. */
static int
fingerprint_ok(const char *v)
{
	int n = 0;

	for (; *v != '\0'; v++) {
		if (*v == ':' && n % 2 == 0 && n > 0 && v[1] != '\0')
			continue;
		if (!isxdigit((unsigned char)*v))
			return 0;
		n++;
	}
	return n == 64;
}

/* A key of a [ca NAME] section. */
static int
ca_key(struct parser *p, const char *key, const char *v)
{
	struct conf_ca *ca = &p->c->cas[p->c->n_cas - 1];
	struct err why;
	char **slot;

	err_clear(&why);
	if (strcmp(key, "directory") == 0)
		slot = &ca->directory;
	else if (strcmp(key, "ca-bundle") == 0)
		slot = &ca->ca_bundle;
	else if (strcmp(key, "eab-kid") == 0)
		slot = &ca->eab_kid;
	else if (strcmp(key, "eab-hmac-key-file") == 0)
		slot = &ca->eab_hmac_key_file;
	else if (strcmp(key, "scep") == 0)
		slot = &ca->scep;
	else if (strcmp(key, "est") == 0)
		slot = &ca->est;
	else if (strcmp(key, "ca-fingerprint") == 0)
		slot = &ca->ca_fingerprint;
	else if (strcmp(key, "challenge-file") == 0)
		slot = &ca->challenge_file;
	else if (strcmp(key, "est-user") == 0)
		slot = &ca->est_user;
	else if (strcmp(key, "est-password-file") == 0)
		slot = &ca->est_password_file;
	else if (strcmp(key, "est-label") == 0)
		slot = &ca->est_label;
	else
		return fail_msg(p, key, _("unknown key in a [ca] section (directory, "
		    "ca-bundle, eab-kid, eab-hmac-key-file, scep, est, ca-fingerprint, "
		    "challenge-file, est-user, est-password-file, est-label)"));
	if (v[0] == '\0' || has_control(v))
		return fail_msg(p, key, v[0] == '\0' ? _("the value is empty") :
		    _("the value holds a control character"));
	if (((slot == &ca->directory || slot == &ca->scep || slot == &ca->est) &&
	    check_url(v, &why) != 0) ||
	    ((slot == &ca->ca_bundle || slot == &ca->eab_hmac_key_file ||
	    slot == &ca->challenge_file || slot == &ca->est_password_file) &&
	    check_path(v, &why) != 0))
		return fail_at(p, key, &why);
	if (slot == &ca->ca_fingerprint && !fingerprint_ok(v))
		return fail_msg(p, key, _("a SHA-256 fingerprint is 64 hex digits (colons "
		    "allowed)"));
	return set_once(p, key, slot, NULL, v);
}

/*
 * A key of a [notify NAME] section. Only the form is checked here; what
 * the channel's own rules say (an executable hook, an https webhook, a
 * password file only its owner reads) notify_conf_check says, as `notify
 * add` would.
 */
static int
notify_key(struct parser *p, const char *key, const char *v)
{
	struct conf_notify *n = &p->c->notify[p->c->n_notify - 1];
	static const char *const types[] = { "hook", "webhook", "mail" };
	struct err why;
	char **slot = NULL, *end;
	size_t i;
	long days;

	err_clear(&why);
	if (v[0] == '\0' || has_control(v))
		return fail_msg(p, key, v[0] == '\0' ? _("the value is empty") :
		    _("the value holds a control character"));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(key, types[i]) != 0)
			continue;
		if (n->type != NULL)
			return fail_msg(p, key, _("a [notify] section is one channel: one of "
			    "hook, webhook or mail"));
		if ((n->type = strdup(types[i])) == NULL)
			return err_nomem(p->e);
		return set_once(p, key, &n->target, NULL, v);
	}
	if (strcmp(key, "min-days") == 0) {
		if (n->min_days >= 0)
			return fail_msg(p, key, _("given twice in this section"));
		days = strtol(v, &end, 10);
		if (*end != '\0' || days < 0 || days > 3650)
			return fail_msg(p, key, _("a number of days from 0 to 3650"));
		n->min_days = (int)days;
		return 0;
	}
	if (strcmp(key, "format") == 0)
		slot = &n->format;
	else if (strcmp(key, "ca-bundle") == 0)
		slot = &n->ca_bundle;
	else if (strcmp(key, "events") == 0)
		slot = &n->events;
	else if (strcmp(key, "from") == 0)
		slot = &n->mail_from;
	else if (strcmp(key, "smtp") == 0)
		slot = &n->smtp;
	else if (strcmp(key, "smtp-user") == 0)
		slot = &n->smtp_user;
	else if (strcmp(key, "smtp-password-file") == 0)
		slot = &n->password_file;
	else if (strcmp(key, "sendmail") == 0)
		slot = &n->sendmail;
	else
		return fail_msg(p, key, _("unknown key in a [notify] section (hook, webhook, "
		    "mail, format, ca-bundle, events, min-days, from, smtp, smtp-user, "
		    "smtp-password-file, sendmail)"));
	if ((slot == &n->ca_bundle || slot == &n->password_file || slot == &n->sendmail) &&
	    check_path(v, &why) != 0)
		return fail_at(p, key, &why);
	return set_once(p, key, slot, NULL, v);
}

/* One "key = value" line. */
static int
key_line(struct parser *p, char *line)
{
	char *eq = strchr(line, '='), *key, *v;
	enum conf_key k;
	struct err why;
	char **slot;
	int *lslot;

	if (eq == NULL)
		return fail_msg(p, NULL, _("expected 'key = value' or a [section]"));
	*eq = '\0';
	key = trim(line);
	v = trim(eq + 1);
	if (*key == '\0')
		return fail_msg(p, NULL, _("a key is missing before '='"));
	if (secret_key(key))
		return fail_msg(p, key, _("secrets do not go in the config file: write it "
		    "to a file only you can read and name that file with a '-file' key "
		    "(eab-hmac-key-file)"));
	if (p->sec == SEC_CA)
		return ca_key(p, key, v);
	if (p->sec == SEC_NOTIFY)
		return notify_key(p, key, v);
	k = key_find(key);
	if (k == CONF_KEY_COUNT)
		return fail_msg(p, key, _("unknown key"));
	if (p->sec == SEC_NAMES && !keys[k].per_name)
		return fail_msg(p, key, _("this key applies to every order, not per name: "
		    "put it in [defaults]"));
	err_clear(&why);
	/* A server naming a [ca] defined further down is checked at the end. */
	if (keys[k].type != T_SERVER && conf_value_check(p->c, k, v, &why) != 0)
		return fail_at(p, key, &why);
	if (p->sec == SEC_NAMES) {
		struct conf_names *s = &p->c->names[p->c->n_names - 1];

		slot = &s->value[k];
		lslot = &s->line[k];
	} else {
		slot = &p->c->value[k];
		lslot = &p->c->line[k];
	}
	return set_once(p, key, slot, lslot, v);
}

/* What can only be checked once every section is read. */
static int
finish(struct parser *p)
{
	struct conf *c = p->c;
	struct err why;
	size_t i;

	for (i = 0; i < c->n_cas; i++) {
		p->line = c->cas[i].line;
		if (c->cas[i].directory == NULL && c->cas[i].scep == NULL && c->cas[i].est == NULL)
			return fail_msg(p, "directory", _("a [ca] section needs a directory URL "
			    "(ACME), a scep or an est URL"));
		if (c->cas[i].directory == NULL && c->cas[i].eab_kid != NULL)
			return fail_msg(p, "eab-kid", _("eab-kid and eab-hmac-key-file are for an "
			    "ACME directory"));
		if ((c->cas[i].challenge_file != NULL && c->cas[i].scep == NULL) ||
		    ((c->cas[i].est_user != NULL || c->cas[i].est_password_file != NULL ||
		    c->cas[i].est_label != NULL) && c->cas[i].est == NULL))
			return fail_msg(p, c->cas[i].challenge_file != NULL && c->cas[i].scep == NULL ?
			    "challenge-file" : "est-user", _("this key needs the section's scep "
			    "(challenge-file) or est (est-*) URL"));
		if ((c->cas[i].est_user == NULL) != (c->cas[i].est_password_file == NULL))
			return fail_msg(p, c->cas[i].est_user == NULL ? "est-user" :
			    "est-password-file", _("est-user and est-password-file go together"));
		if ((c->cas[i].eab_kid == NULL) != (c->cas[i].eab_hmac_key_file == NULL))
			return fail_msg(p, c->cas[i].eab_kid == NULL ? "eab-kid" :
			    "eab-hmac-key-file", _("eab-kid and eab-hmac-key-file go together"));
	}
	for (i = 0; i < c->n_notify; i++) {
		p->line = c->notify[i].line;
		if (c->notify[i].type == NULL)
			return fail_msg(p, NULL, _("a [notify] section needs one of hook, webhook "
			    "or mail"));
	}
	if (c->value[CONF_SERVER] != NULL) {
		err_clear(&why);
		p->line = c->line[CONF_SERVER];
		if (conf_value_check(c, CONF_SERVER, c->value[CONF_SERVER], &why) != 0)
			return fail_at(p, "server", &why);
	}
	return 0;
}

int
conf_parse(const char *path, const char *text, struct conf **out, struct err *e)
{
	struct parser p = { .path = path != NULL ? path : "-", .sec = SEC_DEFAULTS, .e = e };
	char *copy, *line, *next;
	int rc = -1;

	*out = NULL;
	if ((p.c = calloc(1, sizeof(*p.c))) == NULL || (copy = strdup(text)) == NULL) {
		free(p.c);
		return err_nomem(e);
	}
	if (path != NULL && (p.c->path = strdup(path)) == NULL) {
		err_nomem(e);
		goto out;
	}
	for (line = copy; line != NULL; line = next) {
		char *s;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		p.line++;
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strrchr(s, ']');

			if (close == NULL || close[1] != '\0') {
				fail_msg(&p, NULL, _("a section line ends with ']'"));
				goto out;
			}
			*close = '\0';
			if (section_start(&p, s + 1) != 0)
				goto out;
			continue;
		}
		if (key_line(&p, s) != 0)
			goto out;
	}
	if (finish(&p) != 0)
		goto out;
	*out = p.c;
	p.c = NULL;
	rc = 0;
out:
	free(copy);
	conf_free(p.c);
	return rc;
}

int
conf_load(const char *path, int missing_ok, struct conf **out, struct err *e)
{
	struct stat sb;
	char *text = NULL;
	size_t len;
	int rc;

	*out = NULL;
	/* "--config /dev/null" is the usual way to say "no file". */
	if ((missing_ok && stat(path, &sb) != 0 && errno == ENOENT) ||
	    strcmp(path, "/dev/null") == 0) {
		if ((*out = calloc(1, sizeof(**out))) == NULL)
			return err_nomem(e);
		return 0;
	}
	if (fileio_read(path, CONF_MAX, &text, &len, e) != 0)
		return -1;
	if (strlen(text) != len) {
		free(text);
		return err_set(e, ERR_INPUT, _("%s: not a text file"), path);
	}
	rc = conf_parse(path, text, out, e);
	free(text);
	return rc;
}

void
conf_free(struct conf *c)
{
	size_t i, j;
	int k;

	if (c == NULL)
		return;
	free(c->path);
	for (k = 0; k < CONF_KEY_COUNT; k++)
		free(c->value[k]);
	for (i = 0; i < c->n_cas; i++) {
		free(c->cas[i].name);
		free(c->cas[i].directory);
		free(c->cas[i].ca_bundle);
		free(c->cas[i].eab_kid);
		free(c->cas[i].eab_hmac_key_file);
		free(c->cas[i].scep);
		free(c->cas[i].est);
		free(c->cas[i].ca_fingerprint);
		free(c->cas[i].challenge_file);
		free(c->cas[i].est_user);
		free(c->cas[i].est_password_file);
		free(c->cas[i].est_label);
	}
	free(c->cas);
	for (i = 0; i < c->n_names; i++) {
		for (j = 0; j < c->names[i].n_patterns; j++)
			free(c->names[i].patterns[j]);
		free(c->names[i].patterns);
		for (k = 0; k < CONF_KEY_COUNT; k++)
			free(c->names[i].value[k]);
	}
	free(c->names);
	for (i = 0; i < c->n_notify; i++) {
		struct conf_notify *n = &c->notify[i];

		free(n->name);
		free(n->type);
		free(n->target);
		free(n->format);
		free(n->ca_bundle);
		free(n->events);
		free(n->mail_from);
		free(n->smtp);
		free(n->smtp_user);
		free(n->password_file);
		free(n->sendmail);
	}
	free(c->notify);
	free(c);
}

/* a and b joined, freshly allocated, or NULL. */
static char *
join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s != NULL) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

char *
conf_default_path(void)
{
	const char *v;

	if ((v = getenv("CERTDECK_CONFIG")) != NULL && v[0] != '\0')
		return strdup(v);
	if (geteuid() == 0)
		return strdup("/etc/certdeck/config");
	/* The XDG spec says a relative XDG_CONFIG_HOME is invalid: ignore it. */
	if ((v = getenv("XDG_CONFIG_HOME")) != NULL && v[0] == '/')
		return join(v, "/certdeck/config");
	if ((v = getenv("HOME")) != NULL && v[0] != '\0')
		return join(v, "/.config/certdeck/config");
	return NULL;
}
