#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "deploy.h"
#include "fileio.h"
#include "testhook.h"
#include "i18n.h"
#include "subproc.h"
#include "store_cert.h"
#include "store_deploy.h"
#include "store_key.h"

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

static const char *const file_names[DEPLOY_FILE_COUNT] = {
	[DEPLOY_FILE_CERT] = "cert",
	[DEPLOY_FILE_CHAIN] = "chain",
	[DEPLOY_FILE_FULLCHAIN] = "fullchain",
	[DEPLOY_FILE_KEY] = "key",
	[DEPLOY_FILE_COMBINED] = "combined",
};

const char *
deploy_file_name(enum deploy_file f)
{
	if ((unsigned)f >= DEPLOY_FILE_COUNT)
		return NULL;
	return file_names[f];
}

/* ---- contents ------------------------------------------------------- */

/* A growing buffer for public data only: realloc leaves copies behind. */
struct buf {
	char *p;
	size_t len, cap;
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 2048;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((grown = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/*
 * Copies the CERTIFICATE blocks of pem, each ending in one newline: the
 * first into leaf, the others into rest. Text between blocks is dropped.
 */
static int
split_chain(const char *pem, struct buf *leaf, struct buf *rest, struct err *e)
{
	const char *p = strstr(pem, PEM_BEGIN), *end;
	struct buf *to = leaf;

	for (; p != NULL; p = strstr(end, PEM_BEGIN)) {
		if ((end = strstr(p, PEM_END)) == NULL)
			return err_set(e, ERR_INPUT, "%s", _("the certificate chain "
			    "ends inside a certificate"));
		end += strlen(PEM_END);
		if (buf_add(to, p, (size_t)(end - p)) == -1 || buf_add(to, "\n", 1) == -1)
			return err_nomem(e);
		to = rest;
	}
	if (leaf->len == 0)
		return err_set(e, ERR_INPUT, "%s", _("the certificate chain holds no "
		    "certificate"));
	return 0;
}

/* a + b (+ c) in one exact allocation, so key material is never realloc'd. */
static char *
join3(const char *a, size_t la, const char *b, size_t lb, const char *c, size_t lc,
    size_t *len)
{
	char *s = malloc(la + lb + lc + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc);
	s[la + lb + lc] = '\0';
	*len = la + lb + lc;
	return s;
}

void
deploy_contents_clear(struct deploy_contents *c)
{
	int f;

	for (f = 0; f < DEPLOY_FILE_COUNT; f++) {
		if (c->data[f] != NULL) {
			OPENSSL_cleanse(c->data[f], c->len[f]);
			free(c->data[f]);
		}
		c->data[f] = NULL;
		c->len[f] = 0;
	}
}

/* Checks that key_pem is a key and belongs to the leaf. Returns 0 or -1. */
static int
key_matches(const char *leaf, size_t leaf_len, const char *key_pem, struct err *e)
{
	EVP_PKEY *key = NULL;
	int m;

	if (crypto_key_from_pem(key_pem, strlen(key_pem), &key, e) == -1)
		return err_prefix(e, "%s", _("the stored private key is unusable"));
	m = crypto_cert_matches_key(leaf, leaf_len, key, e);
	EVP_PKEY_free(key);
	if (m == 1)
		return 0;
	if (m == 0)
		err_set(e, ERR_INPUT, "%s", _("the stored private key does not "
		    "belong to the certificate"));
	return -1;
}

int
deploy_contents_build(const char *pem_chain, const char *key_pem,
    struct deploy_contents *out, struct err *e)
{
	struct deploy_contents c = { { NULL }, { 0 } };
	struct buf leaf = { NULL, 0, 0 }, rest = { NULL, 0, 0 };
	const char *nl = "";
	size_t klen;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (pem_chain == NULL)
		return err_set(e, ERR_INPUT, "%s", _("the certificate chain holds no "
		    "certificate"));
	if (crypto_chain_verify_links(pem_chain, strlen(pem_chain), e) == -1 ||
	    split_chain(pem_chain, &leaf, &rest, e) == -1)
		goto out;
	if (key_pem != NULL && key_matches(leaf.p, leaf.len, key_pem, e) == -1)
		goto out;

	c.data[DEPLOY_FILE_CERT] = join3(leaf.p, leaf.len, "", 0, "", 0,
	    &c.len[DEPLOY_FILE_CERT]);
	if (rest.len > 0)
		c.data[DEPLOY_FILE_CHAIN] = join3(rest.p, rest.len, "", 0, "", 0,
		    &c.len[DEPLOY_FILE_CHAIN]);
	c.data[DEPLOY_FILE_FULLCHAIN] = join3(leaf.p, leaf.len,
	    rest.len > 0 ? rest.p : "", rest.len, "", 0, &c.len[DEPLOY_FILE_FULLCHAIN]);
	if (c.data[DEPLOY_FILE_CERT] == NULL || c.data[DEPLOY_FILE_FULLCHAIN] == NULL ||
	    (rest.len > 0 && c.data[DEPLOY_FILE_CHAIN] == NULL))
		goto oom;
	if (key_pem != NULL) {
		klen = strlen(key_pem);
		if (klen > 0 && key_pem[klen - 1] != '\n')
			nl = "\n";
		c.data[DEPLOY_FILE_KEY] = join3(key_pem, klen, nl, strlen(nl), "", 0,
		    &c.len[DEPLOY_FILE_KEY]);
		if (c.data[DEPLOY_FILE_KEY] == NULL)
			goto oom;
		c.data[DEPLOY_FILE_COMBINED] = join3(key_pem, klen, nl, strlen(nl),
		    c.data[DEPLOY_FILE_FULLCHAIN], c.len[DEPLOY_FILE_FULLCHAIN],
		    &c.len[DEPLOY_FILE_COMBINED]);
		if (c.data[DEPLOY_FILE_COMBINED] == NULL)
			goto oom;
	}
	*out = c;
	memset(&c, 0, sizeof(c));
	rc = 0;
	goto out;
oom:
	err_nomem(e);
out:
	deploy_contents_clear(&c);
	free(leaf.p);
	free(rest.p);
	return rc;
}

/* ---- owners --------------------------------------------------------- */

/* A decimal id that fits uid_t/gid_t. Returns 0 and *out, or -1. */
static int
parse_numeric_id(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out >= (unsigned long)UINT_MAX)
		return -1;
	return 0;
}

/* Buffer size for the *_r lookups, grown on ERANGE. */
static size_t
lookup_size(int name)
{
	long n = sysconf(name);

	return n > 0 ? (size_t)n : 16384;
}

int
deploy_resolve_owner(const char *owner, const char *group, uid_t *uid,
    gid_t *gid, struct err *e)
{
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;
	unsigned long num;
	char *buf = NULL, *grown;
	size_t size;
	int rc;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (owner != NULL) {
		size = lookup_size(_SC_GETPW_R_SIZE_MAX);
		for (;;) {
			if ((grown = realloc(buf, size)) == NULL) {
				free(buf);
				return err_nomem(e);
			}
			buf = grown;
			rc = getpwnam_r(owner, &pw, buf, size, &pwr);
			if (rc != ERANGE || size > 1024 * 1024)
				break;
			size *= 2;
		}
		if (rc == 0 && pwr != NULL)
			*uid = pwr->pw_uid;
		else if (parse_numeric_id(owner, &num) == 0)
			*uid = (uid_t)num;
		else {
			free(buf);
			if (rc != 0)
				return err_set(e, ERR_IO, _("cannot look up user '%s': %s"),
				    owner, strerror(rc));
			return err_set(e, ERR_INPUT, _("no user '%s' on this system"),
			    owner);
		}
	}
	if (group != NULL) {
		size = lookup_size(_SC_GETGR_R_SIZE_MAX);
		for (;;) {
			if ((grown = realloc(buf, size)) == NULL) {
				free(buf);
				return err_nomem(e);
			}
			buf = grown;
			rc = getgrnam_r(group, &gr, buf, size, &grr);
			if (rc != ERANGE || size > 1024 * 1024)
				break;
			size *= 2;
		}
		if (rc == 0 && grr != NULL)
			*gid = grr->gr_gid;
		else if (parse_numeric_id(group, &num) == 0)
			*gid = (gid_t)num;
		else {
			free(buf);
			if (rc != 0)
				return err_set(e, ERR_IO, _("cannot look up group '%s': %s"),
				    group, strerror(rc));
			return err_set(e, ERR_INPUT, _("no group '%s' on this system"),
			    group);
		}
	}
	free(buf);
	return 0;
}

/* ---- atomic files ----------------------------------------------------- */

/* One file of a target on its way out. */
struct staged {
	enum deploy_file file;
	const char *path;	/* borrowed from the target */
	int mode;
	struct fileio_staged st;
};

/*
 * Installs every file of the target as one set: all are staged first (the
 * paths walked and checked, see fileio.h), so a failure there (full disk,
 * missing or unsafe directory, unknown owner) replaces nothing; then the
 * old files are linked aside and each new one renamed into place. When a
 * rename fails, the ones already renamed are put back, so the target
 * holds all new files or all old ones.
 */
static int
install_files(const struct deploy_target *t, const struct deploy_contents *c,
    struct staged *files, size_t n, struct err *e)
{
	uid_t uid;
	gid_t gid;
	size_t i, done = 0;
	int rc = -1;

	for (i = 0; i < n; i++) {
		memset(&files[i].st, 0, sizeof(files[i].st));
		files[i].st.dirfd = -1;
	}
	if (deploy_resolve_owner(t->owner, t->group, &uid, &gid, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		struct fileio_perm perm = { files[i].mode, uid, gid, t->owner, t->group, 0 };
		const char *base = strrchr(files[i].path, '/');

		if (files[i].path[0] != '/' || base == NULL || base[1] == '\0') {
			err_set(e, ERR_INPUT, _("%s is not an absolute file path"), files[i].path);
			goto out;
		}
		if (fileio_stage(files[i].path, c->data[files[i].file], c->len[files[i].file],
		    &perm, &files[i].st, e) == -1)
			goto out;
		if (fileio_staged_keep_old(&files[i].st, e) == -1)
			goto out;
	}
	for (done = 0; done < n; done++) {
		if (fileio_staged_rename(&files[done].st, e) == -1)
			goto out;
		testhook_crash("deploy");
	}
	for (i = 0; i < n; i++)
		if (fileio_staged_sync(&files[i].st, e) == -1)
			goto out;
	rc = 0;
out:
	if (rc == -1) {
		/* Back to the old set; the last renamed first. */
		for (i = n; i-- > 0;)
			if (fileio_staged_restore(&files[i].st) == -1) {
				size_t len = strlen(e->msg);

				snprintf(e->msg + len, sizeof(e->msg) - len,
				    _(" (and the old %s could not be put back: %s)"),
				    files[i].path, strerror(errno));
			}
	}
	for (i = 0; i < n; i++)
		fileio_staged_discard(&files[i].st);
	return rc;
}

/* ---- the reload command --------------------------------------------- */

/*
 * The end of line in at most room bytes: "..." and then the last bytes,
 * starting at a character boundary. May write into line.
 */
static const char *
tail_fit(char *line, size_t room)
{
	size_t n = strlen(line);
	char *p;

	if (n < room)
		return line;
	if (room < 8)
		return "";
	p = line + n - (room - 4);
	while (((unsigned char)*p & 0xc0) == 0x80)
		p++;
	p -= 3;
	memcpy(p, "...", 3);
	return p;
}

static char *
str_concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 1);

	if (p != NULL) {
		memcpy(p, a, la);
		memcpy(p + la, b, lb + 1);
	}
	return p;
}

static const char *const env_names[] = {
	"CERTDECK_CERT_ID=", "CERTDECK_DOMAINS=", "CERTDECK_CERT=", "CERTDECK_CHAIN=",
	"CERTDECK_FULLCHAIN=", "CERTDECK_KEY=", "CERTDECK_COMBINED=",
};
#define N_ENV (sizeof(env_names) / sizeof(env_names[0]))

/* Our variables' values, in env_names order. Frees vars on failure. */
static int
reload_vars(const struct deploy_target *t, const struct cert_row *cert,
    char *vars[N_ENV])
{
	struct buf domains = { NULL, 0, 0 };
	const char *paths[5];
	char id[32];
	size_t i;
	int rc = 0;

	snprintf(id, sizeof(id), "%lld", (long long)cert->id);
	for (i = 0; i < cert->n_sans; i++)
		if ((i > 0 && buf_add(&domains, " ", 1) == -1) ||
		    buf_add(&domains, cert->sans[i], strlen(cert->sans[i])) == -1)
			rc = -1;
	paths[0] = t->cert_path;
	paths[1] = t->chain_path;
	paths[2] = t->fullchain_path;
	paths[3] = t->key_path;
	paths[4] = t->combined_path;
	vars[0] = str_concat(env_names[0], id);
	vars[1] = str_concat(env_names[1], domains.p != NULL ? domains.p : "");
	for (i = 0; i < 5; i++)
		vars[2 + i] = str_concat(env_names[2 + i], paths[i] != NULL ? paths[i] : "");
	free(domains.p);
	for (i = 0; i < N_ENV; i++)
		if (vars[i] == NULL)
			rc = -1;
	if (rc == -1)
		for (i = 0; i < N_ENV; i++) {
			free(vars[i]);
			vars[i] = NULL;
		}
	return rc;
}

/*
 * Runs the target's reload command (see subproc_run). Returns 0 when it
 * exits 0 in time (out holds the output tail), else -1 with e saying how
 * it ended.
 */
static int
run_reload(const struct deploy_target *t, const struct cert_row *cert, char *out,
    size_t outsize, struct err *e)
{
	char *vars[N_ENV] = { NULL };
	char **envp = NULL;
	char line[SUBPROC_TAIL_MAX + 8], head[512];
	struct subproc_result res;
	const char *prog = t->reload_argv[0];
	int rc = -1;
	size_t i;

	out[0] = '\0';
	if (reload_vars(t, cert, vars) == -1 || (envp = subproc_envp(vars, N_ENV)) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (subproc_run((const char *const *)t->reload_argv, envp, t->reload_timeout, &res, e) == -1) {
		if (res.failed == SUBPROC_FAIL_PREPARE)
			err_set(e, ERR_IO, "%s", _("cannot prepare to run the reload command"));
		else if (res.failed == SUBPROC_FAIL_EXEC)
			err_set(e, ERR_IO, _("cannot run the reload command %s: %s"), prog,
			    strerror(res.error));
		else if (res.failed == SUBPROC_FAIL_WAIT)
			err_set(e, ERR_IO, _("cannot wait for the reload command: %s"),
			    strerror(res.error));
		goto out;
	}
	subproc_tail_line(&res, SUBPROC_TAIL_MAX, line, sizeof(line));
	if (res.timed_out)
		snprintf(head, sizeof(head), _("reload command %s did not finish "
		    "within %d s and was killed"), prog, t->reload_timeout);
	else if (res.exited && res.status != 0)
		snprintf(head, sizeof(head), _("reload command %s failed with exit "
		    "status %d"), prog, res.status);
	else if (!res.exited)
		snprintf(head, sizeof(head), _("reload command %s was killed by "
		    "signal %d"), prog, res.signal);
	else {
		snprintf(out, outsize, "%s", line);
		rc = 0;
		goto out;
	}
	/* The end of the output says most: keep it whole in the message. */
	err_set(e, ERR_IO, "%s%s%s", head, line[0] ? ": " : "",
	    tail_fit(line, sizeof(e->msg) - strlen(head) - 3));
out:
	for (i = 0; i < N_ENV; i++)
		free(vars[i]);
	free(envp);
	return rc;
}

/* ---- one target, then all ------------------------------------------- */

static int
needs_key(const struct deploy_target *t)
{
	return t->key_path != NULL || t->combined_path != NULL;
}

/* Appends printf output to buf (NUL-terminated, of size n), truncating. */
static void
append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

/*
 * Installs the files of one target and runs its reload. Returns 0 with
 * msg saying what was done, or -1.
 */
static int
deploy_target_once(const struct deploy_target *t, const struct cert_row *cert,
    const struct deploy_contents *c, char *msg, size_t msgsize, struct err *e)
{
	const char *paths[DEPLOY_FILE_COUNT];
	struct staged files[DEPLOY_FILE_COUNT];
	char output[SUBPROC_TAIL_MAX + 8];
	size_t n = 0, i;
	int f;

	paths[DEPLOY_FILE_CERT] = t->cert_path;
	paths[DEPLOY_FILE_CHAIN] = t->chain_path;
	paths[DEPLOY_FILE_FULLCHAIN] = t->fullchain_path;
	paths[DEPLOY_FILE_KEY] = t->key_path;
	paths[DEPLOY_FILE_COMBINED] = t->combined_path;
	for (f = 0; f < DEPLOY_FILE_COUNT; f++) {
		if (paths[f] == NULL)
			continue;
		if (c->data[f] == NULL) {
			if (f == DEPLOY_FILE_CHAIN)
				return err_set(e, ERR_INPUT, _("certificate #%lld has no "
				    "chain to write to %s"), (long long)cert->id, paths[f]);
			return err_set(e, ERR_INPUT, _("nothing to write to %s"), paths[f]);
		}
		files[n].file = (enum deploy_file)f;
		files[n].path = paths[f];
		files[n].mode = f == DEPLOY_FILE_KEY || f == DEPLOY_FILE_COMBINED ?
		    t->key_mode : t->mode;
		n++;
	}
	if (n == 0)
		return err_set(e, ERR_INPUT, "%s", _("the target names no file"));
	if (install_files(t, c, files, n, e) == -1)
		return -1;
	msg[0] = '\0';
	/* TRANSLATORS: followed by a list of file paths. */
	append(msg, msgsize, "%s", _("wrote"));
	for (i = 0; i < n; i++)
		append(msg, msgsize, "%s %s", i > 0 ? "," : "", files[i].path);
	if (t->reload_argv == NULL || t->reload_argv[0] == NULL)
		return 0;
	if (run_reload(t, cert, output, sizeof(output), e) == -1)
		return -1;
	append(msg, msgsize, _("; reload command %s succeeded"), t->reload_argv[0]);
	if (output[0] != '\0')
		append(msg, msgsize, ": %s", output);
	return 0;
}

/* The targets to run: one (checked to belong to cert_id) or all. */
static int
targets_load(struct store *st, int64_t cert_id, int64_t target_id,
    struct deploy_target ***out, size_t *n, struct err *e)
{
	struct deploy_target *one = NULL;
	int rc;

	if (target_id == 0)
		return store_deploy_list(st, cert_id, out, n, e);
	*out = NULL;
	*n = 0;
	rc = store_deploy_get(st, target_id, &one, e);
	if (rc == -1)
		return -1;
	if (rc == 1 || one->cert_id != cert_id) {
		deploy_target_free(one);
		return err_set(e, ERR_INPUT, _("certificate #%lld has no deploy target "
		    "#%lld"), (long long)cert_id, (long long)target_id);
	}
	if ((*out = malloc(sizeof(**out))) == NULL) {
		deploy_target_free(one);
		return err_nomem(e);
	}
	(*out)[0] = one;
	*n = 1;
	return 0;
}

/*
 * The contents for the targets: with the key when any target wants it
 * and it can be had. A reason the key cannot be used goes into key_err
 * (those targets fail, the others go on); a broken chain fails the call.
 */
static int
build_for(struct store *st, const struct cert_row *cert, int want_key,
    struct deploy_contents *c, struct err *key_err, struct err *e)
{
	char *key_pem = NULL;
	int rc;

	if (deploy_contents_build(cert->pem_chain, NULL, c, e) == -1)
		return -1;
	if (!want_key)
		return 0;
	if (cert->key_id == 0) {
		err_set(key_err, ERR_INPUT, _("the private key of certificate #%lld is "
		    "not in the store"), (long long)cert->id);
		return 0;
	}
	rc = store_key_get(st, cert->key_id, &key_pem, NULL, key_err);
	if (rc == 1)
		err_set(key_err, ERR_STORE, _("the private key of certificate #%lld "
		    "(key #%lld) is missing from the store"), (long long)cert->id,
		    (long long)cert->key_id);
	if (rc != 0)
		return 0;
	deploy_contents_clear(c);
	rc = deploy_contents_build(cert->pem_chain, key_pem, c, key_err);
	OPENSSL_cleanse(key_pem, strlen(key_pem));
	free(key_pem);
	if (rc == -1)
		/* Without the key, the public files can still go out. */
		return deploy_contents_build(cert->pem_chain, NULL, c, e);
	return 0;
}

/*
 * Sets e to "head: msg", cutting the middle of msg if need be: it starts
 * with what failed and ends with the command's last words.
 */
static void
summary(struct err *e, const char *head, const char *msg)
{
	size_t room = sizeof(e->msg) - strlen(head) - 3, n = strlen(msg), keep;
	const char *end;

	if (n < room || room < 64) {
		err_set(e, ERR_IO, "%s: %s", head, msg);
		return;
	}
	keep = room / 4;
	while (keep > 0 && ((unsigned char)msg[keep] & 0xc0) == 0x80)
		keep--;
	end = msg + n - (room - keep - 5);
	while (((unsigned char)*end & 0xc0) == 0x80)
		end++;
	err_set(e, ERR_IO, "%s: %.*s ...%s", head, (int)keep, msg, end);
}

void
deploy_report_clear(struct deploy_report *rep)
{
	if (rep == NULL)
		return;
	free(rep->results);
	memset(rep, 0, sizeof(*rep));
}

int
deploy_run(struct store *st, int64_t cert_id, int64_t target_id, const char *actor,
    struct deploy_report *rep, struct err *e)
{
	struct deploy_report local = { NULL, 0, 0 };
	struct deploy_contents c = { { NULL }, { 0 } };
	struct deploy_target **targets = NULL;
	struct cert_row *cert = NULL;
	struct deploy_result *first_failed = NULL;
	struct err key_err, build_err, te, re;
	int want_key = 0, built, rc;
	size_t n = 0, i;

	if (rep == NULL)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	err_clear(&key_err);
	err_clear(&build_err);
	rc = store_cert_get(st, cert_id, &cert, e);
	if (rc == 1)
		err_set(e, ERR_INPUT, _("no certificate #%lld"), (long long)cert_id);
	if (rc != 0)
		return -1;
	rc = -1;
	if (targets_load(st, cert_id, target_id, &targets, &n, e) == -1)
		goto out;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if ((rep->results = calloc(n, sizeof(*rep->results))) == NULL) {
		err_nomem(e);
		goto out;
	}
	for (i = 0; i < n; i++)
		want_key |= needs_key(targets[i]);
	built = build_for(st, cert, want_key, &c, &key_err, &build_err) == 0;

	for (i = 0; i < n; i++) {
		struct deploy_result *r = &rep->results[rep->n++];
		const struct deploy_target *t = targets[i];

		r->target_id = t->id;
		err_clear(&te);
		if (!built)
			snprintf(r->message, sizeof(r->message), "%s", build_err.msg);
		else if (needs_key(t) && c.data[DEPLOY_FILE_KEY] == NULL)
			snprintf(r->message, sizeof(r->message), "%s", key_err.msg);
		else if (deploy_target_once(t, cert, &c, r->message, sizeof(r->message),
		    &te) == -1)
			snprintf(r->message, sizeof(r->message), "%s", te.msg);
		else
			r->ok = 1;
		err_clear(&re);
		if (store_deploy_record(st, t->id, store_now(), r->ok, r->message, actor,
		    &re) == -1) {
			r->ok = 0;
			append(r->message, sizeof(r->message), _(" (not recorded: %s)"),
			    re.msg);
		}
		if (!r->ok) {
			rep->n_failed++;
			if (first_failed == NULL)
				first_failed = r;
		}
	}
	if (first_failed == NULL)
		rc = 0;
	else {
		char head[256];

		if (rep->n == 1)
			snprintf(head, sizeof(head), _("deploy target #%lld failed"),
			    (long long)first_failed->target_id);
		else
			snprintf(head, sizeof(head), _("%zu of %zu deploy targets "
			    "failed; target #%lld"), rep->n_failed, rep->n,
			    (long long)first_failed->target_id);
		summary(e, head, first_failed->message);
	}
out:
	deploy_contents_clear(&c);
	deploy_target_list_free(targets, n);
	cert_row_free(cert);
	deploy_report_clear(&local);
	return rc;
}
