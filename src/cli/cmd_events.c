#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "i18n.h"
#include "store_job.h"
#include "timefmt.h"

static int
add_json(const struct event_row *ev, void *arg)
{
	cJSON *o = cJSON_CreateObject();
	char t[40];

	cJSON_AddNumberToObject(o, "id", (double)ev->id);
	timefmt_rfc3339(ev->time, t, sizeof(t));
	cJSON_AddStringToObject(o, "time", t);
	if (ev->job_id > 0)
		cJSON_AddNumberToObject(o, "job_id", (double)ev->job_id);
	else
		cJSON_AddNullToObject(o, "job_id");
	cJSON_AddStringToObject(o, "level", ev->level != NULL ? ev->level : "info");
	cJSON_AddNumberToObject(o, "step", ev->step);
	cJSON_AddNumberToObject(o, "steps", ev->steps);
	cJSON_AddStringToObject(o, "message", ev->message);
	if (ev->actor != NULL)
		cJSON_AddStringToObject(o, "actor", ev->actor);
	cJSON_AddItemToArray(arg, o);
	return 0;
}

static int
print_row(const struct event_row *ev, void *arg)
{
	char t[40], job[24] = "-";

	(void)arg;
	timefmt_utc(ev->time, 1, t, sizeof(t));
	if (ev->job_id > 0)
		snprintf(job, sizeof(job), "#%lld", (long long)ev->job_id);
	printf("%s  %-6s %-5s %s  (%s)\n", t, job, ev->level != NULL ? ev->level : "",
	    ev->message, ev->actor != NULL ? ev->actor : "-");
	return 0;
}

static int
cmd_events_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "job", required_argument, NULL, 'J' },
		{ "limit", required_argument, NULL, 'n' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	int opt, rc, json = 0, limit = 200;
	int64_t job = 0;
	struct store *st;
	cJSON *arr = NULL;
	char *end;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'j') {
			json = 1;
			continue;
		}
		if (opt == 'J') {
			if (cli_parse_id(optarg, &job) != 0)
				return cli_usage(self, _("'%s' is not a job ID"), optarg);
			continue;
		}
		if (opt == 'n') {
			errno = 0;
			limit = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || limit < 0)
				return cli_usage(self, _("--limit takes a number, not '%s'"), optarg);
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
		rc = store_event_list(st, job, limit, add_json, arr, &e);
	} else {
		rc = store_event_list(st, job, limit, print_row, NULL, &e);
	}
	store_close(st);
	if (json)
		cli_print_json(arr);
	return rc != 0 ? cli_fail(&e) : CLI_OK;
}

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.args = "[--json] [--job ID] [--limit N]",
	.summary = N_("show the event log: who did what, when, and how it went"),
	.options = N_("      --json     a JSON array, oldest first\n"
	    "      --job ID   only that job's events\n"
	    "      --limit N  the newest N events (default 200; 0 for all)\n"),
	.exec = cmd_events_exec,
};
