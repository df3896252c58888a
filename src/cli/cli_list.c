#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli_list.h"
#include "safetext.h"

void
cli_list_begin(struct cli_list *l, const struct cli_list_ops *ops, void *arg, int json)
{
	l->ops = ops;
	l->arg = arg;
	l->json = json;
	l->arr = NULL;
	l->n = 0;
	if (!json) {
		if (ops->heading != NULL)
			ops->heading();
	} else if (ops->stream) {
		printf("[");
	} else {
		l->arr = cJSON_CreateArray();
	}
}

int
cli_list_row(struct cli_list *l, const void *row)
{
	cJSON *o;
	char *text, *safe;

	if (!l->json) {
		l->ops->text(row, l->n++, l->arg);
		return 0;
	}
	if ((o = l->ops->json(row, l->arg)) == NULL)
		return -1;
	if (!l->ops->stream) {
		cJSON_AddItemToArray(l->arr, o);
		l->n++;
		return 0;
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		return -1;
	safe = safetext_json(text);
	free(text);
	if (safe == NULL)
		return -1;
	printf("%s\n  %s", l->n == 0 ? "" : ",", safe);
	free(safe);
	l->n++;
	return 0;
}

int
cli_list_end(struct cli_list *l, int rc, const struct err *e)
{
	if (l->json && l->ops->stream)
		printf("%s]\n", l->n > 0 ? "\n" : "");
	else if (l->json)
		cli_print_json(l->arr);
	l->arr = NULL;
	return rc != 0 ? cli_fail(e) : CLI_OK;
}

int
cli_list_run(struct cli *cli, const struct cli_list_ops *ops, void *arg, int json)
{
	struct cli_list l;
	struct store *st;
	struct err e;
	int rc;

	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	cli_list_begin(&l, ops, arg, json);
	rc = ops->load(st, &l, &e);
	store_close(st);
	return cli_list_end(&l, rc, &e);
}
