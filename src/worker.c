#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
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
#include "testhook.h"
#include "timefmt.h"
#include "worker.h"

#define IDLE_SLICE_MS 200

/*
 * A claimed job is this worker's for WORKER_LEASE seconds; a heartbeat
 * thread renews the leases of the jobs the worker threads hold every
 * third of that (on the monotonic clock), whatever the job is doing (a DNS propagation wait, a
 * reload command that takes minutes). A worker that dies stops renewing,
 * and another one takes the job over once the lease has run out.
 */
#define WORKER_LEASE 90

/* What one worker thread holds, for the heartbeat. */
struct held {
	int active;
	struct job_row job;	/* id, attempt; claimed_by points at claimer */
	char claimer[320];	/* the thread's, "host:pid:thread:token" */
};

struct shared {
	const struct worker_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* the heartbeat sleeps on it; signalled to quit */
	int quit;
	struct worker_stats stats;
	const char *actor;
	int open_failed;
	struct err open_err;
	long lease;		/* seconds */
	struct held *held;	/* one per thread */
	int n_held;
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

/*
 * The longest wait a CA may ask for before a job gives up on it: past the
 * week a rate limit can last, short of the "year" that would leave a
 * certificate to expire while its renewal sleeps.
 */
#define RETRY_AFTER_GIVE_UP (8L * 86400)

/*
 * When to run a job again after a retryable failure e: the backoff or the
 * CA's Retry-After, brought forward to the job's deadline (a renewal
 * retried after the certificate expired is no renewal: one last try before
 * it, with a warning in *note). Returns the time, or 0 when no retry can
 * be of use: e then says why and is no longer retryable.
 */
static long long
retry_time(struct store *st, const struct job_row *job, struct err *e, char *note,
    size_t note_len)
{
	long long now = store_now(), at, deadline = 0;
	char why[sizeof(e->msg)], when[64];
	struct err ignore;

	note[0] = '\0';
	err_clear(&ignore);
	snprintf(why, sizeof(why), "%s", e->msg);
	if (e->retry_after > RETRY_AFTER_GIVE_UP) {
		err_set(e, e->kind, _("%s; the CA asks to wait %ld days, longer than certdeck "
		    "waits (%ld days): giving up"), why, e->retry_after / 86400,
		    RETRY_AFTER_GIVE_UP / 86400);
		e->retryable = 0;
		return 0;
	}
	at = now + worker_retry_delay(job->attempt, e->retry_after);
	if (jobs_retry_deadline(st, job, &deadline, &ignore) != 0 || deadline == 0 ||
	    at <= deadline)
		return at;
	timefmt_utc(deadline, 1, when, sizeof(when));
	if (deadline <= now + 60) {
		err_set(e, e->kind, _("%s; no retry is possible before certificate #%lld "
		    "expires"), why, (long long)job->target_id);
		e->retryable = 0;
		return 0;
	}
	snprintf(note, note_len, _("job #%lld: the retry is brought forward to %s, before "
	    "certificate #%lld expires"), (long long)job->id, when, (long long)job->target_id);
	return deadline;
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
	char msg[1300], note[256] = "", *ej = NULL;
	const char *level = "info";
	struct err e, ignore;
	int rc, fin;

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
		fin = store_job_finish(st, job, JOB_DONE, result, NULL, 0, &ignore);
	} else if (stopping(o) && e.retryable) {
		/* Shutdown between steps: back in the queue, the attempt not counted. */
		state = JOB_QUEUED;
		fin = store_job_release(st, job, &ignore);
		snprintf(msg, sizeof(msg), _("job #%lld stopped for shutdown; it resumes later"),
		    (long long)job->id);
		level = "warn";
	} else if (store_job_cancelled(st, job->id, &ignore) == 1) {
		state = JOB_CANCELLED;
		fin = store_job_finish(st, job, JOB_CANCELLED, 0, NULL, 0, &ignore);
		snprintf(msg, sizeof(msg), _("job #%lld cancelled"), (long long)job->id);
		level = "warn";
	} else {
		if (e.retryable && job->attempt < WORKER_MAX_ATTEMPTS)
			run_after = retry_time(st, job, &e, note, sizeof(note));
		ej = error_json(&e);
		if (run_after > 0) {
			state = JOB_QUEUED;
			if (note[0] != '\0')
				store_event_add(st, job->id, "warn", 0, 0, note, sh->actor, &ignore);
			fin = store_job_finish(st, job, JOB_QUEUED, 0, ej, run_after, &ignore);
			snprintf(msg, sizeof(msg), _("job #%lld: %s; retrying in %lld s"),
			    (long long)job->id, e.msg, run_after - store_now());
			level = "warn";
		} else {
			state = JOB_FAILED;
			fin = store_job_finish(st, job, JOB_FAILED, 0, ej, 0, &ignore);
			snprintf(msg, sizeof(msg), _("job #%lld failed: %s%s%s"), (long long)job->id,
			    e.msg, e.problem_detail[0] ? " — " : "", e.problem_detail);
			level = "error";
		}
	}
	if (fin == 1) {
		/*
		 * Our lease ran out and another worker took the job over: its
		 * outcome is that worker's to write, not ours.
		 */
		state = JOB_RUNNING;
		run_after = 0;
		rc = -1;
		err_set(&e, ERR_STORE, _("job #%lld was taken over by another worker (this one's "
		    "lease ran out); this run's outcome is dropped"), (long long)job->id);
		snprintf(msg, sizeof(msg), "%s", e.msg);
		level = "warn";
	}
	store_event_add(st, job->id, level, 0, 0, msg, sh->actor, &ignore);
	free(ej);
	pthread_mutex_lock(&sh->lock);
	if (state == JOB_DONE)
		sh->stats.done++;
	else if (state == JOB_FAILED || state == JOB_CANCELLED)
		sh->stats.failed++;
	else if (stopping(o) && state == JOB_QUEUED)
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

/* Sets what thread index holds (job NULL: nothing) for the heartbeat. */
static void
hold(struct shared *sh, int index, const struct job_row *job)
{
	struct held *h = &sh->held[index];

	pthread_mutex_lock(&sh->lock);
	h->active = job != NULL;
	if (job != NULL) {
		h->job.id = job->id;
		h->job.attempt = job->attempt;
	}
	pthread_mutex_unlock(&sh->lock);
}

/*
 * The heartbeat: every third of the lease, renews the lease of each job
 * the worker threads hold, on a connection of its own (a worker thread may
 * be inside a transaction, or blocked in a child process for minutes).
 */
static void *
heartbeat_main(void *p)
{
	struct shared *sh = p;
	const struct worker_opts *o = sh->o;
	const char *path = o->store_path != NULL ? o->store_path :
	    o->store != NULL ? store_path(o->store) : NULL;
	long period_ms = sh->lease * 1000 / 3;
	struct store *st = NULL;
	struct job_row *jobs;
	struct timespec until;
	struct err e;
	int i, n;

	if (path == NULL || (jobs = calloc((size_t)sh->n_held, sizeof(*jobs))) == NULL)
		return NULL;
	pthread_mutex_lock(&sh->lock);
	while (!sh->quit) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += period_ms / 1000;
		until.tv_nsec += (period_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!sh->quit && pthread_cond_timedwait(&sh->cond, &sh->lock, &until) == 0)
			;
		if (sh->quit)
			break;
		for (i = n = 0; i < sh->n_held; i++)
			if (sh->held[i].active)
				jobs[n++] = sh->held[i].job;	/* claimed_by stays the thread's */
		pthread_mutex_unlock(&sh->lock);
		err_clear(&e);
		/* Opened at the first job that outlives a period: short runs never pay. */
		if (n > 0 && st == NULL && store_open(path, 0, &st, &e) != 0)
			st = NULL;
		for (i = 0; i < n && st != NULL; i++)
			/* 1 (taken over): the job's thread finds out at its next write. */
			(void)store_job_renew(st, &jobs[i], sh->lease, &e);
		pthread_mutex_lock(&sh->lock);
	}
	pthread_mutex_unlock(&sh->lock);
	free(jobs);
	store_close(st);
	return NULL;
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
	const char *claimer = sh->held[ta->index].claimer;
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
	while (!stopping(o)) {
		rc = store_job_claim(st, claimer, o->only_job, sh->lease, &job, &e);
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
		hold(sh, ta->index, job);
		run_one(sh, st, &cache, job);
		hold(sh, ta->index, NULL);
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
	pthread_t *tids, beat;
	pthread_condattr_t ca;
	int n = o->threads > 0 ? o->threads : 1, i, started = 0, beating = 0;
	uint32_t token = arc4random();

	if (o->only_job > 0)
		n = 1;
	memset(&sh, 0, sizeof(sh));
	sh.o = o;
	pthread_mutex_init(&sh.lock, NULL);
	/* The heartbeat's period is measured on the monotonic clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sh.cond, &ca);
	pthread_condattr_destroy(&ca);
	sh.actor = o->actor != NULL ? o->actor : "certdeck";
	sh.lease = testhook_lease_seconds(WORKER_LEASE);
	sh.n_held = n;
	args = calloc((size_t)n, sizeof(*args));
	tids = calloc((size_t)n, sizeof(*tids));
	sh.held = calloc((size_t)n, sizeof(*sh.held));
	if (args == NULL || tids == NULL || sh.held == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		/*
		 * "host:pid:thread:token": the token (one per run) keeps two
		 * processes apart that share a host name and a PID in different
		 * PID namespaces; the claim's attempt keeps two claims apart.
		 */
		snprintf(sh.held[i].claimer, sizeof(sh.held[i].claimer), "%s:%ld:%d:%08" PRIx32,
		    worker_host(), (long)getpid(), i, token);
		sh.held[i].job.claimed_by = sh.held[i].claimer;
	}
	beating = pthread_create(&beat, NULL, heartbeat_main, &sh) == 0;
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
	if (beating) {
		pthread_mutex_lock(&sh.lock);
		sh.quit = 1;
		pthread_cond_signal(&sh.cond);
		pthread_mutex_unlock(&sh.lock);
		pthread_join(beat, NULL);
	}
	solver_pool_flush();
	*stats = sh.stats;
	if (started == 0)
		err_set(e, ERR_IO, "%s", _("cannot start worker threads"));
	else if (sh.open_failed && started == 1)
		*e = sh.open_err;
	else
		started = -2;	/* success */
	goto out;
nomem:
	err_nomem(e);
	memset(stats, 0, sizeof(*stats));
out:
	free(sh.held);
	free(args);
	free(tids);
	pthread_cond_destroy(&sh.cond);
	pthread_mutex_destroy(&sh.lock);
	return started == -2 ? 0 : -1;
}
