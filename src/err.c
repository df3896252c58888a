#include "config.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "i18n.h"

static const char *const kind_names[ERR_KIND_COUNT] = {
	[ERR_NONE] = "none",   [ERR_USAGE] = "usage", [ERR_INPUT] = "input",
	[ERR_IO] = "io",       [ERR_STORE] = "store", [ERR_CRYPTO] = "crypto",
	[ERR_NET] = "net",     [ERR_PROTO] = "protocol", [ERR_ACME] = "acme",
};

void
err_clear(struct err *e)
{
	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->retry_after = -1;
}

static void vset(struct err *e, enum err_kind kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vset(struct err *e, enum err_kind kind, const char *fmt, va_list ap)
{
	e->kind = kind;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int
err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vset(e, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_nomem(struct err *e)
{
	return err_set(e, ERR_IO, "%s", _("out of memory"));
}

int
err_openssl(struct err *e, const char *fmt, ...)
{
	va_list ap;
	unsigned long code;
	char reason[256] = "";

	/* The most recent entry names the failing operation best. */
	code = ERR_peek_last_error();
	if (code != 0)
		ERR_error_string_n(code, reason, sizeof(reason));
	ERR_clear_error();
	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vset(e, ERR_CRYPTO, fmt, ap);
	va_end(ap);
	if (reason[0] != '\0') {
		size_t len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len, " (%s)", reason);
	}
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char head[512];
	size_t hl, ml;
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	/* Shift the old message right, keeping the NUL inside the buffer. */
	hl = strlen(head) + 2;
	ml = strlen(e->msg);
	if (ml + hl >= sizeof(e->msg))
		ml = sizeof(e->msg) - hl - 1;
	memmove(e->msg + hl, e->msg, ml);
	e->msg[hl + ml] = '\0';
	memcpy(e->msg, head, hl - 2);
	e->msg[hl - 2] = ':';
	e->msg[hl - 1] = ' ';
	return -1;
}

const char *
err_kind_name(enum err_kind kind)
{
	if ((unsigned)kind >= ERR_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}
