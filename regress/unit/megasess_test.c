/*
 * Unit test for crypto/megasess.c: the credentials file parser (good
 * files and every kind of error), and the sealed session blob (round
 * trip, wrong password, wrong e-mail, every single-bit flip and every
 * truncation).
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "megasess.h"
#include "tap.h"

static const char	 SID[] =
    "AAAAAAAAAAAAAAAAAAAAAGFiY2RlZmdoAAAAAAAAAAAAAAAAAAAAAAAAAA";

static int
parse(struct mega_cred *mc, const char *s, const char **errstr)
{
	return megasess_cred_parse(mc, s, strlen(s), errstr);
}

static int
all_zero(const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* A file that must be refused, with this error text. */
static void
bad(const char *file, const char *want, const char *what)
{
	struct mega_cred	 mc;
	const char		*errstr = NULL;
	int			 rv;

	memset(&mc, 0xa5, sizeof(mc));
	rv = parse(&mc, file, &errstr);
	tap_okf(rv == -1 && errstr != NULL && strcmp(errstr, want) == 0 &&
	    all_zero(&mc, sizeof(mc)), "parse refuses %s (%s)", what,
	    errstr ? errstr : "no error");
}

static void
test_parse(void)
{
	struct mega_cred	 mc;
	const char		*errstr;
	char			 buf[1024], pw[300];

	tap_ok(parse(&mc, "email Foo.Bar@Example.ORG\npassword s3cret\n",
	    &errstr) == 0 && strcmp(mc.email, "foo.bar@example.org") == 0 &&
	    strcmp(mc.password, "s3cret") == 0 && mc.passlen == 6,
	    "parse: good file, e-mail lower-cased");

	tap_ok(parse(&mc, "# MEGA account\n\n   \npassword  two  spaces \n"
	    "# another\nemail a@b.c", &errstr) == 0 &&
	    strcmp(mc.email, "a@b.c") == 0 &&
	    strcmp(mc.password, " two  spaces ") == 0,
	    "parse: comments, blank lines, verbatim password, no final LF");

	tap_ok(parse(&mc, "email a@b.c\r\npassword p#w\r\n", &errstr) == 0 &&
	    strcmp(mc.password, "p#w") == 0 && strcmp(mc.email, "a@b.c") == 0,
	    "parse: CRLF line ends stripped");

	tap_ok(parse(&mc, "email a@b.c\npassword pw\r\r\n", &errstr) == 0 &&
	    strcmp(mc.password, "pw\r") == 0,
	    "parse: only one CR stripped");

	memset(pw, 'x', 256);
	pw[256] = '\0';
	snprintf(buf, sizeof(buf), "email a@b.c\npassword %s\n", pw);
	tap_ok(parse(&mc, buf, &errstr) == 0 && mc.passlen == 256,
	    "parse: 256-byte password");
	megasess_cred_clear(&mc);
	tap_ok(all_zero(&mc, sizeof(mc)), "cred_clear wipes");

	bad("email a@b.c\n", "no password line", "missing password");
	bad("password x\n", "no email line", "missing email");
	bad("", "no email line", "empty file");
	bad("email a@b.c\npassword x\npassword y\n",
	    "line 3: duplicate password", "duplicate password");
	bad("email a@b.c\nemail c@d.e\npassword x\n",
	    "line 2: duplicate email", "duplicate email");
	bad("email a@b.c\n# x\nuser bob\npassword x\n",
	    "line 3: unknown keyword", "unknown keyword");
	bad(" email a@b.c\npassword x\n", "line 1: unknown keyword",
	    "leading blank");
	bad("emails a@b.c\npassword x\n", "line 1: unknown keyword",
	    "keyword prefix");
	bad("email\tA@b.c\npassword x\n", "line 1: unknown keyword",
	    "tab separator");
	bad("email a@b.c\npassword\n", "line 2: password: missing value",
	    "password without value");
	bad("email a@b.c\npassword \n", "line 2: password: missing value",
	    "empty password");
	bad("email \npassword x\n", "line 1: email: missing value",
	    "empty email");
	bad("email ab.c\npassword x\n", "line 1: email: not an e-mail address",
	    "e-mail without @");
	bad("email a@b c\npassword x\n",
	    "line 1: email: not an e-mail address", "e-mail with a blank");
	bad("email a@@b\npassword x\n",
	    "line 1: email: not an e-mail address", "e-mail with two @");

	memset(pw, 'x', 257);
	pw[257] = '\0';
	snprintf(buf, sizeof(buf), "email a@b.c\npassword %s\n", pw);
	bad(buf, "line 2: password: longer than 256 bytes",
	    "257-byte password");

	memset(pw, 'e', 260);
	memcpy(pw, "a@", 2);
	pw[260] = '\0';
	snprintf(buf, sizeof(buf), "password x\nemail %s\n", pw);
	bad(buf, "line 2: email: address too long", "260-character e-mail");
	memset(pw, 'e', 254);
	memcpy(pw, "a@", 2);
	pw[254] = '\0';
	snprintf(buf, sizeof(buf), "password x\nemail %s\n", pw);
	tap_ok(parse(&mc, buf, &errstr) == 0 && strlen(mc.email) == 254,
	    "parse: 254-character e-mail");

	tap_ok(megasess_cred_parse(&mc, "email a@b.c\npassword x\0y\n", 24,
	    &errstr) == -1 && strcmp(errstr, "NUL byte in the file") == 0,
	    "parse refuses a NUL byte");
}

static void
make_cred(struct mega_cred *mc, const char *email, const char *pw)
{
	memset(mc, 0, sizeof(*mc));
	strlcpy(mc->email, email, sizeof(mc->email));
	strlcpy(mc->password, pw, sizeof(mc->password));
	mc->passlen = strlen(pw);
}

static void
make_sess(struct mega_session *ms, const char *sid, const char *u)
{
	size_t	 i;

	memset(ms, 0, sizeof(*ms));
	for (i = 0; i < sizeof(ms->mk); i++)
		ms->mk[i] = 0x10 + i;
	strlcpy(ms->sid, sid, sizeof(ms->sid));
	strlcpy(ms->u, u, sizeof(ms->u));
}

static int
sess_eq(const struct mega_session *a, const struct mega_session *b)
{
	return memcmp(a->mk, b->mk, sizeof(a->mk)) == 0 &&
	    strcmp(a->sid, b->sid) == 0 && strcmp(a->u, b->u) == 0;
}

static void
test_seal(void)
{
	struct mega_cred	 mc, other;
	struct mega_session	 ms, got;
	uint8_t			 blob[MEGA_SESSION_MAX];
	uint8_t			 blob2[MEGA_SESSION_MAX];
	uint8_t			 mut[MEGA_SESSION_MAX];
	size_t			 len, len2, i, bit;
	int			 flips_ok = 1, trunc_ok = 1;

	make_cred(&mc, "v1@test.invalid", "password-v1");
	make_sess(&ms, SID, "YWJjZGVmZ2g");

	tap_ok(strlen(SID) == MC_SID_LEN &&
	    megasess_seal(blob, sizeof(blob), &len, &mc, &ms) == 0 &&
	    len == 12 + 1 + 16 + 1 + 58 + 1 + 11 + 16, "seal");
	tap_ok(megasess_open(&got, &mc, blob, len) == 0 && sess_eq(&ms, &got),
	    "open: round trip");
	tap_ok(megasess_seal(blob2, sizeof(blob2), &len2, &mc, &ms) == 0 &&
	    len2 == len && memcmp(blob, blob2, len) != 0,
	    "seal: a fresh nonce every time");

	make_cred(&other, "v1@test.invalid", "password-v2");
	memset(&got, 0xa5, sizeof(got));
	tap_ok(megasess_open(&got, &other, blob, len) == -1 &&
	    all_zero(&got, sizeof(got)), "open: wrong password fails, wiped");
	make_cred(&other, "v2@test.invalid", "password-v1");
	tap_ok(megasess_open(&got, &other, blob, len) == -1 &&
	    all_zero(&got, sizeof(got)), "open: wrong e-mail fails");
	make_cred(&other, "v1@test.invalid", "password-v1 ");
	tap_ok(megasess_open(&got, &other, blob, len) == -1,
	    "open: password with a trailing blank fails");

	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(mut, blob, len);
			mut[i] ^= 1 << bit;
			memset(&got, 0xa5, sizeof(got));
			if (megasess_open(&got, &mc, mut, len) != -1 ||
			    !all_zero(&got, sizeof(got)))
				flips_ok = 0;
		}
	tap_okf(flips_ok, "open: all %zu single-bit flips fail", len * 8);

	for (i = 0; i < len; i++) {
		memset(&got, 0xa5, sizeof(got));
		if (megasess_open(&got, &mc, blob, i) != -1 ||
		    !all_zero(&got, sizeof(got)))
			trunc_ok = 0;
		/* Cut at the front as well: the nonce moves. */
		if (megasess_open(&got, &mc, blob + len - i, i) != -1)
			trunc_ok = 0;
	}
	tap_okf(trunc_ok, "open: all %zu truncations fail", len * 2);

	memcpy(mut, blob, len);
	mut[len] = 0;
	tap_ok(megasess_open(&got, &mc, mut, len + 1) == -1,
	    "open: an appended byte fails");
	tap_ok(megasess_open(&got, &mc, blob, MEGA_SESSION_MAX) == -1,
	    "open: oversized blob fails");

	/* No user handle; a tsid-style sid; limits. */
	make_sess(&ms, "dHNpZC1zdHlsZS1zZXNzaW9uLWlkLTMyLWJ5dGVzLWxvbmc", "");
	tap_ok(megasess_seal(blob, sizeof(blob), &len, &mc, &ms) == 0 &&
	    megasess_open(&got, &mc, blob, len) == 0 && sess_eq(&ms, &got) &&
	    got.u[0] == '\0', "round trip without a user handle");
	tap_ok(megasess_seal(blob, len - 1, &len2, &mc, &ms) == -1 &&
	    len2 == 0, "seal: refuses a short buffer");
	make_sess(&ms, "", "");
	tap_ok(megasess_seal(blob, sizeof(blob), &len, &mc, &ms) == -1,
	    "seal: refuses an empty sid");
	make_sess(&ms, SID, "short");
	tap_ok(megasess_seal(blob, sizeof(blob), &len, &mc, &ms) == -1,
	    "seal: refuses a malformed user handle");
	make_sess(&ms, "not base64url!", "");
	tap_ok(megasess_seal(blob, sizeof(blob), &len, &mc, &ms) == -1,
	    "seal: refuses a malformed sid");
	make_cred(&other, "", "x");
	make_sess(&ms, SID, "");
	tap_ok(megasess_seal(blob, sizeof(blob), &len, &other, &ms) == -1,
	    "seal: refuses empty credentials");

	megasess_clear(&got);
	tap_ok(all_zero(&got, sizeof(got)), "session clear wipes");
}

int
main(void)
{
	if (megasess_init() == -1) {
		printf("Bail out! megasess_init\n");
		return 1;
	}
	test_parse();
	test_seal();
	return tap_done();
}
