/*
 * netengine: the unprivileged network engine.
 */

#ifndef CLAWD_NETENGINE_H
#define CLAWD_NETENGINE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <pwd.h>

#include "clawd_imsg.h"
#include "proc.h"
#include "udp.h"

void	netengine_main(const struct passwd *);

/* control.c */
void	control_listen(int);
void	control_reply(struct imsg *);
void	control_shutdown(void);

#endif /* CLAWD_NETENGINE_H */
