/* Terminal setup and teardown, and what the signals may do meanwhile. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "i18n.h"
#include "term.h"

/* Signals reach the loop through this pipe; the handler does nothing else. */
static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t curses_on;

/*
 * For a crash: the terminal's modes from before curses, and the bytes that
 * leave the alternate screen, show the cursor and reset attributes. Only
 * tcsetattr() and write() are safe in a signal handler; endwin() is not.
 */
static struct termios saved_tios;
static int have_tios;
#ifndef __SANITIZE_ADDRESS__
static char fatal_reset[256];
static size_t fatal_reset_len;
#endif

static const int loop_sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGWINCH };

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (sig_pipe[1] != -1)
		(void)!write(sig_pipe[1], &b, 1);
	errno = saved;
}

void
term_restore(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

int
term_active(void)
{
	return curses_on;
}

/*
 * Crashes put the terminal back too. Not under AddressSanitizer, which
 * reports a SEGV itself (so neither helper below is built there).
 */
#ifndef __SANITIZE_ADDRESS__
static void
on_fatal(int sig)
{
	if (curses_on) {
		if (have_tios)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_tios);
		(void)!write(STDOUT_FILENO, fatal_reset, fatal_reset_len);
	}
	/* SA_RESETHAND restored the default: the signal does its work. */
	raise(sig);
}

/* Appends a terminfo string without its "$<N>" padding. */
static void
add_reset(const char *cap)
{
	char *s = tigetstr((char *)cap);

	if (s == NULL || s == (char *)-1)
		return;
	while (*s != '\0' && fatal_reset_len + 1 < sizeof(fatal_reset)) {
		if (s[0] == '$' && s[1] == '<') {
			while (*s != '\0' && *s != '>')
				s++;
			if (*s == '>')
				s++;
			continue;
		}
		fatal_reset[fatal_reset_len++] = *s++;
	}
}
#endif

static void
setup_fatal(void)
{
#ifndef __SANITIZE_ADDRESS__
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;
	size_t i;

	add_reset("sgr0");
	add_reset("cnorm");
	add_reset("rmcup");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
#endif
}

int
term_signals_setup(struct err *e)
{
	struct sigaction sa;
	size_t i;

	if (pipe(sig_pipe) == -1)
		return err_set(e, ERR_IO, _("cannot create a pipe: %s"),
		    strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	/*
	 * Installed before newterm: ncurses then leaves SIGWINCH to us and
	 * we resize from the loop, not from a signal handler.
	 */
	for (i = 0; i < sizeof(loop_sigs) / sizeof(loop_sigs[0]); i++)
		sigaction(loop_sigs[i], &sa, NULL);
	/* Every exit path puts the terminal back: exit() from anywhere included. */
	atexit(term_restore);
	return 0;
}

void
term_signals_teardown(void)
{
	size_t i;

	for (i = 0; i < sizeof(loop_sigs) / sizeof(loop_sigs[0]); i++)
		signal(loop_sigs[i], SIG_DFL);
	for (i = 0; i < 2; i++) {
		if (sig_pipe[i] != -1)
			close(sig_pipe[i]);
		sig_pipe[i] = -1;
	}
}

int
term_signal_fd(void)
{
	return sig_pipe[0];
}

int
term_signals_read(unsigned char *sigs, int n)
{
	ssize_t got = read(sig_pipe[0], sigs, (size_t)n);

	return got > 0 ? (int)got : 0;
}

SCREEN *
term_start(struct err *e)
{
	const char *term = getenv("TERM");
	SCREEN *scr;

	have_tios = tcgetattr(STDIN_FILENO, &saved_tios) == 0;
	scr = newterm(NULL, stdout, stdin);
	if (scr == NULL) {
		err_set(e, ERR_USAGE, _("cannot use terminal type '%s'; set "
		    "TERM to one this system knows"), term != NULL ? term : "");
		return NULL;
	}
	curses_on = 1;
	setup_fatal();
	cbreak();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(1);
	leaveok(stdscr, FALSE);
	return scr;
}

void
term_end(SCREEN *scr)
{
	term_restore();
	if (scr != NULL)
		delscreen(scr);
}

void
term_sync_size(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
}
