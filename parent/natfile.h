/*
 * The nat-behaviour file in the state directory: its format, and the
 * checks that every value in it, or in what netengine sends to be kept
 * there, could have come from RFC 5780 discovery.  No I/O here
 * (natstate.c reads and writes), so that the decoder can be fuzzed.
 */

#ifndef CLAWD_NATFILE_H
#define CLAWD_NATFILE_H

#include <stddef.h>
#include <stdint.h>

#include "clawd_imsg.h"

#define NATFILE_MAGIC	"clawdnat"
#define NATFILE_VERSION	1

struct natfile {
	char			 magic[8];
	uint32_t		 version;
	uint32_t		 len;
	struct imsg_nat_memory	 mem;
};

int	natfile_valid(const struct imsg_nat_memory *);
void	natfile_clean(struct imsg_nat_memory *,
	    const struct imsg_nat_memory *);
void	natfile_encode(struct natfile *, const struct imsg_nat_memory *,
	    int64_t);
int	natfile_decode(const void *, size_t, int64_t,
	    struct imsg_nat_memory *, const char **);

#endif /* CLAWD_NATFILE_H */
