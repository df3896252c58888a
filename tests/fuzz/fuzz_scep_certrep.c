/*
 * A SCEP CertRep as scep_pki_operation reads it: the fuzzer's bytes answer
 * a PKCSReq to a CA (a self-signed certificate made once per process, read
 * through scep_get_ca like a real one). The RSA keys are fixed, not made:
 * two 2048-bit key generations under the sanitizers took longer than the
 * 25-second input timeout on a loaded machine.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "scep.h"

static const char ca_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCv+fLCUrEoF4Vk\n"
    "/gYGXJZ42pGB7FE1fwdh6eJHjRwjdrRKVUwPNm53Vun/Af+NADCCvHvyd95CQhuR\n"
    "+E13/yaZlCmvw5/2NDb2Nt0uPK9aCVcBLgMD2Twbrjlw25xYtlQ8D/cbnTg55uXP\n"
    "N1myOfqqiu6zeYZQQ1hK7YKKd57QSR3d0MU8Gs+gEyqvZPTMzYJYxrEHOQCI1uro\n"
    "nozFin/iJF/hwv1i1rJRiiL+PTR5QY+agSbR5khlE7AVfpAK5Wb9x7F04X4zGzpf\n"
    "Hz1zsZxRVc1KNh1Mw4jcMH0eK8FvmragxJwVOh5B6HS1KeAiN1b7ZXP4RiN1mDqN\n"
    "Eby+epN3AgMBAAECggEATbTuLUANqZoFVgzUBUAiU/iUE06Sp7BRxrtcJ+NYXxKe\n"
    "V0qmHPuYuQsAphIwUgeY5Eot42pqE1EU0pbWQpxBY8ToyYv1WWdCM+QTNEUo23XP\n"
    "XR5/x1XIdKKxC7R2LDhLJwCXyjJZLzxWE3QqIAj5NxDFiiwqEsxCM0gBAnsC/o7l\n"
    "fspbOinzgudt//EkQ+4R7yC5h+cgZ1OukHpO4BtLN0YGiQ4mvm31om1zHkFWXYr+\n"
    "khUJ6hBQpgqSTKMWRnbUpUPb487HxdVUS+2h2b8V9d3Gw6cj+5msxKF1y3mlrafQ\n"
    "LGIY4i11JFNeHXUJRaQup0Vj2/9CZMM0sKNeUOZfSQKBgQD1RU1lzllngEfcZ0R2\n"
    "rgnDGQpTmctNiIacAQg1nBO1NbTMP2aacWhdhRcE1TjDW6xr+MFQmViGKnN5lbf2\n"
    "wFml02pD0tcFdjroqslobKH4QpPUP7EhIowTEtTzaSf16Qeivd1vVbyoo5gVevFF\n"
    "u93/XvLkBrSdP3t6a/ZbeAymCQKBgQC3rKTGd5ziYdbXhTZGMeMGAJUfXM0NasHi\n"
    "LTGHIoJxiS2FRH1N7JckUsWKV1BBew41oyRC8lqdCqEzXIHzKqDjA5aab8s8KLsO\n"
    "+NgVTLBYVN+uW+iHP8OiuMPKBvgwCmKRSBqQQlVRVXic9yqx82iKorAhK4o5CvFX\n"
    "6TwenQfNfwKBgQCgkTYSJ/yvnXNt/sz7RQRvDL2N7WkC4RX+m05cikj8oKQz8m2h\n"
    "Pg0s7Cwdpdj7S9Cc/sTPlxQ1ASWHu1Qr3dDSlo1CyYyqrrPyDZy9GCEQ/cT5dpjn\n"
    "ME6zTejLUVQv0NaG2/VTJbXUUQUHSu0Y0dyLigVI8nrbVuvnQTaOuxDMwQKBgF7H\n"
    "TbfEHUaMKirIaLtMHtQIFOs8HeugfS/TFk2fNySTHtQ4BVjijxOFSr4aVCWV9D0l\n"
    "VB7fpHaI96njQINUKfU68sn6iise8XfGXOqQyiaqlUoJzzGLa85Z/V4Qvp07nqVN\n"
    "SbfLIu93ZWfJ+1QcQIPZc32KVCcfSG6OwiEh8tbNAoGBAMGZtiFW6hp2+eQBUWRd\n"
    "ZH2sxbx3N6AefDdOJtpzdLppvLE1PC0GQbeZk6PdoJpQdicYgz2pSIHRNAhSiaNf\n"
    "38OYKp4lR7knkNTm2CHR6j6/hkWo9MhoxcizY44GPKT5HO1xdYzIrB9pjS6DLV70\n"
    "hQpxGYyzjc7J6B+rpPnt/r/4\n"
    "-----END PRIVATE KEY-----\n";

static const char client_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDWooVQ2jqcl2an\n"
    "6HeqKLI0YzaIcgasYIc9zpNWaY+cVvokZeLntI08frtK9aqPv9XoShNDhOksmk1E\n"
    "wYB81GG17zZt3PSLbNoG4LnmiLRN8IFVjR2HOqRQjHAGYBs7X1S5yoay9ijD6HvV\n"
    "rsbzgcS8EYge82N7py5cYmsN6U7bIe7tyYZJNnJHV4aUDZEh9svsfzVMgVQTpFVg\n"
    "ojP5b60WG22awS/HW5Llk5N/bFSn+dnGJU1dz0joOX8UrhDq0F6CToXvpjYLkotf\n"
    "l/Xhz9Cv7Jd1MSaHz8FpXCX5mIvZvI8TH/8/ws6niGJ0ia/EB+cd3b2OJ5j3RgRe\n"
    "p6AWJeXPAgMBAAECggEAIse3hQ21OrkZSZ3U1PjUQRikoRaieIi0fEepvh0hSDXF\n"
    "7Lj/5wkYa+mjYvcNL6Rn6W97e1D3J02iYMEJwkX4xsO1KmIIKexhJi/V9VfzU7/k\n"
    "eAmuc8KFFt0IWC13AYzQohdXSCULH7fgEpUdqHQ/qN7JvoOKfDfv6Mjf98312Ryf\n"
    "TgyFwD9YcEDe9j9Bf/5aibIw6QbYHIs/7umDphjcTxh2Pdb2gm1ke8vg7c58C2r4\n"
    "fc3j/rXncjuyKlGEQn6A7apmKjrbNccq/t8vQEqvHJau+P+Ww1uPKFC1kD+5enVJ\n"
    "WeLpy0dIcHMOnqyHMCut1wSNZK6N9EMP1I92qmwofQKBgQD4ZdzqOawuS+xk8GAo\n"
    "H1hFv1me5eas1XtfDb/o7iiWkY+3aer6WX9ut3fuEDuhA+qk+UFAnhJnETT+nvp9\n"
    "92i7lCDxuJm/+gdb1+NX4+nE93bjlJYhMUbNcnXUvEM/sWeVFrb2iy/TSIO40EEC\n"
    "A6PWStUCXisPHjraou3s32lJWwKBgQDdNCHrpMXkEQzO34Xd3H3Im1lkdM7xjUAn\n"
    "Ds9x5mVBMbYob+ilMMMT0dqwB0WlLwiAxG2x6WYvjs8jT3km0dz9U8SqmSSSj/pN\n"
    "j52udvWvTNsy5QofVFVk7Wze+6E6u49chseLbT01RZUmwe0vLtvtgCMALDcVkde0\n"
    "9i/go9cLnQKBgFbi6p9ThRK8o/e6zSe7rxjWkfau3D1gf0MEgDht9eyVBfxWJEdl\n"
    "vtlve5fePb1YrV7/gP+lSzKaJjtaSKx/OjdC3TMwKzensaNCpNc9davcE84PT2RU\n"
    "5DtA6k57e9pvp5fS1jTvAs+Y8dpXniWiOFDg5Blr7wveux93Flpg22c5AoGBAK/w\n"
    "LSKd9gAGR6erRXBHVYxfc2RhO9AIRwRJ1VmEpPiLr5TOHb514FM9ULE9t3lAxYSV\n"
    "t6IQQASHk91D8tqbhSfAnuYJ1Hr2JWHXXtVLLPJ3MMl0Pu7YRut1pGhev8hVMhun\n"
    "38LX6h0a8RzYlew3Wxm2FyCmClIPo//85+vGpN5JAoGAXSHEwleP2fyRSvKB9+Y3\n"
    "YtKwAsfU+JLb0F8LOKsCYoDaNC/wj9CHbJdK5rtz+w+Dk17vAgEke7hP/oceAf1w\n"
    "HC7X+8XUKWNMjUD69sC+WkEufhYerrlNzCAKOlFuzD/MdA3JR9eeoHBlClB4eP/f\n"
    "oJXsIWTlLNZOcKHdFCxcZjw=\n"
    "-----END PRIVATE KEY-----\n";

static EVP_PKEY *
fixed_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

static struct scep_ca *ca;
static EVP_PKEY *key;
static X509 *signer;
static unsigned char *csr;
static size_t csr_len;
static char txid[65];

static void
setup(void)
{
	const char *names[] = { "fuzz.test" };
	EVP_PKEY *ca_key = fixed_key(ca_key_pem);
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	unsigned char *der = NULL;
	struct http *h = NULL;
	struct err e;
	int len;

	err_clear(&e);
	key = fixed_key(client_key_pem);
	if (ca_key == NULL || key == NULL || c == NULL || n == NULL ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"fuzz CA",
	    -1, -1, 0) || !X509_set_version(c, 2) || !X509_set_subject_name(c, n) ||
	    !X509_set_issuer_name(c, n) || !X509_gmtime_adj(X509_getm_notBefore(c), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(c), 86400) || !X509_set_pubkey(c, ca_key) ||
	    X509_sign(c, ca_key, EVP_sha256()) <= 0 || (len = i2d_X509(c, &der)) <= 0)
		abort();
	fake_http_push(200, "application/x-x509-ca-cert", der, (size_t)len, NULL, -1);
	if (http_new(NULL, &h, &e) != 0 || scep_get_ca(h, "http://ca.test/scep", &ca, &e) != 0 ||
	    scep_csr_build(key, NULL, names, 1, "challenge", &csr, &csr_len, &e) != 0 ||
	    scep_transient_cert(key, csr, csr_len, &signer, &e) != 0 ||
	    scep_transaction_id(key, txid, &e) != 0)
		abort();
	http_free(h);
	fake_http_reset();
	OPENSSL_free(der);
	X509_NAME_free(n);
	X509_free(c);
	EVP_PKEY_free(ca_key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scep_request rq = { 0 };
	struct scep_reply reply;
	struct http *h = NULL;
	struct err e;

	if (ca == NULL)
		setup();
	err_clear(&e);
	rq.url = "http://ca.test/scep";
	rq.ca = ca;
	rq.caps = SCEP_CAP_AES | SCEP_CAP_SHA256 | SCEP_CAP_POST;
	rq.type = SCEP_MSG_PKCSREQ;
	rq.csr = csr;
	rq.csr_len = csr_len;
	rq.signer = signer;
	rq.signer_key = key;
	rq.transaction_id = txid;
	fake_http_push(200, "application/x-pki-message", data, size, NULL, -1);
	if (http_new(NULL, &h, &e) != 0)
		abort();
	/* Signed by nobody the CA trusts, for no nonce we sent: never accepted. */
	if (scep_pki_operation(h, &rq, &reply, &e) == 0)
		abort();
	http_free(h);
	fake_http_reset();
	return 0;
}
