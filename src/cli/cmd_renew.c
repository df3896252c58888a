#include "config.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_conf.h"
#include "cli_job.h"
#include "cli_monitor.h"
#include "i18n.h"
#include "jobs.h"
#include "renew.h"
#include "store_cert.h"
#include "worker.h"
#include "safetext.h"

struct renew_state {
	struct store *st;
	int dry_run;
	int reuse_key;
	int queued;
	int64_t jobs[4096];
	int n_jobs;
	const char *actor;
	long long renew_before;	/* seconds: also due when expiring sooner; 0 for none */
	struct err e;
	pthread_mutex_t lock;
	int failures;
};

/* Queues a renewal of cert_id unless one is already queued or running. */
static int
queue_one(int64_t cert_id, void *arg)
{
	struct renew_state *rs = arg;
	struct cert_row *row = NULL;
	char params[64];
	int64_t job;
	int p;

	p = store_job_pending(rs->st, JOB_RENEW, cert_id, &rs->e);
	if (p != 0)
		return p < 0 ? -1 : 0;
	if (rs->dry_run) {
		if (store_cert_get(rs->st, cert_id, &row, &rs->e) == 0) {
			printf(_("would renew #%lld %s\n"), (long long)cert_id, safetext(row->name));
			cert_row_free(row);
		}
		rs->queued++;
		return 0;
	}
	snprintf(params, sizeof(params), "{\"reuse_key\":%s}", rs->reuse_key ? "true" : "false");
	if (store_job_add(rs->st, JOB_RENEW, cert_id, params, 0, rs->actor, &job, &rs->e) != 0)
		return -1;
	if (rs->n_jobs < (int)(sizeof(rs->jobs) / sizeof(rs->jobs[0])))
		rs->jobs[rs->n_jobs++] = job;
	rs->queued++;
	return 0;
}

/*
 * queue_one for a listed certificate that certdeck issued or enrolled over
 * SCEP or EST (imported ones have no order and nothing to renew them with).
 */
static int
queue_listed(const struct cert_row *row, void *arg)
{
	struct renew_state *rs = arg;

	if (row->order_id <= 0 && (row->source == NULL || (strcmp(row->source, "scep") != 0 &&
	    strcmp(row->source, "est") != 0)))
		return 0;
	return queue_one(row->id, rs) != 0 ? -1 : 0;
}

/* Queues the valid certificates expiring within rs->renew_before. Returns 0 or -1. */
static int
renew_before(struct renew_state *rs)
{
	struct cert_query q = { 0 };

	q.expiring_before = store_now() + rs->renew_before;
	q.status = "valid";
	return store_cert_list(rs->st, &q, queue_listed, rs, &rs->e) != 0 ? -1 : 0;
}

static void
report_failure(void *arg, const struct job_row *job, enum job_state state, int64_t result_id,
    long long run_after, const struct err *e)
{
	struct renew_state *rs = arg;

	(void)result_id;
	(void)run_after;
	if (state == JOB_DONE)
		return;
	pthread_mutex_lock(&rs->lock);
	rs->failures++;
	/* One line per failure, for cron's mail. */
	fprintf(stderr, "certdeck: job #%lld (%s #%lld): %s: %s%s%s\n", (long long)job->id,
	    job->kind, (long long)job->target_id, store_job_state_name(state),
	    e != NULL ? safetext(e->msg) : "", e != NULL && e->problem_detail[0] ? " — " : "",
	    e != NULL ? safetext(e->problem_detail) : "");
	pthread_mutex_unlock(&rs->lock);
}

static int
cmd_renew_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "reuse-key", no_argument, NULL, 'k' },
		{ "workers", required_argument, NULL, 'w' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "renew-before", required_argument, NULL, 'B' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	static struct renew_state rs;
	const char *flag[CONF_KEY_COUNT] = { 0 };
	struct cli_settings cs;
	struct worker_opts o = { 0 };
	struct worker_stats stats;
	int64_t forced[64];
	int n_forced = 0, opt, rc, threads = 4, no_wait = 0, i, ari;
	long long started = store_now();
	char *path = NULL;
	struct store *st;

	memset(&rs, 0, sizeof(rs));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (n_forced == 64 || cli_parse_id(optarg, &forced[n_forced]) != 0)
				return cli_usage(self, _("'%s' is not a certificate ID"), optarg);
			n_forced++;
			continue;
		case 'n': rs.dry_run = 1; continue;
		case 'k': rs.reuse_key = 1; continue;
		case 'W': no_wait = 1; continue;
		case 'w':
			if ((rc = cli_workers_option(self, optarg, &threads)) != CLI_CONTINUE)
				return rc;
			flag[CONF_WORKERS] = optarg;
			continue;
		case 'B': flag[CONF_RENEW_BEFORE] = optarg; continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	if (flag[CONF_RENEW_BEFORE] != NULL) {
		struct err ce;

		err_clear(&ce);
		if (conf_value_check(NULL, CONF_RENEW_BEFORE, flag[CONF_RENEW_BEFORE], &ce) != 0)
			return cli_usage(self, "--renew-before: %s", ce.msg);
	}
	if ((rc = cli_settings(cli, flag, NULL, 0, &cs)) != CLI_OK)
		return rc;
	threads = atoi(cs.v[CONF_WORKERS]);	/* checked: 1 to 64 */
	if (cs.v[CONF_RENEW_BEFORE] != NULL)
		rs.renew_before = atol(cs.v[CONF_RENEW_BEFORE]) * 86400;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	cli_notify_sync(cli, st, 1);
	err_clear(&rs.e);
	rs.st = st;
	rs.actor = cli->actor;
	pthread_mutex_init(&rs.lock, NULL);
	/* The CA's ARI windows first (network only for certificates whose check is due). */
	ari = renew_refresh_ari(st, &rs.e);
	if (ari < 0)
		cli_msg(_("renewal windows could not be checked: %s"), safetext(rs.e.msg));
	err_clear(&rs.e);
	rc = CLI_FAIL;
	for (i = 0; i < n_forced; i++) {
		struct cert_row *row = NULL;
		int replaced;

		if (cli_cert_get(st, forced[i], &row) != CLI_OK)
			goto out;
		if ((replaced = row->status == CERT_REPLACED))
			cli_msg(_("certificate #%lld was already replaced by #%lld; renew that one"),
			    (long long)forced[i], (long long)row->replaced_by);
		cert_row_free(row);
		if (replaced)
			goto out;
		if (queue_one(forced[i], &rs) != 0) {
			cli_fail(&rs.e);
			goto out;
		}
	}
	if (n_forced == 0 && renew_due(st, queue_one, &rs, &rs.e) != 0) {
		cli_fail(&rs.e);
		goto out;
	}
	if (n_forced == 0 && rs.renew_before > 0 && renew_before(&rs) != 0) {
		cli_fail(&rs.e);
		goto out;
	}
	if (rs.dry_run || no_wait) {
		if (no_wait)
			for (i = 0; i < rs.n_jobs; i++)
				printf("%lld\n", (long long)rs.jobs[i]);
		if (rs.queued == 0)
			fprintf(stderr, "%s", _("Nothing is due for renewal.\n"));
		rc = CLI_OK;
		goto out;
	}
	/* Run everything runnable: what we queued, and what earlier runs left. */
	if ((path = store_default_path(cli->store_flag, &rs.e)) == NULL) {
		cli_fail(&rs.e);
		goto out;
	}
	cli_job_signals();
	o.store_path = path;
	o.actor = cli->actor;
	o.threads = threads;
	o.once = 1;
	o.stop = &cli_job_stop;
	o.wake_fd = -1;
	o.on_done = report_failure;
	o.arg = &rs;
	if (worker_run(&o, &stats, &rs.e) != 0) {
		cli_fail(&rs.e);
		goto out;
	}
	if (stats.done + stats.failed + stats.deferred == 0)
		fprintf(stderr, "%s", _("Nothing is due for renewal.\n"));
	else
		fprintf(stderr, _("renew: %d done, %d failed, %d to retry later\n"), stats.done,
		    stats.failed, stats.deferred + stats.interrupted);
	cli_monitor_renew_done(cli, st, started, &stats);
	rc = stats.failed > 0 ? CLI_FAIL : stats.deferred + stats.interrupted > 0 ?
	    CLI_TEMPFAIL : CLI_OK;
out:
	pthread_mutex_destroy(&rs.lock);
	free(path);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_renew_entry = {
	.name = "renew",
	.args = "[--dry-run] [--force ID]... [--reuse-key] [--workers N] [--renew-before DAYS] [--no-wait]",
	.summary = N_("renew what is due (the cron / systemd timer entry point)"),
	.options = N_("A certificate is due inside the CA's ARI window when it offers one, else\n"
	    "when a third of its lifetime is left (half, for 10 days or less).\n"
	    "      --dry-run    list what would be renewed\n"
	    "      --force ID   renew certificate ID now, due or not (repeatable)\n"
	    "      --reuse-key  keep the certificate's key (default: a new key)\n"
	    "      --workers N  renewals run in parallel (default 4)\n"
	    "      --renew-before DAYS  also renew what expires within DAYS days\n"
	    "      --no-wait    only queue the renewals (print job IDs)\n"
	    "Exit status: 0 all renewed (or nothing due), 1 a renewal failed (one line\n"
	    "each on stderr), 75 a renewal waits for a retry.\n"),
	.exec = cmd_renew_exec,
};
