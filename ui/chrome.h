/*
 * The frame around the screens: the title bar (screens as tabs), the
 * status line (messages, the prompt being typed, the filter), the F-key
 * bar (from the keymap) and the jobs strip above the status line.
 */
#ifndef CERTDECK_UI_CHROME_H
#define CERTDECK_UI_CHROME_H

struct loop;

/* Draws line 0: the program, the screens as tabs, a pushed screen's title. */
void chrome_draw_title(struct loop *lp);

/* Draws the status line: the prompt, a message, the hint, the filter. */
void chrome_draw_status(struct loop *lp);

/*
 * Draws the bottom bar from the keymap: the F-keys, the keys of the screen
 * on top ("F1 Help ?  r Renew  R Revoke  K Rotate  p PEM  F10 Quit").
 */
void chrome_draw_bar(struct loop *lp);

/* Draws the jobs strip: one line per running job above the status line. */
void chrome_draw_strip(struct loop *lp);

/*
 * Re-reads the active jobs for the strip (on wake-ups and the timer only).
 * Changes the layout when the strip grows or shrinks.
 */
void chrome_refresh_jobs(struct loop *lp);

#endif
