/*
 * The TUN interface: created and configured by the parent (root), then
 * handed to netengine, which reads and writes packets on it and never
 * needs a privilege for that.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/ipv6.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "clawd.h"
#include "log.h"
#include "parent.h"

static int
tun_ifindex(int s, const char *name)
{
	struct ifreq	 ifr;

	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFINDEX, &ifr) == -1)
		return -1;
	return ifr.ifr_ifindex;
}

static int
tun_addr4(int s, const char *name, const struct clawd_prefix *p)
{
	struct ifreq		 ifr;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	sin->sin_family = AF_INET;
	sin->sin_addr = p->addr.v4;
	if (ioctl(s, SIOCSIFADDR, &ifr) == -1) {
		log_warn("%s: set address", name);
		return -1;
	}
	sin->sin_addr.s_addr = p->plen == 0 ? 0 :
	    htonl(0xffffffffU << (32 - p->plen));
	if (ioctl(s, SIOCSIFNETMASK, &ifr) == -1) {
		log_warn("%s: set netmask", name);
		return -1;
	}
	return 0;
}

static int
tun_addr6(const char *name, const struct clawd_prefix *p)
{
	struct in6_ifreq	 ifr6;
	int			 s, idx, ret = -1;

	if ((s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket inet6");
		return -1;
	}
	if ((idx = tun_ifindex(s, name)) == -1) {
		log_warn("%s: ifindex", name);
		goto done;
	}
	memset(&ifr6, 0, sizeof(ifr6));
	ifr6.ifr6_addr = p->addr.v6;
	ifr6.ifr6_prefixlen = p->plen;
	ifr6.ifr6_ifindex = idx;
	if (ioctl(s, SIOCSIFADDR, &ifr6) == -1) {
		log_warn("%s: set inet6 address", name);
		goto done;
	}
	ret = 0;
 done:
	close(s);
	return ret;
}

/*
 * Create (or attach to) the TUN device, give it its addresses and MTU,
 * bring it up.  Returns the device descriptor, non-blocking.
 */
int
tun_open(struct clawd_iface *iface)
{
	struct ifreq		 ifr;
	struct clawd_prefix	*p;
	int			 fd, s = -1;
	int			 hdrsz = sizeof(struct virtio_net_hdr);

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		log_warn("/dev/net/tun");
		return -1;
	}
	/*
	 * With a virtio-net header on every packet, the kernel may hand
	 * netengine TCP super-packets to split and take coalesced ones
	 * back (see netengine/offload.c).
	 */
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	strlcpy(ifr.ifr_name, iface->name, sizeof(ifr.ifr_name));
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		log_warn("%s: TUNSETIFF", iface->name);
		goto bad;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz) == -1) {
		log_warn("%s: TUNSETVNETHDRSZ", iface->name);
		goto bad;
	}
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) ==
	    -1)
		log_warn("%s: no TCP segmentation offload", iface->name);

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		goto bad;
	}
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, iface->name, sizeof(ifr.ifr_name));
	ifr.ifr_mtu = iface->mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) == -1) {
		log_warn("%s: mtu %u", iface->name, iface->mtu);
		goto bad;
	}
	TAILQ_FOREACH(p, &iface->addrs, entry) {
		if ((p->af == AF_INET && tun_addr4(s, iface->name, p) == -1) ||
		    (p->af == AF_INET6 && tun_addr6(iface->name, p) == -1))
			goto bad;
	}
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, iface->name, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1) {
		log_warn("%s: get flags", iface->name);
		goto bad;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1) {
		log_warn("%s: up", iface->name);
		goto bad;
	}
	close(s);
	log_info("interface %s up, mtu %u", iface->name, iface->mtu);
	return fd;
 bad:
	if (s != -1)
		close(s);
	close(fd);
	return -1;
}
