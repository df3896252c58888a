/*
 * Notifications: each (condition, subject) is told once when it starts,
 * at most once a day while it lasts, and once when it clears. Delivery is
 * a job (JOB_NOTIFY: target the channel, params the event JSON), so it is
 * retried with backoff, survives a crash and never holds up a renewal.
 * Channels: a hook program (argv, no shell, a minimal environment with
 * CERTDECK_EVENT, CERTDECK_CERT_ID, CERTDECK_NAMES, CERTDECK_NOT_AFTER,
 * CERTDECK_MESSAGE and the whole event in CERTDECK_EVENT_JSON), an
 * HTTPS webhook (json: the event; slack: {"text": ...}; ntfy: a plain
 * body with title and priority), or a mail (src/notify_mail.c). Each
 * channel may take only some events and conditions (--events) and a
 * certificate's only close to its expiry (--min-days).
 */
#ifndef CERTDECK_NOTIFY_H
#define CERTDECK_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "err.h"
#include "store.h"
#include "store_notify.h"

enum notify_event {
	NOTIFY_START,
	NOTIFY_REMINDER,
	NOTIFY_CLEAR,
	NOTIFY_TEST,
	NOTIFY_EVENT_COUNT
};

/* "start", "reminder", "clear", "test"; untranslated (CERTDECK_EVENT, JSON). */
const char *notify_event_name(enum notify_event ev);

/* How often a lasting condition is told again. */
#define NOTIFY_REMIND_SECONDS 86400

/* What `notify add` may set besides the type and target; all borrowed, NULL: unset. */
struct notify_channel_opts {
	const char *format;	/* webhook: json (default), slack, ntfy */
	const char *ca_bundle;	/* webhook, SMTP: roots to trust instead of the system's */
	const char *events;	/* comma-separated event and condition names */
	int min_days;		/* -1: none */
	const char *mail_from, *smtp, *smtp_user, *password_file, *sendmail;	/* mail */
};

/*
 * Checks and adds a channel: a "hook" target is an executable program,
 * stored as its absolute path; a "webhook" target is an https:// URL; a
 * "mail" target an address (see notify_mail_check). o->events and
 * o->min_days filter what the channel gets (any type). Returns 0 and
 * *id, or -1 (ERR_USAGE or ERR_INPUT saying what is wrong).
 */
int notify_channel_add(struct store *st, const char *type, const char *target,
    const struct notify_channel_opts *o, int64_t *id, struct err *e);

struct conf;

/*
 * Checks the channels cf's [notify NAME] sections declare as `notify add`
 * would (an executable hook, an https webhook, a usable mail setting).
 * cf may be NULL. Returns 0, or -1 with "FILE:LINE: [notify NAME]: why".
 */
int notify_conf_check(const struct conf *cf, struct err *e);

/*
 * Makes the store's channels from the config file match cf's [notify]
 * sections: a new section adds a channel, a changed one updates its
 * settings (its delivery record stays), a section gone removes its
 * channel; channels added by `notify add` are left alone. Writes only
 * when something changed. cf may be NULL (no file: every config channel
 * goes). Returns 0, or -1 (a bad section, as notify_conf_check says).
 */
int notify_conf_sync(struct store *st, const struct conf *cf, struct err *e);

/*
 * Delivers event_json (an event as notify_update queues it) through c
 * now and records the result on the channel. Returns 0, or -1 with e
 * filled (e->retryable when a later try may succeed).
 */
int notify_deliver(struct store *st, const struct notify_channel *c, const char *event_json,
    struct err *e);

/* The text of a test event for notify_deliver. Returns a string to free(), or NULL. */
char *notify_test_event(void);

/*
 * Compares r (evaluated with keep 0: every alert) with what was notified
 * and queues one JOB_NOTIFY per channel and event (start, reminder,
 * clear), updating the state in the same transaction. With no channel,
 * nothing is tracked. Returns 0 and *queued, or -1.
 */
int notify_update(struct store *st, const struct alert_report *r, const char *actor,
    int *queued, struct err *e);

/*
 * The subject that keys a condition's notifications: its job, its
 * channel, else its certificate (0 for none).
 */
int64_t notify_subject(const struct alert *a);

/*
 * Acknowledges alert a for actor at now: no reminders until it clears (the
 * clearing is still told; a new condition starts unacknowledged); one
 * never notified is then not told either. Returns 0, 1 when it was
 * acknowledged already, or -1.
 */
int notify_ack(struct store *st, const struct alert *a, const char *actor, long long now,
    struct err *e);

/*
 * Queues a test notice for channel channel_id as a JOB_NOTIFY job (a
 * worker delivers it and records the result on the channel). Returns 0
 * and *job_id, or -1 (ERR_INPUT when there is no such channel).
 */
int notify_queue_test(struct store *st, int64_t channel_id, const char *actor,
    int64_t *job_id, struct err *e);

/*
 * Writes the channel's target as it may be shown (n bytes to out): a
 * hook's path; a webhook's scheme and host, its path and query (often the
 * secret) replaced by "/...".
 */
void notify_target_shown(const struct notify_channel *c, char *out, size_t n);

/* The job: delivers params (the event JSON) through channel channel_id. Returns 0 or -1. */
int notify_job(struct store *st, int64_t channel_id, const char *params, struct err *e);

#endif
