/*
 * The key holder.
 */

#ifndef CLAWD_CRYPTO_H
#define CLAWD_CRYPTO_H

#include <pwd.h>

void	crypto_main(const struct passwd *);

#endif /* CLAWD_CRYPTO_H */
