/*
 * Small helpers shared by the processes and clawctl.
 */

#ifndef CLAWD_UTIL_H
#define CLAWD_UTIL_H

#include <sys/types.h>
#include <sys/socket.h>

/* "192.0.2.1:3478" or "[2001:db8::1]:3478" */
#define SA_STRLEN	64
const char	*sa_str(const struct sockaddr *, char *, size_t);
socklen_t	 sa_len(const struct sockaddr *);
int		 sa_equal(const struct sockaddr *, const struct sockaddr *);
const char	*log_sockaddr(const struct sockaddr *);

#endif /* CLAWD_UTIL_H */
