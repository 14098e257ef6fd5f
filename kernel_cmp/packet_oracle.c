/*
 * packet_oracle.c - AF_PACKET on lo inside a private network namespace,
 * in a forked child; results come back through a shared mapping. Each
 * frame is probed first (the skb and bytes the program will see), then
 * answered by the length oracle planned for that skb.
 */
#include "packet_oracle.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "envrec.h"
#include "cbpf/errname.h"
#include "length_oracle.h"

#define WITNESS_TIMEOUT_MS 2000
#define CHILD_TIMEOUT_NS (20LL * 1000 * 1000 * 1000)
#define RCVBUF_BYTES (4 << 20)
/* packet_snd() keeps a frame linear when LL_RESERVED_SPACE(lo) (16) + len
 * is below a page; otherwise only the 14-byte header is linear
 * (linux-semantics: hook.packet-linear). */
#define LO_LINEAR_LIMIT (4096 - 16)

const char *kc_packet_unavailable(void)
{
	struct kc_env e;

	kc_env_collect(&e);
	if (!e.cap_sys_admin)
		return "needs root: CAP_SYS_ADMIN (to create a network namespace) is not effective";
	if (!e.cap_net_raw)
		return "needs root: CAP_NET_RAW (AF_PACKET sockets) is not effective";
	if (!e.cap_net_admin)
		return "needs root: CAP_NET_ADMIN (bringing up lo, SO_MARK) is not effective";
	return NULL;
}

int kc_packet_frame_check(const uint8_t *frame, size_t len, char *why, size_t whylen)
{
	uint16_t type = len >= 14 ? (uint16_t)(frame[12] << 8 | frame[13]) : 0;

	if (len < KC_PACKET_MIN_FRAME) {
		snprintf(why, whylen, "a %zu-byte frame is too short: lo needs at least the %d-byte "
			 "Ethernet header", len, KC_PACKET_MIN_FRAME);
		return EMSGSIZE;
	}
	if (len > KC_PACKET_MAX_FRAME) {
		snprintf(why, whylen, "a %zu-byte frame is too long: lo takes at most %d bytes (MTU "
			 "65536 plus the header)", len, KC_PACKET_MAX_FRAME);
		return EMSGSIZE;
	}
	if ((type == 0x8100 || type == 0x88a8) && len < KC_PACKET_MIN_TAGGED) {
		snprintf(why, whylen, "a %zu-byte frame with EtherType %#06x is too short: a "
			 "VLAN-tagged frame needs at least %d bytes (header, tag, EtherType), the "
			 "kernel drops it before any AF_PACKET socket sees it", len, type,
			 KC_PACKET_MIN_TAGGED);
		return EMSGSIZE;
	}
	return 0;
}

int kc_packet_tag_check(const struct kc_vlan_tag *tag, char *why, size_t whylen)
{
	if (tag == NULL || !tag->present || tag->tpid == 0x8100 || tag->tpid == 0x88a8)
		return 0;
	snprintf(why, whylen, "vlan_tpid %#06x: the kernel moves only 802.1Q (0x8100) and 802.1ad "
		 "(0x88a8) tags into the skb", tag->tpid);
	return EINVAL;
}

size_t kc_packet_seen(const uint8_t *frame, size_t len, const struct kc_verdict *v, uint8_t *out)
{
	size_t cut = v->seen_cut;

	if (len < KC_PACKET_TAG_OFF || cut > len - KC_PACKET_TAG_OFF)
		cut = 0;
	memcpy(out, frame, len < KC_PACKET_TAG_OFF ? len : KC_PACKET_TAG_OFF);
	if (len > KC_PACKET_TAG_OFF + cut)
		memcpy(out + KC_PACKET_TAG_OFF, frame + KC_PACKET_TAG_OFF + cut,
		       len - KC_PACKET_TAG_OFF - cut);
	return len - cut;
}

struct pk_chan {
	int sender, witness, receiver;
	int ifindex;
	uint32_t mark;
	int cpu;
	struct kc_vlan_tag tag;
	/* the witness's view of the last frame */
	struct sockaddr_ll seen;
	struct tpacket_auxdata aux;
	bool have_aux;
	long witness_len;
	/* what the probe found, which every run must see again */
	const struct cbpf_ctx *expect;
	uint8_t wire[KC_PACKET_MAX_FRAME + 4];
	uint8_t got[KC_PACKET_MAX_FRAME + 4];
	uint8_t want[KC_PACKET_MAX_FRAME + 4];
	struct cbpf_insn rb[CBPF_MAXINSNS + KC_EPILOGUE_MAX];
};

static int packet_socket(int ifindex, int *fd)
{
	struct sockaddr_ll sll;
	int one = 1, rcvbuf = RCVBUF_BYTES;

	*fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (*fd < 0)
		return errno;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	setsockopt(*fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(*fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0 ||
	    bind(*fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		return errno;
	return 0;
}

static int bring_up_lo(int *ifindex)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), e = 0;

	if (s < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		e = errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (e == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		e = errno;
	close(s);
	*ifindex = (int)if_nametoindex("lo");
	return e != 0 ? e : *ifindex > 0 ? 0 : ENODEV;
}

/* The witness: every frame arrives, carrying poff + 1 bytes, with the
 * skb's length, offsets and VLAN tag in PACKET_AUXDATA. */
static int attach_witness(int fd)
{
	const struct cbpf_insn w[] = {
		cbpf_stmt(0x20, cbpf_ext_k(CBPF_EXT_PAY_OFFSET)), /* A <- poff */
		cbpf_stmt(0x04, 1),                                /* A <- A + 1 */
		cbpf_stmt(0x16, 0),                                /* ret a */
	};
	int one = 1;

	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0)
		return errno;
	return kc_attach(fd, w, 3);
}

static int pk_attach(void *self, const struct cbpf_insn *insns, size_t n, bool *env_limit)
{
	struct pk_chan *c = self;
	int zero = 0, err;

	*env_limit = false;
	setsockopt(c->receiver, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero));
	err = kc_attach(c->receiver, insns, n);
	if (err == ENOMEM) { /* once more on a fresh socket (bound last: still first in line) */
		close(c->receiver);
		err = packet_socket(c->ifindex, &c->receiver);
		if (err == 0)
			err = kc_attach(c->receiver, insns, n);
		*env_limit = err == ENOMEM;
	}
	return err;
}

/* The frame as it goes on the wire: the given one, or with the tag put
 * in front of its EtherType. */
static const uint8_t *wire_frame(struct pk_chan *c, const uint8_t *pkt, size_t len,
				 size_t *wire_len)
{
	*wire_len = len;
	if (!c->tag.present || len < KC_PACKET_TAG_OFF || len + 4 > sizeof(c->wire))
		return pkt;
	memcpy(c->wire, pkt, KC_PACKET_TAG_OFF);
	c->wire[12] = (uint8_t)(c->tag.tpid >> 8);
	c->wire[13] = (uint8_t)c->tag.tpid;
	c->wire[14] = (uint8_t)(c->tag.tci >> 8);
	c->wire[15] = (uint8_t)c->tag.tci;
	memcpy(c->wire + 16, pkt + KC_PACKET_TAG_OFF, len - KC_PACKET_TAG_OFF);
	*wire_len = len + 4;
	return c->wire;
}

/* The witness's frame: sockaddr_ll, PACKET_AUXDATA, delivered length. */
static void read_witness(struct pk_chan *c)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	uint8_t byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_name = &c->seen, .msg_namelen = sizeof(c->seen),
			    .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };

	c->have_aux = false;
	c->witness_len = recvmsg(c->witness, &m, MSG_TRUNC | MSG_DONTWAIT);
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); c->witness_len >= 0 && h != NULL;
	     h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_PACKET && h->cmsg_type == PACKET_AUXDATA) {
			memcpy(&c->aux, CMSG_DATA(h), sizeof(c->aux));
			c->have_aux = true;
		}
}

/* Send one frame and wait until the witness has it (so the receiver has
 * run its filter on it too). 0, or the errno with a note. */
static int send_frame(struct pk_chan *c, const uint8_t *pkt, size_t len, char *note,
		      size_t notelen)
{
	struct sockaddr_ll to;
	struct pollfd pfd = { c->witness, POLLIN, 0 };
	size_t wire_len;
	const uint8_t *wire = wire_frame(c, pkt, len, &wire_len);
	int e = kc_packet_frame_check(wire, wire_len, note, notelen);
	ssize_t r;

	if (e != 0)
		return e;
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = c->ifindex;
	to.sll_halen = ETH_ALEN;
	memcpy(to.sll_addr, wire, ETH_ALEN);
	r = sendto(c->sender, wire, wire_len, 0, (struct sockaddr *)&to, sizeof(to));
	if (r < 0 || (size_t)r != wire_len) {
		e = r < 0 ? errno : EIO;
		snprintf(note, notelen, "sendto lo: %s", strerror(e));
		return e;
	}
	if (poll(&pfd, 1, WITNESS_TIMEOUT_MS) != 1) {
		snprintf(note, notelen, "the frame did not come back on lo within %d ms",
			 WITNESS_TIMEOUT_MS);
		return ETIMEDOUT;
	}
	read_witness(c);
	if (!c->have_aux) {
		snprintf(note, notelen, "the witness socket got no PACKET_AUXDATA");
		return EPROTO;
	}
	return 0;
}

static uint32_t aux_vlan_avail(const struct tpacket_auxdata *a)
{
	return (a->tp_status & TP_STATUS_VLAN_VALID) ? 1 : 0;
}

static uint32_t aux_vlan_tpid(const struct tpacket_auxdata *a)
{
	return (a->tp_status & TP_STATUS_VLAN_TPID_VALID) ? a->tp_vlan_tpid : 0;
}

/* Every run must find the skb the probe found: the verdict's alphabet and
 * the reported context depend on it. */
static int check_same_skb(const struct pk_chan *c, char *note, size_t notelen)
{
	const struct cbpf_ctx *x = c->expect;

	if (x == NULL)
		return 0;
	if ((int64_t)c->aux.tp_len == x->len && aux_vlan_avail(&c->aux) == x->vlan_avail &&
	    (uint32_t)c->aux.tp_vlan_tci == x->vlan_tci && aux_vlan_tpid(&c->aux) == x->vlan_tpid &&
	    (uint32_t)ntohs(c->seen.sll_protocol) == x->protocol)
		return 0;
	snprintf(note, notelen, "the kernel's skb changed between runs (len %" PRId64 ", vlan "
		 "%" PRIu32 " in the probe; len %u, vlan %" PRIu32 " now)", x->len, x->vlan_avail,
		 c->aux.tp_len, aux_vlan_avail(&c->aux));
	return EPROTO;
}

static int pk_observe(void *self, const uint8_t *pkt, size_t len, long *got, char *note,
		      size_t notelen)
{
	struct pk_chan *c = self;
	int e = send_frame(c, pkt, len, note, notelen);

	if (e == 0)
		e = check_same_skb(c, note, notelen);
	if (e != 0)
		return e;
	return kc_recv_delivered(c->receiver, got, note, notelen);
}

static bool pk_readback(void *self, const struct cbpf_insn *insns, size_t n)
{
	struct pk_chan *c = self;
	socklen_t count = (socklen_t)n;

	if (n > sizeof(c->rb) / sizeof(c->rb[0]) ||
	    getsockopt(c->receiver, SOL_SOCKET, SO_GET_FILTER, c->rb, &count) != 0)
		return false;
	return count == n && memcmp(c->rb, insns, n * sizeof(*insns)) == 0;
}

/* What the program will see, from the witness's view of the probe. */
static void packet_ctx(const struct pk_chan *c, size_t wire_len, struct cbpf_ctx *ctx)
{
	int64_t len = c->aux.tp_len;

	cbpf_ctx_init(ctx);
	ctx->len = len;
	ctx->protocol = ntohs(c->seen.sll_protocol);
	ctx->pkttype = c->seen.sll_pkttype;
	ctx->has_dev = true;
	ctx->ifindex = (uint32_t)c->seen.sll_ifindex;
	ctx->hatype = c->seen.sll_hatype;
	ctx->mark = c->mark;
	ctx->cpu = (uint32_t)c->cpu;
	ctx->vlan_avail = aux_vlan_avail(&c->aux);
	ctx->vlan_tci = c->aux.tp_vlan_tci;
	ctx->vlan_tpid = aux_vlan_tpid(&c->aux);
	ctx->poff = c->witness_len >= 1 && c->witness_len < len ? c->witness_len - 1
								 : CBPF_POFF_AUTO;
	ctx->mac_off = 0;
	ctx->net_off = c->aux.tp_net;
	if (wire_len >= LO_LINEAR_LIMIT)
		ctx->headlen = 14;
}

/* The probe: send the frame to the receiver before it has a filter, and
 * learn the skb the program will run on and the bytes it will see. Fills
 * v->ctx and v->seen_cut, or v->error and v->note. */
static void probe_frame(struct pk_chan *c, const uint8_t *pkt, size_t len, struct kc_verdict *v)
{
	size_t wire_len, seen_len;
	ssize_t r;

	memset(v, 0, sizeof(*v));
	wire_frame(c, pkt, len, &wire_len);
	v->error = send_frame(c, pkt, len, v->note, sizeof(v->note));
	if (v->error != 0)
		return;
	r = recv(c->receiver, c->got, sizeof(c->got), MSG_DONTWAIT | MSG_TRUNC);
	seen_len = c->aux.tp_len;
	if (r < 0 || (size_t)r != seen_len || seen_len > len || seen_len < KC_PACKET_TAG_OFF) {
		v->error = EPROTO;
		snprintf(v->note, sizeof(v->note), "the probe of a %zu-byte frame: the receiver got "
			 "%zd bytes, the witness says %zu", len, r, seen_len);
		return;
	}
	v->seen_cut = (uint32_t)(len - seen_len);
	if (kc_packet_seen(pkt, len, v, c->want) != seen_len ||
	    memcmp(c->got, c->want, seen_len) != 0) {
		v->error = EPROTO;
		snprintf(v->note, sizeof(v->note), "the program would see bytes that are not the "
			 "frame without %u bytes at offset %d", v->seen_cut, KC_PACKET_TAG_OFF);
		return;
	}
	packet_ctx(c, wire_len, &v->ctx);
}

struct shared {
	volatile int done;
	struct kc_load load;
	struct kc_verdict v[];
};

static int child_setup(struct pk_chan *c, const struct kc_packet_opts *o, struct kc_load *load)
{
	cpu_set_t one;
	int e;

	memset(c, 0, sizeof(*c));
	c->sender = c->witness = c->receiver = -1;
	c->mark = o->mark;
	c->tag = o->tag;
	if (unshare(CLONE_NEWNET) != 0) {
		e = errno;
		snprintf(load->msg, sizeof(load->msg), "unshare(CLONE_NEWNET): %s", strerror(e));
		return e;
	}
	e = bring_up_lo(&c->ifindex);
	if (e != 0) {
		snprintf(load->msg, sizeof(load->msg), "bringing up lo: %s", strerror(e));
		return e;
	}
	c->cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(c->cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	c->sender = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (c->sender < 0 ||
	    setsockopt(c->sender, SOL_SOCKET, SO_MARK, &c->mark, sizeof(c->mark)) != 0 ||
	    (e = packet_socket(c->ifindex, &c->witness)) != 0 || (e = attach_witness(c->witness)) != 0 ||
	    (e = packet_socket(c->ifindex, &c->receiver)) != 0) {
		e = e ? e : errno;
		snprintf(load->msg, sizeof(load->msg), "AF_PACKET sockets on lo: %s", strerror(e));
		return e;
	}
	return 0;
}

/* The verdicts, each planned for the skb its probe found. */
static void answer(struct kc_len_engine *eng, struct pk_chan *c, const uint8_t *const *frames,
		   const size_t *lens, size_t nframes, const struct kc_hint *hints, struct kc_verdict *v)
{
	for (size_t i = 0; i < nframes; i++) {
		struct kc_verdict probe = v[i];
		struct kc_len_input in = { frames[i], lens[i], (size_t)probe.ctx.len,
					   hints ? &hints[i] : NULL };

		if (probe.error != 0)
			continue;
		memset(&v[i], 0, sizeof(v[i]));
		v[i].ctx = probe.ctx;
		v[i].seen_cut = probe.seen_cut;
		c->expect = &probe.ctx;
		kc_len_verdict(eng, &in, &v[i]);
		c->expect = NULL;
	}
}

static _Noreturn void child_main(struct shared *sh, const struct cbpf_insn *insns, size_t n,
				 const uint8_t *const *frames, const size_t *lens, size_t nframes,
				 const struct kc_hint *hints, const struct kc_packet_opts *o)
{
	static struct pk_chan c;
	struct kc_len_channel ch = { &c, pk_attach, pk_observe, pk_readback, true };
	struct kc_len_input first = { NULL, 0, 0, NULL };
	struct kc_len_engine eng;
	bool have_first = false;
	int e;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	e = child_setup(&c, o, &sh->load);
	if (e != 0) {
		sh->load.errnum = e;
		sh->load.env_limit = true;
		sh->done = 1;
		_exit(0);
	}
	for (size_t i = 0; i < nframes; i++) {
		probe_frame(&c, frames[i], lens[i], &sh->v[i]);
		if (sh->v[i].error == 0 && !have_first) {
			first = (struct kc_len_input){ frames[i], lens[i], (size_t)sh->v[i].ctx.len,
						       hints ? &hints[i] : NULL };
			have_first = true;
		}
	}
	if (kc_len_load(&eng, &ch, insns, n, have_first ? &first : NULL, &sh->load) == 0) {
		answer(&eng, &c, frames, lens, nframes, hints, sh->v);
		kc_len_unload(&eng);
	}
	sh->done = 1;
	_exit(0);
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Wait for the child with a timeout; it is always reaped. */
static bool wait_child(pid_t pid)
{
	long long deadline = now_ns() + CHILD_TIMEOUT_NS;
	int status;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return true;
		if (w < 0 && errno != EINTR)
			return false;
		if (now_ns() > deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return false;
		}
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
}

int kc_packet_request(const struct cbpf_insn *insns, size_t n, const uint8_t *const *frames,
		      const size_t *lens, size_t nframes, const struct kc_hint *hints,
		      const struct kc_packet_opts *opts, struct kc_load *load,
		      struct kc_verdict *verdicts)
{
	size_t size = sizeof(struct shared) + nframes * sizeof(struct kc_verdict);
	const struct kc_packet_opts none = { 0, { false, 0, 0 } };
	const char *why = kc_packet_unavailable();
	struct shared *sh;
	bool finished;
	pid_t pid;

	memset(load, 0, sizeof(*load));
	if (opts == NULL)
		opts = &none;
	if (kc_packet_tag_check(&opts->tag, load->msg, sizeof(load->msg)) != 0) {
		load->errnum = EINVAL;
		load->env_limit = true;
		return -1;
	}
	if (why != NULL) {
		load->errnum = EPERM;
		load->env_limit = true;
		snprintf(load->msg, sizeof(load->msg), "EPERM: the packet oracle %s", why);
		return -1;
	}
	sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		load->errnum = errno;
		load->env_limit = true;
		snprintf(load->msg, sizeof(load->msg), "mmap: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child_main(sh, insns, n, frames, lens, nframes, hints, opts);
	finished = pid > 0 && wait_child(pid);
	if (!finished || !sh->done) {
		load->errnum = pid < 0 ? errno : ETIMEDOUT;
		load->env_limit = true;
		snprintf(load->msg, sizeof(load->msg), "%s: the packet oracle's child %s",
			 cbpf_errno_name(load->errnum), pid < 0 ? "could not start" : "did not finish");
		munmap(sh, size);
		return -1;
	}
	*load = sh->load;
	if (load->errnum == 0)
		memcpy(verdicts, sh->v, nframes * sizeof(*verdicts));
	munmap(sh, size);
	return load->errnum == 0 ? 0 : -1;
}
