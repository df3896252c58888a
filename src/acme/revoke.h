/* Revocation of a stored certificate (RFC 8555 7.6). */
#ifndef CERTDECK_REVOKE_H
#define CERTDECK_REVOKE_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/* RFC 5280 reason codes that ACME CAs accept. */
enum revoke_reason {
	REVOKE_UNSPECIFIED = 0,
	REVOKE_KEY_COMPROMISE = 1,
	REVOKE_AFFILIATION_CHANGED = 3,
	REVOKE_SUPERSEDED = 4,
	REVOKE_CESSATION = 5,
};

/* Parses "keyCompromise"... Returns 0 and *out, or -1 (e lists the names). */
int revoke_reason_parse(const char *name, enum revoke_reason *out, struct err *e);

/*
 * Revokes certificate cert_id at the CA of its account (or account_id when
 * the certificate has none, e.g. imported), signed by the certificate's
 * own key when use_cert_key (required to prove keyCompromise without the
 * account), else by the account. Marks it revoked in the store. Returns 0
 * or -1.
 */
int revoke_cert(struct store *st, int64_t cert_id, int64_t account_id,
    enum revoke_reason reason, int use_cert_key, struct err *e);

#endif
