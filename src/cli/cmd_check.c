#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "cli.h"
#include "cli_endpoint.h"
#include "cli_monitor.h"
#include "i18n.h"
#include "safetext.h"
#include "store_endpoint.h"

/* --timeout's upper bound, seconds. */
#define MAX_TIMEOUT 600

static void
print_text(struct endpoint_row **list, size_t n)
{
	size_t count[EP_STATE_COUNT] = { 0 }, i;
	char addr[300];
	int s, first = 1;

	for (i = 0; i < n; i++) {
		const struct endpoint_row *r = list[i];

		count[r->state]++;
		printf("#%-4lld %-15s %s", (long long)r->id, store_endpoint_state_name(r->state),
		    safetext(cli_endpoint_address(r->host, r->port, addr, sizeof(addr))));
		if (r->sni != NULL)
			printf(" (%s)", safetext(r->sni));
		if (r->message != NULL)
			printf(": %s", safetext(r->message));
		putchar('\n');
	}
	printf(ngettext_("%zu endpoint:", "%zu endpoints:", n), n);
	for (s = 0; s < EP_STATE_COUNT; s++)
		if (count[s] > 0) {
			printf("%s %zu %s", first ? "" : ",", count[s], store_endpoint_state_name(s));
			first = 0;
		}
	putchar('\n');
}

static int
cmd_check_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	enum { OPT_CA_BUNDLE = 1, OPT_TIMEOUT, OPT_DAYS };
	const struct option opts[] = {
		{ "ca-bundle", required_argument, NULL, OPT_CA_BUNDLE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "json", no_argument, NULL, 'j' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct check_opts o = { .expiring_days = CHECK_EXPIRING_DAYS_DEFAULT };
	struct endpoint_row **list = NULL;
	int opt, rc, json = 0, timeout = CHECK_TIMEOUT_MS_DEFAULT / 1000, bad = 0;
	struct store *st;
	size_t n = 0, i;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CA_BUNDLE:
			o.ca_bundle = optarg;
			break;
		case OPT_TIMEOUT:
			if (cli_parse_count(optarg, MAX_TIMEOUT, &timeout) != 0 || timeout == 0)
				return cli_usage(self, _("--timeout must be 1 to %d seconds"),
				    MAX_TIMEOUT);
			break;
		case OPT_DAYS:
			if (cli_parse_count(optarg, 3650, &o.expiring_days) != 0)
				return cli_usage(self, "%s", _("--days must be 0 to 3650"));
			break;
		case 'j':
			json = 1;
			break;
		default:
			if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
				return rc;
		}
	}
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	o.timeout_ms = timeout * 1000;
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	if (store_endpoint_list(st, 0, &list, &n, &e) != 0 || check_run(st, list, n, &o, &e) != 0) {
		store_close(st);
		endpoint_list_free(list, n);
		return cli_fail(&e);
	}
	/* The verdicts are conditions: notified like the others (start, reminder, clear). */
	cli_monitor_notify(cli, st, 0, 1);
	store_close(st);
	for (i = 0; i < n; i++)
		bad += list[i]->state != EP_OK;
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, cli_endpoint_json(list[i]));
		cli_print_json(arr);
	} else if (n == 0) {
		cli_msg("%s", _("no endpoints to check (add one with 'certdeck endpoint add')"));
	} else {
		print_text(list, n);
	}
	endpoint_list_free(list, n);
	return bad > 0 ? CLI_FAIL : CLI_OK;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.args = "[--json] [--ca-bundle FILE] [--timeout SEC] [--days N]",
	.summary = N_("probe every endpoint: is the current certificate served?"),
	.options = N_("      --json            the endpoints with their results as JSON\n"
	    "      --ca-bundle FILE  verify served chains against these CAs\n"
	    "      --timeout SEC     per endpoint (default 10)\n"
	    "      --days N          a served certificate expiring within N days\n"
	    "                        is 'expiring' (default 14)\n"
	    "Each endpoint is ok, expiring, stale (an older certificate of its\n"
	    "lineage: renewed but not deployed), unknown (a certificate of no\n"
	    "lineage of its own), untrusted-chain, name-mismatch or unreachable.\n"
	    "Exit 0 when all are ok, 1 when any is not.\n"),
	.exec = cmd_check_exec,
};
