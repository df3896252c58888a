/*
 * What the libFuzzer targets of tests/fuzz share. Each target is one
 * fuzz_NAME.c defining LLVMFuzzerTestOneInput; its seed corpus is
 * corpus/NAME/. The ACME targets link fake_http.c instead of src/http.c:
 * the engine's own code asks for a response and gets the fuzzer's bytes.
 */
#ifndef CERTDECK_FUZZ_H
#define CERTDECK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "acme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Queues the next answer of http_request (after those already queued;
 * at most 8). body is copied (NUL-terminated); content_type and location
 * may be NULL. Every answer carries a Replay-Nonce. With no answer queued
 * http_request answers 200 with an empty body (what HEAD newNonce gets).
 */
void fake_http_push(long status, const char *content_type, const void *body, size_t len,
    const char *location, long retry_after);

/* Drops every queued answer. */
void fake_http_reset(void);

/* The directory every ACME target but fuzz_acme_directory starts from. */
extern const char fuzz_directory[];
#define FUZZ_DIRECTORY_URL "https://ca.test/dir"
#define FUZZ_ACCOUNT_URL "https://ca.test/acct/1"

/*
 * A client on fuzz_directory signing as an account (one EC P-256 key made
 * once per process), made on first use and kept. Aborts when that fails.
 */
struct acme_client *fuzz_client(void);

/* A NUL-terminated copy of data (free()); aborts when memory runs out. */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
