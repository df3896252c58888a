/*
 * Who did it, for the audit log: "alice on pts/3", or "root (no terminal)"
 * from cron. The program computes this once at start and hands the string
 * down; the engine never asks the terminal.
 */
#ifndef CERTDECK_ACTOR_H
#define CERTDECK_ACTOR_H

#include <stddef.h>

/* Fills buf (always NUL-terminated) with the acting user and terminal. */
void actor_describe(char *buf, size_t n);

#endif
