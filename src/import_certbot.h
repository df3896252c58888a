/*
 * Reads a certbot configuration directory (/etc/letsencrypt) into an
 * import plan: live/NAME (through its links into archive/NAME, never out
 * of the directory), the archive's older versions as history,
 * renewal/NAME.conf mapped onto certdeck's issue settings, and the
 * accounts under accounts/SERVER/ID. Reads only; writes nothing.
 */
#ifndef CERTDECK_IMPORT_CERTBOT_H
#define CERTDECK_IMPORT_CERTBOT_H

#include "err.h"
#include "import_plan.h"

/*
 * Reads dir. What cannot be read of one lineage or account is a problem
 * line or a note in the plan, not a failure. Returns 0 and *out (free with
 * import_plan_free), or -1 when dir cannot be read or is not a certbot
 * directory.
 */
int import_certbot_read(const char *dir, const struct import_opts *o, struct import_plan **out,
    struct err *e);

#endif
