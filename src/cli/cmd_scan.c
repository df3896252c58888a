#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "i18n.h"
#include "safetext.h"
#include "scan.h"
#include "store_cert.h"

/* A password file holds one line; more than this is not a password file. */
#define PASSWORD_MAX 4096

/* What the callbacks write to: JSON arrays, or lines on stdout. */
struct out {
	cJSON *problems;	/* NULL for text */
	cJSON *certs;
};

static void
on_problem(const char *path, const char *what, void *arg)
{
	struct out *o = arg;
	cJSON *p;

	if (o->problems == NULL) {
		/* TRANSLATORS: a file, then what is wrong with it. */
		printf(_("problem: %s: %s\n"), safetext(path), safetext(what));
		return;
	}
	if ((p = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddStringToObject(p, "path", path);
	cJSON_AddStringToObject(p, "problem", what);
	cJSON_AddItemToArray(o->problems, p);
}

static void
on_cert(const char *path, const struct cert_row *row, int is_new, void *arg)
{
	struct out *o = arg;
	cJSON *c;

	if (!is_new)
		return;
	if (o->certs == NULL) {
		/* TRANSLATORS: id, name, kind, file. */
		printf(_("new #%lld %s (%s) in %s\n"), (long long)row->id, safetext(row->name),
		    store_cert_kind_name(row->kind), safetext(path));
		return;
	}
	if ((c = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddNumberToObject(c, "id", (double)row->id);
	cJSON_AddStringToObject(c, "name", row->name);
	cJSON_AddStringToObject(c, "kind", store_cert_kind_name(row->kind));
	cJSON_AddStringToObject(c, "fingerprint_sha256", row->fingerprint);
	cJSON_AddStringToObject(c, "path", path);
	cJSON_AddItemToArray(o->certs, c);
}

/* The first line of the password file, without its newline. Returns 0 or -1. */
static int
read_password(const char *path, char **out, struct err *e)
{
	char *text = NULL;
	size_t len = 0;

	if (fileio_read(path, PASSWORD_MAX, &text, &len, e) != 0)
		return -1;
	text[strcspn(text, "\r\n")] = '\0';
	*out = text;
	return 0;
}

static void
summary_json(const struct scan_result *r, int dry_run, struct out *o)
{
	cJSON *j = cJSON_CreateObject();

	if (j == NULL) {
		cJSON_Delete(o->problems);
		cJSON_Delete(o->certs);
		return;
	}
	cJSON_AddBoolToObject(j, "dry_run", dry_run);
	cJSON_AddNumberToObject(j, "files_read", (double)r->files_read);
	cJSON_AddNumberToObject(j, "files_unchanged", (double)r->files_unchanged);
	cJSON_AddNumberToObject(j, "files_changed", (double)r->files_changed);
	cJSON_AddNumberToObject(j, "certificates_new", (double)r->certs_new);
	cJSON_AddNumberToObject(j, "certificates_known", (double)r->certs_known);
	cJSON_AddNumberToObject(j, "keys_matched", (double)r->keys_matched);
	cJSON_AddNumberToObject(j, "keys_stored", (double)r->keys_stored);
	cJSON_AddNumberToObject(j, "locations_moved", (double)r->locations_moved);
	cJSON_AddNumberToObject(j, "locations_removed", (double)r->locations_removed);
	cJSON_AddNumberToObject(j, "paths_failed", (double)r->paths_failed);
	cJSON_AddItemToObject(j, "new", o->certs);
	cJSON_AddItemToObject(j, "problems", o->problems);
	cli_print_json(j);
}

static void
summary_text(const struct scan_result *r, int dry_run)
{
	printf(_("Files: %ld read, %ld unchanged (not read again), %ld changed.\n"),
	    r->files_read, r->files_unchanged, r->files_changed);
	printf(_("Certificates: %ld new, %ld known; keys: %ld matched, %ld stored.\n"),
	    r->certs_new, r->certs_known, r->keys_matched, r->keys_stored);
	printf(_("Locations: %ld moved, %ld removed. Problems: %ld.\n"),
	    r->locations_moved, r->locations_removed, r->problems);
	if (dry_run)
		printf("%s\n", _("Dry run: nothing was stored."));
}

static int
cmd_scan_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "password-file", required_argument, NULL, 'p' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct scan_opts so = { 0 };
	struct scan_result r;
	struct out o = { 0 };
	struct store *st = NULL;
	const char *pwfile = NULL;
	char *password = NULL;
	int opt, rc, json = 0;
	struct err e;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			continue;
		case 'n':
			so.dry_run = 1;
			continue;
		case 'p':
			pwfile = optarg;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if (optind >= argc)
		return cli_usage(self, "%s", _("no PATH to scan"));
	err_clear(&e);
	if (pwfile != NULL && read_password(pwfile, &password, &e) != 0)
		return cli_fail(&e);
	rc = CLI_FAIL;
	if (json && ((o.problems = cJSON_CreateArray()) == NULL ||
	    (o.certs = cJSON_CreateArray()) == NULL)) {
		err_nomem(&e);
		cli_fail(&e);
		goto out;
	}
	if (cli_open_store(cli, so.dry_run ? 0 : STORE_CREATE, &st) != CLI_OK)
		goto out;
	so.paths = (const char *const *)argv + optind;
	so.n_paths = (size_t)(argc - optind);
	so.password = password;
	so.on_problem = on_problem;
	so.on_cert = on_cert;
	so.arg = &o;
	if (scan_run(st, &so, &r, &e) != 0) {
		cli_fail(&e);
		goto out;
	}
	if (json) {
		summary_json(&r, so.dry_run, &o);
		o.problems = o.certs = NULL;
	} else
		summary_text(&r, so.dry_run);
	rc = r.paths_failed > 0 ? CLI_FAIL : CLI_OK;
out:
	cJSON_Delete(o.problems);
	cJSON_Delete(o.certs);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_scan_entry = {
	.name = "scan",
	.args = "[--json] [--dry-run] [--password-file FILE] PATH...",
	.summary = N_("find the certificates and keys in files and directories"),
	.options = N_("Walks each PATH recursively and stores every certificate it finds (PEM,\n"
	    "DER, PKCS#7 and PKCS#12; chains and bundles) once, with every file it was\n"
	    "found in; private keys are stored with the certificate they belong to. A\n"
	    "rescan reads only files that changed and forgets files that are gone. Bad\n"
	    "files are reported and counted; the scan goes on.\n\n"
	    "      --json                the summary, new certificates and problems as JSON\n"
	    "      --dry-run             report what would be stored, store nothing\n"
	    "      --password-file FILE  the password of PKCS#12 files and encrypted keys\n"
	    "                            (its first line)\n"),
	.exec = cmd_scan_exec,
};
