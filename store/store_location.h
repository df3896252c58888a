/* Where certificates were found on disk (cert_locations): one row per file and certificate. */
#ifndef CERTDECK_STORE_LOCATION_H
#define CERTDECK_STORE_LOCATION_H

#include <stdint.h>

#include "store.h"

/* One file a certificate was found in, and what identified the file then. */
struct cert_location {
	int64_t cert_id;
	const char *path;	/* absolute */
	long long mtime_ns;	/* st_mtim in nanoseconds */
	long long inode;
	long long size;
	long long seen_at;	/* Unix seconds of the scan that last saw it */
};

/*
 * Records that loc->cert_id was found at loc->path (a new row, or the
 * existing one for that pair updated). Returns 0 or -1.
 */
int store_location_put(struct store *st, const struct cert_location *loc, struct err *e);

/* Forgets every certificate at path (the file changed or is gone). Returns 0 or -1. */
int store_location_remove_path(struct store *st, const char *path, struct err *e);

/* Marks every row of path as seen at seen_at (an unchanged file). Returns 0 or -1. */
int store_location_touch(struct store *st, const char *path, long long seen_at,
    struct err *e);

/*
 * Calls cb for each row whose path starts with prefix ("" for all), in
 * path order; the location (its path included) is borrowed for the call.
 * cb returns 0 to go on, non-zero to stop (that value is returned).
 * Returns 0, cb's value, or -1.
 */
int store_location_list_prefix(struct store *st, const char *prefix,
    int (*cb)(const struct cert_location *loc, void *arg), void *arg, struct err *e);

/* Calls cb for each location of certificate cert_id, by path; as above. */
int store_location_list_cert(struct store *st, int64_t cert_id,
    int (*cb)(const struct cert_location *loc, void *arg), void *arg, struct err *e);

/*
 * The end of the half-open range of strings that start with prefix
 * (prefix with its last byte raised, dropping trailing 0xff bytes):
 * paths under prefix are >= prefix and < this. Returns it (free()), an
 * empty string when there is no end (prefix "" or all 0xff), or NULL when
 * memory runs out.
 */
char *store_location_prefix_end(const char *prefix);

#endif
