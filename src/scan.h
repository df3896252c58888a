/*
 * certdeck scan: walks directories for certificate files (PEM, DER,
 * PKCS#7, PKCS#12) and stores each certificate once (by SHA-256
 * fingerprint) with every file it was found in; private keys found are
 * matched to certificates by public key. A rescan skips files whose
 * mtime, inode and size are unchanged, and forgets locations that are
 * gone. Bad input is reported through a callback and counted, never
 * fatal; only a store failure ends a scan early.
 */
#ifndef CERTDECK_SCAN_H
#define CERTDECK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"
#include "store_cert.h"

/* Files larger than this are reported, not read (a bundle of all public roots is ~220 KB). */
#define SCAN_MAX_FILE_DEFAULT (4LL * 1024 * 1024)

struct scan_opts {
	const char *const *paths;	/* files or directories */
	size_t n_paths;
	const char *password;	/* PKCS#12 files and encrypted keys; NULL for none */
	int dry_run;		/* do everything, then roll it all back */
	long long max_size;	/* bytes; 0 for SCAN_MAX_FILE_DEFAULT */
	/* One line of the summary: path and why (both borrowed). May be NULL. */
	void (*on_problem)(const char *path, const char *what, void *arg);
	/* A certificate found in a file read (row and path borrowed). May be NULL. */
	void (*on_cert)(const char *path, const struct cert_row *row, int is_new, void *arg);
	void *arg;
};

struct scan_result {
	long files_read;	/* opened and parsed */
	long files_unchanged;	/* known and unchanged: skipped */
	long files_changed;	/* known, but changed since the last scan */
	long certs_new;		/* stored by this scan */
	long certs_known;	/* found again (each file counts) */
	long keys_matched;	/* private keys that belong to a certificate */
	long keys_stored;	/* ... of which were stored with it now */
	long locations_moved;	/* a known certificate gone from a path, found at another (same inode) */
	long locations_removed;	/* gone */
	long problems;		/* lines given to on_problem */
	long paths_failed;	/* PATH operands missing or unreadable */
};

/*
 * Runs a scan over o->paths into st. Returns 0 when it completed (bad
 * files, directories and PATHs are counted in *r, each reported through
 * on_problem), or -1 when the store failed (e says how; batches already
 * committed stay, the file in progress is not half-stored).
 */
int scan_run(struct store *st, const struct scan_opts *o, struct scan_result *r,
    struct err *e);

#endif
