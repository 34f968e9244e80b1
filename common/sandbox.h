/*
 * Locking a child down: the one place with Linux-specific code.
 */

#ifndef CLAWD_SANDBOX_H
#define CLAWD_SANDBOX_H

#include <pwd.h>

void	sandbox_lockdown(int, const struct passwd *, const char *);

#endif /* CLAWD_SANDBOX_H */
