/* Running queued jobs from the command line: in the foreground, or not at all (--no-wait). */
#ifndef CERTDECK_CLI_JOB_H
#define CERTDECK_CLI_JOB_H

#include <signal.h>
#include <stdint.h>

#include "cli.h"

/* Set by SIGINT/SIGTERM once cli_job_signals() ran. */
extern volatile sig_atomic_t cli_job_stop;

/* Installs SIGINT/SIGTERM handlers that ask workers to stop between steps. */
void cli_job_signals(void);

/*
 * Runs job_id here and now, printing "[k/n] message" progress to stderr,
 * and waits through short retries. Returns CLI_OK (and *result_id),
 * CLI_FAIL, or CLI_TEMPFAIL (75) when the next attempt is more than a
 * minute away or the CA made no progress for 90 s: the job stays queued
 * and the message says when it will retry. st (may be NULL) is an open
 * connection to run on, in this thread.
 */
int cli_job_foreground(struct cli *cli, struct store *st, int64_t job_id,
    int64_t *result_id);

/*
 * Queues a job (params: JSON text or NULL). With no_wait prints its ID
 * and returns CLI_OK; otherwise runs it in the foreground. Returns an exit code.
 */
int cli_job_submit(struct cli *cli, struct store *st, const char *kind, int64_t target,
    const char *params, int no_wait, int64_t *result_id);

#endif
