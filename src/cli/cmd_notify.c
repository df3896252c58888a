#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_conf.h"
#include "i18n.h"
#include "notify.h"
#include "notify_mail.h"
#include "safetext.h"
#include "timefmt.h"

static int
sub_add(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "ca-bundle", required_argument, NULL, 'c' },
		{ "events", required_argument, NULL, 'E' },
		{ "min-days", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'F' },
		{ "smtp", required_argument, NULL, 's' },
		{ "smtp-user", required_argument, NULL, 'u' },
		{ "smtp-password-file", required_argument, NULL, 'p' },
		{ "sendmail", required_argument, NULL, 'S' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct notify_channel_opts o = { .min_days = -1 };
	struct store *st;
	struct err e;
	int64_t id;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': o.format = optarg; continue;
		case 'c': o.ca_bundle = optarg; continue;
		case 'E': o.events = optarg; continue;
		case 'd':
			if (cli_parse_count(optarg, 36500, &o.min_days) != 0)
				return cli_usage(self, _("--min-days takes a number of days, "
				    "not '%s'"), optarg);
			continue;
		case 'F': o.mail_from = optarg; continue;
		case 's': o.smtp = optarg; continue;
		case 'u': o.smtp_user = optarg; continue;
		case 'p': o.password_file = optarg; continue;
		case 'S': o.sendmail = optarg; continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if (argc - optind != 2)
		return cli_usage(self, "%s", _("give a channel type (hook, webhook or mail) and "
		    "its program, URL or address"));
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	if ((rc = cli_notify_sync(cli, st, 0)) != CLI_OK) {
		store_close(st);
		return rc;
	}
	err_clear(&e);
	rc = notify_channel_add(st, argv[optind], argv[optind + 1], &o, &id, &e);
	store_close(st);
	if (rc != 0)
		return e.kind == ERR_USAGE ? cli_usage(self, "%s", e.msg) : cli_fail(&e);
	printf("%lld\n", (long long)id);
	return CLI_OK;
}

static void
channel_text(const struct notify_channel *c)
{
	char t[40] = "-", target[512];

	if (c->last_time > 0)
		timefmt_utc(c->last_time, 1, t, sizeof(t));
	notify_target_shown(c, target, sizeof(target));
	printf("%4lld  %-8s %-6s %s\n", (long long)c->id, c->type,
	    c->format != NULL ? c->format : "-", target);
	if (c->conf_name != NULL)
		printf(_("      from the config file: [notify %s]\n"), safetext(c->conf_name));
	if (strcmp(c->type, "mail") == 0)
		printf(_("      via %s%s%s\n"), safetext(c->smtp != NULL ? c->smtp :
		    c->sendmail != NULL ? c->sendmail : NOTIFY_MAIL_SENDMAIL),
		    c->smtp_user != NULL ? _(" as ") : "",
		    c->smtp_user != NULL ? safetext(c->smtp_user) : "");
	if (c->events != NULL || c->min_days >= 0) {
		printf("%s", _("      only:"));
		if (c->events != NULL)
			printf(" %s", safetext(c->events));
		if (c->min_days >= 0)
			printf(ngettext_(" within %d day of expiry", " within %d days of expiry",
			    (unsigned long)c->min_days), c->min_days);
		printf("\n");
	}
	if (c->last_status != NULL)
		printf(_("      last: %s %s%s%s\n"), t, c->last_status,
		    c->last_message != NULL ? ": " : "",
		    c->last_message != NULL ? safetext(c->last_message) : "");
	if (c->failures > 0)
		printf(ngettext_("      failing: %d delivery in a row\n",
		    "      failing: %d deliveries in a row\n", (unsigned long)c->failures),
		    c->failures);
}

static cJSON *
channel_json(const struct notify_channel *c)
{
	cJSON *o = cJSON_CreateObject();
	char t[40];

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)c->id);
	cJSON_AddStringToObject(o, "type", c->type);
	cJSON_AddStringToObject(o, "target", c->target);
	if (c->format != NULL)
		cJSON_AddStringToObject(o, "format", c->format);
	if (c->ca_bundle != NULL)
		cJSON_AddStringToObject(o, "ca_bundle", c->ca_bundle);
	if (c->events != NULL)
		cJSON_AddStringToObject(o, "events", c->events);
	if (c->min_days >= 0)
		cJSON_AddNumberToObject(o, "min_days", c->min_days);
	if (c->mail_from != NULL)
		cJSON_AddStringToObject(o, "from", c->mail_from);
	if (c->smtp != NULL)
		cJSON_AddStringToObject(o, "smtp", c->smtp);
	if (c->smtp_user != NULL)
		cJSON_AddStringToObject(o, "smtp_user", c->smtp_user);
	if (c->password_file != NULL)
		cJSON_AddStringToObject(o, "smtp_password_file", c->password_file);
	if (c->sendmail != NULL)
		cJSON_AddStringToObject(o, "sendmail", c->sendmail);
	if (c->last_time > 0) {
		timefmt_rfc3339(c->last_time, t, sizeof(t));
		cJSON_AddStringToObject(o, "last_time", t);
	}
	if (c->last_status != NULL)
		cJSON_AddStringToObject(o, "last_status", c->last_status);
	if (c->last_message != NULL)
		cJSON_AddStringToObject(o, "last_message", c->last_message);
	cJSON_AddNumberToObject(o, "failures", c->failures);
	if (c->conf_name != NULL)
		cJSON_AddStringToObject(o, "config", c->conf_name);
	else
		cJSON_AddNullToObject(o, "config");
	return o;
}

static int
sub_list(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int json = 0, rc;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 }, CLI_COMMON_OPTIONS, { 0 },
	};
	struct notify_channel **v = NULL;
	struct store *st;
	struct err e;
	cJSON *arr;
	size_t n = 0, i;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE ||
	    (rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	if ((rc = cli_notify_sync(cli, st, 0)) != CLI_OK) {
		store_close(st);
		return rc;
	}
	err_clear(&e);
	rc = store_notify_list(st, &v, &n, &e);
	store_close(st);
	if (rc != 0)
		return cli_fail(&e);
	if (json) {
		arr = cJSON_CreateArray();
		for (i = 0; arr != NULL && i < n; i++)
			cJSON_AddItemToArray(arr, channel_json(v[i]));
		cli_print_json(arr);
	} else {
		for (i = 0; i < n; i++)
			channel_text(v[i]);
		if (n == 0)
			printf("%s", _("No notification channels; add one with 'certdeck notify "
			    "add'.\n"));
	}
	notify_channel_list_free(v, n);
	return CLI_OK;
}

/* Parses the one channel ID operand. Returns CLI_OK and *id, or CLI_USAGE. */
static int
channel_operand(const struct cmd_entry *self, int argc, char **argv, int64_t *id)
{
	if (argc - optind != 1)
		return cli_usage(self, "%s", _("give one channel ID"));
	if (cli_parse_id(argv[optind], id) != 0)
		return cli_usage(self, _("'%s' is not a channel ID"), argv[optind]);
	return CLI_OK;
}

static int
sub_remove(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	struct notify_channel *c = NULL;
	struct store *st;
	struct err e;
	int64_t id;
	int rc;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE ||
	    (rc = channel_operand(self, argc, argv, &id)) != CLI_OK)
		return rc;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	if ((rc = cli_notify_sync(cli, st, 0)) != CLI_OK) {
		store_close(st);
		return rc;
	}
	err_clear(&e);
	if ((rc = store_notify_get(st, id, &c, &e)) == 0 && c->conf_name != NULL) {
		cli_msg(_("channel #%lld comes from the config file's [notify %s]: remove that "
		    "section instead"), (long long)id, safetext(c->conf_name));
		notify_channel_free(c);
		store_close(st);
		return CLI_FAIL;
	}
	notify_channel_free(c);
	if (rc == 0)
		rc = store_notify_remove(st, id, &e);
	store_close(st);
	if (rc == -1)
		return cli_fail(&e);
	if (rc == 1) {
		cli_msg(_("no notification channel #%lld"), (long long)id);
		return CLI_FAIL;
	}
	printf(_("Removed notification channel #%lld.\n"), (long long)id);
	return CLI_OK;
}

/* Sends a test notice through one channel (id > 0) or all, now; says each result. */
static int
sub_test(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	struct notify_channel **v = NULL;
	struct store *st;
	struct err e;
	char *json = NULL;
	int64_t only = 0;
	size_t n = 0, i, tried = 0;
	int rc, failed = 0;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	if (optind < argc && (rc = channel_operand(self, argc, argv, &only)) != CLI_OK)
		return rc;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	if ((rc = cli_notify_sync(cli, st, 0)) != CLI_OK) {
		store_close(st);
		return rc;
	}
	err_clear(&e);
	if (store_notify_list(st, &v, &n, &e) != 0 || (json = notify_test_event()) == NULL) {
		if (json == NULL && e.kind == ERR_NONE)
			err_nomem(&e);
		store_close(st);
		notify_channel_list_free(v, n);
		return cli_fail(&e);
	}
	for (i = 0; i < n; i++) {
		if (only > 0 && v[i]->id != only)
			continue;
		tried++;
		err_clear(&e);
		if (notify_deliver(st, v[i], json, &e) == 0) {
			printf(_("#%lld %s %s: sent\n"), (long long)v[i]->id, v[i]->type,
			    safetext(v[i]->target));
		} else {
			failed++;
			printf(_("#%lld %s %s: FAILED: %s\n"), (long long)v[i]->id, v[i]->type,
			    safetext(v[i]->target), safetext(e.msg));
		}
	}
	store_close(st);
	notify_channel_list_free(v, n);
	free(json);
	if (only > 0 && tried == 0) {
		cli_msg(_("no notification channel #%lld"), (long long)only);
		return CLI_FAIL;
	}
	if (tried == 0)
		printf("%s", _("No notification channels to test.\n"));
	return failed > 0 ? CLI_FAIL : CLI_OK;
}

static const struct cmd_entry verb_add = { .name = "add", .exec = sub_add };
static const struct cmd_entry verb_list = { .name = "list", .exec = sub_list };
static const struct cmd_entry verb_remove = { .name = "remove", .exec = sub_remove };
static const struct cmd_entry verb_test = { .name = "test", .exec = sub_test };

static const struct cmd_entry *const verbs[] = {
	&verb_add, &verb_list, &verb_remove, &verb_test, NULL,
};

static const struct cmd_table notify_verbs = {
	.unknown = N_("unknown notify command '%s'"),
	.entries = verbs,
};

const struct cmd_entry cmd_notify_entry = {
	.name = "notify",
	.args = "add|list|remove|test ...",
	.summary = N_("tell someone: hooks, webhooks and mail for the alert conditions"),
	.options = N_("  notify add hook PROGRAM\n"
	    "      Runs PROGRAM (a path; no shell) with CERTDECK_EVENT (start, reminder,\n"
	    "      clear, test), CERTDECK_CONDITION, CERTDECK_SEVERITY, CERTDECK_CERT_ID,\n"
	    "      CERTDECK_NAMES, CERTDECK_NOT_AFTER, CERTDECK_MESSAGE and the whole\n"
	    "      event in CERTDECK_EVENT_JSON, in a minimal environment.\n"
	    "  notify add webhook URL [--format json|slack|ntfy] [--ca-bundle FILE]\n"
	    "      POSTs to an https:// URL: the event as JSON, Slack's {\"text\": ...}\n"
	    "      (Mattermost and Rocket.Chat take it too), or ntfy's plain body with\n"
	    "      its title and priority. --ca-bundle trusts FILE's roots instead of\n"
	    "      the system's.\n"
	    "  notify add mail ADDRESS [--from ADDRESS] [--sendmail PROGRAM]\n"
	    "  notify add mail ADDRESS --smtp URL [--from ADDRESS] [--ca-bundle FILE]\n"
	    "                 [--smtp-user NAME --smtp-password-file FILE]\n"
	    "      Mails a plain-text notice: through sendmail -t -oi (default\n"
	    "      /usr/sbin/sendmail), or with --smtp to a smart host at\n"
	    "      smtp://HOST[:PORT] (STARTTLS required) or smtps://HOST[:PORT].\n"
	    "      The password is read from FILE (mode 0600) at each delivery.\n"
	    "    --events LIST   only these events (start, reminder, clear) and\n"
	    "                    conditions (job-failed, expiring, ...), comma-separated\n"
	    "    --min-days N    a certificate's notices only within N days of expiry\n"
	    "  notify list [--json]   the channels and their last delivery\n"
	    "  notify remove ID       forget a channel\n"
	    "  notify test [ID]       send a test notice through each channel (or ID)\n"
	    "                         now and say how each went\n"
	    "Each condition (see 'certdeck status') is notified when it starts, once a\n"
	    "day while it lasts, and when it clears, at the end of 'certdeck renew'.\n"
	    "Delivery is a job: a failed one is retried with backoff.\n"),
	.verbs = &notify_verbs,
};
