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
	char pwbuf[1024], user[64], tty[256];
	const char *name = NULL;
	int fd;

	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res != NULL)
		snprintf(user, sizeof(user), "%s", res->pw_name);
	else
		snprintf(user, sizeof(user), "uid %ld", (long)geteuid());
	for (fd = 0; fd <= 2 && name == NULL; fd++)
		if (isatty(fd) && ttyname_r(fd, tty, sizeof(tty)) == 0)
			name = tty;
	if (name != NULL && strncmp(name, "/dev/", 5) == 0)
		name += 5;
	if (name != NULL)
		snprintf(buf, n, "%s on %s", user, name);
	else
		snprintf(buf, n, "%s (no terminal)", user);
}
