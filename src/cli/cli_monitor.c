#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "cli_job.h"
#include "cli_monitor.h"
#include "i18n.h"
#include "jobs.h"
#include "notify.h"
#include "store_job.h"
#include "store_run.h"
#include "worker.h"

/* Alert lines renew prints; 'certdeck status' lists them all. */
#define MAX_LINES 20

/* Delivers the notifications just queued (and any retry that is due), in one pass. */
static void
deliver(struct cli *cli)
{
	struct worker_opts o = { 0 };
	struct worker_stats stats;
	struct err e;
	char *path;

	err_clear(&e);
	if ((path = store_default_path(cli->store_flag, &e)) == NULL) {
		cli_msg(_("notifications wait for the next run: %s"), e.msg);
		return;
	}
	o.store_path = path;
	o.actor = cli->actor;
	o.threads = 1;
	o.once = 1;
	o.stop = &cli_job_stop;
	o.wake_fd = -1;
	if (worker_run(&o, &stats, &e) != 0)
		cli_msg(_("notifications wait for the next run: %s"), e.msg);
	else if (stats.failed + stats.deferred > 0)
		cli_msg(_("%d notification(s) could not be delivered; 'certdeck notify list' "
		    "says why"), stats.failed + stats.deferred);
	free(path);
}

/* The notify jobs runnable now, collected by store_job_list's callback. */
struct notices {
	int64_t *ids;
	size_t n, cap;
	long long now;
	int oom;
};

static int
collect_notice(const struct job_row *j, void *arg)
{
	struct notices *ns = arg;
	int64_t *grown;

	if (j->state != JOB_QUEUED || strcmp(j->kind, JOB_NOTIFY) != 0 || j->run_after > ns->now)
		return 0;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 16;
		if ((grown = realloc(ns->ids, ns->cap * sizeof(*grown))) == NULL) {
			ns->oom = 1;
			return 1;
		}
		ns->ids = grown;
	}
	ns->ids[ns->n++] = j->id;
	return 0;
}

/*
 * Delivers the notify jobs runnable now, and nothing else: a command that
 * is not renew (check) must not run the renewals and issuances queued
 * beside them.
 */
static void
deliver_notices(struct cli *cli, struct store *st)
{
	struct notices ns = { .now = store_now() };
	struct worker_opts o = { 0 };
	struct worker_stats stats;
	int undelivered = 0;
	size_t i;
	struct err e;

	err_clear(&e);
	if (store_job_list(st, 1, collect_notice, &ns, &e) == -1 || ns.oom) {
		cli_msg(_("notifications wait for the next run: %s"), ns.oom ?
		    _("out of memory") : e.msg);
		free(ns.ids);
		return;
	}
	o.store = st;
	o.actor = cli->actor;
	o.threads = 1;
	o.stop = &cli_job_stop;
	o.wake_fd = -1;
	for (i = 0; i < ns.n; i++) {
		o.only_job = ns.ids[i];
		if (worker_run(&o, &stats, &e) != 0 || stats.failed + stats.deferred > 0)
			undelivered++;
	}
	if (undelivered > 0)
		cli_msg(_("%d notification(s) could not be delivered; 'certdeck notify list' "
		    "says why"), undelivered);
	free(ns.ids);
}

void
cli_monitor_renew_done(struct cli *cli, struct store *st, long long started,
    const struct worker_stats *stats)
{
	struct run_row run = { 0 };
	struct err e;

	err_clear(&e);
	snprintf(run.kind, sizeof(run.kind), "%s", RUN_RENEW);
	run.started = started;
	run.ended = store_now();
	run.done = stats->done;
	run.failed = stats->failed;
	run.deferred = stats->deferred + stats->interrupted;
	run.outcome = run.failed > 0 ? RUN_FAILED : run.deferred > 0 ? RUN_RETRY : RUN_OK;
	if (store_run_add(st, &run, cli->actor, &e) != 0)
		cli_msg(_("the run could not be recorded: %s"), e.msg);
	cli_monitor_notify(cli, st, 1, 0);
}

void
cli_monitor_notify(struct cli *cli, struct store *st, int print, int notices_only)
{
	struct alert_report r;
	struct alert_opts o;
	struct err e;
	size_t i;
	int queued = 0;

	err_clear(&e);
	alert_opts_default(&o);
	o.keep = 0;	/* notify_update compares every condition */
	if (alert_evaluate(st, &o, &r, &e) != 0) {
		cli_msg(_("the alert conditions could not be evaluated: %s"), e.msg);
		return;
	}
	for (i = 0; print && i < r.n && i < MAX_LINES; i++)
		cli_msg("%s: %s", r.v[i].severity == ALERT_CRITICAL ? _("CRITICAL") :
		    _("WARNING"), r.v[i].message);
	if (print && r.total > i)
		cli_msg(_("... and %zu more alerts ('certdeck status' lists them)"),
		    r.total - i);
	if (notify_update(st, &r, cli->actor, &queued, &e) != 0)
		cli_msg(_("notifications could not be queued: %s"), e.msg);
	alert_report_clear(&r);
	if (queued > 0 && notices_only)
		deliver_notices(cli, st);
	else if (queued > 0)
		deliver(cli);
}
