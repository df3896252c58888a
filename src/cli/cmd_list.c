#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_json.h"
#include "cli.h"
#include "expiry.h"
#include "i18n.h"
#include "timefmt.h"
#include "store_cert.h"

struct list_state {
	long long now;
	int json;
	long count;
};

static int
print_json_row(const struct cert_row *row, void *arg)
{
	struct list_state *ls = arg;
	cJSON *o = cert_json(row, ls->now, 0);
	char *text;

	if (o == NULL)
		return -1;
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		return -1;
	printf("%s\n  %s", ls->count == 0 ? "" : ",", text);
	free(text);
	ls->count++;
	return 0;
}

static int
print_table_row(const struct cert_row *row, void *arg)
{
	struct list_state *ls = arg;
	char name[64], date[32];
	const char *status;

	if (row->n_sans > 1)
		snprintf(name, sizeof(name), "%s (+%zu)", row->name, row->n_sans - 1);
	else
		snprintf(name, sizeof(name), "%s", row->name);
	timefmt_utc(row->not_after, 0, date, sizeof(date));
	status = expiry_status(store_cert_status_name(row->status), row->not_after, ls->now);
	printf("%6lld  %-36.36s %-10s %6lld  %-8s %-8s %s\n", (long long)row->id, name,
	    date, expiry_days_left(row->not_after, ls->now), status,
	    row->key_type != NULL ? row->key_type : "-",
	    row->issuer_cn != NULL ? row->issuer_cn : (row->issuer ? row->issuer : "-"));
	ls->count++;
	return 0;
}

static int
cmd_list_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "expiring", required_argument, NULL, 'e' },
		{ "all", no_argument, NULL, 'a' },
		{ "filter", required_argument, NULL, 'f' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct list_state ls = { 0 };
	struct cert_query q = { 0 };
	struct store *st;
	long long days = -1;
	char *end;
	int opt, rc;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ls.json = 1;
			continue;
		case 'a':
			q.include_replaced = 1;
			continue;
		case 'f':
			q.name_like = optarg;
			continue;
		case 'e':
			errno = 0;
			days = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || days < 0 || days > 100000)
				return cli_usage(self, _("--expiring takes a number of days, not '%s'"),
				    optarg);
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return cli_usage(self, _("unexpected argument '%s'"), argv[optind]);
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	ls.now = store_now();
	if (days >= 0)
		q.expiring_before = ls.now + days * 86400;
	err_clear(&e);
	if (ls.json) {
		printf("[");
		rc = store_cert_list(st, &q, print_json_row, &ls, &e);
		printf("%s]\n", ls.count > 0 ? "\n" : "");
	} else {
		/* TRANSLATORS: column headings of 'certdeck list'; keep the widths. */
		printf("%6s  %-36s %-10s %6s  %-8s %-8s %s\n", _("ID"), _("NAME"),
		    _("EXPIRES"), _("DAYS"), _("STATUS"), _("KEY"), _("ISSUER"));
		rc = store_cert_list(st, &q, print_table_row, &ls, &e);
	}
	store_close(st);
	if (rc != 0)
		return cli_fail(&e);
	return CLI_OK;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.args = "[--json] [--expiring DAYS] [--filter TEXT] [--all]",
	.summary = N_("list certificates, soonest expiry first"),
	.options = N_("      --json           one JSON array (dates in RFC 3339, UTC)\n"
	    "      --expiring DAYS  only certificates expiring within DAYS days\n"
	    "      --filter TEXT    only certificates with a name containing TEXT\n"
	    "      --all            include certificates replaced by a renewal\n"),
	.exec = cmd_list_exec,
};
