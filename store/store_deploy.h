/*
 * Deploy targets: where a certificate's files are installed, with which
 * owner and modes, and what to run afterwards. The files themselves are
 * written by src/deploy.c; this is only the bookkeeping.
 */
#ifndef CERTDECK_STORE_DEPLOY_H
#define CERTDECK_STORE_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define DEPLOY_MODE_DEFAULT 0644
#define DEPLOY_KEY_MODE_DEFAULT 0600
#define DEPLOY_RELOAD_TIMEOUT_DEFAULT 60	/* seconds */

struct deploy_target {
	int64_t id;
	int64_t cert_id;
	char *cert_path;	/* the leaf alone; NULL when not wanted */
	char *chain_path;	/* the intermediates */
	char *fullchain_path;	/* leaf + intermediates */
	char *key_path;		/* the private key */
	char *combined_path;	/* key + leaf + intermediates */
	char *owner;		/* user name (or number); NULL keeps ours */
	char *group;		/* group name (or number); NULL keeps ours */
	int mode;		/* permission bits of cert, chain, fullchain */
	int key_mode;		/* permission bits of key and combined */
	char **reload_argv;	/* NULL-terminated; NULL for no reload */
	int reload_timeout;	/* seconds before the reload is killed */
	long long last_run;	/* 0 when never run */
	char *last_status;	/* "ok", "failed", or NULL when never run */
	char *last_message;
	long long created;
};

/* Frees a target and its strings. Accepts NULL. */
void deploy_target_free(struct deploy_target *t);

/* Frees an array from store_deploy_list. Accepts NULL. */
void deploy_target_list_free(struct deploy_target **list, size_t n);

/*
 * Adds a target for t->cert_id (t->id, last_* and created are ignored;
 * 0 modes and timeout are stored as given, so set the defaults). Returns
 * 0 and *id_out, 1 when there is no such certificate, or -1.
 */
int store_deploy_add(struct store *st, const struct deploy_target *t, int64_t *id_out,
    struct err *e);

/*
 * The targets of one certificate (cert_id 0: of every certificate) in id
 * order. Returns 0 and *out, *n
 * (free with deploy_target_list_free; *out is NULL when *n is 0), or -1.
 */
int store_deploy_list(struct store *st, int64_t cert_id, struct deploy_target ***out,
    size_t *n, struct err *e);

/* One target. Returns 0 and *out (free with deploy_target_free), 1 when absent, or -1. */
int store_deploy_get(struct store *st, int64_t id, struct deploy_target **out,
    struct err *e);

/* Removes target id of certificate cert_id. Returns 0, 1 when it has no such target, or -1. */
int store_deploy_remove(struct store *st, int64_t cert_id, int64_t id, struct err *e);

/*
 * Records the outcome of one run of a target at `when` (last_run,
 * last_status, last_message) and, in the same transaction, an events row
 * (level "info" or "error", no job) saying so, attributed to actor (may be
 * NULL). message must not hold key material. Returns 0, 1 when the
 * target is gone, or -1.
 */
int store_deploy_record(struct store *st, int64_t id, long long when, int ok,
    const char *message, const char *actor, struct err *e);

/*
 * Gives certificate to_cert_id copies of from_cert_id's targets (their
 * history left empty), as renewal does, in one statement. A target whose
 * files and settings to_cert_id already has is not copied again, so a
 * resumed renewal may call this twice. Returns 0 or -1.
 */
int store_deploy_copy(struct store *st, int64_t from_cert_id, int64_t to_cert_id,
    struct err *e);

#endif
