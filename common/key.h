/*
 * X25519 keys as wg(8) writes them: 32 bytes, base64 with padding
 * (44 characters).  Encoding is constant-time; buffers holding secrets
 * are wiped.
 */

#ifndef CLAWD_KEY_H
#define CLAWD_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "clawd.h"

/* base64 text of a key, 44 characters and a NUL */
#define KEY_B64_SIZE	(CLAWD_KEY_B64LEN + 1)

void	key_to_base64(char [KEY_B64_SIZE], const uint8_t [CLAWD_KEY_LEN]);
int	key_from_base64(uint8_t [CLAWD_KEY_LEN], const char *);
int	key_generate(uint8_t [CLAWD_KEY_LEN]);
int	key_public(uint8_t [CLAWD_KEY_LEN], const uint8_t [CLAWD_KEY_LEN]);
int	key_read_fd(int, uint8_t [CLAWD_KEY_LEN], const char **);

#endif /* CLAWD_KEY_H */
