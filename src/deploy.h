/*
 * Deployment: installs a stored certificate (and its key) as files, each
 * replaced atomically, then runs the target's reload command. The only
 * module that writes outside the store. Key material never reaches a
 * message, an event or the reload command's environment.
 */
#ifndef CERTDECK_DEPLOY_H
#define CERTDECK_DEPLOY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "store.h"

enum deploy_file {
	DEPLOY_FILE_CERT,	/* the leaf certificate */
	DEPLOY_FILE_CHAIN,	/* the certificates after the leaf */
	DEPLOY_FILE_FULLCHAIN,	/* leaf + chain */
	DEPLOY_FILE_KEY,	/* the private key */
	DEPLOY_FILE_COMBINED,	/* key + leaf + chain */
	DEPLOY_FILE_COUNT
};

/* "cert", "chain", "fullchain", "key", "combined"; NULL when out of range. */
const char *deploy_file_name(enum deploy_file f);

/* What goes into each file, NUL-terminated; data[f] is NULL when not built. */
struct deploy_contents {
	char *data[DEPLOY_FILE_COUNT];
	size_t len[DEPLOY_FILE_COUNT];
};

/*
 * Builds the file contents from a PEM chain (leaf first) after checking
 * that each certificate is signed by the next, and, when key_pem is not
 * NULL, that the key belongs to the leaf (then key and combined are built
 * too). chain is NULL when the PEM holds the leaf alone. Returns 0 and
 * fills *out (release with deploy_contents_clear), or -1 with nothing
 * built.
 */
int deploy_contents_build(const char *pem_chain, const char *key_pem,
    struct deploy_contents *out, struct err *e);

/* Wipes and frees what deploy_contents_build made. Accepts an empty one. */
void deploy_contents_clear(struct deploy_contents *c);

/*
 * Resolves an owner and a group (names, or decimal ids) for fchown;
 * either may be NULL, giving (uid_t)-1 / (gid_t)-1 ("leave as is").
 * Returns 0, or -1 naming the unknown user or group.
 */
int deploy_resolve_owner(const char *owner, const char *group, uid_t *uid,
    gid_t *gid, struct err *e);

/* The outcome of one target in a run. */
struct deploy_result {
	int64_t target_id;
	int ok;
	char message[1024];	/* what was done, or why it failed */
};

struct deploy_report {
	struct deploy_result *results;	/* one per target tried, in id order */
	size_t n;
	size_t n_failed;
};

/* Frees the results and empties the report. Accepts an empty one. */
void deploy_report_clear(struct deploy_report *rep);

/*
 * Deploys certificate cert_id to its target target_id, or to all of its
 * targets when target_id is 0: builds and checks the contents, writes each
 * file atomically (temporary file in the same directory, fsync, fchmod,
 * fchown, rename, fsync of the directory), then runs the reload command
 * (no shell, own process group, killed after reload_timeout). Each
 * target's outcome is recorded in its row and as an events row. All
 * targets are tried even when one fails. rep may be NULL; otherwise it
 * is filled (release with deploy_report_clear). actor names who deploys
 * in the events rows (the program's string; NULL records none). Returns 0 when every
 * target succeeded (also when there are none), or -1 when one failed or
 * nothing could be tried (no such certificate or target; e says why).
 */
int deploy_run(struct store *st, int64_t cert_id, int64_t target_id, const char *actor,
    struct deploy_report *rep, struct err *e);

#endif
