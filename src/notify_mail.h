/*
 * The mail channel of src/notify.c: a plain-text notice a person can act
 * on (what happened, which certificate, when it expires, the last error,
 * the command to run), sent through a local sendmail (sendmail -t -oi,
 * the message on its standard input) or to a smart host over SMTP with
 * TLS (libcurl, through src/http.c), logging in with a password read
 * from a file at each delivery. Text from a CA or a certificate never
 * reaches a header unsanitised: no CR, LF or other control character.
 */
#ifndef CERTDECK_NOTIFY_MAIL_H
#define CERTDECK_NOTIFY_MAIL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "store_notify.h"

/* The sendmail run when a mail channel names none. */
#define NOTIFY_MAIL_SENDMAIL "/usr/sbin/sendmail"

/*
 * Checks a mail channel before it is stored and completes it: c->target
 * and c->mail_from must be plain addresses (local@domain, printable
 * ASCII), c->smtp an smtp:// or smtps:// URL without user information,
 * c->smtp_user and c->password_file given together (and only with smtp)
 * with a password file no other user can read; c->sendmail (only without
 * smtp) is replaced by its absolute, checked path (free()d and
 * reallocated), and so is c->password_file. Returns 0, or -1 (ERR_USAGE
 * or ERR_INPUT saying what is wrong).
 */
int notify_mail_check(struct notify_channel *c, struct err *e);

/*
 * The notice for event ev (as notify.c queues it) to channel c, at time
 * now: headers and a quoted-printable UTF-8 body, lines ended by eol
 * ("\n" for sendmail, "\r\n" for SMTP). Returns 0 and *out (free()) and
 * *len, or -1.
 */
int notify_mail_compose(const struct notify_channel *c, const cJSON *ev, long long now,
    const char *eol, char **out, size_t *len, struct err *e);

/*
 * Composes and sends the notice. Returns 0 with a short result in result
 * (of rn bytes), or -1 with e filled (e->retryable when a later try may
 * succeed).
 */
int notify_mail_deliver(const struct notify_channel *c, const cJSON *ev, char *result,
    size_t rn, struct err *e);

#endif
