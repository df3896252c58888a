#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
#endif
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("certdeck %s\n", VERSION);
		return 0;
	}
	fprintf(stderr, _("usage: certdeck COMMAND [ARGS]\n"));
	return 2;
}
