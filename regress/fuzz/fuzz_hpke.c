/*
 * libFuzzer target for hpke_open_auth() in crypto/hpke.c, what the
 * crypto process runs on every rendezvous blob from the drop.  Input:
 * one flag byte, one aad length byte, then enc (32 bytes), the aad and
 * the ciphertext.  Unless the flag's low bit is set, enc is replaced by
 * that of a real blob to our fixed recipient key, so the AEAD is reached
 * rather than only the KEM.  Any input must fail cleanly or open to a
 * plaintext of ctlen - 16 bytes; a failure must leave no byte in the
 * output.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hpke.h"
#include "key.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	 skR[HPKE_NSK], pkR[HPKE_NPK], skS[HPKE_NSK], pkS[HPKE_NPK];
static uint8_t	 real_enc[HPKE_NENC];
static int	 ready;

static void
setup(void)
{
	uint8_t		 ct[HPKE_NT + 4];
	size_t		 len = sizeof(ct);

	memset(skR, 0x51, sizeof(skR));
	memset(skS, 0x52, sizeof(skS));
	if (key_public(pkR, skR) == -1 || key_public(pkS, skS) == -1)
		__builtin_trap();
	if (hpke_seal_auth(real_enc, ct, &len, pkR, skS,
	    (const uint8_t *)"clawd", 5, NULL, 0, (const uint8_t *)"blob", 4,
	    NULL) == -1)
		__builtin_trap();
	ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	 out[65536];
	const uint8_t	*enc, *aad, *ct;
	size_t		 aadlen, ctlen, len, i;
	uint8_t		 flag;

	if (!ready)
		setup();
	if (size < 2 + HPKE_NENC)
		return 0;
	flag = data[0];
	aadlen = data[1];
	enc = (flag & 1) ? data + 2 : real_enc;
	data += 2 + HPKE_NENC;
	size -= 2 + HPKE_NENC;
	if (aadlen > size)
		aadlen = size;
	aad = data;
	ct = data + aadlen;
	ctlen = size - aadlen;
	if (ctlen > sizeof(out))
		return 0;

	memset(out, 0, sizeof(out));
	len = sizeof(out);
	if (hpke_open_auth(out, &len, enc, skR, pkS, (const uint8_t *)"clawd",
	    5, aad, aadlen, ct, ctlen) == 0) {
		if (ctlen < HPKE_NT || len != ctlen - HPKE_NT)
			__builtin_trap();
		return 0;
	}
	if (len != 0)
		__builtin_trap();
	for (i = 0; i < sizeof(out); i++)
		if (out[i] != 0)
			__builtin_trap();
	return 0;
}
