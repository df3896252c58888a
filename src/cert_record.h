/* Turns a PEM chain into the row the store keeps for it. */
#ifndef CERTDECK_CERT_RECORD_H
#define CERTDECK_CERT_RECORD_H

#include <stddef.h>

#include "err.h"
#include "store_cert.h"

/*
 * Parses pem (leaf first), checks that each certificate is signed by the
 * next, and fills a new row: name, SANs, subject, issuer, serial,
 * validity, key type, fingerprint, AKI, the chain text. Ids are left 0 and
 * status CERT_VALID. Returns 0 and *out (free with cert_row_free), or -1.
 */
int cert_record_from_pem(const char *pem, size_t len, struct cert_row **out,
    struct err *e);

struct cert_info;

/*
 * The row for one parsed certificate (leaf, borrowed); *pem_chain (the
 * leaf's PEM followed by its chain) is taken over and set to NULL, even
 * on failure. Returns 0 and *out (free with cert_row_free), or -1.
 */
int cert_record_from_info(const struct cert_info *leaf, char **pem_chain,
    struct cert_row **out, struct err *e);

/*
 * A PEM bundle of certificates that do not form a chain (all CA
 * certificates, as in ca-certificates.crt, or leaves none of which
 * issued another):
 * one row per certificate, each with the issuers the file holds as its
 * chain. Returns 0 and *rows, *n (free with cert_record_rows_free), 1
 * when the text is no such bundle (one certificate, a chain, or with a
 * private key), or -1 when it cannot be read.
 */
int cert_record_bundle_from_pem(const char *pem, size_t len, struct cert_row ***rows,
    size_t *n, struct err *e);

/* Frees n rows and the array. Accepts NULL. */
void cert_record_rows_free(struct cert_row **rows, size_t n);

#endif
