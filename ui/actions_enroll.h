/*
 * The SCEP and EST halves of the new-certificate form: each queues the
 * job `certdeck enroll` queues (scep-enroll, est-enroll) with the same
 * params (src/scep_enroll.h, src/est_enroll.h). The form does no network
 * I/O: it reads only local files (to catch a typo), and stores secrets'
 * file paths, never the secrets.
 */
#ifndef CERTDECK_UI_ACTIONS_ENROLL_H
#define CERTDECK_UI_ACTIONS_ENROLL_H

#include "ui.h"

/* Opens the SCEP enrolment form. Returns UI_* flags. */
int actions_enroll_scep(struct ui *ui);

/* Opens the EST enrolment form. Returns UI_* flags. */
int actions_enroll_est(struct ui *ui);

#endif
