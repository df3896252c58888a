#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "strfmt.h"
#include "cert_record.h"
#include "crypto.h"
#include "crypto_bundle.h"
#include "i18n.h"
#include "scan.h"
#include "store_cert.h"
#include "store_key.h"
#include "store_location.h"

/*
 * Files per transaction. One transaction per file costs a WAL commit
 * each (the scan of 10,000 files spent most of its time there); each
 * file is still its own savepoint, so a file that fails to store leaves
 * nothing behind and the batch goes on.
 */
#define SCAN_BATCH 512

/* Directory depth at which a walk stops (a loop the inode check missed). */
#define SCAN_MAX_DEPTH 64

/* A location the store held under the scanned paths before this scan. */
struct old_loc {
	char *path;
	int64_t cert_id;
	long long mtime_ns, inode, size;
	int seen;
};

/* A location this scan recorded (to tell a move from a removal). */
struct new_loc {
	int64_t cert_id;
	long long inode;
};

/* A certificate this scan read, by the digest of its public key. */
struct seen_cert {
	unsigned char digest[32];
	int64_t cert_id;
};

/* A private key that matched nothing in its own file. */
struct pending_key {
	EVP_PKEY *key;
	char *path;
	unsigned char digest[32];
};

struct dev_ino {
	dev_t dev;
	ino_t ino;
};

struct scan {
	struct store *st;
	const struct scan_opts *o;
	struct scan_result *r;
	long long now, max_size;
	long batch;			/* files stored in the open transaction */
	struct old_loc *old;		/* sorted by path */
	size_t n_old, cap_old;
	struct new_loc *newl;
	size_t n_new, cap_new;
	struct seen_cert *seen;
	size_t n_seen, cap_seen;
	struct pending_key *keys;
	size_t n_keys, cap_keys;
	struct dev_ino *visited;	/* every directory walked: a hash set */
	size_t n_visited, cap_visited;	/* cap_visited is 0 or a power of two */
	struct dev_ino stack[SCAN_MAX_DEPTH + 1];	/* the directories being walked */
	int depth;
	char **failed;			/* directories that could not be read (and failed roots) */
	size_t n_failed, cap_failed;
	char **roots;			/* the roots that were walked */
	size_t n_roots;
};

/* Grows *arr (of *cap elements of size) to hold one more. Returns 0 or -1. */
static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if ((p = realloc(*arr, ncap * size)) == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static void problem(struct scan *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Counts one line of the summary and hands it to the caller. */
static void
problem(struct scan *s, const char *path, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	s->r->problems++;
	if (s->o->on_problem != NULL)
		s->o->on_problem(path, what, s->o->arg);
}

static int
add_failed(struct scan *s, const char *path, struct err *e)
{
	char *p;

	if (grow((void **)&s->failed, &s->cap_failed, s->n_failed, sizeof(*s->failed)) == -1 ||
	    (p = strdup(path)) == NULL)
		return err_nomem(e);
	s->failed[s->n_failed++] = p;
	return 0;
}

/* 1 when path is dir or lies under it. */
static int
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) != 0)
		return 0;
	return path[n] == '\0' || path[n] == '/' || (n > 0 && dir[n - 1] == '/');
}

/* ---- the locations known before the scan ---- */

static int
collect_old(const struct cert_location *loc, void *arg)
{
	struct scan *s = arg;
	struct old_loc *o;

	if (grow((void **)&s->old, &s->cap_old, s->n_old, sizeof(*s->old)) == -1)
		return -1;
	o = &s->old[s->n_old];
	if ((o->path = strdup(loc->path)) == NULL)
		return -1;
	o->cert_id = loc->cert_id;
	o->mtime_ns = loc->mtime_ns;
	o->inode = loc->inode;
	o->size = loc->size;
	o->seen = 0;
	s->n_old++;
	return 0;
}

static int
old_cmp(const void *a, const void *b)
{
	const struct old_loc *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	return x->cert_id < y->cert_id ? -1 : x->cert_id > y->cert_id;
}

/* Loads the locations under every root, sorted by path, without duplicates. */
static int
load_old(struct scan *s, struct err *e)
{
	size_t i, j;
	int rc;

	for (i = 0; i < s->n_roots; i++) {
		rc = store_location_list_prefix(s->st, s->roots[i], collect_old, s, e);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return err_nomem(e);
	}
	if (s->n_old == 0)
		return 0;
	qsort(s->old, s->n_old, sizeof(*s->old), old_cmp);
	for (i = 1, j = 1; i < s->n_old; i++) {
		if (old_cmp(&s->old[i], &s->old[j - 1]) == 0) {
			free(s->old[i].path);
			continue;
		}
		s->old[j++] = s->old[i];
	}
	s->n_old = j;
	return 0;
}

/* The old locations of path: [*lo, *hi). */
static void
old_find(struct scan *s, const char *path, size_t *lo, size_t *hi)
{
	size_t a = 0, b = s->n_old, m;

	while (a < b) {
		m = a + (b - a) / 2;
		if (strcmp(s->old[m].path, path) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < s->n_old && strcmp(s->old[a].path, path) == 0)
		a++;
	*hi = a;
}

/* ---- transactions ---- */

static int
batch_done(struct scan *s, struct err *e)
{
	if (s->o->dry_run || ++s->batch < SCAN_BATCH)
		return 0;
	s->batch = 0;
	if (store_commit(s->st, e) != 0)
		return -1;
	return store_begin(s->st, e);
}

/* ---- one file ---- */

/* 1 when the name promises certificate material, so "nothing in it" is worth a line. */
static int
expects_certs(const char *path)
{
	static const char *const exts[] = {
		".pem", ".crt", ".cer", ".der", ".p7b", ".p7c", ".p12", ".pfx", ".key",
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return 0;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return 1;
	return 0;
}

/* Reads at most max + 1 bytes of an open file. Returns 0 and *data (free()), or -1 (errno). */
static int
read_fd(int fd, long long max, unsigned char **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	unsigned char *buf = malloc(cap), *grown;
	ssize_t got;

	if (buf == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			if ((long long)cap > max) {
				break;
			}
			cap *= 2;
			if ((grown = realloc(buf, cap)) == NULL) {
				free(buf);
				errno = ENOMEM;
				return -1;
			}
			buf = grown;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*data = buf;
	*len = n;
	return 0;
}

static long long
mtime_ns(const struct stat *sb)
{
	return (long long)sb->st_mtim.tv_sec * 1000000000LL + sb->st_mtim.tv_nsec;
}

static int
note_seen(struct scan *s, X509 *x, int64_t id, struct err *e)
{
	struct seen_cert *c;

	if (grow((void **)&s->seen, &s->cap_seen, s->n_seen, sizeof(*s->seen)) == -1)
		return err_nomem(e);
	c = &s->seen[s->n_seen];
	if (crypto_cert_pubkey_digest(x, c->digest, e) == -1)
		return -1;
	c->cert_id = id;
	s->n_seen++;
	return 0;
}

/*
 * Stores key with every certificate of ids[0, n) that has none (one key
 * row however many take it). Returns 0 and *stored (1 when a certificate
 * took it), or -1.
 */
static int
store_key_for(struct scan *s, EVP_PKEY *key, const int64_t *ids, size_t n, int *stored,
    struct err *e)
{
	char type[64], *pem = NULL;
	int64_t key_id = 0;
	size_t i;
	int set, rc = -1;

	*stored = 0;
	if (store_unit_begin(s->st, "scan_key", e) != 0)
		return -1;
	crypto_bundle_key_type(key, type, sizeof(type));
	if (crypto_key_to_pem(key, &pem, e) != 0 ||
	    store_key_insert(s->st, type, pem, &key_id, e) != 0)
		goto undo;
	for (i = 0; i < n; i++) {
		if (store_cert_attach_key(s->st, ids[i], key_id, &set, e) != 0)
			goto undo;
		*stored |= set;
	}
	if (!*stored) {
		/* Every certificate had its key already: keep no second copy. */
		store_unit_undo(s->st, "scan_key");
		rc = 0;
		goto out;
	}
	if (store_unit_end(s->st, "scan_key", e) != 0)
		goto undo;
	rc = 0;
	goto out;
undo:
	store_unit_undo(s->st, "scan_key");
out:
	if (pem != NULL) {
		OPENSSL_cleanse(pem, strlen(pem));
		free(pem);
	}
	return rc;
}

/* The ids of this scan's certificates holding key's public half. Returns the count or -1. */
static long
match_seen(struct scan *s, const unsigned char digest[32], size_t from, int64_t **ids,
    struct err *e)
{
	size_t i, n = 0, cap = 0;
	int64_t *out = NULL;

	for (i = from; i < s->n_seen; i++) {
		if (memcmp(s->seen[i].digest, digest, 32) != 0)
			continue;
		if (grow((void **)&out, &cap, n, sizeof(*out)) == -1) {
			free(out);
			err_nomem(e);
			return -1;
		}
		out[n++] = s->seen[i].cert_id;
	}
	*ids = out;
	return (long)n;
}

/* The keys of a file: with its certificates, or kept for the end. */
static int
file_keys(struct scan *s, const char *path, struct crypto_bundle *b, size_t seen_from,
    long *matched, long *stored, struct err *e)
{
	struct pending_key *pk;
	unsigned char digest[32];
	int64_t *ids = NULL;
	long n;
	size_t i;
	int took;

	for (i = 0; i < b->n_keys; i++) {
		if (crypto_pubkey_digest(b->keys[i], digest, e) == -1)
			return -1;
		if ((n = match_seen(s, digest, seen_from, &ids, e)) < 0)
			return -1;
		if (n > 0) {
			if (store_key_for(s, b->keys[i], ids, (size_t)n, &took, e) == -1) {
				free(ids);
				return -1;
			}
			free(ids);
			(*matched)++;
			*stored += took;
			continue;
		}
		free(ids);
		if (grow((void **)&s->keys, &s->cap_keys, s->n_keys, sizeof(*s->keys)) == -1)
			return err_nomem(e);
		pk = &s->keys[s->n_keys];
		if ((pk->path = strdup(path)) == NULL)
			return err_nomem(e);
		pk->key = b->keys[i];
		b->keys[i] = NULL;
		memcpy(pk->digest, digest, 32);
		s->n_keys++;
	}
	return 0;
}

/* The rows of a file's certificates, built before anything is written. */
struct file_rows {
	struct cert_row **rows;
	size_t n;
};

static void
file_rows_clear(struct file_rows *fr)
{
	size_t i;

	for (i = 0; i < fr->n; i++)
		cert_row_free(fr->rows[i]);
	free(fr->rows);
	memset(fr, 0, sizeof(*fr));
}

/*
 * Builds a row for every certificate of b. Returns 0, 1 when one is
 * unusable (e says why: the file is bad input), or -1 when memory ran out.
 */
static int
build_rows(const struct crypto_bundle *b, struct file_rows *fr, struct err *e)
{
	struct cert_info *info = NULL;
	char *pem = NULL;
	int i, n = sk_X509_num(b->certs);

	if ((fr->rows = calloc((size_t)n + 1, sizeof(*fr->rows))) == NULL)
		return err_nomem(e);
	for (i = 0; i < n; i++) {
		if (crypto_cert_info(sk_X509_value(b->certs, i), &info, e) != 0) {
			err_prefix(e, _("certificate %d"), i + 1);
			return 1;
		}
		if (crypto_bundle_chain_pem(b, i, &pem, e) != 0 ||
		    cert_record_from_info(info, &pem, &fr->rows[i], e) != 0 ||
		    (fr->rows[i]->source = strdup(store_cert_source_name(CERT_SOURCE_SCAN))) == NULL) {
			cert_info_free(info);
			fr->n = (size_t)i + (fr->rows[i] != NULL);
			return err_nomem(e);
		}
		cert_info_free(info);
		info = NULL;
		fr->n = (size_t)i + 1;
	}
	return 0;
}

/*
 * Writes the certificates of one file (rows built from b) and their
 * locations, and keys with the file's certificates. Only the store can
 * fail here, and then the caller rolls the whole batch back: no file is
 * ever half-stored, and no savepoint per file is needed (with the FTS
 * table each one cost a third of a scan). Returns 0 or -1.
 */
static int
store_file(struct scan *s, const char *path, const struct stat *sb, struct crypto_bundle *b,
    struct file_rows *fr, struct err *e)
{
	struct cert_location loc;
	size_t seen_from = s->n_seen, i;
	long matched = 0, stored = 0;
	int64_t id;
	int rc;

	loc.path = path;
	loc.mtime_ns = mtime_ns(sb);
	loc.inode = (long long)sb->st_ino;
	loc.size = (long long)sb->st_size;
	loc.seen_at = s->now;
	for (i = 0; i < fr->n; i++) {
		struct cert_row *row = fr->rows[i];

		rc = store_cert_find_fingerprint(s->st, row->fingerprint, &id, e);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			err_clear(e);
			if (store_cert_insert_in(s->st, row, &id, e) != 0)
				return -1;
			s->r->certs_new++;
		} else {
			int longer;

			s->r->certs_known++;
			if (strstr(row->pem_chain + 1, "-----BEGIN CERTIFICATE") != NULL &&
			    store_cert_extend_chain(s->st, id, row->pem_chain, &longer, e) != 0)
				return -1;
		}
		row->id = id;
		loc.cert_id = id;
		if (store_location_put(s->st, &loc, e) != 0)
			return -1;
		if (grow((void **)&s->newl, &s->cap_new, s->n_new, sizeof(*s->newl)) == -1 ||
		    note_seen(s, sk_X509_value(b->certs, (int)i), id, e) != 0)
			return err_nomem(e);
		s->newl[s->n_new].cert_id = id;
		s->newl[s->n_new].inode = loc.inode;
		s->n_new++;
		if (s->o->on_cert != NULL)
			s->o->on_cert(path, row, rc == 1, s->o->arg);
	}
	if (file_keys(s, path, b, seen_from, &matched, &stored, e) != 0)
		return -1;
	s->r->keys_matched += matched;
	s->r->keys_stored += stored;
	return 0;
}

/*
 * Reads and parses one file into *b. Returns 0 (*b set, or NULL when the
 * file holds nothing of interest or was reported).
 */
static int
read_file(struct scan *s, const char *path, const struct stat *sb, struct crypto_bundle **b)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int fd, rc, expect;
	struct err bad;

	*b = NULL;
	if ((long long)sb->st_size > s->max_size) {
		problem(s, path, _("larger than %lld bytes: not read"), s->max_size);
		return 0;
	}
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		problem(s, path, _("cannot open: %s"), strerror(errno));
		return 0;
	}
	rc = read_fd(fd, s->max_size, &data, &len);
	if (rc == -1)
		problem(s, path, _("cannot read: %s"), strerror(errno));
	close(fd);
	if (rc == -1)
		return 0;
	if ((long long)len > s->max_size) {
		problem(s, path, _("larger than %lld bytes: not read"), s->max_size);
		free(data);
		return 0;
	}
	s->r->files_read++;
	expect = expects_certs(path);
	err_clear(&bad);
	rc = crypto_bundle_read(data, len, s->o->password, expect, b, &bad);
	if (rc == -1)
		problem(s, path, "%s", bad.msg);
	else if (rc == 1 && expect && len > 0)
		problem(s, path, "%s", _("holds no certificate or private key"));
	else if (rc == 0 && (*b)->locked_keys > 0)
		problem(s, path, "%s", s->o->password != NULL ?
		    _("an encrypted private key the password does not open") :
		    _("an encrypted private key (give --password-file)"));
	OPENSSL_cleanse(data, len);
	free(data);
	return 0;
}

/* Reads and stores one regular file. Returns 0 (done, or reported), or -1 (the store failed). */
static int
scan_file(struct scan *s, const char *path, const struct stat *sb, struct err *e)
{
	struct crypto_bundle *b = NULL;
	struct file_rows fr = { 0 };
	size_t lo, hi, i;
	int unchanged, rc = -1;
	struct err bad;

	old_find(s, path, &lo, &hi);
	unchanged = lo < hi;
	for (i = lo; i < hi; i++) {
		s->old[i].seen = 1;
		if (s->old[i].mtime_ns != mtime_ns(sb) || s->old[i].inode != (long long)sb->st_ino ||
		    s->old[i].size != (long long)sb->st_size)
			unchanged = 0;
	}
	if (unchanged) {
		if (store_location_touch(s->st, path, s->now, e) != 0)
			return -1;
		s->r->files_unchanged++;
		s->r->certs_known += (long)(hi - lo);
		return batch_done(s, e);
	}
	/* Everything that can fail on bad input happens before the first write. */
	read_file(s, path, sb, &b);
	if (b != NULL) {
		err_clear(&bad);
		switch (build_rows(b, &fr, &bad)) {
		case -1:
			if (e != NULL)
				*e = bad;
			goto out;
		case 1:
			problem(s, path, "%s", bad.msg);
			file_rows_clear(&fr);
			crypto_bundle_free(b);
			b = NULL;
			break;
		}
	}
	if (lo < hi) {
		/* Changed: what it held is forgotten, whatever it holds now. */
		if (store_location_remove_path(s->st, path, e) != 0)
			goto out;
		s->r->files_changed++;
	}
	if (b != NULL && store_file(s, path, sb, b, &fr, e) != 0)
		goto out;
	rc = batch_done(s, e);
out:
	file_rows_clear(&fr);
	crypto_bundle_free(b);
	return rc;
}

/* ---- the walk ---- */

/* 1 when sb's directory is one of set[0, n) (the walk's ancestors). */
static int
on_stack(const struct dev_ino *set, size_t n, const struct stat *sb)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i].dev == sb->st_dev && set[i].ino == sb->st_ino)
			return 1;
	return 0;
}

static size_t
dev_ino_hash(dev_t dev, ino_t ino, size_t cap)
{
	unsigned long long h = (unsigned long long)ino * 0x9e3779b97f4a7c15ULL ^
	    (unsigned long long)dev * 0xc2b2ae3d27d4eb4fULL;

	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/*
 * Adds sb's directory to the set of those walked. Returns 1 when it was
 * there already, 0 when added, -1 when memory ran out. Slots with ino 0
 * and dev 0 are empty (no directory has inode 0).
 */
static int
visit(struct scan *s, const struct stat *sb)
{
	struct dev_ino *old = s->visited, *grown;
	size_t i, j, cap = s->cap_visited;

	if (cap == 0 || (s->n_visited + 1) * 2 > cap) {
		size_t ncap = cap ? cap * 2 : 256;

		if ((grown = calloc(ncap, sizeof(*grown))) == NULL)
			return -1;
		for (i = 0; i < cap; i++) {
			if (old[i].ino == 0 && old[i].dev == 0)
				continue;
			for (j = dev_ino_hash(old[i].dev, old[i].ino, ncap);
			    grown[j].ino != 0 || grown[j].dev != 0; j = (j + 1) & (ncap - 1))
				;
			grown[j] = old[i];
		}
		free(old);
		s->visited = grown;
		s->cap_visited = cap = ncap;
	}
	for (j = dev_ino_hash(sb->st_dev, sb->st_ino, cap);
	    s->visited[j].ino != 0 || s->visited[j].dev != 0; j = (j + 1) & (cap - 1))
		if (s->visited[j].dev == sb->st_dev && s->visited[j].ino == sb->st_ino)
			return 1;
	s->visited[j].dev = sb->st_dev;
	s->visited[j].ino = sb->st_ino;
	s->n_visited++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(struct scan *s, const char *path, const struct stat *sb, struct err *e);

/* One directory entry (or a root): what it is decides what to do. */
static int
scan_entry(struct scan *s, const char *path, struct err *e)
{
	struct stat sb, lsb;

	if (stat(path, &sb) != 0) {
		if (lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode))
			problem(s, path, "%s", _("dangling symbolic link"));
		else
			problem(s, path, _("cannot read: %s"), strerror(errno));
		return 0;
	}
	if (S_ISDIR(sb.st_mode))
		return walk_dir(s, path, &sb, e);
	if (S_ISREG(sb.st_mode))
		return scan_file(s, path, &sb, e);
	problem(s, path, "%s", _("not a regular file: not read"));
	return 0;
}

static int
walk_dir(struct scan *s, const char *path, const struct stat *sb, struct err *e)
{
	struct dirent *de;
	char **names = NULL, *child;
	size_t n = 0, cap = 0, i;
	DIR *dp;
	int rc = 0;

	if (on_stack(s->stack, (size_t)s->depth, sb)) {
		problem(s, path, "%s", _("symbolic link loop: not followed"));
		return 0;
	}
	if (s->depth >= SCAN_MAX_DEPTH) {
		problem(s, path, _("more than %d directories deep: not read"), SCAN_MAX_DEPTH);
		return 0;
	}
	switch (visit(s, sb)) {
	case -1:
		return err_nomem(e);
	case 1:
		return 0;	/* already walked by another path */
	}
	if ((dp = opendir(path)) == NULL) {
		problem(s, path, _("cannot read the directory: %s"), strerror(errno));
		return add_failed(s, path, e);
	}
	errno = 0;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (grow((void **)&names, &cap, n, sizeof(*names)) == -1 ||
		    str_printf(&child, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
		    de->d_name) < 0) {
			rc = err_nomem(e);
			goto out;
		}
		names[n++] = child;
		errno = 0;
	}
	if (errno != 0) {
		problem(s, path, _("cannot read the directory: %s"), strerror(errno));
		if (add_failed(s, path, e) == -1) {
			rc = -1;
			goto out;
		}
	}
	qsort(names, n, sizeof(*names), name_cmp);
	s->stack[s->depth].dev = sb->st_dev;
	s->stack[s->depth].ino = sb->st_ino;
	s->depth++;
	for (i = 0; i < n && rc == 0; i++)
		rc = scan_entry(s, names[i], e);
	s->depth--;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dp);
	return rc;
}

/* ---- after the walk ---- */

/* Certificates that lie in dir (the key's folder) by their stored locations. */
static int
collect_nearby(const struct cert_location *loc, void *arg)
{
	int64_t **ids = ((void **)arg)[0];
	size_t *n = ((void **)arg)[1], *cap = ((void **)arg)[2];
	const char *dir = ((void **)arg)[3];
	const char *slash = strrchr(loc->path, '/');

	if (slash == NULL || (size_t)(slash - loc->path) != strlen(dir))
		return 0;	/* deeper down, not beside the key */
	if (grow((void **)ids, cap, *n, sizeof(**ids)) == -1)
		return -1;
	(*ids)[(*n)++] = loc->cert_id;
	return 0;
}

/*
 * A key that matched nothing in its own file: first the certificates of
 * this scan, then those stored with a location beside it (an unchanged
 * certificate file is not read again). Returns 0 or -1.
 */
static int
match_pending(struct scan *s, struct pending_key *pk, struct err *e)
{
	int64_t *ids = NULL, *near = NULL, *hit = NULL;
	size_t n_near = 0, cap_near = 0, n_hit = 0, cap_hit = 0, i;
	void *args[4];
	char *dir = NULL, *slash;
	struct cert_row *row;
	long n;
	int took, m, rc = -1;

	if ((n = match_seen(s, pk->digest, 0, &ids, e)) < 0)
		return -1;
	if (n == 0) {
		if ((dir = strdup(pk->path)) == NULL) {
			err_nomem(e);
			goto out;
		}
		if ((slash = strrchr(dir, '/')) != NULL)
			slash[slash == dir ? 1 : 0] = '\0';
		args[0] = &near;
		args[1] = &n_near;
		args[2] = &cap_near;
		args[3] = dir;
		m = store_location_list_prefix(s->st, dir, collect_nearby, args, e);
		if (m != 0) {
			if (m > 0)
				err_nomem(e);
			goto out;
		}
		for (i = 0; i < n_near; i++) {
			if (i > 0 && near[i] == near[i - 1])
				continue;
			if (store_cert_get(s->st, near[i], &row, e) != 0)
				goto out;
			m = crypto_cert_matches_key(row->pem_chain, strlen(row->pem_chain),
			    pk->key, e);
			cert_row_free(row);
			if (m < 0)
				goto out;
			if (m == 1) {
				if (grow((void **)&hit, &cap_hit, n_hit, sizeof(*hit)) == -1) {
					err_nomem(e);
					goto out;
				}
				hit[n_hit++] = near[i];
			}
		}
		free(ids);
		ids = hit;
		hit = NULL;
		n = (long)n_hit;
	}
	if (n == 0) {
		problem(s, pk->path, "%s", _("a private key that matches no certificate"));
		rc = 0;
		goto out;
	}
	if (store_key_for(s, pk->key, ids, (size_t)n, &took, e) != 0)
		goto out;
	s->r->keys_matched++;
	s->r->keys_stored += took;
	rc = batch_done(s, e);
out:
	free(ids);
	free(near);
	free(hit);
	free(dir);
	return rc;
}

/* 1 when the old location lies where this scan looked and could read. */
static int
was_walked(struct scan *s, const char *path)
{
	size_t i;
	int in_root = 0;

	for (i = 0; i < s->n_roots && !in_root; i++)
		in_root = under(path, s->roots[i]);
	for (i = 0; i < s->n_failed && in_root; i++)
		if (under(path, s->failed[i]))
			return 0;
	return in_root;
}

/* Forgets the locations not seen (moved when the certificate turned up with the same inode). */
static int
forget_unseen(struct scan *s, struct err *e)
{
	size_t i, j;
	int moved;

	for (i = 0; i < s->n_old; i++) {
		if (s->old[i].seen || !was_walked(s, s->old[i].path))
			continue;
		if ((i == 0 || strcmp(s->old[i - 1].path, s->old[i].path) != 0) &&
		    store_location_remove_path(s->st, s->old[i].path, e) != 0)
			return -1;
		moved = 0;
		for (j = 0; j < s->n_new && !moved; j++)
			moved = s->newl[j].cert_id == s->old[i].cert_id &&
			    s->newl[j].inode == s->old[i].inode;
		if (moved)
			s->r->locations_moved++;
		else
			s->r->locations_removed++;
	}
	return 0;
}

/* ---- the run ---- */

static void
scan_clear(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->n_old; i++)
		free(s->old[i].path);
	free(s->old);
	free(s->newl);
	free(s->seen);
	for (i = 0; i < s->n_keys; i++) {
		EVP_PKEY_free(s->keys[i].key);
		free(s->keys[i].path);
	}
	free(s->keys);
	free(s->visited);
	for (i = 0; i < s->n_failed; i++)
		free(s->failed[i]);
	free(s->failed);
	for (i = 0; i < s->n_roots; i++)
		free(s->roots[i]);
	free(s->roots);
}

/* Resolves the roots (absolute, no symbolic links); a missing one is a failed PATH. */
static int
resolve_roots(struct scan *s, struct err *e)
{
	size_t i;
	char *real;

	s->roots = calloc(s->o->n_paths + 1, sizeof(*s->roots));
	if (s->roots == NULL)
		return err_nomem(e);
	for (i = 0; i < s->o->n_paths; i++) {
		const char *p = s->o->paths[i];

		if ((real = realpath(p, NULL)) == NULL) {
			problem(s, p, _("cannot scan: %s"), strerror(errno));
			s->r->paths_failed++;
			continue;
		}
		if (access(real, R_OK) != 0) {
			problem(s, p, _("cannot scan: %s"), strerror(errno));
			s->r->paths_failed++;
			free(real);
			continue;
		}
		s->roots[s->n_roots++] = real;
	}
	return 0;
}

int
scan_run(struct store *st, const struct scan_opts *o, struct scan_result *r, struct err *e)
{
	struct scan s;
	size_t i, n_failed;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&s, 0, sizeof(s));
	s.st = st;
	s.o = o;
	s.r = r;
	s.now = store_now();
	s.max_size = o->max_size > 0 ? o->max_size : SCAN_MAX_FILE_DEFAULT;
	if (resolve_roots(&s, e) != 0)
		goto out;
	if (store_begin(st, e) != 0)
		goto out;
	if (load_old(&s, e) != 0)
		goto undo;
	for (i = 0; i < s.n_roots; i++) {
		n_failed = s.n_failed;
		if (scan_entry(&s, s.roots[i], e) != 0)
			goto undo;
		/* A root directory that could not be opened is a failed PATH. */
		if (s.n_failed > n_failed && strcmp(s.failed[n_failed], s.roots[i]) == 0)
			r->paths_failed++;
	}
	for (i = 0; i < s.n_keys; i++)
		if (match_pending(&s, &s.keys[i], e) != 0)
			goto undo;
	if (forget_unseen(&s, e) != 0)
		goto undo;
	if (o->dry_run) {
		store_rollback(st);
	} else if (store_commit(st, e) != 0)
		goto undo;
	rc = 0;
	goto out;
undo:
	store_rollback(st);
out:
	scan_clear(&s);
	return rc;
}
