/*
 * The configuration file (certdeck.conf(5)): parsing and validation only.
 * An INI-like text: "[defaults]", "[ca NAME]" and "[names PATTERN...]"
 * sections of "key = value" lines; '#' or ';' starts a comment line.
 * Nothing here prints, and only conf_default_path reads the environment:
 * the program decides the precedence (flag > environment > file > built-in). Named conf.h, not
 * config.h: that name is autoconf's.
 */
#ifndef CERTDECK_CONF_H
#define CERTDECK_CONF_H

#include <stddef.h>

#include "err.h"

/* The settings a [defaults] section may hold (a [names] section, some of them). */
enum conf_key {
	CONF_SERVER,		/* a preset, a [ca NAME] or a directory URL */
	CONF_CA_BUNDLE,		/* trust for the CA's HTTPS (absolute path) */
	CONF_EMAIL,		/* account contact */
	CONF_ACCOUNT,		/* account ID */
	CONF_KEY_TYPE,
	CONF_CHALLENGE,
	CONF_HTTP_PORT,
	CONF_HTTP_ADDR,
	CONF_WEBROOT,
	CONF_DNS_HOOK,
	CONF_DNS_RESOLVER,
	CONF_DNS_TIMEOUT,
	CONF_DNS,		/* dns-01 provider: hook, rfc2136 or pdns */
	CONF_DNS_SERVER,	/* rfc2136: HOST[:PORT] */
	CONF_TSIG_KEY_FILE,	/* rfc2136: the key file (absolute path) */
	CONF_DNS_ZONE,		/* rfc2136: the zone, else found by SOA lookup */
	CONF_CHALLENGE_ALIAS,	/* rfc2136: records at _acme-challenge.ZONE */
	CONF_PDNS_URL,		/* pdns: the PowerDNS API's base URL */
	CONF_PDNS_API_KEY_FILE,	/* pdns: the API key file (absolute path) */
	CONF_PDNS_SERVER_ID,	/* pdns: the server id, else "localhost" */
	CONF_TLS_PORT,
	CONF_TLS_ADDR,
	CONF_PROFILE,
	CONF_PREFERRED_CHAIN,
	CONF_RENEW_BEFORE,	/* days: renew at the latest this long before expiry */
	CONF_WORKERS,
	CONF_KEY_COUNT
};

/* A [ca NAME] section. */
struct conf_ca {
	char *name;
	char *directory;	/* ACME directory URL, or NULL (an enterprise CA only) */
	char *ca_bundle;	/* absolute path, or NULL */
	char *eab_kid;		/* or NULL */
	char *eab_hmac_key_file; /* absolute path of the file holding the HMAC key, or NULL */
	/* Enterprise CAs (enroll --scep NAME / --est NAME); any may be NULL. */
	char *scep;		/* the SCEP URL */
	char *est;		/* the EST server's URL */
	char *ca_fingerprint;	/* SHA-256 of the CA certificate, as checked with its operator */
	char *challenge_file;	/* SCEP: the file holding the challenge password */
	char *est_user;		/* EST: the basic-auth user */
	char *est_password_file; /* EST: the file holding that user's password */
	char *est_label;	/* EST: the CA label */
	int line;		/* where the section starts */
};

/* A [names PATTERN...] section: defaults for orders whose names all match. */
struct conf_names {
	char **patterns;	/* shell patterns, e.g. "*.internal.example.org" */
	size_t n_patterns;
	char *value[CONF_KEY_COUNT]; /* NULL when not set */
	int line[CONF_KEY_COUNT];
	int section_line;
};

/*
 * A [notify NAME] section: a notification channel the file declares, as
 * `notify add` would make it (exactly one of hook, webhook, mail). The
 * store keeps its delivery record; certdeck adds, updates and removes the
 * store's copy to match the file (notify_conf_sync).
 */
struct conf_notify {
	char *name;
	char *type;		/* "hook", "webhook" or "mail" */
	char *target;		/* the program, the URL or the address */
	char *format;		/* webhook: json, slack, ntfy; or NULL */
	char *ca_bundle;	/* absolute path, or NULL */
	char *events;		/* comma-separated names, or NULL (all) */
	int min_days;		/* -1: not set */
	char *mail_from, *smtp, *smtp_user, *password_file, *sendmail;	/* mail, or NULL */
	int line;		/* where the section starts */
};

struct conf {
	char *path;		/* the file read, or NULL (no file) */
	char *value[CONF_KEY_COUNT]; /* [defaults]; NULL when not set */
	int line[CONF_KEY_COUNT];
	struct conf_ca *cas;
	size_t n_cas;
	struct conf_names *names;
	size_t n_names;
	struct conf_notify *notify;
	size_t n_notify;
};

/*
 * Parses text (the contents of path, which names it in errors). An unknown
 * section or key, a bad value, a repeated key or a secret written inline
 * (an HMAC key, a password) fails with ERR_INPUT and "PATH:LINE: KEY:
 * why". Returns 0 and *out (free with conf_free), or -1.
 */
int conf_parse(const char *path, const char *text, struct conf **out, struct err *e);

/*
 * Reads and parses path. A file that does not exist gives an empty
 * configuration (path NULL) when missing_ok, else an error; /dev/null
 * always gives an empty one. Returns 0 and
 * *out (free with conf_free), or -1.
 */
int conf_load(const char *path, int missing_ok, struct conf **out, struct err *e);

/* Frees c. Accepts NULL. */
void conf_free(struct conf *c);

/*
 * The file to read when no --config is given: $CERTDECK_CONFIG, else
 * /etc/certdeck/config for root, else $XDG_CONFIG_HOME/certdeck/config
 * or ~/.config/certdeck/config. Returns it (the caller frees), or NULL
 * when none can be named (no $HOME): no file then.
 */
char *conf_default_path(void);

/* The key's name in the file ("key-type"). Returns a static string. */
const char *conf_key_name(enum conf_key k);

/* The environment variable that sets k ("CERTDECK_KEY_TYPE"). Returns a static string. */
const char *conf_key_env(enum conf_key k);

/* 1 when a [names] section may set k, else 0. */
int conf_key_per_name(enum conf_key k);

/*
 * Checks value for k as the file, the environment and a flag must all
 * spell it (a server is checked against presets and c's [ca] names; c
 * may be NULL). Returns 0, or -1 with an ERR_INPUT message saying why
 * (without the key's name: the caller says where the value came from).
 */
int conf_value_check(const struct conf *c, enum conf_key k, const char *value,
    struct err *e);

/* The [ca NAME] section of c called name. Returns it (borrowed), or NULL. */
const struct conf_ca *conf_ca_find(const struct conf *c, const char *name);

/*
 * The first [names] section (in file order) one of whose patterns matches
 * every one of names (case-insensitively). Returns it (borrowed), or NULL.
 */
const struct conf_names *conf_names_match(const struct conf *c,
    const char *const *names, size_t n);

#endif
