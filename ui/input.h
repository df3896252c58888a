/*
 * Keys: what the loop does with each key read. A dialog takes every key
 * while open; a prompt (the filter, the : command line) edits its line;
 * else the keymap turns the key into an action for the top screen, and
 * the loop takes what the screen leaves. Esc then a digit is an F-key.
 */
#ifndef CERTDECK_UI_INPUT_H
#define CERTDECK_UI_INPUT_H

#include <curses.h>

#include "keymap.h"

struct loop;
struct ui;

/* Reads and handles every key waiting (resizes and mouse events too). */
void input_read_keys(struct loop *lp);

/* A key in normal mode (no prompt, no dialog): the keymap's action for it. */
void input_normal_key(struct loop *lp, int key);

/* Runs act on the top screen, then (if it did not take it) on the loop. */
void input_run_action(struct loop *lp, enum ui_action act, int key);

/*
 * A key, or with me (may be NULL) a click, for the open dialog; it may
 * close and open another.
 */
void input_modal(struct loop *lp, int key, const MEVENT *me);

/* Closes (and frees) the open dialog, if any. */
void input_close_modal(struct ui *ui);

/*
 * Lets typing ahead (or, with budget_ms > 0, that many milliseconds)
 * interrupt the store queries until input_guard_end; ui_was_interrupted
 * then tells.
 */
void input_guard_begin(struct ui *ui, int budget_ms);

/* Ends the query guard. */
void input_guard_end(struct ui *ui);

#endif
