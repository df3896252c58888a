/* Who did it, for the audit log: "alice on pts/3", or "root (no terminal)" from cron. */
#ifndef CERTDECK_ACTOR_H
#define CERTDECK_ACTOR_H

#include <stddef.h>

/* Fills buf with the acting user and terminal. */
void actor_describe(char *buf, size_t n);

#endif
