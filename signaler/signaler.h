/*
 * signaler: the sandboxed MEGA client.
 */

#ifndef CLAWD_SIGNALER_H
#define CLAWD_SIGNALER_H

#include <sys/types.h>

#include <pwd.h>

#include "clawd_imsg.h"

void	signaler_main(const struct passwd *);

/* https.c */
struct https_reply {
	long		 status;	/* HTTP status, 0 on transport error */
	const char	*error;		/* transport error, or NULL */
	const uint8_t	*body;
	size_t		 len;
	const char	*hashcash;	/* X-Hashcash, or NULL */
	int		 timeleft;	/* X-MEGA-Time-Left, or -1 */
};

void	https_init(void);
void	https_conf(const struct imsg_https_conf *);
void	https_ca(int);
int	https_ready(void);
const char *https_api_url(void);
int	https_request(const char *, int, const void *, size_t, const char *,
	    void (*)(const struct https_reply *, void *), void *);
int	https_post(const char *, const void *, size_t, const char *,
	    void (*)(const struct https_reply *, void *), void *);
int	https_need_name(const char *, char *, size_t, uint16_t *);
int	https_resolved(const char *, uint16_t,
	    const struct sockaddr_storage *);

#endif /* CLAWD_SIGNALER_H */
