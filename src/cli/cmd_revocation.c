#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_json.h"
#include "cli.h"
#include "http.h"
#include "i18n.h"
#include "revocation.h"
#include "safetext.h"
#include "store_cert.h"
#include "timefmt.h"

/* A store of any size is checked in batches of this many certificates. */
#define BATCH 256

struct tally {
	long good, revoked, unknown;
	int json;
	cJSON *arr;
};

static void
print_text(const struct cert_row *row, const struct revocation_row *r)
{
	char t[40];

	if (r->state == REVOCATION_GOOD) {
		printf(_("#%lld %s: good (%s %s)\n"), (long long)row->id, safetext(row->name),
		    strcmp(r->method, "crl") == 0 ? _("CRL") : _("OCSP"),
		    safetext(r->source_url));
	} else if (r->state == REVOCATION_REVOKED) {
		timefmt_utc(r->revoked_at, 1, t, sizeof(t));
		printf(_("#%lld %s: REVOKED (%s) on %s (%s %s)\n"), (long long)row->id,
		    safetext(row->name), revocation_reason_name(r->reason), t,
		    strcmp(r->method, "crl") == 0 ? _("CRL") : _("OCSP"),
		    safetext(r->source_url));
	} else {
		printf(_("#%lld %s: unknown: %s\n"), (long long)row->id, safetext(row->name),
		    safetext(r->detail));
	}
}

/* Checks one certificate and records the answer. Returns 0, or -1 (e filled). */
static int
check_one(struct store *st, struct http *h, int64_t id, long long now, struct tally *t,
    struct err *e)
{
	struct cert_row *row = NULL;
	struct revocation_row r;
	cJSON *o;
	int rc;

	if ((rc = store_cert_get(st, id, &row, e)) != 0) {
		if (rc == 1)
			err_set(e, ERR_USAGE, _("no certificate #%lld"), (long long)id);
		return -1;
	}
	r.cert_id = id;
	rc = revocation_check(st, h, row->pem_chain, now, &r, e);
	if (rc == 0 && store_begin(st, e) == 0) {
		rc = store_revocation_put(st, &r, e);
		if (rc == 0)
			rc = store_commit(st, e);
		else
			store_rollback(st);
	} else if (rc == 0) {
		rc = -1;
	}
	if (rc != 0) {
		cert_row_free(row);
		return -1;
	}
	if (r.state == REVOCATION_GOOD)
		t->good++;
	else if (r.state == REVOCATION_REVOKED)
		t->revoked++;
	else
		t->unknown++;
	if (t->json) {
		if ((o = cJSON_CreateObject()) == NULL ||
		    cJSON_AddNumberToObject(o, "id", (double)id) == NULL ||
		    cJSON_AddStringToObject(o, "name", row->name) == NULL ||
		    cert_json_add_revocation(o, &r) != 0) {
			cJSON_Delete(o);
			cert_row_free(row);
			return err_nomem(e);
		}
		cJSON_AddItemToArray(t->arr, o);
	} else {
		print_text(row, &r);
	}
	cert_row_free(row);
	return 0;
}

static int
cmd_revocation_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int json = 0, force = 0, rc, i;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 },
		{ "force", no_argument, &force, 1 },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct tally t = { 0 };
	struct store *st = NULL;
	struct http *h = NULL;
	struct err e = { 0 };
	int64_t id, ids[BATCH];
	long long now;
	int n;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	for (i = optind; i < argc; i++)
		if (cli_parse_id(argv[i], &id) != 0)
			return cli_usage(self, _("'%s' is not a certificate ID"), argv[i]);
	if (force && optind < argc)
		return cli_usage(self, "%s", _("--force checks every certificate; give it "
		    "without IDs"));
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	t.json = json;
	if ((json && (t.arr = cJSON_CreateArray()) == NULL) || http_new(NULL, &h, &e) != 0) {
		if (t.arr == NULL)
			err_nomem(&e);
		goto fail;
	}
	now = store_now();
	for (i = optind; i < argc; i++) {
		cli_parse_id(argv[i], &id);
		if (check_one(st, h, id, now, &t, &e) != 0)
			goto fail;
	}
	/*
	 * Without IDs: every current certificate whose answer may have changed
	 * (--force: all of them, by making them due first). Each checked one
	 * gets a next_check after now, so the batches move on.
	 */
	if (optind == argc) {
		if (force && store_revocation_expire_all(st, now, &e) != 0)
			goto fail;
		while ((n = store_revocation_due(st, now, ids, BATCH, &e)) > 0)
			for (i = 0; i < n; i++)
				if (check_one(st, h, ids[i], now, &t, &e) != 0)
					goto fail;
		if (n < 0)
			goto fail;
	}
	http_free(h);
	store_close(st);
	if (json) {
		cli_print_json(t.arr);
	} else {
		/* TRANSLATORS: the summary of 'certdeck revocation'. */
		printf(_("%ld good, %ld revoked, %ld unknown\n"), t.good, t.revoked, t.unknown);
	}
	return t.revoked > 0 ? CLI_FAIL : CLI_OK;
fail:
	cJSON_Delete(t.arr);
	http_free(h);
	store_close(st);
	return cli_fail(&e);
}

const struct cmd_entry cmd_revocation_entry = {
	.name = "revocation",
	.args = "[--json] [--force] [ID...]",
	.summary = N_("ask each certificate's CA whether it is revoked (CRL, else OCSP)"),
	.options = N_("      --json   one JSON array: each certificate's revocation status\n"
	    "      --force  check every current certificate, also those checked recently\n"
	    "Without IDs, checks the current certificates whose last answer may have\n"
	    "changed (never checked, or past the CRL's or OCSP answer's next update).\n"
	    "Exit status: 0 none revoked, 1 a certificate is revoked (or an error),\n"
	    "2 usage.\n"),
	.exec = cmd_revocation_exec,
};
