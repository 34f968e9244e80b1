/*
 * Unit test for common/key.c: the RFC 7748 X25519 vectors, base64
 * round trips and rejections, key file reading and clamping.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "key.h"
#include "tap.h"

/* RFC 7748 section 6.1. */
static void
test_rfc7748(void)
{
	static const struct {
		const char	*name;
		const char	*priv;
		const char	*pub;
	} v[] = {
		{ "alice",
		  "77076d0a7318a57d3c16c17251b26645"
		  "df4c2f87ebc0992ab177fba51db92c2a",
		  "8520f0098930a754748b7ddcb43ef75a"
		  "0dbf3a0d26381af4eba4a98eaa9b4e6a" },
		{ "bob",
		  "5dab087e624a8a4b79e17f8b83800ee6"
		  "6f3bb1292618b6fd1c2f8b27ff88e0eb",
		  "de9edb7d7b7dc1b4d35b61c2ece43537"
		  "3f8343c85b78674dadfc7e146f882b4f" },
	};
	uint8_t		 priv[CLAWD_KEY_LEN], pub[CLAWD_KEY_LEN];
	uint8_t		 want[CLAWD_KEY_LEN];
	char		 what[80];
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tap_unhex(priv, sizeof(priv), v[i].priv);
		tap_unhex(want, sizeof(want), v[i].pub);
		snprintf(what, sizeof(what), "RFC 7748 6.1 %s public key",
		    v[i].name);
		tap_ok(key_public(pub, priv) == 0 &&
		    memcmp(pub, want, sizeof(want)) == 0, what);
	}
}

static void
test_roundtrip(void)
{
	uint8_t		 key[CLAWD_KEY_LEN], back[CLAWD_KEY_LEN];
	char		 b64[KEY_B64_SIZE];
	int		 i, good = 1;

	for (i = 0; i < 1000; i++) {
		if (RAND_bytes(key, sizeof(key)) != 1)
			abort();
		key_to_base64(b64, key);
		if (strlen(b64) != CLAWD_KEY_B64LEN ||
		    b64[CLAWD_KEY_B64LEN - 1] != '=' ||
		    key_from_base64(back, b64) != 0 ||
		    memcmp(key, back, sizeof(key)) != 0)
			good = 0;
	}
	tap_ok(good, "base64 round trip, 1000 random keys");

	/* Every character of the alphabet in every position. */
	memset(key, 0, sizeof(key));
	key_to_base64(b64, key);
	tap_ok(strcmp(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") == 0,
	    "zero key encodes as A...A=");
	memset(key, 0xff, sizeof(key));
	key_to_base64(b64, key);
	tap_ok(strcmp(b64, "//////////////////////////////////////////8=") == 0,
	    "all-ones key encodes as /.../8=");
	tap_ok(key_from_base64(back,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopo=") == 0,
	    "decode the upper and lower case alphabet");
	key_to_base64(b64, back);
	tap_ok(strcmp(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopo=") == 0,
	    "re-encode the upper and lower case alphabet");
	tap_ok(key_from_base64(back,
	    "qrstuvwxyz0123456789+/AAAAAAAAAAAAAAAAAAAAA=") == 0,
	    "decode digits, '+' and '/'");
	key_to_base64(b64, back);
	tap_ok(strcmp(b64, "qrstuvwxyz0123456789+/AAAAAAAAAAAAAAAAAAAAA=") == 0,
	    "re-encode digits, '+' and '/'");
}

static void
test_reject(void)
{
	static const struct {
		const char	*in;
		const char	*why;
	} bad[] = {
		{ "", "empty string" },
		{ "AAAA", "4 characters" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		    "43 characters" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		    "45 characters" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		    "44 characters without padding" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
		    "double padding" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-",
		    "'-' instead of '='" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
		    "newline instead of '='" },
		{ "AAAAAAAAAAAAAAAAAAAAA-AAAAAAAAAAAAAAAAAAAAA=",
		    "url-safe '-'" },
		{ "AAAAAAAAAAAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAA=",
		    "url-safe '_'" },
		{ "AAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAA=",
		    "space inside" },
		{ "AAAAAAAAAAAAAAAAAAAAA=AAAAAAAAAAAAAAAAAAAAA=",
		    "'=' inside" },
		{ "\xc3\xa9" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		    "non-ASCII byte" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",
		    "non-zero trailing bits (B=)" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/=",
		    "non-zero trailing bits (/=)" },
		{ "//////////////////////////////////////////9=",
		    "non-zero trailing bits (9=)" },
	};
	uint8_t		 key[CLAWD_KEY_LEN], orig[CLAWD_KEY_LEN];
	char		 what[100];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(key, 0x5a, sizeof(key));
		memcpy(orig, key, sizeof(key));
		snprintf(what, sizeof(what), "decoding rejects %s",
		    bad[i].why);
		tap_ok(key_from_base64(key, bad[i].in) == -1 &&
		    memcmp(key, orig, sizeof(key)) == 0, what);
	}
}

/* Write buf to a temporary file and hand key_read_fd a descriptor. */
static int
read_from(const char *buf, size_t len, uint8_t *key, const char **errstr)
{
	char		 path[] = "/tmp/key_test.XXXXXX";
	int		 fd, rv;

	if ((fd = mkstemp(path)) == -1)
		abort();
	unlink(path);
	if (len > 0 && write(fd, buf, len) != (ssize_t)len)
		abort();
	if (lseek(fd, 0, SEEK_SET) == -1)
		abort();
	rv = key_read_fd(fd, key, errstr);
	close(fd);
	return rv;
}

static void
test_read_fd(void)
{
	const char	*k = "qrstuvwxyz0123456789+/AAAAAAAAAAAAAAAAAAAAA=";
	uint8_t		 key[CLAWD_KEY_LEN], want[CLAWD_KEY_LEN];
	char		 buf[4096];
	const char	*errstr;
	int		 fds[2];

	if (key_from_base64(want, k) != 0)
		abort();

	snprintf(buf, sizeof(buf), "%s\n", k);
	tap_ok(read_from(buf, strlen(buf), key, &errstr) == 0 &&
	    memcmp(key, want, sizeof(key)) == 0, "key_read_fd accepts key\\n");
	tap_ok(read_from(k, strlen(k), key, &errstr) == 0 &&
	    memcmp(key, want, sizeof(key)) == 0,
	    "key_read_fd accepts key without newline");

	snprintf(buf, sizeof(buf), "%s\n\n", k);
	tap_ok(read_from(buf, strlen(buf), key, &errstr) == -1 &&
	    errstr != NULL, "key_read_fd rejects key\\n\\n");
	snprintf(buf, sizeof(buf), "%s junk", k);
	tap_ok(read_from(buf, strlen(buf), key, &errstr) == -1 &&
	    errstr != NULL, "key_read_fd rejects key junk");
	snprintf(buf, sizeof(buf), "%s ", k);
	tap_ok(read_from(buf, strlen(buf), key, &errstr) == -1 &&
	    errstr != NULL &&
	    strcmp(errstr, "not a base64 X25519 key") == 0,
	    "key_read_fd rejects key and a space");
	tap_ok(read_from("", 0, key, &errstr) == -1 && errstr != NULL &&
	    strcmp(errstr, "empty key file") == 0,
	    "key_read_fd rejects an empty file");
	memset(buf, 'A', sizeof(buf));
	tap_ok(read_from(buf, sizeof(buf), key, &errstr) == -1 &&
	    errstr != NULL && strcmp(errstr, "key file too long") == 0,
	    "key_read_fd rejects a long file");
	tap_ok(read_from("hello\n", 6, key, &errstr) == -1 && errstr != NULL &&
	    strcmp(errstr, "not a base64 X25519 key") == 0,
	    "key_read_fd rejects a short file");
	memcpy(buf, k, CLAWD_KEY_B64LEN);
	buf[10] = '\0';
	buf[CLAWD_KEY_B64LEN] = '\n';
	tap_ok(read_from(buf, CLAWD_KEY_B64LEN + 1, key, &errstr) == -1 &&
	    errstr != NULL, "key_read_fd rejects a NUL inside");

	/* A pipe delivers in pieces; short reads must be continued. */
	if (pipe(fds) == -1)
		abort();
	if (write(fds[1], k, 20) != 20 ||
	    write(fds[1], k + 20, strlen(k) - 20) != (ssize_t)strlen(k) - 20)
		abort();
	close(fds[1]);
	tap_ok(key_read_fd(fds[0], key, &errstr) == 0 &&
	    memcmp(key, want, sizeof(key)) == 0, "key_read_fd from a pipe");
	close(fds[0]);

	tap_ok(key_read_fd(-1, key, &errstr) == -1 && errstr != NULL,
	    "key_read_fd reports a read error");
}

static void
test_generate(void)
{
	uint8_t		 a[CLAWD_KEY_LEN], b[CLAWD_KEY_LEN];
	uint8_t		 pa[CLAWD_KEY_LEN], pb[CLAWD_KEY_LEN];
	int		 i, clamped = 1;

	for (i = 0; i < 1000; i++) {
		if (key_generate(a) != 0)
			clamped = 0;
		if ((a[0] & 7) != 0 || (a[31] & 0x80) != 0 ||
		    (a[31] & 0x40) == 0)
			clamped = 0;
	}
	tap_ok(clamped, "key_generate clamps (RFC 7748 section 5), 1000 keys");
	tap_ok(key_generate(a) == 0 && key_generate(b) == 0 &&
	    memcmp(a, b, sizeof(a)) != 0, "key_generate gives distinct keys");
	tap_ok(key_public(pa, a) == 0 && key_public(pb, b) == 0 &&
	    memcmp(pa, pb, sizeof(pa)) != 0,
	    "generated keys have distinct public keys");
}

int
main(void)
{
	test_rfc7748();
	test_roundtrip();
	test_reject();
	test_read_fd();
	test_generate();
	return tap_done();
}
