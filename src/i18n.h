/* Translation macros: every user-visible string goes through _(). */
#ifndef CERTDECK_I18N_H
#define CERTDECK_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define ngettext_(s, p, n) ngettext(s, p, n)
#else
#define _(s) (s)
#define ngettext_(s, p, n) ((n) == 1 ? (s) : (p))
#endif
/* Marks a string for extraction where it must stay untranslated until use. */
#define N_(s) (s)

#endif
