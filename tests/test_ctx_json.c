/*
 * test_ctx_json.c - run contexts from JSON and KEY=VALUE (lib/proto/ctx_json.c):
 * every field's exact value and range edges, every error naming its key,
 * failures leaving the context untouched, and the JSON printer reading
 * back to the same context.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/ctx_json.h"
#include "check.h"
#include "diag_text.h"
#include "rng.h"

/* The defaults the tests start from: the AF_UNIX context of cbpf/vm.h,
 * spelled out so the expected values below are visible. */
static void ctx_defaults(struct cbpf_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->len = CBPF_CTX_UNSET;
	c->poff = CBPF_POFF_AUTO;
	c->net_off = 0;
	c->mac_off = CBPF_CTX_UNSET;
	c->headlen = CBPF_CTX_UNSET;
}

static const char defaults_json[] =
	"{\"len\":null,\"protocol\":0,\"pkttype\":0,\"dev\":null,\"mark\":0,\"queue\":0,"
	"\"rxhash\":0,\"cpu\":0,\"vlan_tci\":0,\"vlan_avail\":0,\"vlan_tpid\":0,"
	"\"poff\":\"auto\",\"random\":0,\"net_off\":0,\"mac_off\":null,\"headlen\":null}";

/* Field by field: memcmp would also compare padding. */
static int ctx_equal(const struct cbpf_ctx *a, const struct cbpf_ctx *b)
{
	return a->len == b->len && a->protocol == b->protocol && a->pkttype == b->pkttype &&
	       a->has_dev == b->has_dev && a->ifindex == b->ifindex && a->hatype == b->hatype &&
	       a->mark == b->mark && a->queue == b->queue && a->rxhash == b->rxhash &&
	       a->cpu == b->cpu && a->vlan_tci == b->vlan_tci && a->vlan_avail == b->vlan_avail &&
	       a->vlan_tpid == b->vlan_tpid && a->poff == b->poff && a->random == b->random &&
	       a->net_off == b->net_off && a->mac_off == b->mac_off && a->headlen == b->headlen;
}

/* The calls with the error rendered as one line ("" on success). */
static int from_json(const char *s, struct cbpf_ctx *c, char *err, size_t n)
{
	struct cbpf_diag d;
	int r = cbpf_ctx_from_json(s, strlen(s), c, &d);

	if (r != 0)
		diag_text(&d, NULL, err, n);
	return r;
}

static int ctx_set(const char *s, struct cbpf_ctx *c, char *err, size_t n)
{
	struct cbpf_diag d;
	int r = cbpf_ctx_set(s, c, &d);

	if (r != 0)
		diag_text(&d, NULL, err, n);
	return r;
}

static char *printed(const struct cbpf_ctx *c)
{
	return cbpf_ctx_to_json(c);
}

static void test_every_field_json(void)
{
	struct cbpf_ctx c;
	char err[256] = "";
	const char *in =
		"{\"len\":1500,\"protocol\":2048,\"pkttype\":4,\"dev\":{\"ifindex\":3,\"type\":772},"
		"\"mark\":4294967295,\"queue\":65535,\"rxhash\":305419896,\"cpu\":1,"
		"\"vlan_tci\":4095,\"vlan_avail\":1,\"vlan_tpid\":33024,\"poff\":34,"
		"\"random\":42949673,\"net_off\":14,\"mac_off\":0,\"headlen\":64}";

	ctx_defaults(&c);
	CHECK_EQ(from_json(in, &c, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(c.len, 1500);
	CHECK_EQ(c.protocol, 2048);
	CHECK_EQ(c.pkttype, 4);
	CHECK_EQ(c.has_dev, 1);
	CHECK_EQ(c.ifindex, 3);
	CHECK_EQ(c.hatype, 772);
	CHECK_EQ(c.mark, 0xffffffffu);
	CHECK_EQ(c.queue, 65535);
	CHECK_EQ(c.rxhash, 0x12345678);
	CHECK_EQ(c.cpu, 1);
	CHECK_EQ(c.vlan_tci, 4095);
	CHECK_EQ(c.vlan_avail, 1);
	CHECK_EQ(c.vlan_tpid, 0x8100);
	CHECK_EQ(c.poff, 34);
	CHECK_EQ(c.random, 42949673);
	CHECK_EQ(c.net_off, 14);
	CHECK_EQ(c.mac_off, 0);
	CHECK_EQ(c.headlen, 64);

	/* back to JSON: exactly the input, member for member */
	char *s = printed(&c);
	CHECK_STR(s, in);
	free(s);

	/* nulls and "auto" restore the unset states */
	CHECK_EQ(from_json("{\"len\":null,\"dev\":null,\"poff\":\"auto\",\"mac_off\":null,"
			   "\"headlen\":null}", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.len, CBPF_CTX_UNSET);
	CHECK_EQ(c.has_dev, 0);
	CHECK_EQ(c.ifindex, 0);
	CHECK_EQ(c.hatype, 0);
	CHECK_EQ(c.poff, CBPF_POFF_AUTO);
	CHECK_EQ(c.mac_off, CBPF_CTX_UNSET);
	CHECK_EQ(c.headlen, CBPF_CTX_UNSET);
	CHECK_EQ(c.mark, 0xffffffffu); /* fields not named keep their values */
}

static void test_defaults_print(void)
{
	struct cbpf_ctx c;
	char *s;

	ctx_defaults(&c);
	s = printed(&c);
	CHECK_STR(s, defaults_json);
	free(s);
	/* an empty object changes nothing */
	struct cbpf_ctx d = c;
	CHECK_EQ(from_json(" { } ", &d, NULL, 0), 0);
	CHECK(ctx_equal(&c, &d));
}

static void test_dev_object(void)
{
	struct cbpf_ctx c;
	char err[256];

	ctx_defaults(&c);
	/* a device whose omitted members are 0 */
	CHECK_EQ(from_json("{\"dev\":{}}", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.has_dev, 1);
	CHECK_EQ(c.ifindex, 0);
	CHECK_EQ(c.hatype, 0);
	CHECK_EQ(from_json("{\"dev\":{\"type\":1}}", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.has_dev, 1);
	CHECK_EQ(c.hatype, 1);
	/* a new dev object replaces the old device */
	CHECK_EQ(from_json("{\"dev\":{\"ifindex\":7}}", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.ifindex, 7);
	CHECK_EQ(c.hatype, 0);
}

/* Expect failure with exactly this message and ctx unchanged. */
static void json_fails(const char *in, const char *want)
{
	struct cbpf_ctx c, before;
	char err[256] = "";

	ctx_defaults(&c);
	c.mark = 99;
	before = c;
	CHECK_EQ(from_json(in, &c, err, sizeof(err)), -1);
	CHECK_STR(err, want);
	CHECK(ctx_equal(&c, &before));
}

static void test_json_errors(void)
{
	json_fails("[]", "ctx must be a JSON object, got an array");
	json_fails("null", "ctx must be a JSON object, got null");
	json_fails("{\"len\":1", "col 9: unexpected end of input, expected ',' or '}'");
	json_fails("{\"lenn\":1}", "unknown key \"lenn\"");
	json_fails("{\"dev.ifindex\":1}", "unknown key \"dev.ifindex\"");
	json_fails("{\"mark\":5,\"LEN\":1}", "unknown key \"LEN\"");
	/* ranges, edges on both sides */
	json_fails("{\"len\":4294967296}", "len: 4294967296 is out of range 0..4294967295 or null");
	json_fails("{\"len\":-1}", "len: -1 is out of range 0..4294967295 or null");
	json_fails("{\"protocol\":65536}", "protocol: 65536 is out of range 0..65535");
	json_fails("{\"pkttype\":8}", "pkttype: 8 is out of range 0..7");
	json_fails("{\"queue\":65536}", "queue: 65536 is out of range 0..65535");
	json_fails("{\"vlan_tci\":65536}", "vlan_tci: 65536 is out of range 0..65535");
	json_fails("{\"vlan_avail\":2}", "vlan_avail: 2 is out of range 0..1");
	json_fails("{\"vlan_tpid\":70000}", "vlan_tpid: 70000 is out of range 0..65535");
	json_fails("{\"mark\":4294967296}", "mark: 4294967296 is out of range 0..4294967295");
	json_fails("{\"rxhash\":-1}", "rxhash: -1 is out of range 0..4294967295");
	json_fails("{\"cpu\":1e10}", "cpu: 1e10 is out of range 0..4294967295");
	json_fails("{\"random\":4294967296}", "random: 4294967296 is out of range 0..4294967295");
	json_fails("{\"poff\":4294967296}", "poff: 4294967296 is out of range 0..4294967295 or \"auto\"");
	json_fails("{\"poff\":\"Auto\"}", "poff: expected an integer 0..4294967295 or \"auto\", got a string");
	json_fails("{\"poff\":null}", "poff: expected an integer 0..4294967295 or \"auto\", got null");
	json_fails("{\"net_off\":2147483648}", "net_off: 2147483648 is out of range -2147483648..2147483647");
	json_fails("{\"net_off\":-2147483649}", "net_off: -2147483649 is out of range -2147483648..2147483647");
	json_fails("{\"net_off\":null}", "net_off: expected an integer -2147483648..2147483647, got null");
	json_fails("{\"mac_off\":2147483648}", "mac_off: 2147483648 is out of range -2147483648..2147483647 or null");
	json_fails("{\"headlen\":-5}", "headlen: -5 is out of range 0..4294967295 or null");
	/* types and fractions */
	json_fails("{\"mark\":\"1\"}", "mark: expected an integer 0..4294967295, got a string");
	json_fails("{\"mark\":true}", "mark: expected an integer 0..4294967295, got a boolean");
	json_fails("{\"mark\":[1]}", "mark: expected an integer 0..4294967295, got an array");
	json_fails("{\"mark\":{}}", "mark: expected an integer 0..4294967295, got an object");
	json_fails("{\"mark\":null}", "mark: expected an integer 0..4294967295, got null");
	json_fails("{\"mark\":1.5}", "mark: 1.5 is not an integer in 0..4294967295");
	json_fails("{\"mark\":99999999999999999999999999999999999999999999999999}",
		   "mark: 9999999999999999999999999999999999999999... is not an integer in 0..4294967295");
	/* the device */
	json_fails("{\"dev\":1}", "dev: expected null or {\"ifindex\": N, \"type\": N}, got a number");
	json_fails("{\"dev\":{\"ifindex\":1,\"mtu\":1500}}", "dev: unknown key \"mtu\" (dev has ifindex and type)");
	json_fails("{\"dev\":{\"type\":65536}}", "dev.type: 65536 is out of range 0..65535");
	json_fails("{\"dev\":{\"ifindex\":-1}}", "dev.ifindex: -1 is out of range 0..4294967295");
	/* a later bad member undoes the earlier good ones */
	json_fails("{\"mark\":1,\"cpu\":2,\"pkttype\":9}", "pkttype: 9 is out of range 0..7");
	/* the tree is bounded: a context of more than 1024 JSON values is refused
	 * where the 1025th starts, before it is built */
	{
		char *s = malloc(16 + 2 * 2000), *w = s;
		w += sprintf(w, "{\"mark\":[0");
		for (int i = 1; i < 2000; i++)
			w += sprintf(w, ",0");
		sprintf(w, "]}");
		json_fails(s, "col 2054: more than 1024 values");
		free(s);
	}
}

static void test_edges_accepted(void)
{
	struct cbpf_ctx c;
	char err[256];

	ctx_defaults(&c);
	CHECK_EQ(from_json("{\"len\":0,\"pkttype\":7,\"protocol\":65535,\"net_off\":-2147483648,"
			   "\"mac_off\":2147483647,\"headlen\":4294967295,\"poff\":0,"
			   "\"dev\":{\"ifindex\":4294967295,\"type\":65535},\"cpu\":4.2e1}",
			   &c, err, sizeof(err)), 0);
	CHECK_EQ(c.len, 0);
	CHECK_EQ(c.pkttype, 7);
	CHECK_EQ(c.protocol, 65535);
	CHECK_EQ(c.net_off, INT32_MIN);
	CHECK_EQ(c.mac_off, INT32_MAX);
	CHECK_EQ(c.headlen, 4294967295u);
	CHECK_EQ(c.poff, 0);
	CHECK_EQ(c.ifindex, 0xffffffffu);
	CHECK_EQ(c.hatype, 0xffff);
	CHECK_EQ(c.cpu, 42);
	/* duplicate keys apply in order, so the last wins */
	CHECK_EQ(from_json("{\"mark\":1,\"mark\":2}", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.mark, 2);
}

static void test_kv(void)
{
	struct cbpf_ctx c;
	char err[256] = "";

	ctx_defaults(&c);
	CHECK_EQ(ctx_set("len=60", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.len, 60);
	CHECK_EQ(ctx_set("protocol=0x86dd", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.protocol, 0x86dd);
	CHECK_EQ(ctx_set("mark=0XFFFFFFFF", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.mark, 0xffffffffu);
	CHECK_EQ(ctx_set("net_off=-28", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.net_off, -28);
	CHECK_EQ(ctx_set("mac_off=-0x10", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.mac_off, -16);
	CHECK_EQ(ctx_set("mac_off=null", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.mac_off, CBPF_CTX_UNSET);
	CHECK_EQ(ctx_set("poff=12", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.poff, 12);
	CHECK_EQ(ctx_set("poff=auto", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.poff, CBPF_POFF_AUTO);
	CHECK_EQ(ctx_set("poff=\"auto\"", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.poff, CBPF_POFF_AUTO);
	CHECK_EQ(ctx_set("random=42949673", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.random, 42949673);
	/* dev.* gives the context a device */
	CHECK_EQ(c.has_dev, 0);
	CHECK_EQ(ctx_set("dev.ifindex=2", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.has_dev, 1);
	CHECK_EQ(c.ifindex, 2);
	CHECK_EQ(c.hatype, 0);
	CHECK_EQ(ctx_set("dev.type=1", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.ifindex, 2);
	CHECK_EQ(c.hatype, 1);
	CHECK_EQ(ctx_set("dev=null", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.has_dev, 0);
	CHECK_EQ(ctx_set("dev={\"ifindex\":5,\"type\":772}", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.has_dev, 1);
	CHECK_EQ(c.ifindex, 5);
	CHECK_EQ(c.hatype, 772);
	CHECK_EQ(ctx_set("headlen=null", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.headlen, CBPF_CTX_UNSET);
	CHECK_STR(err, "");
}

static void kv_fails(const char *in, const char *want)
{
	struct cbpf_ctx c, before;
	char err[256] = "";

	ctx_defaults(&c);
	before = c;
	CHECK_EQ(ctx_set(in, &c, err, sizeof(err)), -1);
	CHECK_STR(err, want);
	CHECK(ctx_equal(&c, &before));
}

static void test_kv_errors(void)
{
	kv_fails("len", "expected KEY=VALUE, got \"len\"");
	kv_fails("=5", "expected KEY=VALUE, got \"=5\"");
	kv_fails("", "expected KEY=VALUE, got \"\"");
	/* the message stays one line whatever it quotes (found by fuzz_text's
	 * diagnostic check: the text's newlines were copied into msg) */
	kv_fails("3\n1 0 0 11\n", "expected KEY=VALUE, got \"3\\n1 0 0 11\\n\"");
	kv_fails("f\to\x01=1", "unknown key \"f\\to\\x01\"");
	kv_fails("foo=1", "unknown key \"foo\"");
	kv_fails("dev.mtu=1", "unknown key \"dev.mtu\"");
	kv_fails("a_very_long_key_that_does_not_fit_in_the_key_buffer_at_all_really=1",
		 "unknown key \"a_very_long_key_that_does_not_fit_in_the_key_buffer_at_all_r\"");
	kv_fails("pkttype=8", "pkttype: 8 is out of range 0..7");
	kv_fails("pkttype=0x8", "pkttype: 8 is out of range 0..7");
	kv_fails("mark=0x100000000", "mark: 4294967296 is out of range 0..4294967295");
	kv_fails("mark=0x10000000000000000", "mark: 0x10000000000000000 is out of range");
	kv_fails("mark=0xffffffffffffffff", "mark: 18446744073709551615 is out of range 0..4294967295");
	kv_fails("mark=-0x1", "mark: -1 is out of range 0..4294967295");
	kv_fails("dev.type=65536", "dev.type: 65536 is out of range 0..65535");
	kv_fails("dev.ifindex=null", "dev.ifindex: expected an integer 0..4294967295, got null");
	kv_fails("mark=", "mark: cannot read \"\" (expected an integer, null, auto or JSON: "
			  "col 1: unexpected end of input, expected a value)");
	kv_fails("mark=12abc", "mark: cannot read \"12abc\" (expected an integer, null, auto or JSON: "
			       "col 3: unexpected 'a', expected end of input)");
	kv_fails("mark=0x", "mark: cannot read \"0x\" (expected an integer, null, auto or JSON: "
			    "col 2: unexpected 'x', expected end of input)");
	kv_fails("mark=0xg", "mark: cannot read \"0xg\" (expected an integer, null, auto or JSON: "
			     "col 2: unexpected 'x', expected end of input)");
	kv_fails("len=auto", "len: expected an integer 0..4294967295 or null, got a string");
	kv_fails("dev={\"ifindex\":1,\"x\":2}", "dev: unknown key \"x\" (dev has ifindex and type)");
	kv_fails("vlan_avail=1.5", "vlan_avail: 1.5 is not an integer in 0..1");
}

/* Printing and re-reading any context gives the same context. */
static void test_print_roundtrip(void)
{
	struct ts_rng r;

	ts_seed(&r, 99);
	for (int i = 0; i < 2000; i++) {
		struct cbpf_ctx a, b;
		char err[256] = "";
		uint32_t s = (uint32_t)ts_next(&r);
		ctx_defaults(&a);
		a.len = (s & 1) ? CBPF_CTX_UNSET : (int64_t)(s >> 1);
		a.protocol = s & 0xffff;
		a.pkttype = (s >> 3) & 7;
		a.has_dev = (s >> 5) & 1;
		a.ifindex = a.has_dev ? s : 0;
		a.hatype = a.has_dev ? (s >> 16) : 0;
		a.mark = s ^ 0x5a5a5a5a;
		a.queue = (s >> 7) & 0xffff;
		a.rxhash = s * 3u;
		a.cpu = s % 64;
		a.vlan_tci = (s >> 9) & 0xffff;
		a.vlan_avail = (s >> 11) & 1;
		a.vlan_tpid = (s >> 2) & 0xffff;
		a.poff = (s & 4) ? CBPF_POFF_AUTO : (int64_t)(s / 7);
		a.random = s / 3;
		a.net_off = (int32_t)s;
		a.mac_off = (s & 8) ? CBPF_CTX_UNSET : (int64_t)(int32_t)(s * 5u);
		a.headlen = (s & 16) ? CBPF_CTX_UNSET : (int64_t)(s / 5);
		char *j = printed(&a);
		ctx_defaults(&b);
		b.mark = ~a.mark;
		CHECK_EQ(from_json(j, &b, err, sizeof(err)), 0);
		CHECK(ctx_equal(&a, &b));
		if (!ctx_equal(&a, &b))
			fprintf(stderr, "  %s\n  %s\n", j, err);
		free(j);
	}
}

/* struct cbpf_diag: a JSON syntax error puts its column in col (the
 * message alone in msg); a value error names the key, no location. */
static void test_diag_fields(void)
{
	struct cbpf_ctx c;
	struct cbpf_diag d;

	ctx_defaults(&c);
	CHECK_EQ(cbpf_ctx_from_json("{\"len\":1", 8, &c, &d), -1);
	CHECK_EQ(d.code, CBPF_ERR_INPUT);
	CHECK_EQ(d.col, 9);
	CHECK_EQ(d.line, 0);
	CHECK_EQ(d.insn, -1);
	CHECK_EQ(d.offset, -1);
	CHECK(d.rule == NULL);
	CHECK_STR(d.msg, "unexpected end of input, expected ',' or '}'");
	CHECK_EQ(cbpf_ctx_set("pkttype=8", &c, &d), -1);
	CHECK_EQ(d.code, CBPF_ERR_INPUT);
	CHECK_EQ(d.col, 0);
	CHECK_STR(d.msg, "pkttype: 8 is out of range 0..7");
	CHECK_EQ(cbpf_ctx_set("pkttype=8", &c, NULL), -1); /* d may be NULL */
}

int main(void)
{
	test_diag_fields();
	test_every_field_json();
	test_defaults_print();
	test_dev_object();
	test_json_errors();
	test_edges_accepted();
	test_kv();
	test_kv_errors();
	test_print_roundtrip();
	return CHECK_DONE();
}
