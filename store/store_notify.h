/* Notification channels and the state of what was notified (store side of src/notify.c). */
#ifndef CERTDECK_STORE_NOTIFY_H
#define CERTDECK_STORE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct notify_channel {
	int64_t id;
	char *type;		/* "hook", "webhook" or "mail" */
	char *target;		/* the program's absolute path, the URL, or the address */
	char *format;		/* webhook: "json", "slack", "ntfy"; else NULL */
	char *ca_bundle;	/* webhook, SMTP: a PEM file of roots to trust, or NULL */
	char *events;		/* event and condition names, comma-separated; NULL: all */
	int min_days;		/* a certificate's notices within this many days; -1: all */
	char *mail_from;	/* mail: the From address, or NULL (certdeck@host) */
	char *smtp;		/* mail: smtp:// or smtps:// URL, or NULL (sendmail) */
	char *smtp_user;	/* mail: the SMTP login, or NULL for none */
	char *password_file;	/* mail: the file holding its password (not the secret) */
	char *sendmail;		/* mail: sendmail's absolute path, or NULL (the system's) */
	char *conf_name;	/* the config file's [notify NAME] it comes from, or NULL */
	long long created;
	long long last_time;	/* the last delivery, 0 for none */
	char *last_status;	/* "ok", "failed", or NULL */
	char *last_message;
	int failures;		/* deliveries failed in a row */
};

/* Frees a channel. Accepts NULL. */
void notify_channel_free(struct notify_channel *c);

/* Frees n channels and the array. Accepts NULL. */
void notify_channel_list_free(struct notify_channel **v, size_t n);

/* Adds a channel (c->id ignored). Returns 0 and *id, or -1. */
int store_notify_add(struct store *st, const struct notify_channel *c, int64_t *id,
    struct err *e);

/*
 * Sets the settings of channel id (type, target, format, ca_bundle,
 * events, min_days and the mail fields of c) and keeps its delivery
 * record. Returns 0, or -1.
 */
int store_notify_update(struct store *st, int64_t id, const struct notify_channel *c,
    struct err *e);

/* Removes channel id. Returns 0, 1 when there is none, or -1. */
int store_notify_remove(struct store *st, int64_t id, struct err *e);

/* Fetches channel id. Returns 0 and *out (notify_channel_free), 1 when absent, or -1. */
int store_notify_get(struct store *st, int64_t id, struct notify_channel **out, struct err *e);

/* All channels by id. Returns 0 with *out and *n (notify_channel_list_free), or -1. */
int store_notify_list(struct store *st, struct notify_channel ***out, size_t *n, struct err *e);

/* Records a delivery's result (ok: failures reset; else counted). Returns 0 or -1. */
int store_notify_result(struct store *st, int64_t id, int ok, const char *message,
    struct err *e);

/* A condition as notified (alert_state). */
struct notify_state {
	char kind[32];
	int64_t subject;	/* certificate or job id, 0 for none */
	long long started, notified;
	int64_t cert_id;
	char *message;		/* its last message */
	long long acked_at;	/* acknowledged: no reminders until it clears; 0 when not */
	char *acked_by;		/* who acknowledged it, or NULL */
	int64_t job_first, job_last;	/* the notify jobs of its last notice, 0 for none */
};

/* Frees n states and the array. Accepts NULL. */
void notify_state_list_free(struct notify_state *v, size_t n);

/* Every notified condition. Returns 0 with *out and *n (notify_state_list_free), or -1. */
int store_notify_states(struct store *st, struct notify_state **out, size_t *n, struct err *e);

/*
 * Inserts or updates (kind, subject): notified, message and the jobs of
 * the notice; started, the acknowledgement and cert_id stay as they were.
 * Returns 0 or -1.
 */
int store_notify_state_put(struct store *st, const struct notify_state *s, struct err *e);

/* Deletes (kind, subject). Returns 0 or -1. */
int store_notify_state_clear(struct store *st, const char *kind, int64_t subject,
    struct err *e);

/*
 * Acknowledges the condition (s->kind, s->subject) for actor at s->acked_at:
 * its row gets acked_at and acked_by, or is made (with s->started,
 * s->cert_id and s->message, notified 0) when the condition was never
 * notified, so that it is not told either. Returns 0, 1 when it was
 * acknowledged already (nothing changed), or -1.
 */
int store_notify_ack(struct store *st, const struct notify_state *s, const char *actor,
    struct err *e);

/*
 * Fetches the state of (kind, subject). Returns 0 and fills *out (release
 * with notify_state_clear), 1 when there is none, or -1.
 */
int store_notify_state_get(struct store *st, const char *kind, int64_t subject,
    struct notify_state *out, struct err *e);

/* Frees what s holds and zeroes it. */
void notify_state_clear(struct notify_state *s);

/* One delivery of a notice: a notify job and its channel. */
struct notify_delivery {
	int64_t job_id;
	int64_t channel_id;
	const char *type;	/* the channel's, NULL when it was removed */
	const char *state;	/* the job's: "queued", "running", "done", "failed", ... */
	int attempt;
	const char *error;	/* the job's last error message, or NULL */
	long long updated;
};

/*
 * Calls cb for each notify job with an id in first..last (a notice's
 * jobs), by id; the row is borrowed for the call. Returns 0, cb's
 * non-zero value, or -1.
 */
int store_notify_deliveries(struct store *st, int64_t first, int64_t last,
    int (*cb)(const struct notify_delivery *d, void *arg), void *arg, struct err *e);

#endif
