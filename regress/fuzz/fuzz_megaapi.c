/*
 * libFuzzer target for signaler/megaapi.c, the only parser of MEGA's
 * JSON: the input is a cs reply (split into results, and every typed
 * parser run on each result) and an sc reply.  Whatever a parser takes
 * must come out as NUL-terminated strings within their limits.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "megaapi.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_nodes(const struct ma_nodes *nn)
{
	size_t	 i;

	if (nn->n > MA_NODES_MAX)
		__builtin_trap();
	for (i = 0; i < nn->n; i++)
		if (strlen(nn->v[i].h) != MA_HANDLE_LEN ||
		    nn->v[i].t < MA_T_FILE || nn->v[i].t > MA_T_RUBBISH ||
		    strlen(nn->v[i].a) > MA_ATTR_MAX)
			__builtin_trap();
}

static void
results(const struct ma_batch *b, const char *me)
{
	struct ma_prelogin	 pl;
	struct ma_login		 lg;
	struct ma_user		 us;
	struct ma_nodes		 nn;
	struct ma_upload	 up;
	struct ma_download	 dl;
	const json_t		*v;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		v = ma_batch_get(b, i);
		(void)ma_batch_err(b, i);
		if (ma_parse_us0(v, &pl) == 0 && pl.v != 1 && pl.v != 2)
			__builtin_trap();
		(void)ma_parse_us(v, &lg);
		if (ma_parse_ug(v, &us) == 0 && strlen(us.u) != MA_USER_LEN)
			__builtin_trap();
		if (ma_parse_f(v, me, &nn) == 0) {
			check_nodes(&nn);
			ma_nodes_free(&nn);
		}
		if (ma_parse_p(v, me, &nn) == 0) {
			check_nodes(&nn);
			ma_nodes_free(&nn);
		}
		(void)ma_parse_u(v, &up);
		(void)ma_parse_g(v, &dl);
		(void)ma_parse_d(v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ma_batch	 b;
	struct ma_sc	 sc;
	size_t		 i, ncmd;

	/* The result count is taken from the input, 1 to 4. */
	for (ncmd = 1; ncmd <= 4; ncmd++) {
		if (ma_batch_parse(&b, data, size, ncmd) != 0)
			continue;
		results(&b, NULL);
		results(&b, "AAAAAAAAAAA");
		ma_batch_free(&b);
	}
	if (ma_parse_sc(data, size, "AAAAAAAAAAA", &sc) == 0) {
		if (sc.kind != MA_SC_PACKETS && sc.kind != MA_SC_WAIT)
			__builtin_trap();
		check_nodes(&sc.nodes);
		for (i = 0; i < sc.npkt; i++)
			if (sc.pkt[i].node0 + sc.pkt[i].nnodes > sc.nodes.n)
				__builtin_trap();
		ma_sc_free(&sc);
	}
	return 0;
}
