/*
 * The mouse (--mouse only, off by default so the terminal keeps selecting
 * text): clicks select and open list rows, pick tabs and F-keys, the
 * wheel scrolls; a dialog gets its own clicks.
 */
#ifndef CERTDECK_UI_MOUSE_H
#define CERTDECK_UI_MOUSE_H

struct loop;

/* Asks the terminal to report clicks, double clicks and the wheel. */
void mouse_enable(void);

/* Handles the mouse event waiting (after KEY_MOUSE). */
void mouse_handle(struct loop *lp);

#endif
