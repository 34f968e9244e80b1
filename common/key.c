/*
 * X25519 keys in the text form wg(8) uses: standard base64 with '='
 * padding, 44 characters for 32 bytes.
 *
 * The base64 code never indexes a table with key material and never
 * branches on it: characters are computed with masks, and decoding
 * errors are accumulated and checked once at the end, so the timing
 * does not depend on the key.  Only the length and the position of the
 * '=' are checked with branches; they are public.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "key.h"

/* Large enough to notice a file longer than a key and a newline. */
#define KEY_READ_MAX	128

/* All ones if a < b, else 0; a and b must be below 2^31. */
static uint32_t
ct_lt(uint32_t a, uint32_t b)
{
	return 0U - ((a - b) >> 31);
}

/* All ones if lo <= c <= hi, else 0. */
static uint32_t
ct_in(uint32_t c, uint32_t lo, uint32_t hi)
{
	return ct_lt(c, hi + 1) & ~ct_lt(c, lo);
}

/* One 6-bit value to its base64 character. */
static char
b64_char(uint32_t v)
{
	uint32_t	 c;

	/* Start from 'A' + v and shift into each later range. */
	c = 'A' + v;
	c += ct_lt(25, v) & (uint32_t)('a' - 26 - 'A');
	c += ct_lt(51, v) & (uint32_t)(('0' - 52) - ('a' - 26));
	c += ct_lt(61, v) & (uint32_t)('+' - ('0' + 10));
	c += ct_lt(62, v) & (uint32_t)('/' - ('+' + 1));
	return (char)(c & 0xff);
}

/*
 * One base64 character to its 6-bit value; an invalid character sets
 * bits in *bad instead of returning early.
 */
static uint32_t
b64_value(unsigned char ch, uint32_t *bad)
{
	uint32_t	 c = ch, v = 0, hit;

	hit = ct_in(c, 'A', 'Z');
	v |= hit & (c - 'A');
	v |= ct_in(c, 'a', 'z') & (c - 'a' + 26);
	hit |= ct_in(c, 'a', 'z');
	v |= ct_in(c, '0', '9') & (c - '0' + 52);
	hit |= ct_in(c, '0', '9');
	v |= ct_in(c, '+', '+') & 62;
	hit |= ct_in(c, '+', '+');
	v |= ct_in(c, '/', '/') & 63;
	hit |= ct_in(c, '/', '/');
	*bad |= ~hit;
	return v & 0x3f;
}

void
key_to_base64(char b64[KEY_B64_SIZE], const uint8_t key[CLAWD_KEY_LEN])
{
	uint32_t	 w;
	size_t		 i, o = 0;

	for (i = 0; i + 3 <= CLAWD_KEY_LEN; i += 3) {
		w = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8 |
		    key[i + 2];
		b64[o++] = b64_char((w >> 18) & 0x3f);
		b64[o++] = b64_char((w >> 12) & 0x3f);
		b64[o++] = b64_char((w >> 6) & 0x3f);
		b64[o++] = b64_char(w & 0x3f);
	}
	/* 32 = 30 + 2: the last two bytes make three characters and '='. */
	w = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8;
	b64[o++] = b64_char((w >> 18) & 0x3f);
	b64[o++] = b64_char((w >> 12) & 0x3f);
	b64[o++] = b64_char((w >> 6) & 0x3f);
	b64[o++] = '=';
	b64[o] = '\0';
	explicit_bzero(&w, sizeof(w));
}

int
key_from_base64(uint8_t key[CLAWD_KEY_LEN], const char *b64)
{
	uint8_t		 tmp[CLAWD_KEY_LEN];
	uint32_t	 w, bad = 0;
	size_t		 i, o = 0;

	if (strnlen(b64, CLAWD_KEY_B64LEN + 1) != CLAWD_KEY_B64LEN ||
	    b64[CLAWD_KEY_B64LEN - 1] != '=')
		return -1;

	for (i = 0; i + 4 < CLAWD_KEY_B64LEN; i += 4) {
		w = b64_value(b64[i], &bad) << 18 |
		    b64_value(b64[i + 1], &bad) << 12 |
		    b64_value(b64[i + 2], &bad) << 6 |
		    b64_value(b64[i + 3], &bad);
		tmp[o++] = (w >> 16) & 0xff;
		tmp[o++] = (w >> 8) & 0xff;
		tmp[o++] = w & 0xff;
	}
	w = b64_value(b64[i], &bad) << 18 |
	    b64_value(b64[i + 1], &bad) << 12 |
	    b64_value(b64[i + 2], &bad) << 6;
	tmp[o++] = (w >> 16) & 0xff;
	tmp[o++] = (w >> 8) & 0xff;
	/* The two bits below the last byte must be zero to round-trip. */
	bad |= w & 0xff;

	if (bad != 0) {
		explicit_bzero(tmp, sizeof(tmp));
		explicit_bzero(&w, sizeof(w));
		return -1;
	}
	memcpy(key, tmp, sizeof(tmp));
	explicit_bzero(tmp, sizeof(tmp));
	explicit_bzero(&w, sizeof(w));
	return 0;
}

int
key_generate(uint8_t key[CLAWD_KEY_LEN])
{
	if (RAND_priv_bytes(key, CLAWD_KEY_LEN) != 1)
		return -1;
	/* RFC 7748 section 5: a multiple of the cofactor, top bit set. */
	key[0] &= 248;
	key[31] &= 127;
	key[31] |= 64;
	return 0;
}

int
key_public(uint8_t pub[CLAWD_KEY_LEN], const uint8_t priv[CLAWD_KEY_LEN])
{
	EVP_PKEY	*pkey;
	size_t		 len = CLAWD_KEY_LEN;
	int		 rv = -1;

	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
	    CLAWD_KEY_LEN);
	if (pkey == NULL)
		return -1;
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) == 1 &&
	    len == CLAWD_KEY_LEN)
		rv = 0;
	EVP_PKEY_free(pkey);
	return rv;
}

/*
 * Read a key file: the base64 key, optionally one newline, nothing
 * else.  Only a little more than a key is read, enough to tell that a
 * longer file is not one.
 */
int
key_read_fd(int fd, uint8_t key[CLAWD_KEY_LEN], const char **errstr)
{
	char		 buf[KEY_READ_MAX + 1];
	size_t		 len = 0;
	ssize_t		 n;
	int		 rv = -1;

	*errstr = NULL;
	while (len < KEY_READ_MAX) {
		n = read(fd, buf + len, KEY_READ_MAX - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*errstr = strerror(errno);
			goto done;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (len == 0) {
		*errstr = "empty key file";
		goto done;
	}
	if (len > CLAWD_KEY_B64LEN + 1) {
		*errstr = "key file too long";
		goto done;
	}
	if (len == CLAWD_KEY_B64LEN + 1) {
		if (buf[CLAWD_KEY_B64LEN] != '\n') {
			*errstr = "not a base64 X25519 key";
			goto done;
		}
		len--;
	}
	buf[len] = '\0';
	if (len != CLAWD_KEY_B64LEN || key_from_base64(key, buf) == -1) {
		*errstr = "not a base64 X25519 key";
		goto done;
	}
	rv = 0;
 done:
	explicit_bzero(buf, sizeof(buf));
	return rv;
}
