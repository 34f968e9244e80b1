/*
 * Fuzz the imsg reader and the catalogue check with arbitrary bytes
 * arriving on a channel, as a compromised child or a hostile control
 * client would send them.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "clawd_imsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imsgbuf	 ib;
	struct imsg	 imsg;
	uint8_t		 sink[64];
	ssize_t		 n;
	int		 sp[2], from, self;

	if (size < 1 || size > 60000)
		return 0;
	/* The first byte picks who claims to send to whom. */
	from = data[0] % (PROC_CONTROL + 1);
	self = (data[0] >> 4) % (PROC_CONTROL + 1);
	data++;
	size--;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		return 0;
	if (write(sp[0], data, size) != (ssize_t)size) {
		close(sp[0]);
		close(sp[1]);
		return 0;
	}
	close(sp[0]);
	if (imsgbuf_init(&ib, sp[1]) == -1) {
		close(sp[1]);
		return 0;
	}
	for (;;) {
		if (imsgbuf_read(&ib) != 1)
			break;
		while ((n = imsg_get(&ib, &imsg)) > 0) {
			if (imsg_check(&imsg, from, self) == 0 &&
			    imsg_get_len(&imsg) <= sizeof(sink))
				(void)imsg_get_data(&imsg, sink,
				    imsg_get_len(&imsg));
			imsg_free(&imsg);
		}
		if (n == -1)
			break;
	}
	imsgbuf_clear(&ib);
	close(sp[1]);
	return 0;
}
