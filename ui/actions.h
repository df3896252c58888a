/*
 * What the TUI asks of the engine: each action queues a job (store_job_add
 * with the user as actor) and says "queued job #N"; the worker beside the
 * loop, or any other, runs it. Every action is refused read-only.
 */
#ifndef CERTDECK_UI_ACTIONS_H
#define CERTDECK_UI_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "ui.h"

/* Queues a renewal for each of ids. Returns UI_* flags. */
int actions_renew(struct ui *ui, const int64_t *ids, size_t n);

/*
 * Queues a check job for certificate id: the worker probes its endpoints
 * (no network I/O here). Says so when it has none. Returns UI_* flags.
 */
int actions_probe(struct ui *ui, int64_t id);

/*
 * Asks: rotate, rotate and revoke the old certificate once the new one is
 * deployed (reason superseded), or cancel (the default); then queues a key
 * rotation for each of ids. Returns UI_* flags.
 */
int actions_rotate_key(struct ui *ui, const int64_t *ids, size_t n);

/*
 * Asks for the reason, then for the certificate's name typed out, then
 * queues its revocation. Returns UI_* flags.
 */
int actions_revoke(struct ui *ui, int64_t id, const char *name);

/* Opens the new-certificate form; it queues an issuance. Returns UI_* flags. */
int actions_new_cert(struct ui *ui);

/* 1 (with a message set) when ui is read-only and act would write. */
int actions_refused(struct ui *ui, enum ui_action act);

#endif
