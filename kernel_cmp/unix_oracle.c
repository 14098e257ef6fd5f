/*
 * unix_oracle.c - the AF_UNIX socket-pair channel: attach with the optmem
 * rules in mind, send, receive the trimmed length.
 */
#include "unix_oracle.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach.h"
#include "cbpf/validate.h"
#include "envrec.h"
#include "length_oracle.h"

/* unix_dgram_sendmsg: len > sk_sndbuf - 32 gives EMSGSIZE
 * (linux-semantics: hook.unix-max-datagram). */
#define UNIX_DGRAM_OVERHEAD 32
/* Datagrams up to SKB_MAX_ALLOC (4K pages) are linear; larger ones put
 * PAGE_ALIGN(min(len - 16064, MAX_SKB_FRAGS * 4096)) bytes in frags
 * (linux-semantics: hook.unix-linear). */
#define UNIX_LINEAR_MAX 16064
#define UNIX_FRAG_MAX (17 * 4096)

/* An upper bound of bpf_prog_size for n classic instructions: at most 21
 * eBPF instructions each (ldxb 4*([k]&0xf); linux-semantics: expand.ldxb), a
 * prologue of 7, a header under 128 bytes; with room to spare. */
#define PROG_SIZE_BOUND(n) (128 + 8 * (24 * (size_t)(n) + 16))

struct kc_unix {
	int sv[2];               /* sv[0] sends, sv[1] has the filter */
	long optmem_max;
	bool cap_net_admin;
	/* bpf_prog_size of the attached filter, or an upper bound of it;
	 * 0 = none */
	size_t attached_bytes;
	size_t max_dgram;
	/* programs that read `cpu`: the thread that sends is pinned once, on
	 * the CPU it was on, until kc_unix_close */
	bool pinned;
	int pin_cpu;
	pid_t pin_tid;
	cpu_set_t pin_saved;
	bool no_readback;        /* kc_unix_set_readback(u, false) */
	struct kc_len_engine eng;
	struct cbpf_insn rb[CBPF_MAXINSNS + KC_EPILOGUE_MAX];
};

/*
 * optmem_max and CAP_NET_ADMIN, read once per process (kc_env_collect
 * costs 60-120 us: /proc and /sys reads, uname, capget) and again after an
 * ENOMEM. Both only steer choices whose failure is handled: with a stale
 * optmem_max a replacing attach gets ENOMEM and is retried after a detach;
 * with a stale capability SO_SNDBUFFORCE fails and SO_SNDBUF follows.
 */
static atomic_long g_optmem_max;
static atomic_bool g_cap_net_admin;
static pthread_once_t g_limits_once = PTHREAD_ONCE_INIT;

static void limits_read(void)
{
	struct kc_env env;

	kc_env_collect(&env);
	atomic_store(&g_optmem_max, env.optmem_max);
	atomic_store(&g_cap_net_admin, env.cap_net_admin);
}

static void limits_get(struct kc_unix *u, bool fresh)
{
	pthread_once(&g_limits_once, limits_read);
	if (fresh)
		limits_read();
	u->optmem_max = atomic_load(&g_optmem_max);
	u->cap_net_admin = atomic_load(&g_cap_net_admin);
}

static int open_pair(struct kc_unix *u)
{
	int sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, u->sv) != 0) {
		u->sv[0] = u->sv[1] = -1;
		return errno;
	}
	u->attached_bytes = 0;
	u->max_dgram = 0;
	if (getsockopt(u->sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == 0 &&
	    sndbuf > UNIX_DGRAM_OVERHEAD)
		u->max_dgram = (size_t)sndbuf - UNIX_DGRAM_OVERHEAD;
	return 0;
}

static void close_pair(struct kc_unix *u)
{
	for (int i = 0; i < 2; i++) {
		if (u->sv[i] >= 0)
			close(u->sv[i]);
		u->sv[i] = -1;
	}
}

int kc_unix_open(struct kc_unix **out, struct kc_error *err)
{
	struct kc_unix *u = calloc(1, sizeof(*u));
	int e;

	*out = NULL;
	if (u == NULL) {
		if (err != NULL) {
			err->errnum = ENOMEM;
			snprintf(err->msg, sizeof(err->msg), "ENOMEM: out of memory");
		}
		return ENOMEM;
	}
	limits_get(u, false);
	e = open_pair(u);
	if (e != 0) {
		if (err != NULL) {
			err->errnum = e;
			snprintf(err->msg, sizeof(err->msg), "socketpair(AF_UNIX, SOCK_DGRAM): %s",
				 strerror(e));
		}
		free(u);
		return e;
	}
	*out = u;
	return 0;
}

/* Give the pinned thread its affinity back (only from that thread: a tid
 * seen from elsewhere may be gone or reused). */
static void unpin(struct kc_unix *u)
{
	if (u->pinned && gettid() == u->pin_tid)
		sched_setaffinity(0, sizeof(u->pin_saved), &u->pin_saved);
	u->pinned = false;
}

void kc_unix_close(struct kc_unix *u)
{
	if (u == NULL)
		return;
	unpin(u);
	kc_len_unload(&u->eng);
	close_pair(u);
	free(u);
}

static void detach(struct kc_unix *u)
{
	int zero = 0;

	setsockopt(u->sv[1], SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero));
	u->attached_bytes = 0;
}

/* Replacing a filter charges old and new together (__sk_attach_prog), so
 * detach first when both might not fit (an upper bound of the new size
 * decides, or the prediction when the bound is too coarse); ENOMEM is
 * retried after a detach and then once on a fresh pair before it counts
 * as an environment limit (linux-semantics: attach.replace-charges-both,
 * attach.optmem-charge). */
static int unix_attach(void *self, const struct cbpf_insn *insns, size_t n, bool *env_limit)
{
	struct kc_unix *u = self;
	size_t need = PROG_SIZE_BOUND(n);
	int err;

	*env_limit = false;
	if (u->attached_bytes != 0 && (long)(u->attached_bytes + need) >= u->optmem_max) {
		struct cbpf_load_prediction p;
		cbpf_predict_load(insns, n, CBPF_PROFILE_LINUX, &p);
		need = p.prog_bytes;
		if ((long)(u->attached_bytes + need) >= u->optmem_max)
			detach(u);
	}
	err = kc_attach(u->sv[1], insns, n);
	if (err == ENOMEM)
		limits_get(u, true);
	if (err == ENOMEM && u->attached_bytes != 0) {
		detach(u);
		err = kc_attach(u->sv[1], insns, n);
	}
	if (err == ENOMEM) {
		close_pair(u);
		err = open_pair(u);
		if (err == 0)
			err = kc_attach(u->sv[1], insns, n);
		*env_limit = err == ENOMEM;
	}
	if (err == 0)
		u->attached_bytes = need;
	return err;
}

void kc_unix_unload(struct kc_unix *u)
{
	kc_len_unload(&u->eng);
}

void kc_unix_set_readback(struct kc_unix *u, bool on)
{
	u->no_readback = !on;
}

size_t kc_unix_max_packet(struct kc_unix *u)
{
	int want = (int)(CBPF_MAX_PACKET / 2 + 4096), sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);

	if (u->max_dgram >= CBPF_MAX_PACKET)
		return u->max_dgram;
	/* SO_SNDBUF doubles the value and caps it at wmem_max; root may force. */
	if (!u->cap_net_admin ||
	    setsockopt(u->sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) != 0)
		setsockopt(u->sv[0], SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (getsockopt(u->sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == 0 &&
	    sndbuf > UNIX_DGRAM_OVERHEAD)
		u->max_dgram = (size_t)sndbuf - UNIX_DGRAM_OVERHEAD;
	return u->max_dgram;
}

static int unix_observe(void *self, const uint8_t *pkt, size_t len, long *got, char *note,
			size_t notelen)
{
	static const uint8_t empty[1];
	struct kc_unix *u = self;
	ssize_t r;

	if (len > u->max_dgram && len > kc_unix_max_packet(u)) {
		snprintf(note, notelen,
			 "a %zu-byte packet exceeds the largest datagram this socket allows "
			 "(%zu bytes; wmem_max and CAP_NET_ADMIN decide)", len, u->max_dgram);
		return EMSGSIZE;
	}
	r = send(u->sv[0], pkt != NULL ? pkt : empty, len, MSG_DONTWAIT);
	if (r < 0 || (size_t)r != len) {
		int e = r < 0 ? errno : EIO;
		snprintf(note, notelen, "send of %zu bytes: %s", len, strerror(e));
		return e;
	}
	return kc_recv_delivered(u->sv[1], got, note, notelen);
}

static bool unix_readback(void *self, const struct cbpf_insn *insns, size_t n)
{
	struct kc_unix *u = self;
	socklen_t count = (socklen_t)n;

	if (n > sizeof(u->rb) / sizeof(u->rb[0]))
		return false;
	if (getsockopt(u->sv[1], SOL_SOCKET, SO_GET_FILTER, u->rb, &count) != 0)
		return false;
	return count == n && memcmp(u->rb, insns, n * sizeof(*insns)) == 0;
}

static int load_with(struct kc_unix *u, const struct cbpf_insn *insns, size_t n,
		     const struct kc_len_input *first, struct kc_load *out)
{
	struct kc_len_channel ch = { u, unix_attach, unix_observe,
				     u->no_readback ? NULL : unix_readback, false };

	kc_len_unload(&u->eng);
	if (u->sv[0] < 0 && open_pair(u) != 0) {
		memset(out, 0, sizeof(*out));
		out->errnum = EMFILE;
		out->env_limit = true;
		snprintf(out->msg, sizeof(out->msg), "no socket pair: %s", strerror(errno));
		return -1;
	}
	return kc_len_load(&u->eng, &ch, insns, n, first, out);
}

int kc_unix_load(struct kc_unix *u, const struct cbpf_insn *insns, size_t n, struct kc_load *out)
{
	return load_with(u, insns, n, NULL, out);
}

int kc_unix_load_for(struct kc_unix *u, const struct cbpf_insn *insns, size_t n,
		     const uint8_t *pkt, size_t len, const struct kc_hint *hint, struct kc_load *out)
{
	struct kc_len_input first = { pkt, len, len, hint };

	return load_with(u, insns, n, &first, out);
}

/* The skb an AF_UNIX datagram of len bytes becomes. */
static void unix_ctx(size_t len, struct cbpf_ctx *ctx)
{
	cbpf_ctx_init(ctx);
	if (len > UNIX_LINEAR_MAX) {
		size_t frag = len - UNIX_LINEAR_MAX;
		if (frag > UNIX_FRAG_MAX)
			frag = UNIX_FRAG_MAX;
		frag = (frag + 4095) & ~(size_t)4095;
		ctx->headlen = (int64_t)(len - frag);
	}
}

/* `cpu` is the sender's CPU: pin this thread where it runs (no migration,
 * so it is cheap) and keep it there until kc_unix_close. Another thread
 * asking is pinned for its one verdict (*restore set). The CPU, or -1. */
static int pin(struct kc_unix *u, cpu_set_t *saved, bool *restore)
{
	cpu_set_t one;
	pid_t tid = gettid();
	int cpu;

	*restore = false;
	if (u->pinned && tid == u->pin_tid)
		return u->pin_cpu;
	cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof(*saved), saved) != 0)
		return cpu;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) != 0)
		return cpu;
	if (u->pinned) {
		*restore = true;
		return cpu;
	}
	u->pinned = true;
	u->pin_cpu = cpu;
	u->pin_tid = tid;
	u->pin_saved = *saved;
	return cpu;
}

void kc_unix_ctx_for(struct kc_unix *u, const struct cbpf_insn *insns, size_t n, size_t len,
		     struct cbpf_ctx *ctx)
{
	cpu_set_t saved;
	bool restore = false;

	unix_ctx(len, ctx);
	if (kc_prog_reads_cpu(insns, n)) {
		int cpu = pin(u, &saved, &restore);
		ctx->cpu = (uint32_t)(cpu >= 0 ? cpu : 0);
		if (restore)
			sched_setaffinity(0, sizeof(saved), &saved);
	}
}

void kc_unix_verdict(struct kc_unix *u, const uint8_t *pkt, size_t len, const struct kc_hint *hint,
		     struct kc_verdict *out)
{
	struct kc_len_input in = { pkt, len, len, hint }; /* the datagram is the skb */
	cpu_set_t saved;
	bool restore = false;

	memset(out, 0, sizeof(*out));
	unix_ctx(len, &out->ctx);
	if (u->eng.shape.uses_cpu) {
		int cpu = pin(u, &saved, &restore);
		out->ctx.cpu = (uint32_t)(cpu >= 0 ? cpu : 0);
	}
	kc_len_verdict(&u->eng, &in, out);
	if (restore)
		sched_setaffinity(0, sizeof(saved), &saved);
}

int kc_unix_request(const struct cbpf_insn *insns, size_t n, const uint8_t *const *pkts,
		    const size_t *lens, size_t npkts, const struct kc_hint *hints,
		    struct kc_load *load, struct kc_verdict *verdicts)
{
	struct kc_error err;
	struct kc_unix *u;
	int rc;

	if (kc_unix_open(&u, &err) != 0) {
		memset(load, 0, sizeof(*load));
		load->errnum = err.errnum;
		load->env_limit = true;
		snprintf(load->msg, sizeof(load->msg), "%s", err.msg);
		return -1;
	}
	rc = npkts > 0 ? kc_unix_load_for(u, insns, n, pkts[0], lens[0], hints, load)
		       : kc_unix_load(u, insns, n, load);
	for (size_t i = 0; rc == 0 && i < npkts; i++)
		kc_unix_verdict(u, pkts[i], lens[i], hints != NULL ? &hints[i] : NULL, &verdicts[i]);
	kc_unix_close(u);
	return rc;
}
