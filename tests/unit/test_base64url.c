#include "config.h"

#include <stdlib.h>

#include "base64url.h"
#include "tap.h"

static void
round_trip(const char *in, const char *want)
{
	char *enc = base64url_encode(in, strlen(in));
	unsigned char *dec = NULL;
	size_t n = 0;

	is_str(enc, want, "encode");
	ok(base64url_decode(enc, &dec, &n) == 0, "decode");
	ok(n == strlen(in) && memcmp(dec, in, n) == 0, "round trip");
	free(enc);
	free(dec);
}

int
main(void)
{
	unsigned char *dec = NULL;
	size_t n;
	const unsigned char bin[] = { 0xfb, 0xff, 0xfe };
	char *enc;

	round_trip("", "");
	round_trip("f", "Zg");
	round_trip("fo", "Zm8");
	round_trip("foo", "Zm9v");
	round_trip("foobar", "Zm9vYmFy");
	enc = base64url_encode(bin, sizeof(bin));
	is_str(enc, "-__-", "url alphabet, not + and /");
	free(enc);
	ok(base64url_decode("Zm9v!", &dec, &n) == -1, "rejects a foreign character");
	ok(base64url_decode("Z", &dec, &n) == -1, "rejects an impossible length");
	ok(base64url_decode("Zg==", &dec, &n) == 0 && n == 1, "tolerates padding");
	free(dec);
	ok(base64url_is_token("Ab-_09", 64), "token: base64url accepted");
	ok(!base64url_is_token("", 64), "token: empty refused");
	ok(!base64url_is_token("a;rm -rf", 64), "token: shell text refused");
	ok(!base64url_is_token("../../etc", 64), "token: path refused");
	ok(!base64url_is_token("aaaaa", 4), "token: over length refused");
	return done_testing();
}
