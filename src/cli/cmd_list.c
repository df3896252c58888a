#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_json.h"
#include "cli.h"
#include "cli_list.h"
#include "expiry.h"
#include "filter.h"
#include "i18n.h"
#include "timefmt.h"
#include "store_cert.h"
#include "safetext.h"

/* What the command lists: certificates matching q, as seen at now. */
struct which {
	struct store *st;
	long long now;
	struct cert_query q;
	struct filter f;	/* --filter: the name terms q does not check */
	int none;		/* the filter cannot match anything */
	struct cli_list *l;
};

static cJSON *
row_json(const void *r, void *arg)
{
	const struct cert_row *row = r;
	const struct which *w = arg;
	struct err e = { 0 };
	cJSON *o = cert_json(row, w->now, 0);

	if (o != NULL && (cert_json_revocation_of(o, w->st, row->id, &e) != 0 ||
	    cert_json_add_locations(o, w->st, row->id, &e) != 0)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static void
row_text(const void *r, long i, void *arg)
{
	const struct cert_row *row = r;
	const struct which *w = arg;
	char name[64], date[32];
	const char *status;

	(void)i;
	if (row->n_sans > 1)
		snprintf(name, sizeof(name), "%s (+%zu)", safetext(row->name), row->n_sans - 1);
	else
		snprintf(name, sizeof(name), "%s", safetext(row->name));
	timefmt_utc(row->not_after, 0, date, sizeof(date));
	status = expiry_status(store_cert_status_name(row->status), row->not_after, w->now);
	printf("%6lld  %-36.36s %-10s %6lld  %-8s %-8s %s\n", (long long)row->id, name,
	    date, expiry_days_left(row->not_after, w->now), status,
	    row->key_type != NULL ? safetext(row->key_type) : "-",
	    safetext(row->issuer_cn != NULL ? row->issuer_cn : (row->issuer ? row->issuer : "-")));
}

static void
heading(void)
{
	/* TRANSLATORS: column headings of 'certdeck list'; keep the widths. */
	printf("%6s  %-36s %-10s %6s  %-8s %-8s %s\n", _("ID"), _("NAME"),
	    _("EXPIRES"), _("DAYS"), _("STATUS"), _("KEY"), _("ISSUER"));
}

static int
one_cert(const struct cert_row *row, void *arg)
{
	struct which *w = arg;

	if (!filter_match_names(&w->f, row->sans, row->n_sans))
		return 0;
	return cli_list_row(w->l, row);
}

static int
load(struct store *st, struct cli_list *l, struct err *e)
{
	struct which *w = l->arg;

	w->st = st;
	w->l = l;
	if (w->none)
		return 0;
	return store_cert_list(st, &w->q, one_cert, w, e);
}

/* Streamed: a store may hold any number of certificates. */
static const struct cli_list_ops cert_list = {
	.load = load, .json = row_json, .text = row_text, .heading = heading, .stream = 1,
};

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
	struct which w = { 0 };
	const char *filter = NULL;
	long long days = -1;
	char *end;
	int opt, rc, json = 0, all = 0;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			continue;
		case 'a':
			all = 1;
			continue;
		case 'f':
			filter = optarg;
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
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	w.now = store_now();
	if (filter != NULL) {
		if (filter_parse(filter, &w.f, &e) != 0)
			return cli_usage(self, "--filter: %s", e.msg);
		w.none = filter_to_query(&w.f, w.now, &w.q) == 1;
	}
	if (all) {
		w.q.include_replaced = 1;
		if (w.q.kinds == 0)
			w.q.kinds = CERT_KINDS_ALL;
	}
	if (days >= 0 && (w.q.expiring_before == 0 ||
	    w.now + days * 86400 < w.q.expiring_before))
		w.q.expiring_before = w.now + days * 86400;
	rc = cli_list_run(cli, &cert_list, &w, json);
	filter_clear(&w.f);
	return rc;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.args = "[--json] [--expiring DAYS] [--filter TEXT] [--all]",
	.summary = N_("list certificates, soonest expiry first"),
	.options = N_("      --json           one JSON array (dates in RFC 3339, UTC)\n"
	    "      --expiring DAYS  only certificates expiring within DAYS days\n"
	    "      --filter TEXT    only certificates matching TEXT, in the filter language\n"
	    "                       of the interactive view: a name substring, exp<30d,\n"
	    "                       status:, issuer:, key:, kind:, source:, path:\n"
	    "      --all            include certificates replaced by a renewal and CA\n"
	    "                       certificates\n"),
	.exec = cmd_list_exec,
};
