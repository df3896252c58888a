/*
 * Certificates for the test servers (tests/ariserver, tests/faultsrv), made
 * in memory with OpenSSL at start: a throwaway CA and an HTTPS certificate
 * for 127.0.0.1 signed by it, so the servers speak TLS and a client trusts
 * them through the CA's PEM (written next to the port file). Test code only.
 */
#ifndef CERTDECK_TLSFIXTURE_H
#define CERTDECK_TLSFIXTURE_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A fresh P-256 key, or NULL. */
EVP_PKEY *tlsfix_key(void);

/*
 * A certificate for key, signed by issuer/issuer_key (both NULL: self-signed),
 * valid from now + nb_off to now + na_off seconds. ca: basicConstraints
 * CA:TRUE. sans: NULL or a comma-separated list for subjectAltName
 * ("DNS:a.test,IP:127.0.0.1"). Returns it (X509_free), or NULL.
 */
X509 *tlsfix_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
    long nb_off, long na_off, int ca, const char *sans);

/* PEM text of a certificate or a private key (free()), or NULL. */
char *tlsfix_cert_pem(X509 *x);
char *tlsfix_key_pem(EVP_PKEY *k);

/*
 * The HTTPS identity of a test server on 127.0.0.1: *cert_pem and *key_pem
 * for the server, *ca_pem for its clients (free() each). Returns 0 or -1.
 */
int tlsfix_server(char **cert_pem, char **key_pem, char **ca_pem);

/* Writes text to path atomically (path.tmp, then rename). Returns 0 or -1. */
int tlsfix_write(const char *path, const char *text);

#endif
