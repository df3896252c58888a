#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_list.h"
#include "i18n.h"
#include "store_job.h"
#include "timefmt.h"
#include "safetext.h"

static cJSON *
job_json(const void *row, void *arg)
{
	const struct job_row *j = row;
	cJSON *o = cJSON_CreateObject(), *err;
	char t[40];

	(void)arg;
	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)j->id);
	cJSON_AddStringToObject(o, "kind", j->kind);
	cJSON_AddNumberToObject(o, "target_id", (double)j->target_id);
	cJSON_AddStringToObject(o, "state", store_job_state_name(j->state));
	cJSON_AddNumberToObject(o, "attempt", j->attempt);
	cJSON_AddNumberToObject(o, "step", j->step);
	cJSON_AddNumberToObject(o, "steps", j->steps);
	if (j->progress != NULL)
		cJSON_AddStringToObject(o, "progress", j->progress);
	if (j->run_after > 0) {
		timefmt_rfc3339(j->run_after, t, sizeof(t));
		cJSON_AddStringToObject(o, "run_after", t);
	}
	if (j->result_id > 0)
		cJSON_AddNumberToObject(o, "result_id", (double)j->result_id);
	err = j->last_error != NULL ? cJSON_Parse(j->last_error) : NULL;
	if (err != NULL)
		cJSON_AddItemToObject(o, "last_error", err);
	if (j->actor != NULL)
		cJSON_AddStringToObject(o, "actor", j->actor);
	timefmt_rfc3339(j->created, t, sizeof(t));
	cJSON_AddStringToObject(o, "created", t);
	timefmt_rfc3339(j->updated, t, sizeof(t));
	cJSON_AddStringToObject(o, "updated", t);
	return o;
}

static void
job_text(const void *row, long i, void *arg)
{
	const struct job_row *j = row;
	char t[40];

	(void)i;
	(void)arg;
	timefmt_utc(j->updated, 1, t, sizeof(t));
	printf("%6lld  %-18s %6lld  %-9s %3d/%-3d %s  %s\n", (long long)j->id, safetext(j->kind),
	    (long long)j->target_id, store_job_state_name(j->state), j->step, j->steps, t,
	    j->progress != NULL ? safetext(j->progress) : "");
}

static void
heading(void)
{
	/* TRANSLATORS: column headings of 'certdeck jobs'. */
	printf("%6s  %-18s %6s  %-9s %-7s %-23s  %s\n", _("ID"), _("KIND"), _("TARGET"),
	    _("STATE"), _("STEP"), _("UPDATED"), _("PROGRESS"));
}

static int
one_job(const struct job_row *j, void *l)
{
	return cli_list_row(l, j);
}

/* l->arg is --active. */
static int
load(struct store *st, struct cli_list *l, struct err *e)
{
	return store_job_list(st, *(const int *)l->arg, one_job, l, e);
}

static const struct cli_list_ops job_list = {
	.load = load, .json = job_json, .text = job_text, .heading = heading,
};

static int
cmd_jobs_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int json = 0, active = 0, rc;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 },
		{ "active", no_argument, &active, 1 },
		CLI_COMMON_OPTIONS, { 0 },
	};

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE ||
	    (rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	return cli_list_run(cli, &job_list, &active, json);
}

const struct cmd_entry cmd_jobs_entry = {
	.name = "jobs",
	.args = "[--json] [--active]",
	.summary = N_("list jobs (queued, running, done, failed), newest first"),
	.options = N_("      --json    a JSON array, with each job's error document\n"
	    "      --active  only queued and running jobs\n"),
	.exec = cmd_jobs_exec,
};
