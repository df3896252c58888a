/* The TUI's filter language, keymap, command completion and line editor. */
#include "config.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "keymap.h"
#include "store_cert.h"
#include "tap.h"
#include "widget_line.h"

#define NOW 1800000000LL
#define DAY 86400LL

static int
parse_ok(const char *text, struct filter *f)
{
	struct err e;

	if (filter_parse(text, f, &e) == -1) {
		diag("'%s': %s", text, e.msg);
		return 0;
	}
	return 1;
}

/* served: and revocation: (what is served, what the CA says). */
static void
test_served_terms(void)
{
	struct filter f;
	struct cert_query q;
	struct err e;

	ok(parse_ok("served:stale", &f) && !filter_is_empty(&f), "served:stale");
	ok(filter_to_query(&f, NOW, &q) == 0, "... maps onto a query");
	is_str(q.served, "stale", "... the verdict goes to the store");
	ok(q.revocation == NULL, "... and no revocation condition");
	filter_clear(&f);
	ok(parse_ok("served:UNR", &f) && f.served != NULL &&
	    strcmp(f.served, "unreachable") == 0, "a unique prefix, any case");
	filter_clear(&f);
	ok(parse_ok("served:name-mismatch served:none", &f) && f.contradictory,
	    "two different verdicts contradict");
	ok(filter_to_query(&f, NOW, &q) == 1, "... nothing can match");
	filter_clear(&f);
	ok(filter_parse("served:un", &f, &e) == -1 && strstr(e.msg, "ambiguous") != NULL,
	    "served:un is ambiguous");
	ok(filter_parse("served:bogus", &f, &e) == -1 && strstr(e.msg, "unreachable") != NULL,
	    "an unknown verdict is refused, naming the words");
	ok(parse_ok("served:", &f) && filter_is_empty(&f), "served: while typing: ignored");
	filter_clear(&f);
	ok(parse_ok("revocation:revoked shop", &f), "revocation:revoked with a name");
	filter_to_query(&f, NOW, &q);
	is_str(q.revocation, "revoked", "... goes to the store");
	is_str(q.name_like, "shop", "... with the name");
	filter_clear(&f);
	ok(parse_ok("revocation:unch", &f) && f.revocation != NULL &&
	    strcmp(f.revocation, "unchecked") == 0, "revocation:unch is unchecked");
	filter_clear(&f);
	ok(filter_parse("revocation:maybe", &f, &e) == -1 &&
	    strstr(e.msg, "unchecked") != NULL, "an unknown revocation word is refused");
}

static void
test_terms(void)
{
	struct filter f;
	struct cert_query q;
	struct err e;

	ok(parse_ok("", &f) && filter_is_empty(&f), "empty text: no condition");
	ok(filter_to_query(&f, NOW, &q) == 0 && q.name_like == NULL &&
	    q.expiring_before == 0 && q.status == NULL, "empty: empty query");
	filter_clear(&f);

	ok(parse_ok("   shop  ", &f) && f.n_names == 1 &&
	    strcmp(f.names[0], "shop") == 0, "free text is a name term");
	filter_to_query(&f, NOW, &q);
	is_str(q.name_like, "shop", "name term goes to the store");
	filter_clear(&f);

	ok(parse_ok("exp<30d", &f) && f.has_before && f.before == 30 * DAY,
	    "exp<30d");
	filter_to_query(&f, NOW, &q);
	is_int(q.expiring_before, NOW + 30 * DAY, "exp<30d: bound from now");
	is_int(q.expiring_after, 0, "exp<30d: no lower bound");
	filter_clear(&f);

	ok(parse_ok("exp>7d", &f), "exp>7d parses");
	filter_to_query(&f, NOW, &q);
	is_int(q.expiring_after, NOW + 7 * DAY, "exp>7d: lower bound");
	filter_clear(&f);

	ok(parse_ok("exp<12h exp<2w exp>-3", &f), "units h, w, plain days, negative");
	is_int(f.before, 12 * 3600, "the tighter upper bound wins");
	is_int(f.after, -3 * DAY, "negative days");
	filter_clear(&f);

	ok(parse_ok("exp<=5d", &f) && f.before == 5 * DAY, "<= is accepted");
	filter_clear(&f);

	ok(filter_parse("exp<soon", &f, &e) == -1 &&
	    strstr(e.msg, "exp<soon") != NULL, "a bad time is an error naming it");
	ok(filter_parse("exp<5x", &f, &e) == -1, "unknown unit");
	ok(parse_ok("exp<", &f) && filter_is_empty(&f),
	    "an unfinished exp< is ignored while typing");
	filter_clear(&f);

	ok(parse_ok("status:revoked", &f) && f.status == FILTER_STATUS_REVOKED,
	    "status:revoked");
	filter_to_query(&f, NOW, &q);
	is_str(q.status, "revoked", "revoked maps to the stored status");
	filter_clear(&f);

	ok(parse_ok("status:rev", &f) && f.status == FILTER_STATUS_REVOKED,
	    "a unique status prefix");
	filter_clear(&f);
	ok(filter_parse("status:exp", &f, &e) == -1 &&
	    strstr(e.msg, "ambiguous") != NULL, "an ambiguous prefix says so");
	ok(filter_parse("status:bogus", &f, &e) == -1,
	    "an unknown status is an error");
	ok(parse_ok("status:", &f) && filter_is_empty(&f),
	    "status: alone is ignored while typing");
	filter_clear(&f);

	ok(parse_ok("status:expired", &f), "status:expired");
	filter_to_query(&f, NOW, &q);
	ok(q.status != NULL && strcmp(q.status, "valid") == 0 &&
	    q.expiring_before == NOW + 1 && q.expiring_after == 0,
	    "expired: stored valid and not_after <= now");
	filter_clear(&f);

	ok(parse_ok("status:expiring", &f), "status:expiring");
	filter_to_query(&f, NOW, &q);
	ok(strcmp(q.status, "valid") == 0 && q.expiring_after == NOW &&
	    q.expiring_before == NOW + 30 * DAY,
	    "expiring: stored valid, 0 < left < 30 days");
	filter_clear(&f);

	ok(parse_ok("status:valid", &f), "status:valid");
	filter_to_query(&f, NOW, &q);
	ok(strcmp(q.status, "valid") == 0 && q.expiring_after ==
	    NOW + 30 * DAY - 1 && q.expiring_before == 0,
	    "valid: 30 days or more left");
	filter_clear(&f);

	ok(parse_ok("status:replaced", &f), "status:replaced");
	filter_to_query(&f, NOW, &q);
	ok(q.include_replaced && strcmp(q.status, "replaced") == 0,
	    "replaced: includes replaced certificates");
	filter_clear(&f);

	ok(parse_ok("issuer:R11 account:3 key:RSA", &f), "issuer, account, key");
	filter_to_query(&f, NOW, &q);
	is_str(q.issuer_like, "R11", "issuer substring");
	is_int(q.account_id, 3, "account id");
	is_str(q.key_type_prefix, "RSA", "key prefix");
	filter_clear(&f);
	ok(parse_ok("kind:ca source:SCAN path:/etc/nginx", &f), "kind, source, path");
	filter_to_query(&f, NOW, &q);
	is_int((long long)q.kinds, 1 << CERT_KIND_CA, "kind:ca selects CA certificates");
	is_str(q.source, "scan", "source, in its stored spelling");
	is_str(q.path_prefix, "/etc/nginx", "path prefix");
	filter_clear(&f);
	ok(parse_ok("www", &f), "no kind term");
	filter_to_query(&f, NOW, &q);
	is_int((long long)q.kinds, 0, "... the default kinds (CA certificates hidden)");
	filter_clear(&f);
	ok(parse_ok("kind:all", &f) && f.kinds == CERT_KINDS_ALL, "kind:all");
	filter_clear(&f);
	ok(parse_ok("kind:client kind:ca", &f) && filter_to_query(&f, NOW, &q) == 1,
	    "two kinds contradict");
	filter_clear(&f);
	ok(parse_ok("path:/etc path:/etc/nginx", &f) && strcmp(f.path, "/etc/nginx") == 0,
	    "path: the longer of two nested prefixes holds");
	filter_clear(&f);
	ok(parse_ok("path:/etc path:/srv", &f) && f.contradictory, "two unrelated paths contradict");
	filter_clear(&f);
	ok(filter_parse("kind:robot", &f, &e) == -1 && strstr(e.msg, "robot") != NULL,
	    "an unknown kind is refused, naming it");
	ok(filter_parse("source:acme", &f, &e) == -1 && strstr(e.msg, "acme") != NULL,
	    "an unknown source is refused");
	ok(parse_ok("kind: source: path:", &f) && filter_is_empty(&f),
	    "kind:, source: and path: with nothing yet are ignored");
	filter_clear(&f);
	ok(parse_ok("account:#7", &f) && f.account_id == 7, "account:#7");
	filter_clear(&f);
	ok(filter_parse("account:abc", &f, &e) == -1,
	    "account must be a number");
	ok(filter_parse("account:0", &f, &e) == -1,
	    "account must be positive");

	ok(parse_ok("Shop exp<30d status:valid www", &f), "terms combine");
	filter_to_query(&f, NOW, &q);
	is_int(f.n_names, 2, "two name terms");
	is_str(q.name_like, "Shop", "the longest name term goes to the store");
	{
		char *names[] = { (char *)"shop.example.test",
		    (char *)"WWW.shop.example.test" };
		char *other[] = { (char *)"shop.example.test" };

		ok(filter_match_names(&f, names, 2),
		    "the other name term is checked case-insensitively");
		ok(!filter_match_names(&f, other, 1),
		    "... and rejects names without it");
	}
	ok(q.expiring_before == 0 || q.expiring_before <= NOW + 30 * DAY,
	    "exp<30d and status:valid: bounds combined");
	ok(filter_to_query(&f, NOW, &q) == 1,
	    "exp<30d with status:valid can match nothing");
	filter_clear(&f);

	ok(parse_ok("status:revoked status:failed", &f) && f.contradictory,
	    "two statuses contradict");
	ok(!filter_is_empty(&f), "a contradiction is not empty");
	ok(filter_to_query(&f, NOW, &q) == 1, "and matches nothing");
	filter_clear(&f);
	ok(parse_ok("exp<5d exp>10d", &f) && filter_to_query(&f, NOW, &q) == 1,
	    "exp<5d exp>10d matches nothing");
	filter_clear(&f);

	ok(parse_ok("::1 foo:bar", &f) && f.n_names == 2,
	    "unknown fields are name text (IPv6 names)");
	filter_clear(&f);
	ok(filter_parse("a b c d e f g h i", &f, &e) == -1,
	    "too many name terms is an error");
	{
		char big[400];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ok(filter_parse(big, &f, &e) == -1,
		    "an overlong term is an error");
	}
	ok(filter_is_empty(&f), "a failed parse leaves the filter cleared");
}

static void
test_keymap(void)
{
	char buf[64], list[128];
	int amb;
	size_t i, j;
	int dup = 0, helpless = 0;

	is_int(keymap_lookup(KM_ANY | KM_LIST | KM_CERTS, 'q'), ACT_QUIT, "q quits");
	is_int(keymap_lookup(KM_ANY, UI_FN(KEY_F(1))), ACT_HELP, "F1 is help");
	is_int(keymap_lookup(KM_ANY, '?'), ACT_HELP, "? is help");
	is_int(keymap_lookup(KM_ANY | KM_CERTS, '/'), ACT_FILTER, "/ filters");
	is_int(keymap_lookup(KM_ANY | KM_DETAIL, '/'), ACT_NONE,
	    "/ does nothing on the detail screen");
	is_int(keymap_lookup(KM_ANY | KM_DETAIL, 'p'), ACT_TOGGLE_PEM,
	    "p toggles the PEM on the detail screen");
	is_int(keymap_lookup(KM_ANY | KM_LIST | KM_CERTS, 'p'), ACT_NONE,
	    "p means nothing on the list");
	is_int(keymap_lookup(KM_ANY | KM_LIST, '\t'), ACT_NEXT_SCREEN, "Tab");
	is_int(keymap_lookup(KM_ANY | KM_CERTS, 'N'), ACT_SORT_NAME, "Shift+N");
	is_int(keymap_lookup(KM_ANY, UI_CTRL('l')), ACT_REDRAW, "Ctrl-L");
	is_int(keymap_lookup(KM_ANY, UI_FN(KEY_F(10))), ACT_EXIT, "F10 exits");
	/* One key, one meaning per context; every action has help. */
	for (i = 0; i < keymap_len; i++) {
		for (j = i + 1; j < keymap_len; j++)
			if (keymap[i].key == keymap[j].key &&
			    (keymap[i].context & keymap[j].context))
				dup = 1;
		if (keymap_action_help(keymap[i].action)[0] == '\0')
			helpless = 1;
	}
	ok(!dup, "no key is bound twice in one context");
	ok(!helpless, "every bound action has help text");
	for (i = 0, dup = 0; i < keymap_len; i++)
		if (keymap[i].bar > 0 && keymap_bar_label(keymap[i].action) == NULL)
			dup = 1;
	ok(!dup, "every F-key bar entry has a label");

	ok(keymap_command("certs", &amb) != NULL &&
	    keymap_command("certs", &amb)->action == ACT_SHOW_CERTS, ":certs");
	ok(keymap_command("acc", &amb) != NULL &&
	    keymap_command("acc", &amb)->action == ACT_SHOW_ACCOUNTS,
	    "a unique prefix runs the command");
	ok(keymap_command("q", &amb) != NULL &&
	    keymap_command("q", &amb)->action == ACT_EXIT, ":q quits");
	ok(keymap_command("nope", &amb) == NULL && !amb, "unknown command");
	snprintf(buf, sizeof(buf), "o");
	is_int(keymap_complete(buf, sizeof(buf), list, sizeof(list)), 1,
	    "Tab: one candidate for 'o'");
	is_str(buf, "orders", "Tab completes 'o' to 'orders'");
	snprintf(buf, sizeof(buf), "%s", "");
	is_int(keymap_complete(buf, sizeof(buf), list, sizeof(list)),
	    (int)ui_commands_len, "Tab on nothing: one candidate per command");
	for (i = 0, dup = 0; i < ui_commands_len; i++)
		if (strstr(list, ui_commands[i].name) == NULL)
			dup = 1;
	ok(!dup, "... and the list names every command");
	ok(strstr(list, "alerts") != NULL && strstr(list, "notify") != NULL,
	    "... the Alerts and Channels screens among them");
	snprintf(buf, sizeof(buf), "x");
	is_int(keymap_complete(buf, sizeof(buf), list, sizeof(list)), 0,
	    "Tab: nothing starts with x");
	is_str(buf, "x", "... and the text stays");
	snprintf(buf, sizeof(buf), "j");
	is_int(keymap_complete(buf, sizeof(buf), list, sizeof(list)), 1,
	    "Tab: one candidate for 'j'");
	is_str(buf, "jobs", "Tab completes 'j' to 'jobs'");
	ok(keymap_command("ev", &amb) != NULL &&
	    keymap_command("ev", &amb)->action == ACT_SHOW_EVENTS, ":ev runs :events");
	ok(keymap_command("en", &amb) != NULL &&
	    keymap_command("en", &amb)->action == ACT_SHOW_ENDPOINTS, ":en runs :endpoints");
	is_int(keymap_lookup(KM_ANY | KM_LIST | KM_CERTS, 'r'), ACT_RENEW,
	    "r renews on the list");
	is_int(keymap_lookup(KM_ANY | KM_DETAIL, 'R'), ACT_REVOKE,
	    "Shift+R revokes on the detail");
	is_int(keymap_lookup(KM_ANY | KM_LIST | KM_CERTS, ' '), ACT_MARK,
	    "Space marks on the list");
	is_int(keymap_lookup(KM_ANY | KM_DETAIL, ' '), ACT_PAGE_DOWN,
	    "... and pages on the detail");
	ok(keymap_action_writes(ACT_REVOKE) && keymap_action_writes(ACT_NEW_CERT) &&
	    !keymap_action_writes(ACT_SHOW_JOBS), "the actions are marked as writing");
	{
		int ctrl_destructive = 0;

		for (i = 0; i < keymap_len; i++)
			if (keymap_action_writes(keymap[i].action) &&
			    keymap[i].key >= 0 && keymap[i].key < 0x20)
				ctrl_destructive = 1;
		ok(!ctrl_destructive, "no action sits on a Ctrl-combination");
	}
}

static void
test_line_edit(void)
{
	struct line_edit l;

	line_edit_set(&l, "");
	is_int(line_edit_key(&l, 127), LE_EMPTY_BACK, "Backspace on empty");
	line_edit_key(&l, 'a');
	line_edit_key(&l, 'b');
	line_edit_key(&l, 'c');
	is_str(l.buf, "abc", "typing inserts");
	line_edit_key(&l, UI_FN(KEY_LEFT));
	line_edit_key(&l, 'X');
	is_str(l.buf, "abXc", "insert at the cursor");
	is_int(line_edit_cursor_col(&l), 3, "cursor column");
	is_int(line_edit_key(&l, UI_FN(KEY_BACKSPACE)), LE_CHANGED, "Backspace");
	is_str(l.buf, "abc", "deletes before the cursor");
	line_edit_key(&l, UI_FN(KEY_HOME));
	line_edit_key(&l, UI_FN(KEY_DC));
	is_str(l.buf, "bc", "Delete at the start");
	line_edit_set(&l, "exp<30d shop");
	line_edit_key(&l, UI_CTRL('w'));
	is_str(l.buf, "exp<30d ", "Ctrl-W deletes a word");
	line_edit_key(&l, UI_CTRL('u'));
	is_str(l.buf, "", "Ctrl-U clears");
	is_int(line_edit_key(&l, UI_FN(KEY_F(5))), LE_IGNORED,
	    "function keys are not text");
	is_int(line_edit_key(&l, 7), LE_IGNORED, "control characters are not text");
	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL) {
		line_edit_set(&l, "");
		line_edit_key(&l, 0xfc);	/* ü */
		line_edit_key(&l, 'x');
		is_str(l.buf, "\xc3\xbcx", "a wide character is stored as UTF-8");
		is_int(line_edit_cursor_col(&l), 2, "... and takes one column");
		line_edit_key(&l, UI_FN(KEY_LEFT));
		line_edit_key(&l, UI_FN(KEY_LEFT));
		is_int(l.pos, 0, "Left steps over a whole character");
		line_edit_key(&l, UI_FN(KEY_END));
		line_edit_key(&l, 127);
		line_edit_key(&l, 127);
		is_str(l.buf, "", "Backspace removes a whole character");
		setlocale(LC_CTYPE, "C");
	}
}

int
main(void)
{
	test_terms();
	test_served_terms();
	test_keymap();
	test_line_edit();
	return done_testing();
}
