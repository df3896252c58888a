#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "crypto.h"
#include "i18n.h"
#include "revoke.h"
#include "store_cert.h"

static const struct {
	const char *name;
	enum revoke_reason code;
} reasons[] = {
	{ "unspecified", REVOKE_UNSPECIFIED },
	{ "keyCompromise", REVOKE_KEY_COMPROMISE },
	{ "affiliationChanged", REVOKE_AFFILIATION_CHANGED },
	{ "superseded", REVOKE_SUPERSEDED },
	{ "cessationOfOperation", REVOKE_CESSATION },
};

int
revoke_reason_parse(const char *name, enum revoke_reason *out, struct err *e)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (strcmp(reasons[i].name, name) == 0) {
			*out = reasons[i].code;
			return 0;
		}
	}
	return err_set(e, ERR_USAGE, _("unknown reason '%s' (use unspecified, keyCompromise, "
	    "superseded, cessationOfOperation or affiliationChanged)"), name);
}

int
revoke_cert(struct store *st, int64_t cert_id, int64_t account_id,
    enum revoke_reason reason, int use_cert_key, struct err *e)
{
	struct account_session *s = NULL;
	struct cert_row *row = NULL;
	EVP_PKEY *key = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc = -1, grc;

	if (store_cert_get(st, cert_id, &row, e) != 0)
		return -1;
	if (row->status == CERT_REVOKED) {
		err_set(e, ERR_USAGE, _("certificate #%lld is already revoked"),
		    (long long)cert_id);
		goto out;
	}
	if (row->account_id > 0)
		account_id = row->account_id;
	if (account_id <= 0) {
		err_set(e, ERR_USAGE, _("certificate #%lld has no account: name one with "
		    "--account ID"), (long long)cert_id);
		goto out;
	}
	if (use_cert_key) {
		if (row->key_id <= 0) {
			err_set(e, ERR_USAGE, _("the key of certificate #%lld is not in the store"),
			    (long long)cert_id);
			goto out;
		}
		grc = crypto_key_load(st, row->key_id, &key, e);
		if (grc != 0) {
			if (grc == 1)
				err_set(e, ERR_STORE, "%s", _("the certificate's key is missing"));
			goto out;
		}
	}
	if (account_open(st, account_id, &s, e) != 0)
		goto out;
	if (crypto_cert_der(row->pem_chain, strlen(row->pem_chain), &der, &der_len, e) != 0)
		goto out;
	if (acme_revoke(s->client, der, der_len, (int)reason, key, e) != 0) {
		err_prefix(e, "%s", row->name);
		goto out;
	}
	rc = store_cert_mark_revoked(st, cert_id, store_now(), (int)reason, e);
out:
	free(der);
	EVP_PKEY_free(key);
	account_session_free(s);
	cert_row_free(row);
	return rc;
}
