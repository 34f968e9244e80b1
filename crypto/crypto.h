/*
 * The key holder.
 */

#ifndef CLAWD_CRYPTO_H
#define CLAWD_CRYPTO_H

#include <pwd.h>

#include "clawd_imsg.h"
#include "noise.h"

void	crypto_main(const struct passwd *);

/* handshake.c */
void	handshake_set_local(struct noise_local *);
void	handshake_conf_peer(const struct imsg_crypto_peer *, int);
void	handshake_conf_end(void);
void	handshake_initiate(const struct imsg_wg_initiate *);
void	handshake_input(const struct imsg_wg_hs_in *);
void	handshake_clear(void);

#endif /* CLAWD_CRYPTO_H */
