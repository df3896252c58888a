/* import --from CLIENT: taking over another ACME client's directory. */
#ifndef CERTDECK_CMD_IMPORT_CLIENT_H
#define CERTDECK_CMD_IMPORT_CLIENT_H

#include "cli.h"

/*
 * Runs "import --from CLIENT [options] [DIR]" with import's argv (the
 * caller saw --from in it). Returns the exit status.
 */
int cmd_import_client(struct cli *cli, const struct cmd_entry *self, int argc, char **argv);

#endif
