#include "config.h"

#include <string.h>

#include "ca_preset.h"

/*
 * What each CA documents (checked 2025): Let's Encrypt offers profiles,
 * ARI and, with its short-lived profile, IP addresses; Google Trust
 * Services offers ARI; ZeroSSL, Google and SSL.com need EAB credentials
 * from their web consoles.
 */
static const struct ca_preset presets[] = {
	{ "letsencrypt", NULL, "Let's Encrypt",
	  "https://acme-v02.api.letsencrypt.org/directory", 0, 0, 1, 1, 1 },
	{ "letsencrypt-staging", NULL, "Let's Encrypt (staging)",
	  "https://acme-staging-v02.api.letsencrypt.org/directory", 1, 0, 1, 1, 1 },
	{ "zerossl", NULL, "ZeroSSL",
	  "https://acme.zerossl.com/v2/DV90", 0, 1, 0, 0, 0 },
	{ "google", NULL, "Google Trust Services",
	  "https://dv.acme-v02.api.pki.goog/directory", 0, 1, 0, 1, 0 },
	{ "google-staging", NULL, "Google Trust Services (staging)",
	  "https://dv.acme-v02.test-api.pki.goog/directory", 1, 1, 0, 1, 0 },
	{ "buypass", NULL, "Buypass Go SSL",
	  "https://api.buypass.com/acme/directory", 0, 0, 0, 0, 0 },
	{ "buypass-test", "buypass-staging", "Buypass Go SSL (test)",
	  "https://api.test4.buypass.no/acme/directory", 1, 0, 0, 0, 0 },
	{ "sslcom-rsa", NULL, "SSL.com (RSA)",
	  "https://acme.ssl.com/sslcom-dv-rsa", 0, 1, 0, 0, 0 },
	{ "sslcom-ecc", NULL, "SSL.com (ECC)",
	  "https://acme.ssl.com/sslcom-dv-ecc", 0, 1, 0, 0, 0 },
};

const struct ca_preset *
ca_preset_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (strcmp(presets[i].name, name) == 0 ||
		    (presets[i].alias != NULL && strcmp(presets[i].alias, name) == 0))
			return &presets[i];
	}
	return NULL;
}

const struct ca_preset *
ca_preset_at(size_t i)
{
	return i < sizeof(presets) / sizeof(presets[0]) ? &presets[i] : NULL;
}
