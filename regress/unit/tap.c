/*
 * The one TAP helper the C unit tests share.  Every check is one line,
 * flushed at once so that nothing is lost or printed twice when a test
 * forks or crashes.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int	 tap_ntest;
static int	 tap_nfail;

static int	 tap_nibble(char);

/*
 * errno is left as it was: a test may want to report it after a failed
 * check, and printing must not have changed it by then.
 */
void
tap_vokf(int cond, const char *fmt, va_list ap)
{
	int	 saved_errno = errno;

	tap_ntest++;
	if (!cond)
		tap_nfail++;
	printf("%sok %d - ", cond ? "" : "not ", tap_ntest);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	errno = saved_errno;
}

void
tap_okf(int cond, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	tap_vokf(cond, fmt, ap);
	va_end(ap);
}

void
tap_ok(int cond, const char *what)
{
	tap_okf(cond, "%s", what);
}

/* A bad vector is a bug in the test, not a failed check: stop there. */
static int
tap_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	fprintf(stderr, "tap: bad hex digit 0x%02x\n", (unsigned char)c);
	abort();
}

size_t
tap_unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t	 i, n;

	n = strlen(hex);
	if (n % 2 != 0 || n / 2 > cap) {
		fprintf(stderr, "tap: %zu hex digits for %zu bytes\n", n,
		    cap);
		abort();
	}
	for (i = 0; i < n / 2; i++)
		out[i] = tap_nibble(hex[2 * i]) << 4 |
		    tap_nibble(hex[2 * i + 1]);
	return n / 2;
}

/* Byte by byte, so that no vector is too long for a buffer. */
int
tap_eqhex(const uint8_t *got, size_t len, const char *hexwant)
{
	size_t	 i;
	int	 same = 1;

	if (strlen(hexwant) != 2 * len)
		return 0;
	for (i = 0; i < len; i++)
		if (got[i] != (tap_nibble(hexwant[2 * i]) << 4 |
		    tap_nibble(hexwant[2 * i + 1])))
			same = 0;
	return same;
}

int
tap_failed(void)
{
	return tap_nfail;
}

/* The plan goes last, as the count is only known at the end. */
int
tap_done(void)
{
	printf("1..%d\n", tap_ntest);
	printf("%d passed, %d failed\n", tap_ntest - tap_nfail, tap_nfail);
	fflush(stdout);
	return tap_nfail == 0 ? 0 : 1;
}
