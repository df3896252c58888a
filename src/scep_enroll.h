/*
 * A SCEP enrolment or renewal as a job: the key, the CSR, one
 * PKIOperation (src/scep.c) and the certificate stored with its key and
 * chain, source "scep". The settings live in the job's params under
 * "scep" (SCEP_PARAM_*), and a renewal copies them from the job that
 * produced the certificate it renews, so every SCEP certificate's
 * producing job holds what is needed to renew it:
 *   {"scep": {"url", "names": [...], "subject" (or absent),
 *             "challenge_file" (an absolute path, or absent),
 *             "ca_fingerprint" (SHA-256 hex), "key_type"},
 *    "key_id": the new key once made, "pending": 1 once the CA answered
 *    PENDING (later runs send CertPoll), "cert_id": the certificate once stored}
 * The challenge password itself is never in the store: the job reads the
 * file each time (the CA wants it on renewals too).
 */
#ifndef CERTDECK_SCEP_ENROLL_H
#define CERTDECK_SCEP_ENROLL_H

#include <stdint.h>

#include "enroll.h"
#include "err.h"
#include "store.h"
#include "store_job.h"

/* The certificates' source column for SCEP ones. */
#define SCEP_SOURCE "scep"

/* The JSON path store_job_producer looks for. */
#define SCEP_PARAM_PATH "$.scep.url"

/*
 * Runs the enrolment of job: a scep-enroll job (old_cert_id 0), or the
 * renewal of SCEP certificate old_cert_id (a renew job; reuse_key keeps
 * its key). Resumes from what the params record (key, certificate). A
 * renewal is a RenewalReq signed with the current certificate when the CA
 * offers Renewal, else a PKCSReq. Returns 0 and *cert_id (the stored
 * certificate; not yet linked to old_cert_id), or -1 (e->retryable for
 * transport trouble and a PENDING answer, which the next run polls for).
 */
int scep_enroll_run(struct store *st, const struct job_row *job, int64_t old_cert_id,
    int reuse_key, const struct enroll_progress *p, int64_t *cert_id, struct err *e);

#endif
