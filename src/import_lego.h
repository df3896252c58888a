/*
 * Reads a lego directory (.lego) into an import plan: certificates/NAME.crt
 * (the certificate, usually with its issuer; NAME.issuer.crt otherwise),
 * NAME.key and NAME.json, and the accounts under accounts/HOST_PORT/EMAIL
 * (account.json and keys/EMAIL.key). lego keeps no history and no renewal
 * settings (they are on its command line): the lineages get http-01 on
 * port 80 and the current key's type, with a note saying so. Reads only.
 */
#ifndef CERTDECK_IMPORT_LEGO_H
#define CERTDECK_IMPORT_LEGO_H

#include "err.h"
#include "import_plan.h"

/*
 * Reads dir. lego's account folders name only the CA's host: the
 * directory URL is o->server_url, or a preset's with that host. Returns 0
 * and *out (import_plan_free), or -1 when dir cannot be read or is not a
 * lego directory.
 */
int import_lego_read(const char *dir, const struct import_opts *o, struct import_plan **out,
    struct err *e);

#endif
