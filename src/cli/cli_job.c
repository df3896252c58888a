#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_job.h"
#include "i18n.h"
#include "store_job.h"
#include "timefmt.h"
#include "worker.h"
#include "safetext.h"

#define FOREGROUND_WAIT_MAX 60	/* seconds: a later retry is left to a worker */
#define FOREGROUND_STALL 90	/* seconds without success: leave it queued */

volatile sig_atomic_t cli_job_stop;

static void
on_signal(int sig)
{
	(void)sig;
	cli_job_stop = 1;
}

void
cli_job_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct outcome {
	enum job_state state;
	int64_t result;
	long long run_after;
	struct err e;
	int have_err;
};

static void
print_event(void *arg, int64_t job_id, int step, int steps, const char *msg)
{
	(void)arg;
	(void)job_id;
	if (steps > 0 && step > 0)
		fprintf(stderr, "[%d/%d] %s\n", step, steps, safetext(msg));
	else
		fprintf(stderr, "%s\n", safetext(msg));
}

static void
record_done(void *arg, const struct job_row *job, enum job_state state, int64_t result_id,
    long long run_after, const struct err *e)
{
	struct outcome *oc = arg;

	(void)job;
	oc->state = state;
	oc->result = result_id;
	oc->run_after = run_after;
	oc->have_err = e != NULL;
	if (e != NULL)
		oc->e = *e;
}

int
cli_job_foreground(struct cli *cli, struct store *st, int64_t job_id, int64_t *result_id)
{
	struct worker_opts o = { 0 };
	struct worker_stats stats;
	struct outcome oc;
	time_t start = time(NULL);
	char when[40], *path;
	struct err e;

	err_clear(&e);
	if ((path = store_default_path(cli->store_flag, &e)) == NULL)
		return cli_fail(&e);
	cli_job_signals();
	o.store_path = path;
	o.store = st;
	o.actor = cli->actor;
	o.threads = 1;
	o.only_job = job_id;
	o.stop = &cli_job_stop;
	o.wake_fd = -1;
	o.on_event = print_event;
	o.on_done = record_done;
	o.arg = &oc;
	for (;;) {
		memset(&oc, 0, sizeof(oc));
		oc.state = JOB_QUEUED;
		if (worker_run(&o, &stats, &e) != 0) {
			free(path);
			return cli_fail(&e);
		}
		if (oc.state == JOB_DONE) {
			*result_id = oc.result;
			free(path);
			return CLI_OK;
		}
		if (oc.state == JOB_FAILED || oc.state == JOB_CANCELLED) {
			if (oc.have_err)
				cli_fail(&oc.e);
			cli_msg(_("job #%lld %s"), (long long)job_id, store_job_state_name(oc.state));
			free(path);
			return CLI_FAIL;
		}
		if (cli_job_stop) {
			cli_msg(_("interrupted: job #%lld stays queued and resumes with "
			    "'certdeck worker'"), (long long)job_id);
			free(path);
			return CLI_TEMPFAIL;
		}
		if (oc.run_after == 0) {
			/* Not claimable (running elsewhere, or scheduled later). */
			cli_msg(_("job #%lld is not runnable now (another worker has it, or it is "
			    "scheduled later); see 'certdeck jobs'"), (long long)job_id);
			free(path);
			return CLI_TEMPFAIL;
		}
		if (oc.run_after - store_now() > FOREGROUND_WAIT_MAX ||
		    time(NULL) - start > FOREGROUND_STALL) {
			timefmt_utc(oc.run_after, 1, when, sizeof(when));
			if (oc.have_err)
				cli_fail(&oc.e);
			cli_msg(_("job #%lld stays queued and will be retried at %s "
			    "(by 'certdeck worker' or 'certdeck renew')"), (long long)job_id, when);
			free(path);
			return CLI_TEMPFAIL;
		}
		/* A short retry: wait for it here. */
		while (store_now() < oc.run_after && !cli_job_stop) {
			struct timespec ts = { 0, 200000000L };

			nanosleep(&ts, NULL);
		}
	}
}

int
cli_job_submit(struct cli *cli, struct store *st, const char *kind, int64_t target,
    const char *params, int no_wait, int64_t *result_id)
{
	int64_t job_id;
	struct err e;

	err_clear(&e);
	if (store_job_add(st, kind, target, params, 0, cli->actor, &job_id, &e) != 0)
		return cli_fail(&e);
	if (no_wait) {
		printf("%lld\n", (long long)job_id);
		return CLI_OK;
	}
	return cli_job_foreground(cli, st, job_id, result_id);
}
