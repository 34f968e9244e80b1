/*
 * Segmentation and coalescing offloads between the TUN device and the
 * tunnel.  With IFF_VNET_HDR the kernel hands netengine TCP segments
 * of up to 64 KB (TSO) and takes such super-packets back (GRO), so
 * the TCP stacks at both ends move few large packets while the wire
 * carries MTU-sized ones.  Pure functions, no I/O: see
 * docs/offload.md.
 */

#ifndef CLAWD_OFFLOAD_H
#define CLAWD_OFFLOAD_H

#include <sys/types.h>
#include <sys/uio.h>

#include <linux/virtio_net.h>

#include <stddef.h>
#include <stdint.h>

#define VNET_HDR_LEN	sizeof(struct virtio_net_hdr)

uint32_t	csum_partial(const void *, size_t, uint32_t);
uint16_t	csum_fold(uint32_t);

/*
 * Walks a packet read from the TUN device and yields the packets to
 * encrypt: the packet itself (its checksum completed if the kernel
 * left it partial), or the MTU-sized TCP segments of a TSO packet.
 */
struct tso_iter {
	const struct virtio_net_hdr *vh;
	const uint8_t		*pkt;
	size_t			 len;
	size_t			 hlen;		/* IP + TCP headers */
	size_t			 iphlen;
	size_t			 off;		/* payload done */
	size_t			 mss;
	unsigned int		 seg;
	int			 v6;
	int			 done;
};

int	tso_init(struct tso_iter *, const struct virtio_net_hdr *,
	    uint8_t *, size_t);
ssize_t	tso_next(struct tso_iter *, uint8_t *, size_t);

/*
 * Coalescing of decrypted packets before they are written to the TUN
 * device.  gro_plan() groups consecutive segments of one TCP flow;
 * each group becomes one write of a vnet header, the first packet
 * (its headers rewritten) and the other packets' payloads.
 */
struct gro_pkt {
	uint8_t			*pkt;
	size_t			 len;
};

struct gro_group {
	size_t			 first;		/* index into the packets */
	size_t			 count;
	struct virtio_net_hdr	 vh;
};

size_t	gro_plan(struct gro_pkt *, size_t, struct gro_group *, size_t);
int	gro_iov(const struct gro_pkt *, const struct gro_group *,
	    struct iovec *, int);

#endif /* CLAWD_OFFLOAD_H */
