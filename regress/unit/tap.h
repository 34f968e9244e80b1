/*
 * The one TAP helper the C unit tests share: numbered "ok N - what" and
 * "not ok N - what" lines, a failure count, hex for test vectors and a
 * closing summary.
 */

#ifndef CLAWD_TAP_H
#define CLAWD_TAP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void	 tap_ok(int, const char *);
void	 tap_okf(int, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
void	 tap_vokf(int, const char *, va_list)
	    __attribute__((__format__(__printf__, 2, 0)));
size_t	 tap_unhex(uint8_t *, size_t, const char *);
int	 tap_eqhex(const uint8_t *, size_t, const char *);
int	 tap_failed(void);
int	 tap_done(void);

#endif /* CLAWD_TAP_H */
