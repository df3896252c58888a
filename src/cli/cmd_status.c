#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "cli.h"
#include "expiry.h"
#include "i18n.h"
#include "store_alert.h"
#include "timefmt.h"

/* The Nagios plugin exit codes. */
enum { ST_OK, ST_WARNING, ST_CRITICAL, ST_UNKNOWN };

/* Detail lines after the summary; the rest are counted. */
#define MAX_DETAIL 100

static const char *const state_words[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* A usage error, said as cli_usage does; a plugin's exit status for it is UNKNOWN. */
#define usage(self, ...) (cli_usage((self), __VA_ARGS__), ST_UNKNOWN)

/* Perfdata: label=value[UOM];warn;crit;min (the Nagios plugin guidelines). */
static void
perfdata(const struct alert_report *r, const struct mon_summary *sum,
    const struct alert_opts *o)
{
	size_t drift = 0;
	int k;

	for (k = 0; k < ALERT_KIND_COUNT; k++)
		if (alert_kind_is_drift((enum alert_kind)k))
			drift += r->count[k];
	printf(" | certificates=%ld;;;0 expiring=%zu;;;0 job_failed=%zu;;;0 "
	    "job_retrying=%zu;;;0 revoked=%zu;;;0 channels_failing=%zu;;;0 drift=%zu;;;0",
	    sum->certificates, r->count[ALERT_EXPIRING], r->count[ALERT_JOB_FAILED],
	    r->count[ALERT_JOB_RETRYING], r->count[ALERT_REVOKED],
	    r->count[ALERT_CHANNEL_FAILING], drift);
	if (sum->next_id > 0)
		printf(" next_expiry_days=%lld;%d;%d", expiry_days_left(sum->next_not_after,
		    r->now), o->warning_days, o->critical_days);
	if (r->have_run)
		printf(" renew_age=%llds;%lld;%lld;0", r->now - r->last_run.ended,
		    (long long)o->stale_hours * 3600, (long long)o->stale_hours * 7200);
	putchar('\n');
}

static void
print_text(const struct alert_report *r, const struct mon_summary *sum,
    const struct alert_opts *o)
{
	size_t i;

	printf("CERTDECK %s - ", state_words[r->worst]);
	printf(ngettext_("%ld certificate", "%ld certificates", (unsigned long)sum->certificates),
	    sum->certificates);
	if (r->worst == ALERT_OK) {
		if (sum->next_id > 0)
			printf(_(", next expiry %s in %lld days"), sum->next_name,
			    expiry_days_left(sum->next_not_after, r->now));
	} else {
		if (r->by_severity[ALERT_CRITICAL] > 0)
			printf(_(", %zu critical"), r->by_severity[ALERT_CRITICAL]);
		if (r->by_severity[ALERT_WARNING] > 0)
			printf(ngettext_(", %zu warning", ", %zu warnings",
			    r->by_severity[ALERT_WARNING]), r->by_severity[ALERT_WARNING]);
		if (r->n > 0)
			printf(": %s", r->v[0].message);
	}
	perfdata(r, sum, o);
	for (i = 0; i < r->n && i < MAX_DETAIL; i++)
		printf("%s: %s\n", state_words[r->v[i].severity], r->v[i].message);
	if (r->total > i)
		printf(_("... and %zu more\n"), r->total - i);
	if (r->have_run) {
		char t[40];

		timefmt_utc(r->last_run.ended, 1, t, sizeof(t));
		printf(_("last renew run: %s (%s)\n"), t,
		    store_run_outcome_name(r->last_run.outcome));
	}
}

/* An integer time field as RFC 3339 text, when set. */
static void
add_time(cJSON *o, const char *key, long long t)
{
	char buf[40];

	if (t <= 0)
		return;
	timefmt_rfc3339(t, buf, sizeof(buf));
	cJSON_AddStringToObject(o, key, buf);
}

static cJSON *
report_json(const struct alert_report *r, const struct mon_summary *sum, int code)
{
	cJSON *o = cJSON_CreateObject(), *a, *x, *counts;
	size_t i;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "status", alert_severity_name(r->worst));
	cJSON_AddNumberToObject(o, "exit", code);
	cJSON_AddNumberToObject(o, "certificates", (double)sum->certificates);
	if (sum->next_id > 0 && (x = cJSON_AddObjectToObject(o, "next_expiry")) != NULL) {
		cJSON_AddNumberToObject(x, "id", (double)sum->next_id);
		cJSON_AddStringToObject(x, "name", sum->next_name);
		add_time(x, "not_after", sum->next_not_after);
		cJSON_AddNumberToObject(x, "days", (double)expiry_days_left(sum->next_not_after,
		    r->now));
	}
	if (r->have_run && (x = cJSON_AddObjectToObject(o, "last_renew_run")) != NULL) {
		add_time(x, "started", r->last_run.started);
		add_time(x, "ended", r->last_run.ended);
		cJSON_AddStringToObject(x, "outcome", store_run_outcome_name(r->last_run.outcome));
		cJSON_AddNumberToObject(x, "done", r->last_run.done);
		cJSON_AddNumberToObject(x, "failed", r->last_run.failed);
		cJSON_AddNumberToObject(x, "deferred", r->last_run.deferred);
	}
	if ((counts = cJSON_AddObjectToObject(o, "counts")) != NULL)
		for (i = 0; i < ALERT_KIND_COUNT; i++)
			cJSON_AddNumberToObject(counts, alert_kind_name((enum alert_kind)i),
			    (double)r->count[i]);
	cJSON_AddNumberToObject(o, "total", (double)r->total);
	if ((a = cJSON_AddArrayToObject(o, "alerts")) == NULL)
		return o;
	for (i = 0; i < r->n; i++) {
		if ((x = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddStringToObject(x, "kind", alert_kind_name(r->v[i].kind));
		cJSON_AddStringToObject(x, "severity", alert_severity_name(r->v[i].severity));
		if (r->v[i].cert_id > 0)
			cJSON_AddNumberToObject(x, "cert_id", (double)r->v[i].cert_id);
		if (r->v[i].job_id > 0)
			cJSON_AddNumberToObject(x, "job_id", (double)r->v[i].job_id);
		if (r->v[i].channel_id > 0)
			cJSON_AddNumberToObject(x, "channel_id", (double)r->v[i].channel_id);
		if (r->v[i].name != NULL)
			cJSON_AddStringToObject(x, "name", r->v[i].name);
		add_time(x, "not_after", r->v[i].not_after);
		add_time(x, "since", r->v[i].since);
		cJSON_AddStringToObject(x, "message", r->v[i].message);
		cJSON_AddItemToArray(a, x);
	}
	return o;
}

/* The store cannot be read: UNKNOWN, the Nagios way. */
static int
unknown(int json, const struct err *e)
{
	cJSON *o;

	if (!json) {
		printf("CERTDECK UNKNOWN - %s\n", e->msg);
		return ST_UNKNOWN;
	}
	if ((o = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(o, "status", "unknown");
		cJSON_AddNumberToObject(o, "exit", ST_UNKNOWN);
		cJSON_AddStringToObject(o, "error", e->msg);
	}
	cli_print_json(o);
	return ST_UNKNOWN;
}

static int
cmd_status_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "warning", required_argument, NULL, 'w' },
		{ "critical", required_argument, NULL, 'c' },
		{ "stale-hours", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct alert_opts o;
	struct alert_report r;
	struct mon_summary sum;
	struct store *st = NULL;
	struct err e;
	char *path;
	int opt, rc, json = 0, code;

	alert_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			if (cli_parse_count(optarg, 36500, &o.warning_days) != 0)
				return usage(self, _("--warning takes a number of days, "
				    "not '%s'"), optarg);
			continue;
		case 'c':
			if (cli_parse_count(optarg, 36500, &o.critical_days) != 0)
				return usage(self, _("--critical takes a number of days, "
				    "not '%s'"), optarg);
			continue;
		case 's':
			if (cli_parse_count(optarg, 87600, &o.stale_hours) != 0 ||
			    o.stale_hours == 0)
				return usage(self, _("--stale-hours takes a number of "
				    "hours, not '%s'"), optarg);
			continue;
		case 'j': json = 1; continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc == CLI_USAGE ? ST_UNKNOWN : rc;
	}
	if (optind != argc)
		return usage(self, _("unexpected argument '%s'"), argv[optind]);
	if (o.critical_days > o.warning_days)
		o.critical_days = o.warning_days;
	err_clear(&e);
	if ((path = store_default_path(cli->store_flag, &e)) == NULL)
		return unknown(json, &e);
	rc = store_open(path, 0, &st, &e);
	free(path);
	if (rc != 0)
		return unknown(json, &e);
	/* Evaluate before the summary so both see one moment. */
	o.keep = json ? 0 : MAX_DETAIL;
	if (alert_evaluate(st, &o, &r, &e) != 0 ||
	    store_alert_summary(st, r.now, &sum, &e) != 0) {
		alert_report_clear(&r);
		store_close(st);
		return unknown(json, &e);
	}
	store_close(st);
	code = r.worst == ALERT_CRITICAL ? ST_CRITICAL : r.worst == ALERT_WARNING ?
	    ST_WARNING : ST_OK;
	if (json)
		cli_print_json(report_json(&r, &sum, code));
	else
		print_text(&r, &sum, &o);
	alert_report_clear(&r);
	return code;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.args = "[--warning DAYS] [--critical DAYS] [--stale-hours HOURS] [--json]",
	.summary = N_("check for problems, as a Nagios/Icinga plugin"),
	.options = N_("One summary line with performance data, then one line per problem:\n"
	    "failed issuances and renewals, certificates expiring with no renewal\n"
	    "scheduled, revoked certificates, 'certdeck renew' not completing, and\n"
	    "notification channels that keep failing.\n"
	    "      --warning DAYS      expiring within DAYS is a warning (default 14;\n"
	    "                          a certificate's own threshold wins)\n"
	    "      --critical DAYS     expiring within DAYS is critical (default 7)\n"
	    "      --stale-hours H     'renew' not completed for H hours is a warning,\n"
	    "                          for twice that critical (default 36)\n"
	    "      --json              the whole report as a JSON object\n"
	    "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the store cannot be\n"
	    "read, or a usage error).\n"),
	.exec = cmd_status_exec,
};
