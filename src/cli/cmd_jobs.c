#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "i18n.h"
#include "store_job.h"
#include "timefmt.h"

static cJSON *
job_json(const struct job_row *j)
{
	cJSON *o = cJSON_CreateObject(), *err;
	char t[40];

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

static int
add_json(const struct job_row *j, void *arg)
{
	cJSON_AddItemToArray(arg, job_json(j));
	return 0;
}

static int
print_row(const struct job_row *j, void *arg)
{
	char t[40];

	(void)arg;
	timefmt_utc(j->updated, 1, t, sizeof(t));
	printf("%6lld  %-18s %6lld  %-9s %3d/%-3d %s  %s\n", (long long)j->id, j->kind,
	    (long long)j->target_id, store_job_state_name(j->state), j->step, j->steps, t,
	    j->progress != NULL ? j->progress : "");
	return 0;
}

static int
cmd_jobs_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "active", no_argument, NULL, 'a' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	int opt, rc, json = 0, active = 0;
	struct store *st;
	cJSON *arr = NULL;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'j') {
			json = 1;
			continue;
		}
		if (opt == 'a') {
			active = 1;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return cli_usage(self, _("unexpected argument '%s'"), argv[optind]);
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	if (json) {
		arr = cJSON_CreateArray();
		rc = store_job_list(st, active, add_json, arr, &e);
	} else {
		/* TRANSLATORS: column headings of 'certdeck jobs'. */
		printf("%6s  %-18s %6s  %-9s %-7s %-23s  %s\n", _("ID"), _("KIND"), _("TARGET"),
		    _("STATE"), _("STEP"), _("UPDATED"), _("PROGRESS"));
		rc = store_job_list(st, active, print_row, NULL, &e);
	}
	store_close(st);
	if (json)
		cli_print_json(arr);
	return rc != 0 ? cli_fail(&e) : CLI_OK;
}

const struct cmd_entry cmd_jobs_entry = {
	.name = "jobs",
	.args = "[--json] [--active]",
	.summary = N_("list jobs (queued, running, done, failed), newest first"),
	.options = N_("      --json    a JSON array, with each job's error document\n"
	    "      --active  only queued and running jobs\n"),
	.exec = cmd_jobs_exec,
};
