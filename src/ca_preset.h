/*
 * The built-in CA presets: the one table of names that --server and a
 * config file's "server" key accept in place of a directory URL, with what
 * each CA needs (EAB) and offers (profiles, ARI, IP identifiers). Pure
 * data: nothing here talks to the network.
 */
#ifndef CERTDECK_CA_PRESET_H
#define CERTDECK_CA_PRESET_H

#include <stddef.h>

struct ca_preset {
	const char *name;	/* what --server takes: "letsencrypt-staging" */
	const char *alias;	/* an older name that still works, or NULL */
	const char *title;	/* the CA's own name, untranslated */
	const char *url;	/* ACME directory URL */
	int staging;		/* 1: a test CA whose certificates no browser trusts */
	int eab;		/* 1: new accounts need external account binding */
	int profiles;		/* 1: offers certificate profiles (draft-aaron-acme-profiles) */
	int ari;		/* 1: offers renewal information (RFC 9773) */
	int ip;			/* 1: issues for IP address identifiers (RFC 8738) */
};

/* The preset named name (or by its alias). Returns it (static), or NULL. */
const struct ca_preset *ca_preset_find(const char *name);

/* The i-th preset, in listing order. Returns it (static), or NULL past the last. */
const struct ca_preset *ca_preset_at(size_t i);

#endif
