/*
 * Rendezvous messages and probes from arbitrary bytes: the decoder
 * must refuse or accept without reading out of bounds, and what it
 * accepts must encode back to the same bytes.  The file name parser
 * gets the input as a string too.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rdv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct rdv_msg	 m;
	struct probe	 p;
	uint8_t		 buf[RDV_MSG_MAX], id[RDV_ID_LEN], kind;
	char		 name[DROP_NAME_MAX];
	ssize_t		 n;

	if (rdv_decode(&m, data, len) == 0) {
		n = rdv_encode(buf, sizeof(buf), &m);
		if (n != (ssize_t)len || memcmp(buf, data, len) != 0)
			abort();
	}
	if (probe_parse(&p, data, len) == 0 && !probe_is_message(data, len))
		abort();
	if (len < sizeof(name)) {
		memcpy(name, data, len);
		name[len] = '\0';
		if (rdv_name_parse(name, &kind, id) == 0) {
			char	 again[DROP_NAME_MAX];

			if (rdv_name(again, sizeof(again), kind, id) == -1 ||
			    strcmp(again, name) != 0)
				abort();
		}
	}
	return 0;
}
