#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "actor.h"

void
actor_describe(char *buf, size_t n)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024], user[64];
	const char *tty = NULL;
	int fd;

	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res != NULL)
		snprintf(user, sizeof(user), "%s", res->pw_name);
	else
		snprintf(user, sizeof(user), "uid %ld", (long)geteuid());
	for (fd = 0; fd <= 2 && tty == NULL; fd++)
		if (isatty(fd))
			tty = ttyname(fd);
	if (tty != NULL && strncmp(tty, "/dev/", 5) == 0)
		tty += 5;
	if (tty != NULL)
		snprintf(buf, n, "%s on %s", user, tty);
	else
		snprintf(buf, n, "%s (no terminal)", user);
}
