/*
 * Unit test for signaler/megaapi.c: request bytes against the JSON
 * that docs/megaproto.md gives, the sequence id, replies captured from
 * the MEGA emulator (regress/unit/megaapi_replies/, made by capture.js
 * there), the batch and whole-batch error forms, malformed and hostile
 * replies, and the retry table.
 *
 * usage: megaapi_test [replies-dir]
 * Without an argument the directory is found under $srcdir or ".".
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "megaapi.h"

#define REPLYMAX	(1024 * 1024)
#define SID	"jCf2Pc0pLCU_megamock_megamock_megamock_megAAAAAAAAAAAAAAAA"

static int		 testno;
static int		 failed;
static const char	*dir;

static void
ok(int cond, const char *what)
{
	testno++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", testno, what);
}

/* A captured reply; aborts if it is missing, a bug in the test setup. */
static char *
reply(const char *name, size_t *len)
{
	static char	 buf[REPLYMAX];
	char		 path[1024];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(1);
	}
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* Parses a one-command cs reply; the caller frees b. */
static int
one(struct ma_batch *b, const char *body)
{
	return ma_batch_parse(b, body, strlen(body), 1);
}

/* The serialised batch must be exactly want. */
static int
dumps(json_t *batch, const char *want)
{
	char	*s;
	int	 eq;

	if ((s = json_dumps(batch, JSON_COMPACT)) == NULL)
		return 0;
	eq = strcmp(s, want) == 0;
	if (!eq)
		printf("# got  %s\n# want %s\n", s, want);
	free(s);
	json_decref(batch);
	return eq;
}

static const char	*K16 = "vWd6STql5FbfQASkHzbKIw";
static const char	*K32 = "KOrwJhSE2R3z_6C7jobaYv6jPN2fBWB6ryFUA20GFAo";
static const char	*AT = "ghKA1UPsymvbkyUKYemXRNImM_L60u8o3iBQwrytBpc";

static void
test_builders(void)
{
	json_t	*b;
	char	 want[1024];
	int	 i, r;

	b = ma_batch_new();
	ok(ma_req_us0(b, "Mock@Test") == 0 &&
	    dumps(b, "[{\"a\":\"us0\",\"user\":\"mock@test\"}]"),
	    "us0: lower-cased e-mail (3.1)");
	b = ma_batch_new();
	ok(ma_req_us(b, "mock@test", "jCf2Pc0pLCU") == 0 &&
	    dumps(b, "[{\"a\":\"us\",\"user\":\"mock@test\","
	    "\"uh\":\"jCf2Pc0pLCU\"}]"), "us with a v1 uh (3.4)");
	b = ma_batch_new();
	ok(ma_req_us(b, "v2@test", "AAAAAAAAAAAAAAAAAAAAAA") == 0 &&
	    ma_req_us(b, "v2@test", "jCf2Pc0pLCUx") == -1 &&
	    ma_req_us(b, "v2@test", "jCf2Pc0pLC") == -1 &&
	    ma_req_us(b, "no-at-sign", "jCf2Pc0pLCU") == -1 &&
	    ma_req_us(b, "a b@c", "jCf2Pc0pLCU") == -1 &&
	    json_array_size(b) == 1, "us: v2 uh taken, bad uh and e-mail not");
	json_decref(b);
	b = ma_batch_new();
	ok(ma_req_ug(b) == 0 && ma_req_f(b) == 0 &&
	    dumps(b, "[{\"a\":\"ug\"},{\"a\":\"f\",\"c\":1}]"),
	    "ug and f in one batch, as 2.1 shows");
	b = ma_batch_new();
	snprintf(want, sizeof(want), "[{\"a\":\"p\",\"t\":\"bYJn547n\","
	    "\"n\":[{\"h\":\"xxxxxxxx\",\"t\":1,\"a\":\"%s\",\"k\":\"%s\"}]}]",
	    AT, K16);
	ok(ma_req_p_folder(b, "bYJn547n", AT, K16, NULL) == 0 &&
	    dumps(b, want), "p: new folder (5.10)");
	b = ma_batch_new();
	snprintf(want, sizeof(want), "[{\"a\":\"p\",\"t\":\"jrfHQsFQ\","
	    "\"n\":[{\"h\":\"vKI45IroQid3cQRY\",\"t\":0,\"a\":\"%s\","
	    "\"k\":\"%s\"}],\"i\":\"clientid01\"}]", AT, K32);
	ok(ma_req_p_file(b, "jrfHQsFQ", "vKI45IroQid3cQRY", AT, K32,
	    "clientid01") == 0 && dumps(b, want),
	    "p: new file with token and client id (5.9, 7.1)");
	b = ma_batch_new();
	ok(ma_req_p_file(b, "jrfHQsFQ", "t!k", AT, K32, NULL) == -1 &&
	    ma_req_p_file(b, "jrfHQsFQ", "vKI45IroQid3cQRY", AT, K16,
	    NULL) == -1 &&
	    ma_req_p_folder(b, "jrfHQsFQ", AT, K32, NULL) == -1 &&
	    ma_req_p_folder(b, "jrfHQsF", AT, K16, NULL) == -1 &&
	    ma_req_p_folder(b, "jrfHQsFQ", "a+b/", K16, NULL) == -1 &&
	    ma_req_p_folder(b, "jrfHQsFQ", AT, K16, "has space") == -1 &&
	    json_array_size(b) == 0,
	    "p: bad token, key length, handle, attributes, client id refused");
	json_decref(b);
	b = ma_batch_new();
	ok(ma_req_u(b, 100) == 0 && ma_req_u(b, -1) == -1 &&
	    dumps(b, "[{\"a\":\"u\",\"s\":100,\"ssl\":2}]"),
	    "u: size and ssl:2 (5.2)");
	b = ma_batch_new();
	ok(ma_req_g(b, "gge_AOtw") == 0 && ma_req_g(b, "gge_AOt=") == -1 &&
	    dumps(b, "[{\"a\":\"g\",\"g\":1,\"ssl\":2,\"n\":\"gge_AOtw\"}]"),
	    "g: g:1, ssl:2 (6)");
	b = ma_batch_new();
	ok(ma_req_d(b, "gge_AOtw", NULL) == 0 &&
	    ma_req_d(b, "gge_AOtw", "abc") == 0 &&
	    dumps(b, "[{\"a\":\"d\",\"n\":\"gge_AOtw\"},"
	    "{\"a\":\"d\",\"n\":\"gge_AOtw\",\"i\":\"abc\"}]"),
	    "d, with and without i (7.1)");
	b = ma_batch_new();
	for (i = 0, r = 0; i < MA_BATCH_MAX && r == 0; i++)
		r = ma_req_ug(b);
	ok(r == 0 && ma_req_ug(b) == -1 &&
	    json_array_size(b) == MA_BATCH_MAX, "batch size capped");
	json_decref(b);
}

static void
test_seq(void)
{
	static const uint8_t	 rnd[MA_REQID_LEN] = {
		0, 1, 25, 26, 51, 200, 255, 7, 24, 25 };
	struct ma_seq		 seq;
	struct ma_call		 c1, c2;
	json_t			*b;
	char			 url[256], body1[256];

	ma_seq_init(&seq, rnd);
	ok(strcmp(seq.id, "abzazsvhyz") == 0, "sequence id: ten letters");
	b = ma_batch_new();
	ma_req_d(b, "gge_AOtw", NULL);
	ok(ma_call_start(&c1, &seq, b) == 0 &&
	    strcmp(c1.id, "abzazsvhza") == 0 && c1.ncmd == 1 &&
	    strcmp(c1.body, "[{\"a\":\"d\",\"n\":\"gge_AOtw\"}]") == 0,
	    "new batch: id advanced, body serialised");
	json_decref(b);
	strlcpy(body1, c1.body, sizeof(body1));
	ma_call_retry(&c1);
	ma_call_retry(&c1);
	ok(strcmp(c1.id, "abzazsvhza") == 0 && strcmp(c1.body, body1) == 0 &&
	    c1.attempt == 2, "retry: same id, same bytes");
	ok(ma_cs_url(url, sizeof(url), &c1, NULL) == 0 &&
	    strcmp(url, "cs?id=abzazsvhza") == 0, "cs URL without sid");
	ok(ma_cs_url(url, sizeof(url), &c1, SID) == 0 &&
	    strcmp(url, "cs?id=abzazsvhza&sid=" SID) == 0 &&
	    ma_cs_url(url, sizeof(url), &c1, "short") == -1 &&
	    ma_cs_url(url, 20, &c1, SID) == -1,
	    "cs URL with sid; bad sid and short buffer refused");
	b = ma_batch_new();
	ma_req_ug(b);
	ok(ma_call_start(&c2, &seq, b) == 0 &&
	    strcmp(c2.id, "abzazsvhzb") == 0, "next batch: next id");
	json_decref(b);
	ma_call_clear(&c1);
	ma_call_clear(&c2);
	b = ma_batch_new();
	ok(ma_call_start(&c2, &seq, b) == -1, "empty batch refused");
	json_decref(b);
	memset(seq.id, 'z', MA_REQID_LEN);
	ma_seq_next(&seq);
	ok(strcmp(seq.id, "aaaaaaaaaa") == 0, "sequence id wraps");
	ok(ma_sc_url(url, sizeof(url), "2wgAAAAAAAA", NULL) == 0 &&
	    strcmp(url, "sc?sn=2wgAAAAAAAA&ssl=1") == 0 &&
	    ma_sc_url(url, sizeof(url), "2wgAAAAAAA", NULL) == -1 &&
	    ma_sc_url(url, sizeof(url), "2wgAAAAAA&A", NULL) == -1,
	    "sc URL (7.3); bad sn refused");
}

static void
test_captured(void)
{
	struct ma_batch		 b;
	struct ma_prelogin	 pl;
	struct ma_login		 lg;
	struct ma_user		 us;
	struct ma_nodes		 nn;
	struct ma_upload	 up;
	struct ma_download	 dl;
	struct ma_sc		 sc;
	char			*s, me[MA_USER_LEN + 1];
	size_t			 len, i;
	int			 files = 0, folders = 0, roots = 0;

	s = reply("us0_v1", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_us0(ma_batch_get(&b, 0), &pl) == 0 && pl.v == 1,
	    "emulator us0, v1");
	ma_batch_free(&b);
	s = reply("us0_v2", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_us0(ma_batch_get(&b, 0), &pl) == 0 && pl.v == 2 &&
	    strlen(pl.s) == MA_SALT_LEN, "emulator us0, v2 with salt");
	ma_batch_free(&b);
	s = reply("us", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_us(ma_batch_get(&b, 0), &lg) == 0 &&
	    strlen(lg.k) == 22 && strlen(lg.csid) > 300 &&
	    strlen(lg.privk) > 800 && strlen(lg.u) == 11 && lg.tsid[0] == '\0',
	    "emulator us: k, csid, privk, u");
	ma_batch_free(&b);
	s = reply("us_enoent", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_us(ma_batch_get(&b, 0), &lg) == MA_ENOENT,
	    "emulator us, wrong password: -9");
	ma_batch_free(&b);
	s = reply("ug", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_ug(ma_batch_get(&b, 0), &us) == 0 && strlen(us.u) == 11,
	    "emulator ug");
	ma_batch_free(&b);
	strlcpy(me, us.u, sizeof(me));
	s = reply("f", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_f(ma_batch_get(&b, 0), me, &nn) == 0 && nn.n == 5 &&
	    strlen(nn.sn) == MA_SN_LEN, "emulator f: 5 nodes and sn");
	for (i = 0; i < nn.n; i++) {
		if (nn.v[i].t == MA_T_FILE && nn.v[i].s == 100 &&
		    strlen(nn.v[i].k) == 43 && nn.v[i].flags == 0 &&
		    strlen(nn.v[i].p) == 8 && nn.v[i].ts > 0)
			files++;
		if (nn.v[i].t == MA_T_FOLDER && strlen(nn.v[i].k) == 22 &&
		    strlen(nn.v[i].a) > 0 && nn.v[i].flags == 0)
			folders++;
		if (nn.v[i].t >= MA_T_ROOT && nn.v[i].p[0] == '\0' &&
		    (nn.v[i].flags & MA_NODE_NOKEY))
			roots++;
	}
	ok(files == 1 && folders == 1 && roots == 3,
	    "f: file and folder keys split from owner, roots keyless");
	ma_nodes_free(&nn);
	ok(ma_parse_f(ma_batch_get(&b, 0), "AAAAAAAAAAA", &nn) == 0 &&
	    (nn.v[3].flags & MA_NODE_NOKEY) && nn.v[3].k[0] == '\0',
	    "f: a key for another user is not taken");
	ma_nodes_free(&nn);
	ma_batch_free(&b);
	s = reply("f_empty", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_f(ma_batch_get(&b, 0), NULL, &nn) == 0 && nn.n == 3,
	    "emulator f of a new account");
	ma_nodes_free(&nn);
	ma_batch_free(&b);
	s = reply("p_folder", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_p(ma_batch_get(&b, 0), me, &nn) == 0 && nn.n == 1 &&
	    nn.v[0].t == MA_T_FOLDER && strcmp(nn.v[0].k, K16) == 0,
	    "emulator p, folder");
	ma_nodes_free(&nn);
	ma_batch_free(&b);
	s = reply("p_file", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_p(ma_batch_get(&b, 0), me, &nn) == 0 && nn.n == 1 &&
	    nn.v[0].t == MA_T_FILE && strcmp(nn.v[0].k, K32) == 0 &&
	    strcmp(nn.v[0].h, "gge_AOtw") == 0, "emulator p, file");
	ma_nodes_free(&nn);
	ma_batch_free(&b);
	s = reply("u", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_u(ma_batch_get(&b, 0), &up) == 0 &&
	    strncmp(up.p, "http://127.0.0.1:", 17) == 0, "emulator u");
	ma_batch_free(&b);
	s = reply("u_overquota", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_u(ma_batch_get(&b, 0), &up) == MA_EOVERQUOTA &&
	    up.p[0] == '\0', "emulator u over quota: -17");
	ma_batch_free(&b);
	s = reply("g", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_g(ma_batch_get(&b, 0), &dl) == 0 && dl.s == 100 &&
	    strcmp(dl.at, AT) == 0 && dl.tl == 0 &&
	    strstr(dl.g, "/dl/") != NULL, "emulator g");
	ma_batch_free(&b);
	s = reply("g_enoent", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_g(ma_batch_get(&b, 0), &dl) == MA_ENOENT,
	    "emulator g, unknown node: -9");
	ma_batch_free(&b);
	s = reply("d", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_d(ma_batch_get(&b, 0)) == 0, "emulator d");
	ma_batch_free(&b);
	s = reply("batch3", &len);
	ok(ma_batch_parse(&b, s, len, 3) == 0 &&
	    ma_batch_err(&b, 0) == 0 && ma_batch_err(&b, 1) == MA_ENOENT &&
	    ma_batch_err(&b, 2) == 0 && ma_batch_err(&b, 3) == MA_EBADREPLY &&
	    ma_parse_ug(ma_batch_get(&b, 0), &us) == 0 &&
	    ma_parse_g(ma_batch_get(&b, 1), &dl) == MA_ENOENT &&
	    ma_parse_d(ma_batch_get(&b, 2)) == 0,
	    "emulator batch of 3 with an error in place");
	ma_batch_free(&b);
	s = reply("batch3", &len);
	ok(ma_batch_parse(&b, s, len, 2) == MA_EBADREPLY && b.root == NULL,
	    "batch: result count must match the commands sent");
	s = reply("batch_eagain", &len);
	ok(ma_batch_parse(&b, s, len, 1) == MA_EAGAIN && b.root == NULL,
	    "emulator whole-batch -3");
	s = reply("batch_esid", &len);
	ok(ma_batch_parse(&b, s, len, 1) == MA_ESID,
	    "emulator whole-batch -15");

	s = reply("sc_t", &len);
	ok(ma_parse_sc(s, len, me, &sc) == 0 && sc.kind == MA_SC_PACKETS &&
	    sc.npkt == 2 && sc.pkt[0].type == MA_PKT_T &&
	    sc.pkt[1].type == MA_PKT_T && sc.pkt[1].node0 == 1 &&
	    sc.pkt[1].nnodes == 1 && sc.nodes.n == 2 &&
	    sc.nodes.v[1].t == MA_T_FILE && strcmp(sc.nodes.v[1].k, K32) == 0 &&
	    strcmp(sc.pkt[0].ou, me) == 0 && strlen(sc.sn) == MA_SN_LEN,
	    "emulator sc: two t packets");
	ma_sc_free(&sc);
	s = reply("sc_d", &len);
	ok(ma_parse_sc(s, len, me, &sc) == 0 && sc.npkt == 1 &&
	    sc.pkt[0].type == MA_PKT_D &&
	    strcmp(sc.pkt[0].n, "gge_AOtw") == 0 && sc.pkt[0].move == 0,
	    "emulator sc: d packet");
	ma_sc_free(&sc);
	s = reply("sc_u", &len);
	ok(ma_parse_sc(s, len, me, &sc) == 0 && sc.npkt == 1 &&
	    sc.pkt[0].type == MA_PKT_U && strcmp(sc.pkt[0].at, AT) == 0 &&
	    strcmp(sc.pkt[0].u, me) == 0 && sc.pkt[0].ts > 0,
	    "emulator sc: u packet");
	ma_sc_free(&sc);
	s = reply("sc_w", &len);
	ok(ma_parse_sc(s, len, me, &sc) == 0 && sc.kind == MA_SC_WAIT &&
	    strstr(sc.w, "/wait/") != NULL, "emulator sc: wait URL");
	ma_sc_free(&sc);
	s = reply("sc_reload", &len);
	ok(ma_parse_sc(s, len, me, &sc) == MA_ETOOMANY, "emulator sc: -6");
	s = reply("f_mock", &len);
	ok(ma_batch_parse(&b, s, len, 1) == 0 &&
	    ma_parse_f(ma_batch_get(&b, 0), "jCf2Pc0pLCU", &nn) == 0 &&
	    nn.n == 4 && nn.sn[0] == '\0' && strlen(nn.v[3].k) == 43 &&
	    strcmp(nn.v[0].h, "handler2") == 0,
	    "mock-shaped f: no sn, key without owner (9)");
	ma_nodes_free(&nn);
	ma_batch_free(&b);
	ok(one(&b, "[{}]") == 0 && ma_parse_d(ma_batch_get(&b, 0)) == 0,
	    "mock-shaped d: {}");
	ma_batch_free(&b);
}

/* Every proper prefix of a captured reply must be refused. */
static int
truncations(const char *name, size_t ncmd, int sc)
{
	struct ma_batch	 b;
	struct ma_sc	 scr;
	char		*s;
	size_t		 len, i;
	int		 bad = 0;

	s = reply(name, &len);
	for (i = 0; i < len; i++) {
		if (sc) {
			if (ma_parse_sc(s, i, NULL, &scr) != MA_EBADREPLY)
				bad++;
		} else if (ma_batch_parse(&b, s, i, ncmd) != MA_EBADREPLY)
			bad++;
	}
	return bad == 0;
}

/* A one-command reply whose result must fail the given parser. */
static int
rejects(const char *body, int which)
{
	struct ma_batch		 b;
	struct ma_prelogin	 pl;
	struct ma_login		 lg;
	struct ma_user		 us;
	struct ma_nodes		 nn;
	struct ma_upload	 up;
	struct ma_download	 dl;
	const json_t		*v;
	int			 rv;

	if ((rv = one(&b, body)) != 0)
		return rv == MA_EBADREPLY;
	v = ma_batch_get(&b, 0);
	switch (which) {
	case 0:
		rv = ma_parse_us0(v, &pl);
		break;
	case 1:
		rv = ma_parse_us(v, &lg);
		break;
	case 2:
		rv = ma_parse_ug(v, &us);
		break;
	case 3:
		rv = ma_parse_f(v, NULL, &nn);
		if (rv == 0)
			ma_nodes_free(&nn);
		break;
	case 4:
		rv = ma_parse_u(v, &up);
		break;
	case 5:
		rv = ma_parse_g(v, &dl);
		break;
	case 6:
		rv = ma_parse_d(v);
		break;
	}
	ma_batch_free(&b);
	if (rv != MA_EBADREPLY)
		printf("# accepted (%d): %s\n", rv, body);
	return rv == MA_EBADREPLY;
}

static char *
repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t	 hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char	*s, *p;

	if ((s = malloc(hl + ul * n + tl + 1)) == NULL)
		abort();
	memcpy(s, head, hl);
	for (i = 0, p = s + hl; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static void
test_malformed(void)
{
	static const char *const	 bad_f[] = {
		"[{\"f\":{}}]",
		"[{\"g\":[]}]",
		"[{\"f\":[{\"h\":\"AAAAAAA\",\"t\":0}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAAA\",\"t\":0}]}]",
		"[{\"f\":[{\"h\":\"AAAA+AAA\",\"t\":0}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":5}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":\"0\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":1.0}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"s\":-1}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,"
		    "\"s\":9007199254740993}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"p\":\"AAAAAAA\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"p\":1}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"u\":\"AAAAAAAAAA\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"a\":\"AB\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"a\":\"A\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"a\":\"AA==\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"k\":\":AAAA\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"k\":\"AA+A\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"k\":\"x:A A\"}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0,\"k\":[]}]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0}],\"sn\":\"short\"}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":0}],\"sn\":5}]",
		"[{\"f\":[[]]}]",
		"[{\"f\":[null]}]",
		"[{\"f\":[{\"h\":\"AAAAAAAA\",\"h\":\"BBBBBBBB\",\"t\":0}]}]",
		"[\"f\"]",
		"[[]]",
		"[5]",
		"[{\"err\":\"x\"}]",
		"[{\"err\":-1000000}]",
	};
	struct ma_batch		 b;
	struct ma_nodes		 nn;
	struct ma_download	 dl;
	struct ma_sc		 sc;
	char			*s, node[256];
	size_t			 i;
	int			 all;

	ok(truncations("f", 1, 0) && truncations("us", 1, 0) &&
	    truncations("batch3", 3, 0) && truncations("g", 1, 0),
	    "every truncation of captured cs replies refused");
	ok(truncations("sc_t", 0, 1) && truncations("sc_w", 0, 1) &&
	    truncations("sc_u", 0, 1),
	    "every truncation of sc replies refused");
	for (i = 0, all = 1; i < sizeof(bad_f) / sizeof(bad_f[0]); i++)
		all &= rejects(bad_f[i], 3);
	ok(all, "f: wrong types, missing fields, bad handles, bad base64url, "
	    "ranges, duplicate keys");
	ok(one(&b, "") == MA_EBADREPLY && one(&b, "   ") == MA_EBADREPLY &&
	    one(&b, "x") == MA_EBADREPLY && one(&b, "[0] x") == MA_EBADREPLY &&
	    one(&b, "3") == MA_EBADREPLY && one(&b, "0") == MA_EBADREPLY &&
	    one(&b, "{}") == MA_EBADREPLY && one(&b, "null") == MA_EBADREPLY &&
	    one(&b, "[true]") == MA_EBADREPLY &&
	    one(&b, "[0.5]") == MA_EBADREPLY &&
	    one(&b, "[\"\\u0000\"]") == MA_EBADREPLY &&
	    one(&b, "{\"err\":-3}") == MA_EAGAIN &&
	    one(&b, "-4") == MA_ERATELIMIT &&
	    one(&b, "[{\"err\":-18}]") == 0 &&
	    ma_batch_err(&b, 0) == MA_ETEMPUNAVAIL,
	    "batch: garbage refused, both error forms (2.1)");
	ma_batch_free(&b);
	ok(ma_batch_parse(&b, "[0]", 3, 0) == MA_EBADREPLY &&
	    ma_batch_parse(&b, "[0]", 3, MA_BATCH_MAX + 1) == MA_EBADREPLY &&
	    ma_batch_parse(&b, NULL, 0, 1) == MA_EBADREPLY,
	    "batch: bad command counts and empty body refused");
	s = repeat("", "[", 100000, "");
	ok(ma_batch_parse(&b, s, strlen(s), 1) == MA_EBADREPLY &&
	    ma_parse_sc(s, strlen(s), NULL, &sc) == MA_EBADREPLY,
	    "deeply nested garbage refused");
	free(s);
	s = repeat("[{\"f\":[", "[[[[[[[[[[1]]]]]]]]]],", 1000, "0]}]");
	ok(rejects(s, 3), "nested garbage in a node list refused");
	free(s);
	snprintf(node, sizeof(node), "{\"h\":\"AAAAAAAA\",\"t\":0,"
	    "\"k\":\"u:%s\"},", K32);
	s = repeat("[{\"f\":[", node, MA_NODES_MAX, "");
	s[strlen(s) - 1] = '\0';
	s = realloc(s, strlen(s) + 8);
	strcat(s, "]}]");
	ok(one(&b, s) == 0 &&
	    ma_parse_f(ma_batch_get(&b, 0), NULL, &nn) == 0 &&
	    nn.n == MA_NODES_MAX && strcmp(nn.v[9999].k, K32) == 0,
	    "f: 10000 nodes taken");
	ma_nodes_free(&nn);
	ma_batch_free(&b);
	free(s);
	s = repeat("[{\"f\":[", node, MA_NODES_MAX + 1, "");
	s[strlen(s) - 1] = '\0';
	s = realloc(s, strlen(s) + 8);
	strcat(s, "]}]");
	ok(rejects(s, 3), "f: 10001 nodes refused");
	free(s);
	s = repeat("[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":1,\"a\":\"", "AAAA",
	    MA_ATTR_MAX, "\"}]}]");
	ok(one(&b, s) == 0 &&
	    ma_parse_f(ma_batch_get(&b, 0), NULL, &nn) == 0 &&
	    nn.v[0].flags == (MA_NODE_BIGATTR | MA_NODE_NOKEY) &&
	    nn.v[0].a[0] == '\0', "f: overlong attributes flagged, not copied");
	ma_nodes_free(&nn);
	ma_batch_free(&b);
	free(s);
	s = repeat("[{\"f\":[{\"h\":\"AAAAAAAA\",\"t\":1,\"k\":\"", "AAAA",
	    MA_KEYFIELD_MAX, "\"}]}]");
	ok(rejects(s, 3), "f: overlong k refused");
	free(s);
	s = repeat("[{\"p\":\"https://x/", "a", MA_URL_MAX, "\"}]");
	ok(rejects(s, 4) && rejects("[{\"p\":\"ftp://x/y\"}]", 4) &&
	    rejects("[{\"p\":\"http://x/a b\"}]", 4) &&
	    rejects("[{\"p\":\"http://\"}]", 4) && rejects("[{}]", 4) &&
	    rejects("[{\"p\":[\"http://x/\"]}]", 4) && rejects("[0]", 4),
	    "u: overlong, non-http, spaces, empty, missing URL refused");
	free(s);
	ok(rejects("[{\"v\":3}]", 0) && rejects("[{\"v\":2}]", 0) &&
	    rejects("[{\"v\":2,\"s\":\"AAAA\"}]", 0) && rejects("[{}]", 0) &&
	    rejects("[{\"v\":\"1\"}]", 0), "us0: bad version or salt refused");
	ok(rejects("[{\"k\":\"AAAA\",\"csid\":\"AAAA\",\"privk\":\"AAAA\"}]",
	    1) && rejects("[{\"csid\":\"AAAA\"}]", 1) &&
	    rejects("[{\"k\":\"vWd6STql5FbfQASkHzbKIw\",\"csid\":\"AAAA\"}]",
	    1) && rejects("[{\"k\":\"vWd6STql5FbfQASkHzbKIw\","
	    "\"tsid\":\"AAAA\"}]", 1) &&
	    rejects("[{\"k\":\"vWd6STql5FbfQASkHzbKIw\",\"csid\":\"AAAA\","
	    "\"privk\":\"AAAAAAAAAAAAAAAAAAAAAAA\"}]", 1) &&
	    rejects("[{\"k\":\"vWd6STql5FbfQASkHzbKIw\",\"u\":7,"
	    "\"tsid\":\"AAAA\"}]", 1),
	    "us: bad k, missing csid/privk/tsid, bad privk length refused");
	ok(rejects("[{\"s\":1}]", 5) &&
	    rejects("[{\"s\":-1,\"g\":\"http://x/y\"}]", 5) &&
	    rejects("[{\"s\":1,\"g\":[\"http://x/y\"]}]", 5) &&
	    rejects("[{\"s\":1,\"g\":\"http://x/y\",\"at\":\"A\"}]", 5) &&
	    rejects("[{\"s\":1,\"g\":\"http://x/y\",\"tl\":\"0\"}]", 5) &&
	    rejects("[{\"s\":1,\"g\":\"http://x/y\",\"e\":5}]", 5) &&
	    one(&b, "[{\"s\":1,\"g\":\"http://x/y\",\"e\":-16}]") == 0 &&
	    ma_parse_g(ma_batch_get(&b, 0), &dl) == MA_EBLOCKED,
	    "g: bad types, URL arrays refused; e taken as the error");
	ma_batch_free(&b);
	ok(rejects("[{\"u\":\"short\"}]", 2) && rejects("[{}]", 2) &&
	    rejects("[1]", 6) && rejects("[{\"x\":1}]", 6) &&
	    rejects("[\"0\"]", 6),
	    "ug and d: wrong shapes refused");
	ok(ma_parse_sc("{\"a\":[]}", 8, NULL, &sc) == MA_EBADREPLY &&
	    ma_parse_sc("{\"a\":{},\"sn\":\"AAAAAAAAAAA\"}", 27, NULL, &sc) ==
	    MA_EBADREPLY &&
	    ma_parse_sc("{\"w\":5}", 7, NULL, &sc) == MA_EBADREPLY &&
	    ma_parse_sc("{}", 2, NULL, &sc) == MA_EBADREPLY &&
	    ma_parse_sc("[]", 2, NULL, &sc) == MA_EBADREPLY &&
	    ma_parse_sc("{\"err\":-15}", 11, NULL, &sc) == MA_ESID &&
	    ma_parse_sc("-3", 2, NULL, &sc) == MA_EAGAIN,
	    "sc: wrong shapes refused, error forms taken");
	s = "{\"a\":[{\"a\":\"s2\",\"x\":[1]},{\"a\":\"d\",\"n\":\"AAAAAAAA\","
	    "\"m\":1,\"i\":\"mine\"},{\"a\":\"ua\"}],\"sn\":\"AAAAAAAAAAA\"}";
	ok(ma_parse_sc(s, strlen(s), NULL, &sc) == 0 && sc.npkt == 1 &&
	    sc.pkt[0].type == MA_PKT_D && sc.pkt[0].move == 1 &&
	    strcmp(sc.pkt[0].i, "mine") == 0,
	    "sc: unknown packets skipped, move flag and client id kept");
	ma_sc_free(&sc);
	s = "{\"a\":[{\"a\":\"d\"}],\"sn\":\"AAAAAAAAAAA\"}";
	ok(ma_parse_sc(s, strlen(s), NULL, &sc) == MA_EBADREPLY &&
	    ma_parse_sc("{\"a\":[{\"a\":\"t\",\"t\":{\"f\":[{}]}}],"
	    "\"sn\":\"AAAAAAAAAAA\"}", 47, NULL, &sc) == MA_EBADREPLY &&
	    ma_parse_sc("{\"a\":[{\"a\":\"u\",\"n\":\"AAAAAAAA\"}],"
	    "\"sn\":\"AAAAAAAAAAA\"}", 50, NULL, &sc) == MA_EBADREPLY &&
	    ma_parse_sc("{\"a\":[7],\"sn\":\"AAAAAAAAAAA\"}", 27, NULL,
	    &sc) == MA_EBADREPLY,
	    "sc: packets with missing or bad fields refused");
}

static void
test_retry(void)
{
	struct ma_retry	 r;
	unsigned int	 i;
	int		 all;

	ma_retry(&r, MA_CTX_CS, 200, MA_EAGAIN, 0, 0);
	ok(r.action == MA_ACT_RETRY && r.delay_ms == 1000,
	    "-3: retry after 1 s on the first failure");
	ma_retry(&r, MA_CTX_CS, 200, MA_EAGAIN, 0, 499);
	ok(r.delay_ms == 1499, "jitter adds up to half the base");
	ma_retry(&r, MA_CTX_CS, 200, MA_EAGAIN, 0, 501);
	ok(r.delay_ms == 1000, "jitter wraps within its range");
	for (i = 0, all = 1; i < 40; i++) {
		ma_retry(&r, MA_CTX_CS, 200, MA_ERATELIMIT, i, UINT32_MAX);
		all &= r.action == MA_ACT_RETRY &&
		    r.delay_ms >= (i < 5 ? 1000u << i : 30000u) &&
		    r.delay_ms <= (i < 5 ? 1500u << i : 45000u);
	}
	ok(all, "-4: exponential, base capped at 30 s, jitter <= 50 %");
	for (i = 0, all = 1; i < 40; i++) {
		ma_retry(&r, MA_CTX_CS, 200, MA_EAGAIN, i, UINT32_MAX);
		all &= r.action == MA_ACT_RETRY &&
		    r.delay_ms >= (i < 10 ? 1000u << i : 600000u) &&
		    r.delay_ms <= (i < 10 ? 1500u << i : 900000u);
	}
	ok(all, "-3: exponential, base capped at 10 min, jitter <= 50 %");
	ma_retry(&r, MA_CTX_CS, 200, MA_ETEMPUNAVAIL, 3, 0);
	ok(r.action == MA_ACT_RETRY && r.delay_ms == 8000, "-18: back-off");
	ma_retry(&r, MA_CTX_CS, 0, 0, 1, 0);
	ok(r.action == MA_ACT_RETRY && r.delay_ms == 2000 &&
	    strstr(r.why, "transport") != NULL, "transport error: retry");
	ma_retry(&r, MA_CTX_SC, 503, 0, 0, 0);
	all = r.action == MA_ACT_RETRY;
	ma_retry(&r, MA_CTX_CS, 500, 0, 0, 0);
	all &= r.action == MA_ACT_RETRY;
	ma_retry(&r, MA_CTX_CS, 429, 0, 0, 0);
	ok(all && r.action == MA_ACT_RETRY, "5xx and 429: retry");
	ma_retry(&r, MA_CTX_CS, 429, 0, 9, 0);
	ok(r.delay_ms == 30000, "429: base capped at 30 s");
	ma_retry(&r, MA_CTX_CS, 200, MA_EBADREPLY, 0, 0);
	ok(r.action == MA_ACT_RETRY, "malformed reply: retry same id");
	ma_retry(&r, MA_CTX_LOGIN, 402, 0, 0, 0);
	all = r.action == MA_ACT_HASHCASH;
	ma_retry(&r, MA_CTX_LOGIN, 402, 0, MA_HASHCASH_MAX, 0);
	ok(all && r.action == MA_ACT_FAIL, "402: hashcash, then give up");
	ma_retry(&r, MA_CTX_CS, 509, 0, 0, 0);
	ok(r.action == MA_ACT_QUOTA && r.delay_ms == MA_QUOTA_MS,
	    "509: wait for transfer quota");
	ma_retry(&r, MA_CTX_CS, 404, 0, 0, 0);
	ok(r.action == MA_ACT_FAIL, "other HTTP status: fail");
	ma_retry(&r, MA_CTX_CS, 200, MA_ESID, 0, 0);
	all = r.action == MA_ACT_RELOGIN && r.delay_ms == 0;
	ma_retry(&r, MA_CTX_SC, 200, MA_ESID, 1, 0);
	all &= r.action == MA_ACT_RELOGIN && r.delay_ms == MA_LOGIN_MIN_MS;
	ma_retry(&r, MA_CTX_CS, 200, MA_ESID, 30, 0);
	ok(all && r.delay_ms == MA_LOGIN_MAX_MS,
	    "-15: re-login at once, then rate-limited to 1 min .. 1 h");
	ma_retry(&r, MA_CTX_SC, 200, MA_ETOOMANY, 0, 0);
	all = r.action == MA_ACT_RELOAD;
	ma_retry(&r, MA_CTX_LOGIN, 200, MA_ETOOMANY, 0, 0);
	all &= r.action == MA_ACT_RETRY && r.delay_ms == MA_QUOTA_MS;
	ma_retry(&r, MA_CTX_CS, 200, MA_ETOOMANY, 0, 0);
	ok(all && r.action == MA_ACT_FAIL,
	    "-6: reload on sc, wait on login, fail otherwise");
	ma_retry(&r, MA_CTX_CS, 200, MA_EBLOCKED, 0, 0);
	ok(r.action == MA_ACT_STOP && strstr(r.why, "blocked") != NULL,
	    "-16: stop");
	ma_retry(&r, MA_CTX_CS, 200, MA_EOVERQUOTA, 0, 0);
	all = r.action == MA_ACT_QUOTA;
	ma_retry(&r, MA_CTX_CS, 200, MA_EGOINGOVERQUOTA, 0, 0);
	all &= r.action == MA_ACT_QUOTA;
	ma_retry(&r, MA_CTX_CS, 200, MA_EPAYWALL, 0, 0);
	ok(all && r.action == MA_ACT_QUOTA, "-17, -24, -29: quota");
	ma_retry(&r, MA_CTX_LOGIN, 200, MA_ENOENT, 0, 0);
	all = r.action == MA_ACT_FAIL && strstr(r.why, "password") != NULL;
	ma_retry(&r, MA_CTX_CS, 200, MA_ENOENT, 0, 0);
	all &= r.action == MA_ACT_FAIL && strstr(r.why, "not found") != NULL;
	ma_retry(&r, MA_CTX_CS, 200, MA_EARGS, 0, 0);
	all &= r.action == MA_ACT_FAIL;
	ma_retry(&r, MA_CTX_CS, 200, MA_EMFAREQUIRED, 0, 0);
	ok(all && r.action == MA_ACT_FAIL && strstr(r.why, "two-factor"),
	    "-9, -2, -26: fail with a clear reason");
	for (i = 0, all = 1; i <= 30; i++)
		all &= strcmp(ma_strerror(-(int)i), "unknown MEGA error") != 0;
	ok(all && strcmp(ma_strerror(-31), "unknown MEGA error") == 0 &&
	    strcmp(ma_strerror(5), "unknown MEGA error") == 0 &&
	    strstr(ma_strerror(MA_EBADREPLY), "malformed") != NULL,
	    "error strings for 0 .. -30 and malformed replies");
}

int
main(int argc, char *argv[])
{
	static char	 buf[1024];
	const char	*srcdir;

	if (argc > 1)
		dir = argv[1];
	else {
		if ((srcdir = getenv("srcdir")) == NULL)
			srcdir = ".";
		snprintf(buf, sizeof(buf), "%s/regress/unit/megaapi_replies",
		    srcdir);
		dir = buf;
	}
	test_builders();
	test_seq();
	test_captured();
	test_malformed();
	test_retry();
	printf("%d passed, %d failed\n", testno - failed, failed);
	return failed == 0 ? 0 : 1;
}
