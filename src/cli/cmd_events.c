#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_list.h"
#include "i18n.h"
#include "store_job.h"
#include "timefmt.h"
#include "safetext.h"

static cJSON *
event_json(const void *row, void *arg)
{
	const struct event_row *ev = row;
	cJSON *o = cJSON_CreateObject();
	char t[40];

	(void)arg;
	if (o == NULL)
		return NULL;
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
	return o;
}

static void
event_text(const void *row, long i, void *arg)
{
	const struct event_row *ev = row;
	char t[40], job[24] = "-";

	(void)i;
	(void)arg;
	timefmt_utc(ev->time, 1, t, sizeof(t));
	if (ev->job_id > 0)
		snprintf(job, sizeof(job), "#%lld", (long long)ev->job_id);
	printf("%s  %-6s %-5s %s  (%s)\n", t, job, ev->level != NULL ? safetext(ev->level) : "",
	    safetext(ev->message), ev->actor != NULL ? safetext(ev->actor) : "-");
}

static int
one_event(const struct event_row *ev, void *l)
{
	return cli_list_row(l, ev);
}

/* What --job and --limit ask for. */
struct which {
	int64_t job;
	int limit;
};

static int
load(struct store *st, struct cli_list *l, struct err *e)
{
	const struct which *w = l->arg;

	return store_event_list(st, w->job, w->limit, one_event, l, e);
}

static const struct cli_list_ops event_list = {
	.load = load, .json = event_json, .text = event_text,
};

static int
cmd_events_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "job", required_argument, NULL, 'J' },
		{ "limit", required_argument, NULL, 'n' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct which w = { 0, 200 };
	int opt, rc, json = 0;
	char *end;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'j') {
			json = 1;
			continue;
		}
		if (opt == 'J') {
			if (cli_parse_id(optarg, &w.job) != 0)
				return cli_usage(self, _("'%s' is not a job ID"), optarg);
			continue;
		}
		if (opt == 'n') {
			errno = 0;
			w.limit = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || w.limit < 0)
				return cli_usage(self, _("--limit takes a number, not '%s'"), optarg);
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	return cli_list_run(cli, &event_list, &w, json);
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
