/*
 * Drives crypto/hpke.c for hpke_interop.sh: one operation of clawd's
 * suite (mode_auth, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-256-GCM) per run, every value one hex line on stdin or stdout,
 * so that no key is ever on a command line.  An empty line is an
 * empty string.
 *
 *   keypair                          -> sk, pk
 *   pubkey  sk                       -> pk
 *   seal    pkR skS info aad pt      -> enc, ct
 *   open    enc skR pkS info aad ct  -> pt, or exit 1
 */

#include <sys/types.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpke.h"
#include "key.h"

#define FIELD_MAX	65536

struct field {
	uint8_t		 b[FIELD_MAX];
	size_t		 len;
};

static int	 nibble(int);
static void	 readfield(struct field *, const char *);
static void	 readkey(uint8_t [32], const char *);
static void	 puthex(const uint8_t *, size_t);
static void	 usage(void);

static int
nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
readfield(struct field *f, const char *what)
{
	char		*line = NULL;
	size_t		 cap = 0, i;
	ssize_t		 n;
	int		 hi, lo;

	if ((n = getline(&line, &cap, stdin)) == -1)
		errx(2, "%s: missing", what);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n % 2 != 0 || (size_t)n / 2 > sizeof(f->b))
		errx(2, "%s: bad length", what);
	for (i = 0; i < (size_t)n / 2; i++) {
		hi = nibble((unsigned char)line[2 * i]);
		lo = nibble((unsigned char)line[2 * i + 1]);
		if (hi == -1 || lo == -1)
			errx(2, "%s: not hex", what);
		f->b[i] = hi << 4 | lo;
	}
	f->len = n / 2;
	freezero(line, cap);
}

static void
readkey(uint8_t key[32], const char *what)
{
	struct field	 f;

	readfield(&f, what);
	if (f.len != 32)
		errx(2, "%s: not 32 bytes", what);
	memcpy(key, f.b, 32);
	explicit_bzero(&f, sizeof(f));
}

static void
puthex(const uint8_t *p, size_t len)
{
	size_t		 i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static void
usage(void)
{
	fprintf(stderr, "usage: hpke_driver keypair | pubkey | seal | "
	    "open\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct field	 info, aad, in;
	static uint8_t		 out[FIELD_MAX + HPKE_NT];
	uint8_t			 k1[32], k2[32], enc[32], pk[32];
	size_t			 len = sizeof(out);

	if (argc != 2)
		usage();
	if (strcmp(argv[1], "keypair") == 0) {
		if (hpke_keypair(k1, pk) == -1)
			errx(1, "keypair");
		puthex(k1, 32);
		puthex(pk, 32);
	} else if (strcmp(argv[1], "pubkey") == 0) {
		readkey(k1, "sk");
		if (key_public(pk, k1) == -1)
			errx(1, "pubkey");
		puthex(pk, 32);
	} else if (strcmp(argv[1], "seal") == 0) {
		readkey(k1, "pkR");
		readkey(k2, "skS");
		readfield(&info, "info");
		readfield(&aad, "aad");
		readfield(&in, "pt");
		if (hpke_seal_auth(enc, out, &len, k1, k2, info.b, info.len,
		    aad.b, aad.len, in.b, in.len, NULL) == -1)
			errx(1, "seal failed");
		puthex(enc, sizeof(enc));
		puthex(out, len);
	} else if (strcmp(argv[1], "open") == 0) {
		readkey(enc, "enc");
		readkey(k1, "skR");
		readkey(k2, "pkS");
		readfield(&info, "info");
		readfield(&aad, "aad");
		readfield(&in, "ct");
		if (hpke_open_auth(out, &len, enc, k1, k2, info.b, info.len,
		    aad.b, aad.len, in.b, in.len) == -1)
			errx(1, "open failed");
		puthex(out, len);
	} else
		usage();
	explicit_bzero(k1, sizeof(k1));
	explicit_bzero(k2, sizeof(k2));
	explicit_bzero(out, sizeof(out));
	return fflush(stdout) == 0 ? 0 : 1;
}
