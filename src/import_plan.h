/*
 * Taking over another ACME client's certificates: what a reader of that
 * client's files (import_certbot.c, import_lego.c) found, as a plan, and
 * storing that plan in one transaction. The readers never touch the store
 * and never write the other client's files; import_plan_apply never reads
 * them.
 */
#ifndef CERTDECK_IMPORT_PLAN_H
#define CERTDECK_IMPORT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "err.h"
#include "issue.h"
#include "store.h"
#include "store_cert.h"
#include "store_deploy.h"

/* One certificate of a lineage: the current one or an older one from its history. */
struct import_version {
	int number;		/* certbot's archive number; 0 when the client keeps no history */
	char *label;		/* where it was read, relative to the client's directory */
	struct cert_row *row;
	char *key_pem;		/* PKCS#8 PEM, or NULL when the key was not found */
	char *key_type;		/* "ec256", ...; NULL with key_pem */
	int64_t id;		/* filled by import_plan_apply */
	int existed;		/* import_plan_apply found it stored already */
};

/* An ACME account of the other client, with its key and URL. */
struct import_account {
	char *ref;		/* the client's name for it: certbot's id, lego's e-mail */
	char *server_url;	/* the CA's directory URL */
	char *url;		/* the account URL (the JWS kid) */
	char *contacts_json;	/* JSON array of "mailto:" URIs, or NULL */
	char *key_pem;		/* PKCS#8 PEM */
	char *key_type;
	int64_t id;		/* filled by import_plan_apply */
	int existed;
};

/* One certificate name of the other client (certbot's lineage, lego's certificate). */
struct import_lineage {
	char *name;
	/* Where it came from: "certbot", "lego", "acme.sh" (the certificates.source value). */
	const char *source;
	struct import_version *versions;	/* oldest first; the last one is current */
	size_t n_versions;
	char *server_url;	/* the CA it renews at, or NULL */
	char *account_ref;	/* the account it renews with (import_account.ref), or NULL */
	struct issue_settings settings;	/* its renewal settings in certdeck's terms */
	char *profile;		/* the CA profile it was ordered with, or NULL */
	/*
	 * Where the client installed its files (acme.sh's --install-cert),
	 * as a deploy target --adopt adds; NULL when none or not safe.
	 */
	struct deploy_target *deploy;
	/* 1 when the settings were mapped completely: --adopt may take it over. */
	int mappable;
	char **notes;		/* translated lines: what was not mapped, and why */
	size_t n_notes;
	/* Filled by import_plan_apply. */
	int64_t account_id;	/* 0 when its account was not imported */
	int adopted;		/* 1: certdeck renews it now (an order of its own) */
	int64_t order_id;
};

struct import_plan {
	const char *source;	/* "certbot", ... */
	char *dir;		/* the client's directory as given */
	struct import_lineage *lineages;
	size_t n_lineages;
	struct import_account *accounts;
	size_t n_accounts;
	char **problems;	/* translated lines: what was found but could not be read */
	size_t n_problems;
};

/* What the user tells a reader that the client's files do not say. */
struct import_opts {
	const char *server_url;	/* the CA's directory URL (lego keeps only its host), or NULL */
};

/* A new empty plan for source and dir. Returns it (import_plan_free), or NULL. */
struct import_plan *import_plan_new(const char *source, const char *dir);

/* Frees a plan, wiping its keys. Accepts NULL. */
void import_plan_free(struct import_plan *p);

/* Appends a zeroed lineage named name. Returns it (owned by p), or NULL. */
struct import_lineage *import_plan_add_lineage(struct import_plan *p, const char *name);

/* Appends a zeroed account. Returns it (owned by p), or NULL. */
struct import_account *import_plan_add_account(struct import_plan *p);

/* Appends a zeroed version to l. Returns it (owned by l), or NULL. */
struct import_version *import_lineage_add_version(struct import_lineage *l);

/* Removes the last version of l (one that failed to load). */
void import_lineage_drop_version(struct import_lineage *l);

/* Removes the last lineage of p (one whose current certificate failed to load). */
void import_plan_drop_lineage(struct import_plan *p);

/* Adds a printf-style translated note to l (what was not mapped). Returns 0 or -1. */
int import_lineage_note(struct import_lineage *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds a printf-style translated problem line to p. Returns 0 or -1. */
int import_plan_problem(struct import_plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The account named ref in p, or NULL. Borrowed. */
struct import_account *import_plan_account(struct import_plan *p, const char *ref);

/*
 * Fills v from a certificate chain (leaf first) and optionally its key,
 * checking that the key belongs to the leaf. label names the files in
 * errors. Returns 0 or -1.
 */
int import_version_load(struct import_version *v, const char *label, const char *chain_pem,
    size_t chain_len, const char *key_pem, size_t key_len, const char *source,
    struct err *e);

/*
 * Reads the regular file at rel under root (a directory already resolved
 * with realpath) into *out (NUL-terminated, free()) and *len, after
 * resolving its symbolic links: a link that leads out of root, or to
 * anything but a regular file, or a file over max bytes, is refused.
 * Returns 0, 1 when the file does not exist (e untouched), or -1.
 */
int import_read_inside(const char *root, const char *rel, size_t max, char **out,
    size_t *len, struct err *e);

/* Wipes len bytes of s and frees it (key material). Accepts NULL. */
void import_wipe_free(char *s, size_t len);

/*
 * An account key in PEM at rel under root (read as import_read_inside
 * reads): its PEM as certdeck stores keys (*pem, free with
 * import_wipe_free) and its type. Returns 0, or -1 with e saying what is
 * wrong with the file (missing, unreadable, not a key), prefixed by rel.
 */
int import_account_key(const char *root, const char *rel, size_t max, char **pem,
    enum key_type *type, struct err *e);

/*
 * The names in directory rel under root (resolved like import_read_inside,
 * so never out of root), without "." and "..", sorted. Returns 0 and
 * *names (strv_free) and *n, 1 when it does not exist, or -1.
 */
int import_list_dir(const char *root, const char *rel, char ***names, size_t *n,
    struct err *e);

/*
 * Makes every lineage renew by http-01 the way the user says (--http-addr,
 * --http-port, --webroot; NULL/0 leave that part as read): for clients
 * that keep no challenge settings (lego), or to change them. Returns 0 or -1.
 */
int import_plan_set_http(struct import_plan *p, const char *addr, int port,
    const char *webroot);

/*
 * For a dry run: fills the ids and existed members from what st holds
 * already (and adopted for lineages adopted before), writing nothing.
 * Returns 0 or -1.
 */
int import_plan_check(struct store *st, struct import_plan *p, struct err *e);

/*
 * Stores the plan in one transaction: accounts (by URL, so nothing twice),
 * certificates (by fingerprint) with their keys, the history's
 * replaced-by links, and with adopt an order for each mappable lineage's
 * current certificate so that certdeck renews it. ca_bundle_pem (may be
 * NULL) is the trust for the CAs' HTTPS. Nothing of the other client's
 * files is touched. Fills the ids, existed and adopted members. Returns 0
 * or -1 (nothing stored).
 */
int import_plan_apply(struct store *st, struct import_plan *p, int adopt,
    const char *ca_bundle_pem, struct err *e);

#endif
