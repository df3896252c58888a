/*
 * The configuration file (certdeck.conf(5)): conf_parse. The file is the
 * admin's, but a package, a config management tool or a careless edit
 * writes it too, and `config check` must say what is wrong with any text.
 * What parses is then looked through as the program does: every value
 * checked again, each CA found by its name, each [names] section matched.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	struct err e = { 0 };
	char *s = malloc(size + 1);
	size_t i, k;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (conf_parse("fuzz.conf", s, &c, &e) == 0) {
		if (c == NULL)
			abort();
		for (k = 0; k < CONF_KEY_COUNT; k++) {
			struct err e2 = { 0 };

			/* A value the parser took passes its own check again. */
			if (c->value[k] != NULL &&
			    conf_value_check(c, (enum conf_key)k, c->value[k], &e2) != 0)
				abort();
		}
		for (i = 0; i < c->n_cas; i++)
			if (conf_ca_find(c, c->cas[i].name) == NULL)
				abort();
		for (i = 0; i < c->n_names; i++) {
			const char *const *p = (const char *const *)c->names[i].patterns;

			(void)conf_names_match(c, p, c->names[i].n_patterns);
		}
		conf_free(c);
	} else if (c != NULL) {
		abort();	/* a failure hands out nothing */
	} else if (e.msg[0] == '\0') {
		abort();	/* and says why */
	}
	free(s);
	return 0;
}
