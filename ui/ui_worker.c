/* The worker thread inside the TUI: start, stop, wake-ups. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "ui_worker.h"

/* Threads of the worker inside the TUI. */
#define UI_WORKER_THREADS 2

static void *
worker_thread(void *arg)
{
	struct ui_worker *w = arg;
	ssize_t n;

	w->rc = worker_run(&w->opts, &w->stats, &w->e);
	atomic_store(&w->ended, 1);
	/* Tell the loop the worker has ended (it shows why, if it failed). */
	n = write(w->wake[1], "x", 1);
	(void)n;
	return NULL;
}

int
ui_worker_start(struct ui_worker *w, const char *store_path, const char *actor,
    struct err *e)
{
	int i;

	if ((w->store_path = strdup(store_path)) == NULL)
		return err_nomem(e);
	if (pipe(w->wake) == -1) {
		w->wake[0] = w->wake[1] = -1;
		return err_set(e, ERR_IO, _("cannot create a pipe: %s"),
		    strerror(errno));
	}
	for (i = 0; i < 2; i++) {
		fcntl(w->wake[i], F_SETFD, FD_CLOEXEC);
		fcntl(w->wake[i], F_SETFL, O_NONBLOCK);
	}
	snprintf(w->claimer, sizeof(w->claimer), "%s:%ld:", worker_host(),
	    (long)getpid());
	w->opts.store_path = w->store_path;
	w->opts.actor = actor;
	w->opts.threads = UI_WORKER_THREADS;
	w->opts.stop = &w->stop;
	w->opts.wake_fd = w->wake[1];
	err_clear(&w->e);
	if (pthread_create(&w->thread, NULL, worker_thread, w) != 0)
		return err_set(e, ERR_IO, "%s", _("cannot start the worker "
		    "thread"));
	w->started = 1;
	return 0;
}

void
ui_worker_stop(struct ui_worker *w)
{
	int i;

	if (w->started) {
		w->stop = 1;
		pthread_join(w->thread, NULL);
		w->started = 0;
	}
	for (i = 0; i < 2; i++) {
		if (w->wake[i] > 0)
			close(w->wake[i]);
		w->wake[i] = -1;
	}
	free(w->store_path);
	w->store_path = NULL;
}

int
ui_worker_fd(const struct ui_worker *w)
{
	return w->started ? w->wake[0] : -1;
}

const char *
ui_worker_drain(struct ui_worker *w)
{
	char drain[64];

	while (read(w->wake[0], drain, sizeof(drain)) > 0)
		;
	if (atomic_load(&w->ended) && w->rc != 0 && !w->reported) {
		w->reported = 1;
		return w->e.msg;
	}
	return NULL;
}

int
ui_worker_claimed(const struct ui_worker *w, const char *claimed_by)
{
	return claimed_by != NULL && w->claimer[0] != '\0' &&
	    strncmp(claimed_by, w->claimer, strlen(w->claimer)) == 0;
}
