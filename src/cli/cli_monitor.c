#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "cli_monitor.h"
#include "i18n.h"
#include "store_run.h"
#include "worker.h"

void
cli_monitor_renew_done(struct cli *cli, struct store *st, long long started,
    const struct worker_stats *stats)
{
	struct run_row run = { 0 };
	struct alert_report r;
	struct alert_opts o;
	struct err e;
	size_t i;

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
	alert_opts_default(&o);
	if (alert_evaluate(st, &o, &r, &e) != 0) {
		cli_msg(_("the alert conditions could not be evaluated: %s"), e.msg);
		return;
	}
	for (i = 0; i < r.n; i++)
		cli_msg("%s: %s", r.v[i].severity == ALERT_CRITICAL ? _("CRITICAL") :
		    _("WARNING"), r.v[i].message);
	if (r.total > r.n)
		cli_msg(_("... and %zu more alerts ('certdeck status' lists them)"),
		    r.total - r.n);
	alert_report_clear(&r);
}
