#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_json.h"
#include "cli.h"
#include "expiry.h"
#include "i18n.h"
#include "revocation.h"
#include "timefmt.h"
#include "store_cert.h"
#include "store_location.h"
#include "safetext.h"

/* One line on what the CA publishes about the certificate. */
static void
show_revocation(const struct revocation_row *r)
{
	char t[40], c[40];

	if (r == NULL) {
		printf("  %-14s %s\n", _("Revocation:"), _("not checked (certdeck revocation)"));
		return;
	}
	timefmt_utc(r->checked_at, 1, c, sizeof(c));
	if (r->state == REVOCATION_REVOKED) {
		timefmt_utc(r->revoked_at, 1, t, sizeof(t));
		printf("  %-14s %s\n", _("Revocation:"), _("REVOKED by its CA"));
		printf("  %-14s %s, %s\n", "", revocation_reason_name(r->reason), t);
	} else if (r->state == REVOCATION_GOOD) {
		printf("  %-14s %s\n", _("Revocation:"), _("good"));
	} else {
		printf("  %-14s %s\n", _("Revocation:"), _("unknown"));
		printf("  %-14s %s\n", "", safetext(r->detail));
	}
	if (r->source_url[0] != '\0')
		printf("  %-14s %s %s\n", "", strcmp(r->method, "crl") == 0 ? _("CRL:") :
		    _("OCSP:"), safetext(r->source_url));
	printf("  %-14s %s %s\n", "", _("checked"), c);
}

static void
show_text(const struct cert_row *row, const struct revocation_row *rev, long long now)
{
	char nb[40], na[40];
	size_t i;
	long long left = row->not_after - now;

	timefmt_utc(row->not_before, 1, nb, sizeof(nb));
	timefmt_utc(row->not_after, 1, na, sizeof(na));
	printf(_("Certificate #%lld\n"), (long long)row->id);
	printf("  %-14s %s\n", _("Name:"), safetext(row->name));
	printf("  %-14s %s\n", _("Subject:"), row->subject ? safetext(row->subject) : "-");
	for (i = 0; i < row->n_sans; i++)
		printf("  %-14s %s\n", i == 0 ? _("Names:") : "", safetext(row->sans[i]));
	printf("  %-14s %s\n", _("Status:"),
	    expiry_status(store_cert_status_name(row->status), row->not_after, now));
	printf("  %-14s %s\n", _("Not before:"), nb);
	printf("  %-14s %s\n", _("Not after:"), na);
	if (left > 0)
		printf("  %-14s %lld %s %lld %s\n", _("Time left:"), left / 86400,
		    _("days"), left % 86400 / 3600, _("hours"));
	else
		printf("  %-14s %s\n", _("Time left:"), _("expired"));
	printf("  %-14s %s\n", _("Issuer:"), row->issuer ? safetext(row->issuer) : "-");
	printf("  %-14s %s\n", _("Serial:"), row->serial ? safetext(row->serial) : "-");
	printf("  %-14s %s\n", _("Key:"), row->key_type ? safetext(row->key_type) : "-");
	printf("  %-14s %s\n", _("Key held:"), row->key_id > 0 ? _("yes") : _("no"));
	printf("  %-14s %s\n", _("SHA-256:"), row->fingerprint);
	if (row->replaced_by > 0)
		printf("  %-14s #%lld\n", _("Replaced by:"), (long long)row->replaced_by);
	if (row->status == CERT_VALID && row->order_id > 0 && row->renew_at > 0) {
		timefmt_utc(row->renew_at, 1, nb, sizeof(nb));
		printf("  %-14s %s%s\n", _("Renewal due:"), nb,
		    row->ari_start > 0 ? _(" (inside the CA's ARI window)") : "");
	}
	if (row->ari_start > 0) {
		timefmt_utc(row->ari_start, 1, nb, sizeof(nb));
		timefmt_utc(row->ari_end, 1, na, sizeof(na));
		printf("  %-14s %s .. %s\n", _("ARI window:"), nb, na);
		if (row->ari_explanation != NULL)
			printf("  %-14s %s\n", "", safetext(row->ari_explanation));
	}
	if (row->revoked_at > 0) {
		timefmt_utc(row->revoked_at, 1, nb, sizeof(nb));
		printf("  %-14s %s (reason %d)\n", _("Revoked:"), nb, row->revocation_reason);
	}
	show_revocation(rev);
	printf("  %-14s %s\n", _("Source:"), row->source ? safetext(row->source) : "-");
	printf("  %-14s %s\n", _("Kind:"), store_cert_kind_name(row->kind));
	printf("  %-14s %s\n", _("Validation:"), row->validation != CERT_VALIDATION_NONE ?
	    store_cert_validation_name(row->validation) : "-");
}

/* One "Found in:" line per file the certificate was found in. */
static int
print_location(const struct cert_location *loc, void *arg)
{
	char seen[32];

	(void)arg;
	timefmt_utc(loc->seen_at, 1, seen, sizeof(seen));
	/* TRANSLATORS: a file path, then when a scan last saw it. */
	printf("  %-14s %s (%s %s)\n", _("Found in:"), safetext(loc->path), _("seen"), seen);
	return 0;
}

static int
cmd_show_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	int rc, json = 0, pem = 0;
	const struct option opts[] = {
		{ "json", no_argument, &json, 1 },
		{ "pem", no_argument, &pem, 1 },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct cert_row *row = NULL;
	struct revocation_row rev;
	struct store *st;
	struct err e = { 0 };
	cJSON *o;
	int64_t id;
	int have_rev;

	if ((rc = cli_options(cli, self, argc, argv, opts)) != CLI_CONTINUE)
		return rc;
	if (json && pem)
		return cli_usage(self, "%s", _("--json and --pem exclude each other"));
	if ((rc = cli_cert_id_operand(self, argc, argv, &id)) != CLI_OK ||
	    (rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	rc = cli_cert_get(st, id, &row);
	have_rev = rc == CLI_OK ? store_revocation_get(st, id, &rev, &e) : 1;
	if (rc != CLI_OK) {
		store_close(st);
		return rc;
	}
	if (have_rev < 0) {
		store_close(st);
		cert_row_free(row);
		return cli_fail(&e);
	}
	err_clear(&e);
	if (pem) {
		fputs(row->pem_chain, stdout);
	} else if (json) {
		o = cert_json(row, store_now(), 1);
		if (o == NULL || cert_json_add_revocation(o, have_rev == 0 ? &rev : NULL) != 0 ||
		    cert_json_add_locations(o, st, row->id, &e) != 0) {
			cJSON_Delete(o);
			if (e.kind == ERR_NONE)
				err_nomem(&e);
			rc = cli_fail(&e);
		} else
			cli_print_json(o);
	} else {
		show_text(row, have_rev == 0 ? &rev : NULL, store_now());
		if (store_location_list_cert(st, row->id, print_location, NULL, &e) < 0)
			rc = cli_fail(&e);
	}
	cert_row_free(row);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.args = "ID [--json|--pem]",
	.summary = N_("show one certificate in detail"),
	.options = N_("      --json  the certificate as a JSON object, with its PEM chain\n"
	    "      --pem   the PEM chain only\n"),
	.exec = cmd_show_exec,
};
