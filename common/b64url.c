/*
 * base64url without padding, docs/megaproto.md section 1: an encoder,
 * a strict decoder and the checks that decode nothing (b64url.h has the
 * rules).  Moved here from crypto/megacrypto.c so that the signaler
 * need not reach into the crypto process for it; the checks replace
 * the signaler's and crypto's own copies of the alphabet.  Pure: no
 * I/O, no allocation.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "b64url.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
b64url_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
	size_t		 i, o = 0;
	uint32_t	 v;

	if (len > SIZE_MAX / 2 || cap < B64URL_LEN(len) + 1)
		return -1;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return 0;
}

/*
 * Decoding goes through a lookup without data-dependent branches on
 * the character values beyond validity, since keys pass through here.
 */
static int
b64val(unsigned char c)
{
	int	 v = -1;

	v += ((('A' - 1 - c) & (c - 'Z' - 1)) >> 8 & 0xff) & (c - 'A' + 1);
	v += ((('a' - 1 - c) & (c - 'z' - 1)) >> 8 & 0xff) & (c - 'a' + 27);
	v += ((('0' - 1 - c) & (c - '9' - 1)) >> 8 & 0xff) & (c - '0' + 53);
	v += ((('-' - 1 - c) & (c - '-' - 1)) >> 8 & 0xff) & 63;
	v += ((('_' - 1 - c) & (c - '_' - 1)) >> 8 & 0xff) & 64;
	return v;
}

/* Decoded length of len characters; len must not be 1 mod 4. */
static size_t
declen(size_t len)
{
	return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
}

int
b64url_decode(uint8_t *out, size_t cap, size_t *outlen, const char *in,
    size_t len)
{
	size_t		 i, o = 0, need, rem;
	uint32_t	 v = 0;
	int		 c, bad = 0;

	rem = len % 4;
	if (rem == 1)
		return -1;
	need = declen(len);
	if (need > cap)
		return -1;
	for (i = 0; i < len; i++) {
		c = b64val((unsigned char)in[i]);
		bad |= c;		/* negative on a bad character */
		v = v << 6 | (uint32_t)(c & 63);
		if (i % 4 == 3) {
			out[o++] = v >> 16;
			out[o++] = (v >> 8) & 0xff;
			out[o++] = v & 0xff;
			v = 0;
		}
	}
	/* The unused low bits of the last character must be zero. */
	if (rem == 2) {
		bad |= -(int)(v & 0x0f);
		out[o++] = (v >> 4) & 0xff;
	} else if (rem == 3) {
		bad |= -(int)(v & 0x03);
		out[o++] = (v >> 10) & 0xff;
		out[o++] = (v >> 2) & 0xff;
	}
	if (bad < 0) {
		explicit_bzero(out, need);
		return -1;
	}
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

int
b64url_valid(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (b64val((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

/*
 * The decoder's rules without its output: no length of 1 mod 4, the
 * alphabet, and zero unused bits in the last character, so that one
 * byte string has one encoding.
 */
int
b64url_canonical(const char *s, size_t len, size_t *nbytes)
{
	int	 last;

	if (len % 4 == 1 || !b64url_valid(s, len))
		return 0;
	if (len % 4 != 0) {
		last = b64val((unsigned char)s[len - 1]);
		if ((len % 4 == 2 && (last & 0x0f) != 0) ||
		    (len % 4 == 3 && (last & 0x03) != 0))
			return 0;
	}
	if (nbytes != NULL)
		*nbytes = declen(len);
	return 1;
}
