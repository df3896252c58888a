/*
 * Is a certificate still good? Asks what its CA publishes: the CRL of each
 * distribution point (RFC 5280; fetched once and cached until its
 * nextUpdate, its signature checked against the issuer, the serial looked
 * up), else, for a certificate that names only an OCSP responder, that
 * responder (RFC 6960; a nonce, the response's signature by the issuer or
 * a responder it delegated to, and its validity times checked). Network
 * I/O: the CLI and the worker call it, never the screen.
 */
#ifndef CERTDECK_REVOCATION_H
#define CERTDECK_REVOCATION_H

#include "err.h"
#include "http.h"
#include "store.h"
#include "store_revocation.h"

/* RFC 5280 CRLReason names ("keyCompromise"...), or "unspecified" for others. */
const char *revocation_reason_name(int code);

/*
 * Checks the certificate at the head of pem_chain (leaf first; the issuer
 * must be the next certificate) at time now, through h (plain http is
 * what CRLs and OCSP are served over; their signatures, not TLS, carry
 * the trust). What the CA's answers cannot settle is not an error:
 * out->state is then REVOCATION_UNKNOWN and out->detail says why (no CRL
 * or responder named, the server down, a bad signature, an expired CRL).
 * out->cert_id is left as the caller set it. CRLs are read from and
 * written to st's cache. Returns 0 and fills *out, or -1 only when the
 * store or memory fails.
 */
int revocation_check(struct store *st, struct http *h, const char *pem_chain,
    long long now, struct revocation_row *out, struct err *e);

#endif
