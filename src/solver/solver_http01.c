#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64url.h"
#include "fileio.h"
#include "i18n.h"
#include "solver.h"
#include "solver_priv.h"

#define CHALLENGE_PATH "/.well-known/acme-challenge/"
/* Connections the standalone responder serves at once, and from one address. */
#define HTTP01_CONN_MAX 256
#define HTTP01_PEER_MAX 128

/* One presented token and the body served for it. */
struct http_entry {
	char *token;
	char *keyauth;
	struct http_entry *next;
};

static void
entry_free(struct http_entry *en)
{
	if (en == NULL)
		return;
	free(en->token);
	free(en->keyauth);
	free(en);
}

/* ---- standalone responder ------------------------------------------- */

struct standalone {
	pthread_mutex_t lock;	/* guards entries */
	struct http_entry *entries;
	struct MHD_Daemon *daemon;
	int port;
};

static const struct solver_ops standalone_ops;

static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned int status, struct MHD_Response *resp)
{
	enum MHD_Result rc;

	if (resp == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    status == MHD_HTTP_OK ? "application/octet-stream" : "text/plain");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static struct MHD_Response *
static_body(const char *text)
{
	return MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	    MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result
standalone_answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	static int first_call_seen;
	struct standalone *st = cls;
	struct MHD_Response *resp = NULL;
	const char *token;
	struct http_entry *en;

	/* The first call only announces the headers; answer on the next. */
	if (*req_cls == NULL) {
		*req_cls = &first_call_seen;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;	/* a body we never read */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    static_body("method not allowed\n"));
	if (url == NULL || strncmp(url, CHALLENGE_PATH, strlen(CHALLENGE_PATH)) != 0)
		return respond(conn, MHD_HTTP_NOT_FOUND, static_body("not found\n"));
	token = url + strlen(CHALLENGE_PATH);
	if (!base64url_is_token(token, SOLVER_TOKEN_MAX))
		return respond(conn, MHD_HTTP_NOT_FOUND, static_body("not found\n"));
	pthread_mutex_lock(&st->lock);
	for (en = st->entries; en != NULL; en = en->next) {
		if (strcmp(en->token, token) == 0) {
			resp = MHD_create_response_from_buffer(strlen(en->keyauth),
			    en->keyauth, MHD_RESPMEM_MUST_COPY);
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	if (en == NULL)
		return respond(conn, MHD_HTTP_NOT_FOUND, static_body("not found\n"));
	return respond(conn, MHD_HTTP_OK, resp);
}

static int
standalone_present(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct standalone *st = s->priv;
	struct http_entry *en, *old;

	if (solver_check_challenge(c, e) == -1)
		return -1;
	en = calloc(1, sizeof(*en));
	if (en == NULL || (en->token = strdup(c->token)) == NULL ||
	    (en->keyauth = strdup(c->key_authorization)) == NULL) {
		entry_free(en);
		return err_nomem(e);
	}
	pthread_mutex_lock(&st->lock);
	/* Presenting a token again replaces its answer. */
	for (old = st->entries; old != NULL; old = old->next) {
		if (strcmp(old->token, en->token) == 0) {
			char *tmp = old->keyauth;

			old->keyauth = en->keyauth;
			en->keyauth = tmp;
			break;
		}
	}
	if (old == NULL) {
		en->next = st->entries;
		st->entries = en;
		en = NULL;
	}
	pthread_mutex_unlock(&st->lock);
	entry_free(en);
	return 0;
}

static int
standalone_cleanup(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct standalone *st = s->priv;
	struct http_entry **pp, *gone = NULL;

	if (solver_check_challenge(c, e) == -1)
		return -1;
	pthread_mutex_lock(&st->lock);
	for (pp = &st->entries; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->token, c->token) == 0) {
			gone = *pp;
			*pp = gone->next;
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	entry_free(gone);
	return 0;
}

static void
standalone_free(struct solver *s)
{
	struct standalone *st;
	struct http_entry *en;

	if (s == NULL)
		return;
	st = s->priv;
	if (st != NULL) {
		/* Stops and joins MHD's threads and closes the listener. */
		if (st->daemon != NULL)
			MHD_stop_daemon(st->daemon);
		while ((en = st->entries) != NULL) {
			st->entries = en->next;
			entry_free(en);
		}
		pthread_mutex_destroy(&st->lock);
		free(st);
	}
	free(s);
}

static const struct solver_ops standalone_ops = {
	.type = "http-01",
	.present = standalone_present,
	.cleanup = standalone_cleanup,
	.free = standalone_free,
};

int
solver_http01_standalone_new(const char *addr, int port, struct solver **out,
    struct err *e)
{
	struct solver *s = NULL;
	struct standalone *st = NULL;
	int fd = -1;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	st = calloc(1, sizeof(*st));
	if (s == NULL || st == NULL) {
		free(s);
		free(st);
		return err_nomem(e);
	}
	pthread_mutex_init(&st->lock, NULL);
	s->ops = &standalone_ops;
	s->priv = st;
	if (solver_listen(addr, port, &fd, &st->port, e) == -1)
		goto fail;
	/*
	 * One event-loop thread: each answer is a few bytes from memory, so it
	 * keeps up with Pebble's three fetches per token and many workers, and
	 * a foreground issue does not pay for starting a pool. Idle
	 * connections are dropped after 10 s, and no one address holds more
	 * than half the slots. MHD takes over (and later closes) fd.
	 */
	st->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD,
	    0, NULL, NULL, standalone_answer, st,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP01_CONN_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTP01_PEER_MAX,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
	    MHD_OPTION_END);
	if (st->daemon == NULL) {
		close(fd);
		err_set(e, ERR_NET, _("cannot start the http-01 responder on port %d"),
		    st->port);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	solver_free(s);
	return -1;
}

int
solver_http01_port(struct solver *s)
{
	if (s == NULL || s->ops != &standalone_ops)
		return -1;
	return ((struct standalone *)s->priv)->port;
}

/* ---- webroot ---------------------------------------------------------- */

struct webroot {
	pthread_mutex_t lock;	/* serializes directory creation and removal */
	char *root;
	uid_t root_uid;		/* the webroot's owner, trusted on its path */
	int created_well_known;	/* we made <root>/.well-known */
	int created_challenge;	/* we made <root>/.well-known/acme-challenge */
};

static char *
path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

/*
 * Makes dir (0755, whatever the umask) unless it exists, walking the path
 * as fileio does: no symbolic links, no directory another user may write.
 * Sets *created.
 */
static int
ensure_dir(const struct webroot *w, const char *dir, int *created, struct err *e)
{
	struct fileio_perm perm = { 0755, (uid_t)-1, (gid_t)-1, NULL, NULL, w->root_uid };
	int made = 0;

	if (fileio_mkdir(dir, 0755, &perm, &made, e) == -1)
		return -1;
	if (made)
		*created = 1;
	return 0;
}

static int
webroot_present(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct webroot *w = s->priv;
	/* The webroot's owner may own the directories down to it (a user's site). */
	struct fileio_perm perm = { 0644, (uid_t)-1, (gid_t)-1, NULL, NULL, w->root_uid };
	char *wk = NULL, *dir = NULL, *dst = NULL;
	int rc = -1;

	if (solver_check_challenge(c, e) == -1)
		return -1;
	pthread_mutex_lock(&w->lock);
	wk = path_join(w->root, ".well-known");
	dir = path_join(w->root, ".well-known/acme-challenge");
	if (wk == NULL || dir == NULL || (dst = path_join(dir, c->token)) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (ensure_dir(w, wk, &w->created_well_known, e) == -1 ||
	    ensure_dir(w, dir, &w->created_challenge, e) == -1)
		goto out;
	/* Written in full beside its final name, then renamed into place. */
	rc = fileio_write_atomic(dst, c->key_authorization, strlen(c->key_authorization),
	    &perm, e);
out:
	pthread_mutex_unlock(&w->lock);
	free(wk);
	free(dir);
	free(dst);
	return rc;
}

static int
webroot_cleanup(struct solver *s, const struct solver_challenge *c, struct err *e)
{
	struct webroot *w = s->priv;
	struct fileio_perm perm = { 0644, (uid_t)-1, (gid_t)-1, NULL, NULL, w->root_uid };
	struct err ignored;
	char *wk = NULL, *dir = NULL, *dst = NULL;
	int rc = -1;

	if (solver_check_challenge(c, e) == -1)
		return -1;
	pthread_mutex_lock(&w->lock);
	wk = path_join(w->root, ".well-known");
	dir = path_join(w->root, ".well-known/acme-challenge");
	if (wk == NULL || dir == NULL || (dst = path_join(dir, c->token)) == NULL) {
		err_nomem(e);
		goto out;
	}
	/* The same walk as when it was written: no link is followed. */
	if (fileio_remove(dst, 0, &perm, e) == -1)
		goto out;
	/* Only directories we made, and only once nothing else is in them. */
	err_clear(&ignored);
	if (w->created_challenge && fileio_remove(dir, 1, &perm, &ignored) == 0)
		w->created_challenge = 0;
	if (!w->created_challenge && w->created_well_known &&
	    fileio_remove(wk, 1, &perm, &ignored) == 0)
		w->created_well_known = 0;
	rc = 0;
out:
	pthread_mutex_unlock(&w->lock);
	free(wk);
	free(dir);
	free(dst);
	return rc;
}

static void
webroot_free(struct solver *s)
{
	struct webroot *w;

	if (s == NULL)
		return;
	w = s->priv;
	if (w != NULL) {
		pthread_mutex_destroy(&w->lock);
		free(w->root);
		free(w);
	}
	free(s);
}

static const struct solver_ops webroot_ops = {
	.type = "http-01",
	.present = webroot_present,
	.cleanup = webroot_cleanup,
	.free = webroot_free,
};

int
solver_http01_webroot_new(const char *webroot, struct solver **out, struct err *e)
{
	struct solver *s;
	struct webroot *w;
	struct stat st;

	*out = NULL;
	if (webroot == NULL || webroot[0] == '\0')
		return err_set(e, ERR_USAGE, "%s", _("no webroot given"));
	if (stat(webroot, &st) == -1)
		return err_set(e, ERR_INPUT, _("webroot %s: %s"), webroot, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_INPUT, _("webroot %s is not a directory"), webroot);
	s = calloc(1, sizeof(*s));
	w = calloc(1, sizeof(*w));
	if (s == NULL || w == NULL || (w->root = strdup(webroot)) == NULL) {
		free(s);
		if (w != NULL)
			free(w->root);
		free(w);
		return err_nomem(e);
	}
	w->root_uid = st.st_uid;
	pthread_mutex_init(&w->lock, NULL);
	s->ops = &webroot_ops;
	s->priv = w;
	*out = s;
	return 0;
}
