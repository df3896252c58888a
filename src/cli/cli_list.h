/*
 * A listing command's one shape: open the store, load the rows, and print
 * them either as a JSON array (--json) or as text under column headings.
 * The command says how to load and show its kind of row; this does the rest.
 */
#ifndef CERTDECK_CLI_LIST_H
#define CERTDECK_CLI_LIST_H

#include <cjson/cJSON.h>

#include "cli.h"

struct cli_list;

/* How one kind of row is loaded and shown. */
struct cli_list_ops {
	/*
	 * Loads the rows from st, calling cli_list_row(l, row) on each (from
	 * the store's callback). Returns 0, or non-zero with e filled.
	 */
	int (*load)(struct store *st, struct cli_list *l, struct err *e);
	/* The row's JSON object, for the caller to own. NULL when out of memory. */
	cJSON *(*json)(const void *row, void *arg);
	/* Prints the row as text; i is its place in the listing, from 0. */
	void (*text)(const void *row, long i, void *arg);
	/* Prints the column headings above the text rows; NULL for none. */
	void (*heading)(void);
	/*
	 * With --json, print each row as it comes, one compact object a line,
	 * instead of one indented array at the end (a listing of any size).
	 */
	int stream;
};

/* A listing under way; fill it with cli_list_begin. */
struct cli_list {
	const struct cli_list_ops *ops;
	void *arg;	/* the command's, handed to ops */
	int json;	/* --json */
	cJSON *arr;	/* the JSON rows so far, unless streamed */
	long n;		/* rows listed so far */
};

/* Starts l: prints the headings, or starts the JSON array. arg is the command's, for ops. */
void cli_list_begin(struct cli_list *l, const struct cli_list_ops *ops, void *arg, int json);

/* Lists one row (borrowed). Returns 0, or -1 when out of memory (for a store callback). */
int cli_list_row(struct cli_list *l, const void *row);

/*
 * Ends l: prints (and frees) the JSON array or closes the streamed one,
 * after rc's rows even when loading stopped early. Returns CLI_OK when rc
 * is 0, else cli_fail(e).
 */
int cli_list_end(struct cli_list *l, int rc, const struct err *e);

/*
 * The whole listing: opens the store (it must exist), begins, loads with
 * ops->load, closes the store, ends. Returns the exit code.
 */
int cli_list_run(struct cli *cli, const struct cli_list_ops *ops, void *arg, int json);

#endif
