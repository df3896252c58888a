#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cert_record.h"
#include "crypto.h"
#include "crypto_bundle.h"
#include "fileio.h"
#include "i18n.h"

/* The subject's CN from its RFC 2253 text, or NULL. Caller frees. */
static char *
subject_cn(const char *subject)
{
	const char *p = subject, *end;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "CN=", 3) == 0) {
			p += 3;
			for (end = p; *end != '\0' && !(*end == ',' && end[-1] != '\\'); end++)
				;
			return strndup(p, (size_t)(end - p));
		}
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/*
 * Only the CERTIFICATE blocks of pem, each ending in a newline: a combined
 * file may also hold a private key, which must never land in pem_chain.
 */
static char *
certificate_blocks(const char *pem, size_t len, struct err *e)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *p = pem, *limit = pem + len, *b, *f;
	char *outp, *o;

	if ((outp = malloc(2 * len + 2)) == NULL) {
		err_nomem(e);
		return NULL;
	}
	o = outp;
	while (p < limit && (b = memmem(p, (size_t)(limit - p), begin, sizeof(begin) - 1)) != NULL) {
		f = memmem(b, (size_t)(limit - b), end, sizeof(end) - 1);
		if (f == NULL) {
			free(outp);
			err_set(e, ERR_INPUT, "%s", _("truncated certificate (no END line)"));
			return NULL;
		}
		f += sizeof(end) - 1;
		memcpy(o, b, (size_t)(f - b));
		o += f - b;
		*o++ = '\n';
		p = f;
	}
	*o = '\0';
	return outp;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
cert_record_from_info(const struct cert_info *leaf, char **pem_chain,
    struct cert_row **out, struct err *e)
{
	struct cert_row *row;
	size_t i;

	row = calloc(1, sizeof(*row));
	if (row == NULL) {
		free(*pem_chain);
		*pem_chain = NULL;
		return err_nomem(e);
	}
	row->sans = calloc(leaf->n_sans + 1, sizeof(*row->sans));
	for (i = 0; row->sans != NULL && i < leaf->n_sans; i++)
		row->sans[i] = strdup(leaf->sans[i]);
	row->n_sans = leaf->n_sans;
	if (leaf->n_sans > 0)
		row->name = strdup(leaf->sans[0]);
	else if ((row->name = subject_cn(leaf->subject)) == NULL)
		row->name = strndup(leaf->fingerprint, 16);
	row->subject = dup_or_null(leaf->subject);
	row->issuer = dup_or_null(leaf->issuer);
	row->issuer_cn = dup_or_null(leaf->issuer_cn);
	row->serial = dup_or_null(leaf->serial);
	row->not_before = (long long)leaf->not_before;
	row->not_after = (long long)leaf->not_after;
	row->key_type = dup_or_null(leaf->key_type);
	row->fingerprint = strdup(leaf->fingerprint);
	row->aki = leaf->aki != NULL ? fileio_hex(leaf->aki, leaf->aki_len) : NULL;
	row->pem_chain = *pem_chain;
	*pem_chain = NULL;
	row->status = CERT_VALID;
	row->kind = leaf->kind;
	row->validation = leaf->validation;
	if (row->sans == NULL || row->name == NULL || row->fingerprint == NULL ||
	    row->pem_chain == NULL) {
		cert_row_free(row);
		return err_nomem(e);
	}
	*out = row;
	return 0;
}

int
cert_record_from_pem(const char *pem, size_t len, struct cert_row **out, struct err *e)
{
	struct cert_info **chain = NULL;
	size_t n = 0, clen;
	char *certs;
	int rc = -1;

	if ((certs = certificate_blocks(pem, len, e)) == NULL)
		return -1;
	clen = strlen(certs);
	if (clen == 0) {
		free(certs);
		return err_set(e, ERR_INPUT, "%s", _("no certificate found"));
	}
	if (crypto_chain_parse(certs, clen, &chain, &n, e) != 0 ||
	    crypto_chain_verify_links(certs, clen, e) != 0)
		goto out;
	rc = cert_record_from_info(chain[0], &certs, out, e);
out:
	free(certs);
	cert_info_chain_free(chain, n);
	return rc;
}

/*
 * 1 when b is a bundle, not a chain: every certificate a CA's (a trust
 * store), or no CA among them and none issued another (leaves put
 * together). A leaf followed by CA certificates is a chain, and when its
 * links do not verify, that is an error worth telling.
 */
static int
is_bundle(const struct crypto_bundle *b)
{
	int i, j, n = sk_X509_num(b->certs), all_ca = 1, any_ca = 0, related = 0;

	for (i = 0; i < n; i++) {
		X509 *x = sk_X509_value(b->certs, i);

		if (X509_check_ca(x) != 1)
			all_ca = 0;
		else
			any_ca = 1;
		for (j = 0; j < n && !related; j++)
			related = j != i &&
			    X509_check_issued(sk_X509_value(b->certs, j), x) == X509_V_OK;
	}
	ERR_clear_error();
	return all_ca || (!any_ca && !related);
}

void
cert_record_rows_free(struct cert_row **rows, size_t n)
{
	size_t i;

	for (i = 0; rows != NULL && i < n; i++)
		cert_row_free(rows[i]);
	free(rows);
}

int
cert_record_bundle_from_pem(const char *pem, size_t len, struct cert_row ***out,
    size_t *n_out, struct err *e)
{
	struct crypto_bundle *b = NULL;
	struct cert_info *info = NULL;
	struct cert_row **rows = NULL;
	size_t n = 0;
	char *chain = NULL;
	int i, rc;

	*out = NULL;
	*n_out = 0;
	rc = crypto_bundle_read((const unsigned char *)pem, len, NULL, 0, &b, e);
	if (rc != 0)
		return rc;
	rc = 1;
	if (sk_X509_num(b->certs) < 2 || b->n_keys > 0 || b->locked_keys > 0 || !is_bundle(b))
		goto out;	/* a chain (or a certificate with its key): not ours */
	rc = -1;
	if ((rows = calloc((size_t)sk_X509_num(b->certs), sizeof(*rows))) == NULL) {
		err_nomem(e);
		goto out;
	}
	for (i = 0; i < sk_X509_num(b->certs); i++) {
		if (crypto_cert_info(sk_X509_value(b->certs, i), &info, e) != 0) {
			err_prefix(e, _("certificate %d"), i + 1);
			goto out;
		}
		if (crypto_bundle_chain_pem(b, i, &chain, e) != 0 ||
		    cert_record_from_info(info, &chain, &rows[n], e) != 0)
			goto out;
		n++;
		cert_info_free(info);
		info = NULL;
	}
	*out = rows;
	*n_out = n;
	rows = NULL;
	rc = 0;
out:
	cert_info_free(info);
	cert_record_rows_free(rows, n);
	crypto_bundle_free(b);
	return rc;
}
