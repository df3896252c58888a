/*
 * The Accounts screen's actions. Like ui/actions.c they never touch the
 * network: each checks what was typed, queues a job (account-new,
 * account-update, account-rollover, account-deactivate) with the user as
 * actor and says "queued job #N". All are refused read-only, and all but
 * new are refused for a deactivated account.
 */
#ifndef CERTDECK_UI_ACTIONS_ACCOUNT_H
#define CERTDECK_UI_ACTIONS_ACCOUNT_H

#include <stdint.h>

#include "ui.h"

/*
 * Opens the new-account form, its directory URL prefilled with ca_url (may
 * be NULL). Returns UI_* flags.
 */
int actions_account_new(struct ui *ui, const char *ca_url);

/* Opens the contacts form of account id, prefilled. Returns UI_* flags. */
int actions_account_edit(struct ui *ui, int64_t id);

/* Asks y/N (default No), then queues a key rollover of account id. Returns UI_* flags. */
int actions_account_rollover(struct ui *ui, int64_t id);

/*
 * Warns that deactivation is permanent (default Cancel), then asks for the
 * account's number typed out, then queues it. Returns UI_* flags.
 */
int actions_account_deactivate(struct ui *ui, int64_t id);

#endif
