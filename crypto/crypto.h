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
size_t	handshake_npeers(void);
const struct noise_remote *handshake_peer(size_t, uint32_t *, uint32_t *);
const struct noise_local *handshake_local(void);

/* rendezvous.c */
void	rendezvous_seal(struct imsg *);
void	rendezvous_open(struct imsg *);

/* megakeys.c */
void	megakeys_init(void);
void	megakeys_clear(void);
void	megakeys_cred_fd(int);
void	megakeys_session_load(struct imsg *);
void	megakeys_prelogin(struct imsg *);
void	megakeys_login(struct imsg *);
void	megakeys_node_open(struct imsg *);
void	megakeys_new_folder(struct imsg *);
void	megakeys_seal_file(struct imsg *);
void	megakeys_open_file(struct imsg *);

#endif /* CLAWD_CRYPTO_H */
