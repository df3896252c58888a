/* Monitoring at the end of a renew run: the run is recorded, the conditions evaluated. */
#ifndef CERTDECK_CLI_MONITOR_H
#define CERTDECK_CLI_MONITOR_H

#include "cli.h"

struct worker_stats;

/*
 * Records a completed `certdeck renew` run (started: its start time, from
 * store_now()) and evaluates the conditions, printing one line on stderr
 * for each (cron mails them), then queues and delivers the notifications
 * due (src/notify.c). Failures are said, not returned: the run's
 * own exit status stands.
 */
void cli_monitor_renew_done(struct cli *cli, struct store *st, long long started,
    const struct worker_stats *stats);

/*
 * Evaluates the conditions and queues and delivers the notifications due,
 * as at the end of a renew run; with print, one line on stderr for each
 * condition. With notices_only only notify jobs are run (a worker pass
 * otherwise, which also runs any other job that is due): for `certdeck
 * check`, whose verdicts are conditions too. Failures are said, not
 * returned.
 */
void cli_monitor_notify(struct cli *cli, struct store *st, int print, int notices_only);

#endif
