/*
 * The privileged parent.
 */

#ifndef CLAWD_PARENT_H
#define CLAWD_PARENT_H

#include <sys/types.h>

#include <stdint.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "conf.h"

struct imsgev;

/* sockets.c */
int	 secret_open(const char *, const char *);
int	 secrets_check(struct clawd_conf *);
int	 udp_open(uint16_t, uint16_t *);
int	 udp_open_sized(uint16_t, uint16_t *, int);
int	 control_open(const char *);
void	 control_cleanup(const char *);
int	 https_conf_make(struct clawd_mega *, struct imsg_https_conf *);
void	 hostaddr_push(struct imsgev *, const char *);

/* turncred.c */
int	 turn_cred_make(const struct clawd_turn *, struct imsg_conf_turn *);

/* tun.c */
int	 tun_open(struct clawd_iface *);

/* megastate.c */
int	 megastate_push(struct clawd_conf *, struct imsgev *);
void	 megastate_save(const char *, const uint8_t *, size_t);

/* statefile.c */
size_t	 statefile_read(const char *, const char *, void *, size_t);
int	 statefile_write(const char *, const char *, const void *, size_t);

/* natstate.c */
void	 natstate_push(const char *, struct imsgev *);
void	 natstate_save(struct imsg *);
void	 natstate_flush(void);

/* resolve.c */
void	 parent_resolve(struct imsgev *, struct imsg *);

/* status.c */
int	 status_read(const char *, pid_t, time_t, struct ctl_status *);

#endif /* CLAWD_PARENT_H */
