/*
 * libFuzzer target for the nat-behaviour file's decoder (parent/
 * natfile.c), which the root process runs on a file in its state
 * directory: any bytes either decode to a memory that validates and
 * encodes back to a file that decodes to the same, or are refused.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "natfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct imsg_nat_memory	 m, m2;
	struct natfile		 f;
	const char		*why = NULL;
	int64_t			 now = 1800000000;

	if (natfile_decode(data, len, now, &m, &why) == -1) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (!natfile_valid(&m) || m.saved > now)
		abort();
	natfile_encode(&f, &m, m.saved);
	if (natfile_decode(&f, sizeof(f), now, &m2, &why) == -1 ||
	    memcmp(&m, &m2, sizeof(m)) != 0)
		abort();
	return 0;
}
