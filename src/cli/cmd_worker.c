#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_conf.h"
#include "cli_job.h"
#include "i18n.h"
#include "worker.h"
#include "safetext.h"

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void
log_event(void *arg, int64_t job_id, int step, int steps, const char *msg)
{
	(void)arg;
	pthread_mutex_lock(&print_lock);
	if (steps > 0 && step > 0)
		fprintf(stderr, "job #%lld [%d/%d] %s\n", (long long)job_id, step, steps,
		    safetext(msg));
	else
		fprintf(stderr, "job #%lld %s\n", (long long)job_id, safetext(msg));
	pthread_mutex_unlock(&print_lock);
}

static void
log_done(void *arg, const struct job_row *job, enum job_state state, int64_t result_id,
    long long run_after, const struct err *e)
{
	(void)arg;
	(void)result_id;
	(void)run_after;
	pthread_mutex_lock(&print_lock);
	fprintf(stderr, "job #%lld (%s): %s%s%s\n", (long long)job->id, job->kind,
	    store_job_state_name(state), e != NULL ? ": " : "", e != NULL ? safetext(e->msg) : "");
	pthread_mutex_unlock(&print_lock);
}

static int
cmd_worker_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "workers", required_argument, NULL, 'w' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct worker_opts o = { 0 };
	struct worker_stats stats;
	const char *flag[CONF_KEY_COUNT] = { 0 };
	struct cli_settings cs;
	int opt, rc, threads = 4;
	char *path;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'o') {
			o.once = 1;
			continue;
		}
		if (opt == 'w') {
			if ((rc = cli_workers_option(self, optarg, &threads)) != CLI_CONTINUE)
				return rc;
			flag[CONF_WORKERS] = optarg;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	if ((rc = cli_settings(cli, flag, NULL, 0, &cs)) != CLI_OK)
		return rc;
	threads = atoi(cs.v[CONF_WORKERS]);	/* checked: 1 to 64 */
	err_clear(&e);
	if ((path = store_default_path(cli->store_flag, &e)) == NULL)
		return cli_fail(&e);
	cli_job_signals();
	o.store_path = path;
	o.actor = cli->actor;
	o.threads = threads;
	o.stop = &cli_job_stop;
	o.wake_fd = -1;
	o.on_event = log_event;
	o.on_done = log_done;
	rc = worker_run(&o, &stats, &e);
	free(path);
	if (rc != 0)
		return cli_fail(&e);
	fprintf(stderr, _("worker: %d done, %d failed, %d to retry later\n"), stats.done,
	    stats.failed, stats.deferred + stats.interrupted);
	if (stats.failed > 0)
		return CLI_FAIL;
	return stats.deferred > 0 && o.once ? CLI_TEMPFAIL : CLI_OK;
}

const struct cmd_entry cmd_worker_entry = {
	.name = "worker",
	.args = "[--once] [--workers N]",
	.summary = N_("run queued jobs (until SIGTERM, or once)"),
	.options = N_("      --once       run every job runnable now, then exit: 0 when all\n"
	    "                   succeeded, 1 when one failed, 75 when one waits for a retry\n"
	    "      --workers N  jobs run in parallel (default 4, or workers in the config)\n"
	    "SIGTERM or SIGINT finishes the current step of each job and exits; the jobs\n"
	    "resume from that step on the next start.\n"),
	.exec = cmd_worker_exec,
};
