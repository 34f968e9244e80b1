/*
 * Drives one side of a handshake over crypto/noise.c for
 * noise_xcheck.sh: handshake messages are hex lines on stdin and
 * stdout, the outcome (messages sent, session keys, the accepted
 * timestamp) goes to a file for the script to compare.
 *
 * usage: noise_driver initiator|responder priv peer-pub psk|- seconds
 *            ephemeral|- outfile
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wgproto.h"
#include "noise.h"

#define INIT_INDEX	0x11223344U
#define RESP_INDEX	0x55667788U

static void	usage(void) __attribute__((__noreturn__));
static void	unhex(uint8_t *, size_t, const char *);
static void	puthex(FILE *, const char *, const void *, size_t);
static void	readmsg(void *, size_t);
static struct noise_remote *lookup(const uint8_t [WGC_KEY_LEN], void *);

static void
usage(void)
{
	fprintf(stderr, "usage: noise_driver initiator|responder priv "
	    "peer-pub psk|- seconds ephemeral|- outfile\n");
	exit(2);
}

static void
unhex(uint8_t *out, size_t len, const char *s)
{
	size_t		 i;
	unsigned int	 b;

	if (strlen(s) != 2 * len)
		usage();
	for (i = 0; i < len; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			usage();
		out[i] = b;
	}
}

static void
puthex(FILE *f, const char *label, const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		 i;

	if (label != NULL)
		fprintf(f, "%s ", label);
	for (i = 0; i < len; i++)
		fprintf(f, "%02x", b[i]);
	fprintf(f, "\n");
	fflush(f);
}

/* One hex line of exactly len bytes from stdin. */
static void
readmsg(void *out, size_t len)
{
	char		 line[1024];

	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "noise_driver: no message\n");
		exit(1);
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (strlen(line) != 2 * len) {
		fprintf(stderr, "noise_driver: bad message length\n");
		exit(1);
	}
	unhex(out, len, line);
}

static struct noise_remote *
lookup(const uint8_t pub[WGC_KEY_LEN], void *arg)
{
	struct noise_remote	*r = arg;

	return memcmp(r->pub, pub, WGC_KEY_LEN) == 0 ? r : NULL;
}

int
main(int argc, char *argv[])
{
	struct noise_local	 l;
	struct noise_remote	 r, *found;
	struct noise_handshake	 hs;
	struct noise_keypair	 kp;
	struct wg_msg_initiation init;
	struct wg_msg_response	 resp;
	uint8_t			 priv[WGC_KEY_LEN], pub[WGC_KEY_LEN];
	uint8_t			 psk[WGC_KEY_LEN], eph[WGC_KEY_LEN];
	uint8_t			 ts[WGC_TAI64N_LEN];
	const uint8_t		*pskp = NULL, *ephp = NULL;
	FILE			*out;
	long long		 sec;
	char			*end;
	int			 initiator;

	if (argc != 8)
		usage();
	if (strcmp(argv[1], "initiator") == 0)
		initiator = 1;
	else if (strcmp(argv[1], "responder") == 0)
		initiator = 0;
	else
		usage();
	unhex(priv, sizeof(priv), argv[2]);
	unhex(pub, sizeof(pub), argv[3]);
	if (strcmp(argv[4], "-") != 0) {
		unhex(psk, sizeof(psk), argv[4]);
		pskp = psk;
	}
	sec = strtoll(argv[5], &end, 10);
	if (*argv[5] == '\0' || *end != '\0' || sec < 0)
		usage();
	if (strcmp(argv[6], "-") != 0) {
		unhex(eph, sizeof(eph), argv[6]);
		ephp = eph;
	}
	if ((out = fopen(argv[7], "w")) == NULL) {
		perror(argv[7]);
		return 1;
	}

	if (wgc_init() == -1 || noise_local_init(&l, priv) == -1 ||
	    noise_remote_init(&r, &l, pub, pskp) == -1) {
		fprintf(stderr, "noise_driver: bad keys\n");
		return 1;
	}
	memset(&hs, 0, sizeof(hs));
	if (initiator) {
		wgc_tai64n(ts, sec, 0);
		if (noise_create_initiation(&l, &r, &hs, INIT_INDEX, ts, ephp,
		    &init) == -1) {
			fprintf(stderr, "noise_driver: create_initiation\n");
			return 1;
		}
		puthex(stdout, NULL, &init, sizeof(init));
		puthex(out, "msg", &init, sizeof(init));
		readmsg(&resp, sizeof(resp));
		if (noise_consume_response(&l, &r, &hs, &resp, &kp) == -1) {
			fprintf(stderr, "noise_driver: consume_response\n");
			return 1;
		}
	} else {
		readmsg(&init, sizeof(init));
		if (noise_consume_initiation(&l, &init, lookup, &r, &hs,
		    &found) == -1) {
			fprintf(stderr, "noise_driver: consume_initiation\n");
			return 1;
		}
		if (noise_create_response(found, &hs, RESP_INDEX, ephp,
		    &resp, &kp) == -1) {
			fprintf(stderr, "noise_driver: create_response\n");
			return 1;
		}
		puthex(stdout, NULL, &resp, sizeof(resp));
		puthex(out, "msg", &resp, sizeof(resp));
		puthex(out, "ts", r.last_ts, sizeof(r.last_ts));
	}
	puthex(out, "send", kp.send, sizeof(kp.send));
	puthex(out, "recv", kp.recv, sizeof(kp.recv));
	fprintf(out, "index %08x %08x\n", kp.local_index, kp.remote_index);
	if (fclose(out) == EOF)
		return 1;
	noise_keypair_clear(&kp);
	noise_remote_clear(&r);
	noise_local_clear(&l);
	return 0;
}
