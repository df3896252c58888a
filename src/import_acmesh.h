/*
 * Reads an acme.sh home (~/.acme.sh) into an import plan, from the layout
 * acme.sh's own source writes: NAME/ or NAME_ecc/ with NAME.cer (the
 * certificate), ca.cer (its chain), fullchain.cer, NAME.key and NAME.conf
 * (Le_Domain='...' lines: Le_Webroot, Le_Keylength, Le_API, Le_HTTPPort,
 * ...), and the accounts under ca/HOST/PATH (account.key, ca.conf with
 * ACCOUNT_URL and CA_EMAIL). acme.sh keeps no history. The .conf files are
 * parsed as text, never run. Reads only; writes nothing.
 */
#ifndef CERTDECK_IMPORT_ACMESH_H
#define CERTDECK_IMPORT_ACMESH_H

#include "err.h"
#include "import_plan.h"

/*
 * Reads dir. Returns 0 and *out (import_plan_free), or -1 when dir cannot
 * be read or holds no acme.sh certificate folder nor ca/.
 */
int import_acmesh_read(const char *dir, const struct import_opts *o,
    struct import_plan **out, struct err *e);

#endif
