/*
 * An EST enrolment or renewal as a job: the key, the CSR (following
 * /csrattrs where certdeck can), /simpleenroll or /simplereenroll
 * (src/est.c) and the certificate stored with its key and chain, source
 * "est". The settings live in the job's params under "est", kept as
 * src/enroll.h describes:
 *   {"est": {"url", "label" (or absent), "names": [...], "subject" (or
 *            absent), "key_type", the trust anchor: "ca_bundle" (an
 *            absolute path) or "ca_pem" (the CA certificate checked by
 *            fingerprint), or "ca_fingerprint" (the screen's form: each run
 *            fetches /cacerts and trusts the certificate with it), the credentials: "user" and "password_file" (an
 *            absolute path), or "client_cert_id"},
 *    "key_id", "cert_id"}
 * The password itself is never in the store: each run reads the file.
 * A renewal authenticates with the certificate it renews (TLS client
 * authentication) at /simplereenroll.
 */
#ifndef CERTDECK_EST_ENROLL_H
#define CERTDECK_EST_ENROLL_H

#include <stdint.h>

#include "enroll.h"
#include "err.h"
#include "store.h"
#include "store_job.h"

/* The certificates' source column for EST ones. */
#define EST_SOURCE "est"

/* A password for HTTP basic authentication is at most this long. */
#define EST_PASSWORD_MAX 1024

/*
 * Runs the enrolment of job: an est-enroll job (old_cert_id 0), or the
 * renewal of EST certificate old_cert_id (reuse_key keeps its key).
 * Resumes from what the params record. Returns 0 and *cert_id (not yet
 * linked to old_cert_id), or -1 (e->retryable with e->retry_after for
 * transport trouble and a 202 Accepted, which the next run asks again).
 */
int est_enroll_run(struct store *st, const struct job_row *job, int64_t old_cert_id,
    int reuse_key, const struct enroll_progress *p, int64_t *cert_id, struct err *e);

#endif
