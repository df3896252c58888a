/* Certificates in the store: insert, fetch, list by expiry. */
#ifndef CERTDECK_STORE_CERT_H
#define CERTDECK_STORE_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum cert_status {
	CERT_VALID,
	CERT_REVOKED,
	CERT_REPLACED,
	CERT_FAILED,
	CERT_STATUS_COUNT
};

/* "valid", "revoked", ...; stored as text. */
const char *store_cert_status_name(enum cert_status st);
int store_cert_status_parse(const char *name, enum cert_status *out);

/* What a certificate is for (from basicConstraints and extendedKeyUsage). */
enum cert_kind {
	CERT_KIND_SERVER,	/* the default: TLS server, or nothing says else */
	CERT_KIND_CLIENT,
	CERT_KIND_CODESIGN,
	CERT_KIND_EMAIL,	/* S/MIME */
	CERT_KIND_CA,
	CERT_KIND_COUNT
};

/* The CA/Browser Forum validation level its policies state, if any. */
enum cert_validation {
	CERT_VALIDATION_NONE,	/* no policy says (stored as NULL) */
	CERT_VALIDATION_DV,
	CERT_VALIDATION_OV,
	CERT_VALIDATION_EV,
	CERT_VALIDATION_IV,
	CERT_VALIDATION_COUNT
};

/* Where a certificate came from (the source column). */
enum cert_source {
	CERT_SOURCE_CERTDECK,	/* issued by certdeck */
	CERT_SOURCE_CERTBOT,
	CERT_SOURCE_ACMESH,
	CERT_SOURCE_LEGO,
	CERT_SOURCE_SCAN,	/* found by certdeck scan */
	CERT_SOURCE_IMPORT,	/* certdeck import FILE */
	CERT_SOURCE_PROBE,	/* served by an endpoint */
	CERT_SOURCE_SCEP,	/* enrolled over SCEP (SCEP_SOURCE) */
	CERT_SOURCE_EST,	/* enrolled over EST */
	CERT_SOURCE_COUNT
};

/* "server", "client", "codesign", "email", "ca"; "unknown" out of range. */
const char *store_cert_kind_name(enum cert_kind k);
/* Returns 0 and *out, or -1 for a word that is not a kind. */
int store_cert_kind_parse(const char *name, enum cert_kind *out);
/* "DV", "OV", "EV", "IV"; NULL for CERT_VALIDATION_NONE (and out of range). */
const char *store_cert_validation_name(enum cert_validation v);
/* Case-insensitive; returns 0 and *out, or -1. */
int store_cert_validation_parse(const char *name, enum cert_validation *out);
/* "certdeck", "certbot", "acme.sh", "lego", "scan", "import", "probe", "scep". */
const char *store_cert_source_name(enum cert_source s);
/* Returns 0 and *out, or -1 for a word that is not a source. */
int store_cert_source_parse(const char *name, enum cert_source *out);

struct cert_row {
	int64_t id;
	int64_t account_id;	/* 0 when imported without an account */
	int64_t key_id;		/* 0 when the key is not held */
	int64_t order_id;	/* 0 when not issued through an order */
	int64_t replaced_by;	/* 0 when current */
	char *name;		/* primary name: first SAN, else subject CN */
	char **sans;
	size_t n_sans;
	char *subject;
	char *issuer;
	char *issuer_cn;
	char *serial;		/* lower-case hex */
	long long not_before;	/* Unix seconds */
	long long not_after;
	char *key_type;
	char *fingerprint;	/* SHA-256 hex of the leaf */
	char *aki;		/* hex of the authority key identifier, or NULL */
	char *pem_chain;	/* leaf first */
	enum cert_status status;
	char *source;		/* a store_cert_source_name(); NULL for none */
	enum cert_kind kind;
	enum cert_validation validation;
	long long created;
	/* Read by store_cert_get/list; ignored by store_cert_insert. */
	long long renew_at;	/* when renewal becomes due, 0 if unknown */
	long long ari_start;	/* the CA's ARI window, 0 when none */
	long long ari_end;
	char *ari_explanation;	/* ARI explanationURL, or NULL */
	long long revoked_at;	/* 0 when not revoked */
	int revocation_reason;	/* RFC 5280 code, -1 when none */
};

/* Frees a row and its strings. Accepts NULL. */
void cert_row_free(struct cert_row *row);

/*
 * Inserts a certificate with its names. Fails with a clear message when a
 * certificate with the same fingerprint is already stored. Returns 0 and
 * *id_out, or -1.
 */
int store_cert_insert(struct store *st, const struct cert_row *row,
    int64_t *id_out, struct err *e);

/*
 * The same, for a caller that holds a transaction, has just found the
 * fingerprint absent in it, and rolls the whole transaction back when
 * this fails (a scan's batch): no savepoint of its own, which costs
 * more than the insert. Returns 0 and *id_out, or -1.
 */
int store_cert_insert_in(struct store *st, const struct cert_row *row, int64_t *id_out,
    struct err *e);

/* Fetches one. Returns 0 and *out (free with cert_row_free), 1 when no such id, or -1. */
int store_cert_get(struct store *st, int64_t id, struct cert_row **out, struct err *e);

/* Finds by SHA-256 fingerprint. Returns 0 and *id_out, 1 if absent, or -1. */
int store_cert_find_fingerprint(struct store *st, const char *fingerprint,
    int64_t *id_out, struct err *e);

/*
 * Sets where certificate id came from: the one place that writes the
 * source of a stored certificate (an importer taking over a scanned one
 * calls it). Returns 0, 1 when there is no such id, or -1.
 */
int store_cert_set_source(struct store *st, int64_t id, enum cert_source src,
    struct err *e);

/*
 * Replaces the PEM chain of certificate id by pem_chain (the same leaf
 * first) when that holds more certificates: a scan that read cert.pem
 * first and fullchain.pem next keeps the whole chain. Returns 0 and *set
 * (1 when replaced), or -1.
 */
int store_cert_extend_chain(struct store *st, int64_t id, const char *pem_chain, int *set,
    struct err *e);

/*
 * Gives certificate id the stored key key_id when it has none yet (a
 * scan found the key after the certificate). Returns 0 and *set (1 when
 * attached, 0 when it already had a key), 1 when there is no such id,
 * or -1.
 */
int store_cert_attach_key(struct store *st, int64_t id, int64_t key_id, int *set,
    struct err *e);

/* Marks a certificate revoked at `when` with an RFC 5280 reason code. Returns 0 or -1. */
int store_cert_mark_revoked(struct store *st, int64_t id, long long when, int reason,
    struct err *e);

/*
 * Orders store_cert_list can page through by keyset. EXPIRY and STATUS
 * walk an index; NAME walks the cert_names index by first SAN, so a
 * certificate without SANs is not listed in it; ISSUER has no index and
 * sorts the matching set on every call: use it for small sets only (see
 * store_cert_count).
 */
enum cert_sort {
	CERT_SORT_EXPIRY,	/* (not_after, id) */
	CERT_SORT_NAME,		/* (first SAN, its cert_names id) */
	CERT_SORT_STATUS,	/* (stored status, not_after, id) */
	CERT_SORT_ISSUER,	/* (issuer CN or '', not_after, id) */
	CERT_SORT_COUNT
};

/* What store_cert_list returns, a page at a time (keyset pagination). */
struct cert_query {
	long long expiring_before;	/* only not_after < this; 0 for any */
	const char *name_like;		/* substring of any SAN; NULL for all */
	int include_replaced;		/* 0 hides replaced certificates */
	long long after_not_after;	/* keyset cursor: start after this ... */
	int64_t after_id;		/* ... (not_after, id) pair; 0/0 from the top */
	int limit;			/* rows per page; 0 for no limit */
	/* A zeroed field below keeps the behaviour described above. */
	long long expiring_after;	/* only not_after > this; 0 for any */
	const char *status;		/* stored status word only; NULL for any */
	const char *issuer_like;	/* substring of the issuer DN; NULL for any */
	int64_t account_id;		/* only this account's; 0 for any */
	const char *key_type_prefix;	/* "rsa" matches "rsa2048"; NULL for any */
	enum cert_sort sort;
	int descending;			/* reverse the sort order */
	/*
	 * Walk from the cursor toward the start of the order: the rows
	 * before the cursor, nearest first (for paging up).
	 */
	int backward;
	int include_cursor;		/* the cursor's own row qualifies too */
	/*
	 * The cursor's sort text for NAME (the row's name), STATUS (its
	 * stored status word) and ISSUER (its issuer_cn, "" for none). With
	 * these sorts the cursor is set when after_id is non-zero.
	 */
	const char *after_text;
	/*
	 * What is served and what the CA says (NULL for any): served is an
	 * endpoint verdict ("stale": some endpoint's last check found it) or
	 * "none" (no endpoints); revocation is "good", "revoked", "unknown"
	 * or "unchecked" (no answer recorded).
	 */
	const char *served;
	const char *revocation;
	/*
	 * Which kinds: a bit (1u << enum cert_kind) each. 0 is the default
	 * view: every kind but CA certificates, which a scan of a trust
	 * store brings in by the hundred and nobody renews.
	 */
	unsigned kinds;
	const char *source;		/* stored source word only; NULL for any */
	const char *path_prefix;	/* found in a file under this; NULL for any */
};

/* Every kind, CA certificates included (cert_query.kinds). */
#define CERT_KINDS_ALL ((1u << CERT_KIND_COUNT) - 1)

/*
 * Calls cb for each matching row in the query's order (or its reverse
 * with backward). The row is borrowed for the duration of the call. cb
 * returns 0 to go on, non-zero to stop (that value is returned). Returns
 * 0, cb's value, or -1.
 */
int store_cert_list(struct store *st, const struct cert_query *q,
    int (*cb)(const struct cert_row *row, void *arg), void *arg, struct err *e);

/*
 * Counts the rows q matches, ignoring its cursor, order and limit, and
 * stopping at max. Returns 0 and *n (at most max), or -1.
 */
int store_cert_count(struct store *st, const struct cert_query *q, long max,
    long *n, struct err *e);

/* One certificate of a renewal chain (store_cert_history). */
struct cert_link {
	int64_t id;
	long long not_before;
	long long not_after;
	char *serial;		/* lower-case hex, or NULL */
	enum cert_status status;
};

/* A renewal chain, newest first, cut to a window around one certificate. */
struct cert_history {
	struct cert_link *links;
	size_t n;
	size_t self;		/* index of the certificate asked about */
	size_t newer_hidden;	/* successors left out above the window */
	size_t older_hidden;	/* predecessors left out below it */
};

/* Frees the links and empties h. Accepts an empty one. */
void cert_history_clear(struct cert_history *h);

/*
 * The renewal chain of certificate id, newest first: the certificates it
 * was replaced by (forward through replaced_by) and those it replaced
 * (backward), itself included. At most max entries (max >= 1) are kept,
 * always including id; the rest are counted in newer_hidden and
 * older_hidden. Returns 0 and *out (release with cert_history_clear),
 * 1 when there is no such certificate, or -1.
 */
int store_cert_history(struct store *st, int64_t id, size_t max,
    struct cert_history *out, struct err *e);

/* A certificate's ARI renewal window as the CA last reported it (store_cert_set_ari). */
struct cert_ari {
	long long window_start;		/* Unix seconds */
	long long window_end;
	const char *explanation;	/* explanationURL, or NULL */
	long long checked;		/* when the CA was asked */
	long long next_check;		/* when to ask again */
	long long renew_at;		/* the moment chosen inside the window */
};

/* Records the ARI window, check times and renew_at of certificate id. Returns 0 or -1. */
int store_cert_set_ari(struct store *st, int64_t id, const struct cert_ari *a, struct err *e);

/* Records an ARI check of id that found no window: asks again at next_check. Returns 0 or -1. */
int store_cert_postpone_ari(struct store *st, int64_t id, long long next_check,
    struct err *e);

/*
 * Calls cb for every valid, ordered certificate whose ARI check is due at
 * now, by account; aki and serial (hex, may be NULL) are borrowed for the
 * call. cb returns 0 to go on, non-zero to stop. Returns 0, cb's value, or -1.
 */
int store_cert_ari_due(struct store *st, long long now,
    int (*cb)(int64_t id, int64_t account_id, const char *aki, const char *serial, void *arg),
    void *arg, struct err *e);

/*
 * Fills ids with up to max certificates due for renewal at now (valid,
 * issued through an order or enrolled over SCEP, renew_at passed), soonest first. Returns 0
 * and *n, or -1.
 */
int store_cert_renew_due(struct store *st, long long now, int64_t *ids, size_t max,
    size_t *n, struct err *e);

/*
 * Gives an imported certificate the order and account certdeck renews it
 * with (taking over another client's certificate). Returns 0 or -1.
 */
int store_cert_set_order(struct store *st, int64_t id, int64_t order_id, int64_t account_id,
    struct err *e);

/* Marks old_id replaced by new_id (no transaction of its own). Returns 0 or -1. */
int store_cert_mark_replaced(struct store *st, int64_t old_id, int64_t new_id,
    struct err *e);

#endif
