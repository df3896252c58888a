/*
 * The terminal: curses on and off, and signal safety. Signals become
 * bytes on a pipe the loop polls (the handler does nothing else); exit()
 * from anywhere ends curses; a crash puts the terminal's modes back with
 * only async-signal-safe calls.
 */
#ifndef CERTDECK_UI_TERM_H
#define CERTDECK_UI_TERM_H

#include <curses.h>

#include "err.h"

/*
 * Turns SIGTERM, SIGINT, SIGHUP, SIGQUIT and SIGWINCH into bytes on
 * term_signal_fd(). Call before term_start (ncurses then leaves SIGWINCH
 * to us). Returns 0 or -1 (e filled).
 */
int term_signals_setup(struct err *e);

/* Puts the default handlers back and closes the pipe. */
void term_signals_teardown(void);

/* The descriptor that is readable after a signal, or -1. */
int term_signal_fd(void);

/* Reads up to n signal numbers that arrived. Returns how many (0 for none). */
int term_signals_read(unsigned char *sigs, int n);

/*
 * Starts curses on stdin and stdout: cbreak, no echo, keys without
 * waiting, keypad, a visible cursor. Returns the screen (term_end frees
 * it), or NULL (e filled) when the terminal type is unknown.
 */
SCREEN *term_start(struct err *e);

/* Ends curses if it is on. Safe to call again, and from exit(). */
void term_restore(void);

/* 1 while curses is on. */
int term_active(void);

/* Ends curses (if on) and frees scr. Accepts NULL. */
void term_end(SCREEN *scr);

/* After SIGWINCH: tells curses the terminal's size when it changed. */
void term_sync_size(void);

#endif
