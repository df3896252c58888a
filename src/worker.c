#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "i18n.h"
#include "jobs.h"
#include "solver_pool.h"
#include "store.h"
#include "worker.h"

#define RECLAIM_EVERY 30	/* seconds between checks for dead claimers */
#define STALE_AFTER 900		/* no heartbeat for this long: the claimer is gone */
#define IDLE_SLICE_MS 200

struct shared {
	const struct worker_opts *o;
	pthread_mutex_t lock;
	struct worker_stats stats;
	const char *actor;
	int open_failed;
	struct err open_err;
	time_t last_reclaim;	/* one thread reclaims for all, now and then */
};

struct thread_arg {
	struct shared *sh;
	int index;
};

static char host[256];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void
host_init(void)
{
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
}

const char *
worker_host(void)
{
	pthread_once(&host_once, host_init);
	return host;
}

long
worker_retry_delay(int attempt, long retry_after)
{
	long base = 5, delay;
	int i;

	for (i = 1; i < attempt && base < 3600; i++)
		base *= 2;
	if (base > 3600)
		base = 3600;
	/* Jitter of +-25% spreads retries of many jobs that failed together. */
	delay = base * 3 / 4 + (long)arc4random_uniform((uint32_t)(base / 2 + 1));
	return retry_after > delay ? retry_after : delay;
}

static void
wake(const struct worker_opts *o)
{
	if (o->wake_fd >= 0) {
		ssize_t w = write(o->wake_fd, "w", 1);

		(void)w;	/* a full pipe already means "wake up" */
	}
}

static void
on_event(void *arg, int64_t job_id, int step, int steps, const char *msg)
{
	const struct worker_opts *o = arg;

	if (o->on_event != NULL)
		o->on_event(o->arg, job_id, step, steps, msg);
	wake(o);
}

static char *
error_json(const struct err *e)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "kind", err_kind_name(e->kind));
	cJSON_AddStringToObject(o, "message", e->msg);
	if (e->problem_type[0] != '\0')
		cJSON_AddStringToObject(o, "problem_type", e->problem_type);
	if (e->problem_detail[0] != '\0')
		cJSON_AddStringToObject(o, "problem_detail", e->problem_detail);
	if (e->http_status > 0)
		cJSON_AddNumberToObject(o, "http_status", e->http_status);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static int
stopping(const struct worker_opts *o)
{
	return o->stop != NULL && *o->stop;
}

/* Runs one claimed job and records its outcome. */
static void
run_one(struct shared *sh, struct store *st, struct account_cache *cache, struct job_row *job)
{
	const struct worker_opts *o = sh->o;
	struct job_ctx ctx = { 0 };
	enum job_state state;
	long long run_after = 0;
	int64_t result = 0;
	char msg[1300], *ej = NULL;
	struct err e, ignore;
	int rc;

	err_clear(&e);
	err_clear(&ignore);
	ctx.st = st;
	ctx.job = job;
	ctx.stop = o->stop;
	ctx.on_event = on_event;
	ctx.arg = (void *)o;
	ctx.actor = sh->actor;
	ctx.cache = cache;
	rc = jobs_run(&ctx, &result, &e);
	if (rc == 0) {
		state = JOB_DONE;
		snprintf(msg, sizeof(msg), _("job #%lld (%s) done"), (long long)job->id, job->kind);
		store_job_finish(st, job->id, JOB_DONE, result, NULL, 0, &ignore);
		store_event_add(st, job->id, "info", 0, 0, msg, sh->actor, &ignore);
	} else if (stopping(o) && e.retryable) {
		/* Shutdown between steps: back in the queue, the attempt not counted. */
		state = JOB_QUEUED;
		store_job_release(st, job->id, &ignore);
		snprintf(msg, sizeof(msg), _("job #%lld stopped for shutdown; it resumes later"),
		    (long long)job->id);
		store_event_add(st, job->id, "warn", 0, 0, msg, sh->actor, &ignore);
	} else if (store_job_cancelled(st, job->id, &ignore) == 1) {
		state = JOB_CANCELLED;
		store_job_finish(st, job->id, JOB_CANCELLED, 0, NULL, 0, &ignore);
		snprintf(msg, sizeof(msg), _("job #%lld cancelled"), (long long)job->id);
		store_event_add(st, job->id, "warn", 0, 0, msg, sh->actor, &ignore);
	} else {
		ej = error_json(&e);
		if (e.retryable && job->attempt < WORKER_MAX_ATTEMPTS) {
			state = JOB_QUEUED;
			run_after = store_now() + worker_retry_delay(job->attempt, e.retry_after);
			store_job_finish(st, job->id, JOB_QUEUED, 0, ej, run_after, &ignore);
			snprintf(msg, sizeof(msg), _("job #%lld: %s; retrying in %lld s"),
			    (long long)job->id, e.msg, run_after - store_now());
			store_event_add(st, job->id, "warn", 0, 0, msg, sh->actor, &ignore);
		} else {
			state = JOB_FAILED;
			store_job_finish(st, job->id, JOB_FAILED, 0, ej, 0, &ignore);
			snprintf(msg, sizeof(msg), _("job #%lld failed: %s%s%s"), (long long)job->id,
			    e.msg, e.problem_detail[0] ? " — " : "", e.problem_detail);
			store_event_add(st, job->id, "error", 0, 0, msg, sh->actor, &ignore);
		}
	}
	free(ej);
	pthread_mutex_lock(&sh->lock);
	if (state == JOB_DONE)
		sh->stats.done++;
	else if (state == JOB_FAILED || state == JOB_CANCELLED)
		sh->stats.failed++;
	else if (stopping(o))
		sh->stats.interrupted++;
	else
		sh->stats.deferred++;
	pthread_mutex_unlock(&sh->lock);
	if (o->on_done != NULL)
		o->on_done(o->arg, job, state, result, run_after, rc == 0 ? NULL : &e);
	wake(o);
}

static void
idle_wait(const struct worker_opts *o, struct store *st)
{
	long long next = 0, now = store_now();
	long ms = 1000;
	struct err ignore;

	if (store_job_next_run(st, &next, &ignore) == 0 && next > 0 && next - now < 1)
		ms = IDLE_SLICE_MS;
	else
		solver_pool_flush();	/* nothing soon: give the ports back */
	while (ms > 0 && !stopping(o)) {
		struct timespec ts = { 0, IDLE_SLICE_MS * 1000000L };

		nanosleep(&ts, NULL);
		ms -= IDLE_SLICE_MS;
	}
}

/* 1 when this thread should look for dead claimers now (the others skip it). */
static int
reclaim_due(struct shared *sh)
{
	time_t now = time(NULL);
	int due;

	pthread_mutex_lock(&sh->lock);
	due = now - sh->last_reclaim >= RECLAIM_EVERY;
	if (due)
		sh->last_reclaim = now;
	pthread_mutex_unlock(&sh->lock);
	return due;
}

static void *
thread_main(void *p)
{
	struct thread_arg *ta = p;
	struct shared *sh = ta->sh;
	const struct worker_opts *o = sh->o;
	struct store *st = NULL;
	struct job_row *job;
	struct account_cache cache = { 0 };
	char claimer[300];
	struct err e;
	int rc;

	err_clear(&e);
	if (o->store != NULL && o->only_job > 0)
		st = o->store;
	else if (store_open(o->store_path, 0, &st, &e) != 0) {
		pthread_mutex_lock(&sh->lock);
		if (!sh->open_failed)
			sh->open_err = e;
		sh->open_failed = 1;
		pthread_mutex_unlock(&sh->lock);
		return NULL;
	}
	snprintf(claimer, sizeof(claimer), "%s:%ld:%d", worker_host(), (long)getpid(), ta->index);
	while (!stopping(o)) {
		if (reclaim_due(sh)) {
			/* Jobs whose worker died mid-step resume from their last commit. */
			if (store_job_reclaim(st, worker_host(), STALE_AFTER, &e) < 0) {
				pthread_mutex_lock(&sh->lock);
				sh->last_reclaim = 0;
				pthread_mutex_unlock(&sh->lock);
			}
		}
		rc = store_job_claim(st, claimer, o->only_job, &job, &e);
		if (rc < 0) {
			/* A busy store is not fatal: try again shortly. */
			idle_wait(o, st);
			continue;
		}
		if (rc == 1) {
			if (o->once || o->only_job > 0)
				break;
			idle_wait(o, st);
			continue;
		}
		run_one(sh, st, &cache, job);
		job_row_free(job);
		if (o->only_job > 0)
			break;
	}
	account_cache_clear(&cache);
	if (st != o->store)
		store_close(st);
	return NULL;
}

int
worker_run(const struct worker_opts *o, struct worker_stats *stats, struct err *e)
{
	struct shared sh;
	struct thread_arg *args;
	pthread_t *tids;
	int n = o->threads > 0 ? o->threads : 1, i, started = 0;

	if (o->only_job > 0)
		n = 1;
	memset(&sh, 0, sizeof(sh));
	sh.o = o;
	pthread_mutex_init(&sh.lock, NULL);
	sh.actor = o->actor != NULL ? o->actor : "certdeck";
	args = calloc((size_t)n, sizeof(*args));
	tids = calloc((size_t)n, sizeof(*tids));
	if (args == NULL || tids == NULL) {
		free(args);
		free(tids);
		return err_nomem(e);
	}
	for (i = 0; i < n; i++) {
		args[i].sh = &sh;
		args[i].index = i;
		if (o->store != NULL && o->only_job > 0) {
			thread_main(&args[i]);
			started = -1;	/* nothing to join */
			break;
		}
		if (pthread_create(&tids[i], NULL, thread_main, &args[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (started < 0)
		started = 1;
	solver_pool_flush();
	free(args);
	free(tids);
	pthread_mutex_destroy(&sh.lock);
	*stats = sh.stats;
	if (started == 0)
		return err_set(e, ERR_IO, "%s", _("cannot start worker threads"));
	if (sh.open_failed && started == 1) {
		*e = sh.open_err;
		return -1;
	}
	return 0;
}
