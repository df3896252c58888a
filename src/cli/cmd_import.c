#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_record.h"
#include "cli.h"
#include "cmd_import_client.h"
#include "crypto.h"
#include "fileio.h"
#include "i18n.h"
#include "timefmt.h"
#include "store_cert.h"
#include "store_key.h"
#include "safetext.h"

#define IMPORT_MAX_FILE (1024 * 1024)

struct import_item {
	const char *path;
	struct cert_row *row;	/* one certificate (with its chain), or NULL for a bundle */
	struct cert_row **bundle; /* unrelated certificates, each stored alone */
	size_t n_bundle;
	char *key_pem;		/* normalised PKCS#8, or NULL */
	const char *key_type;
};

static void
item_clear(struct import_item *it)
{
	cert_row_free(it->row);
	cert_record_rows_free(it->bundle, it->n_bundle);
	if (it->key_pem != NULL) {
		OPENSSL_cleanse(it->key_pem, strlen(it->key_pem));
		free(it->key_pem);
	}
}

/* Loads the private key from text and checks it belongs to the certificate. */
static int
attach_key(struct import_item *it, const char *text, size_t len, const char *where,
    struct err *e)
{
	EVP_PKEY *key = NULL;
	enum key_type kt;
	int rc = -1, m;

	if (crypto_key_from_pem(text, len, &key, e) != 0) {
		err_prefix(e, "%s", where);
		goto out;
	}
	m = crypto_cert_matches_key(it->row->pem_chain, strlen(it->row->pem_chain), key, e);
	if (m < 0)
		goto out;
	if (m == 0) {
		err_set(e, ERR_INPUT, _("%s: the private key does not belong to the certificate in %s"),
		    where, it->path);
		goto out;
	}
	if (crypto_key_to_pem(key, &it->key_pem, e) != 0)
		goto out;
	it->key_type = crypto_key_type_of(key, &kt, NULL) == 0 ?
	    crypto_key_type_name(kt) : it->row->key_type;
	rc = 0;
out:
	EVP_PKEY_free(key);
	return rc;
}

static int
load_item(struct import_item *it, const char *key_path, struct err *e)
{
	char *text = NULL, *ktext = NULL;
	size_t len = 0, klen = 0;
	int rc = -1;

	if (fileio_read(it->path, IMPORT_MAX_FILE, &text, &len, e) != 0)
		return -1;
	if (cert_record_from_pem(text, len, &it->row, e) != 0) {
		struct err be;
		size_t i;
		int b;

		/* Not a chain: a bundle of unrelated certificates is stored one by one. */
		err_clear(&be);
		b = key_path == NULL ?
		    cert_record_bundle_from_pem(text, len, &it->bundle, &it->n_bundle, &be) : 1;
		if (b != 0) {
			if (b == -1 && e != NULL)
				*e = be;
			err_prefix(e, "%s", it->path);
			goto out;
		}
		err_clear(e);
		for (i = 0; i < it->n_bundle; i++)
			if ((it->bundle[i]->source = strdup("import")) == NULL) {
				err_nomem(e);
				goto out;
			}
		rc = 0;
		goto out;
	}
	it->row->source = strdup("import");
	if (key_path != NULL) {
		if (fileio_read(key_path, IMPORT_MAX_FILE, &ktext, &klen, e) != 0)
			goto out;
		if (attach_key(it, ktext, klen, key_path, e) != 0)
			goto out;
	} else if (strstr(text, "PRIVATE KEY-----") != NULL) {
		/* A combined PEM (certificate and key in one file). */
		if (attach_key(it, text, len, it->path, e) != 0)
			goto out;
	}
	rc = 0;
out:
	if (ktext != NULL) {
		OPENSSL_cleanse(ktext, klen);
		free(ktext);
	}
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

/*
 * Stores the certificates of a bundle that are not stored yet (a bundle
 * imported again, or one that overlaps another, is not an error); a
 * known one keeps its id in row->id and its fingerprint is marked by
 * row->created = -1 for the report.
 */
static int
store_bundle(struct store *st, struct import_item *it, struct err *e)
{
	int64_t id;
	size_t i;
	int rc;

	for (i = 0; i < it->n_bundle; i++) {
		struct cert_row *r = it->bundle[i];

		rc = store_cert_find_fingerprint(st, r->fingerprint, &id, e);
		if (rc == -1)
			return -1;
		if (rc == 0) {
			r->id = id;
			r->created = -1;
			continue;
		}
		err_clear(e);
		if (store_cert_insert(st, r, &r->id, e) != 0) {
			err_prefix(e, "%s", it->path);
			return -1;
		}
	}
	return 0;
}

static void
print_bundle(const struct import_item *it)
{
	char date[32];
	size_t i, known = 0;

	for (i = 0; i < it->n_bundle; i++) {
		const struct cert_row *r = it->bundle[i];

		if (r->created == -1) {
			known++;
			continue;
		}
		timefmt_utc(r->not_after, 0, date, sizeof(date));
		printf(_("Imported %s as #%lld: %s, expires %s%s\n"), safetext(it->path),
		    (long long)r->id, safetext(r->name), date, "");
	}
	/* TRANSLATORS: file, how many certificates it holds, how many of them were stored already. */
	printf(_("%s: a bundle of %zu certificates, %zu of them stored already\n"),
	    safetext(it->path), it->n_bundle, known);
}

static int
cmd_import_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	struct import_item *items = NULL;
	struct store *st = NULL;
	const char *key_path = NULL;
	int opt, rc, i, n;
	int64_t key_id, cert_id;
	char date[32];
	struct err e;

	/* --from CLIENT takes over another client's directory: cmd_import_client.c. */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--from") == 0 || strncmp(argv[i], "--from=", 7) == 0 ||
		    strcmp(argv[i], "-f") == 0)
			return cmd_import_client(cli, self, argc, argv);
	while ((opt = getopt_long(argc, argv, "k:", opts, NULL)) != -1) {
		if (opt == 'k') {
			key_path = optarg;
			continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	n = argc - optind;
	if (n == 0)
		return cli_usage(self, "%s", _("no certificate file given"));
	if (key_path != NULL && n != 1)
		return cli_usage(self, "%s", _("--key goes with exactly one certificate file"));

	err_clear(&e);
	items = calloc((size_t)n, sizeof(*items));
	if (items == NULL)
		return cli_fail(&e);
	/* Parse everything first: one bad file means nothing is written. */
	rc = CLI_FAIL;
	for (i = 0; i < n; i++) {
		items[i].path = argv[optind + i];
		if (load_item(&items[i], key_path, &e) != 0) {
			cli_fail(&e);
			goto out;
		}
	}
	if (cli_open_store(cli, STORE_CREATE, &st) != CLI_OK)
		goto out;
	if (store_begin(st, &e) != 0) {
		cli_fail(&e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (items[i].row == NULL) {
			if (store_bundle(st, &items[i], &e) != 0)
				goto rollback;
			continue;
		}
		if (items[i].key_pem != NULL) {
			if (store_key_insert(st, items[i].key_type, items[i].key_pem,
			    &key_id, &e) != 0)
				goto rollback;
			items[i].row->key_id = key_id;
		}
		if (store_cert_insert(st, items[i].row, &cert_id, &e) != 0) {
			err_prefix(&e, "%s", items[i].path);
			goto rollback;
		}
		items[i].row->id = cert_id;
	}
	if (store_commit(st, &e) != 0)
		goto rollback;
	for (i = 0; i < n; i++) {
		if (items[i].row == NULL) {
			print_bundle(&items[i]);
			continue;
		}
		timefmt_utc(items[i].row->not_after, 0, date, sizeof(date));
		/* TRANSLATORS: file, id, name, expiry date. */
		printf(_("Imported %s as #%lld: %s, expires %s%s\n"), safetext(items[i].path),
		    (long long)items[i].row->id, safetext(items[i].row->name), date,
		    items[i].key_pem != NULL ? _(" (with its key)") : "");
	}
	rc = CLI_OK;
	goto out;
rollback:
	store_rollback(st);
	cli_fail(&e);
	cli_msg("%s", _("nothing was imported"));
out:
	for (i = 0; items != NULL && i < n; i++)
		item_clear(&items[i]);
	free(items);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.args = "[--key KEYFILE] FILE... | --from CLIENT [OPTIONS] [DIR]",
	.summary = N_("store existing PEM certificates (and their key)"),
	.options = N_("Each FILE holds a certificate, optionally followed by its chain and\n"
	    "its private key (a combined PEM), or a bundle of unrelated certificates\n"
	    "(such as /etc/ssl/certs/ca-certificates.crt), each of which is stored\n"
	    "unless it is already. All files are checked before anything is stored:\n"
	    "one bad file means nothing is imported.\n\n"
	    "  -k, --key KEYFILE  the private key of the (single) certificate\n\n"
	    "With --from, takes over another ACME client's certificates: each\n"
	    "one's current certificate with its key and chain, the older ones as its\n"
	    "history, its ACME account, and its renewal settings. DIR defaults to\n"
	    "/etc/letsencrypt for certbot, ./.lego for lego, ~/.acme.sh for acme.sh.\n"
	    "Nothing is stored twice on a second run.\n\n"
	    "  -f, --from CLIENT  certbot, lego or acme.sh\n"
	    "      --dry-run      show what would be imported; store nothing\n"
	    "      --adopt        certdeck renews them from now on (certdeck renew)\n"
	    "      --ca-bundle FILE  trust for the CA's HTTPS (a private CA)\n"
	    "      --server URL   the CA's directory URL (lego keeps only its host)\n"
	    "      --http-addr ADDR, --http-port PORT, --webroot DIR\n"
	    "                     renew by http-01 this way (lego keeps no settings)\n"
	    "      --json         the import plan and its result as JSON\n"
	    "Nothing in DIR is changed; links that lead out of DIR are not followed.\n"),
	.exec = cmd_import_exec,
};
