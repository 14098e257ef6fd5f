/*
 * packet_oracle.c - AF_PACKET on lo inside a private network namespace,
 * in a forked child; results come back through a shared mapping.
 */
#include "packet_oracle.h"

#include <arpa/inet.h>
#include <errno.h>
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

#include "delivery.h"
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

struct pk_chan {
	int sender, witness, receiver;
	int ifindex;
	uint32_t mark;
	int cpu;
	struct sockaddr_ll seen;     /* the witness's view of the last frame */
	long witness_len;
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

/* The witness filter: every frame arrives, carrying poff + 1 bytes. */
static int attach_witness(int fd)
{
	const struct cbpf_insn w[] = {
		cbpf_stmt(0x20, cbpf_ext_k(CBPF_EXT_PAY_OFFSET)), /* A <- poff */
		cbpf_stmt(0x04, 1),                                /* A <- A + 1 */
		cbpf_stmt(0x16, 0),                                /* ret a */
	};
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

static int pk_observe(void *self, const uint8_t *pkt, size_t len, long *got, char *note,
		      size_t notelen)
{
	struct pk_chan *c = self;
	struct sockaddr_ll to;
	struct pollfd pfd = { c->witness, POLLIN, 0 };
	socklen_t sl = sizeof(c->seen);
	uint8_t byte;
	ssize_t r;

	if (len < KC_PACKET_MIN_FRAME || len > KC_PACKET_MAX_FRAME) {
		snprintf(note, notelen, "a %zu-byte frame is outside %d..%d bytes (lo's header and "
			 "MTU)", len, KC_PACKET_MIN_FRAME, KC_PACKET_MAX_FRAME);
		return EMSGSIZE;
	}
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = c->ifindex;
	to.sll_halen = ETH_ALEN;
	memcpy(to.sll_addr, pkt, ETH_ALEN);
	r = sendto(c->sender, pkt, len, 0, (struct sockaddr *)&to, sizeof(to));
	if (r < 0 || (size_t)r != len) {
		int e = r < 0 ? errno : EIO;
		snprintf(note, notelen, "sendto lo: %s", strerror(e));
		return e;
	}
	if (poll(&pfd, 1, WITNESS_TIMEOUT_MS) != 1) {
		snprintf(note, notelen, "the frame did not come back on lo within %d ms",
			 WITNESS_TIMEOUT_MS);
		return ETIMEDOUT;
	}
	c->witness_len = recvfrom(c->witness, &byte, 1, MSG_TRUNC | MSG_DONTWAIT,
				  (struct sockaddr *)&c->seen, &sl);
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

/* What the program saw, as the witness reports it. */
static void packet_ctx(const struct pk_chan *c, size_t len, struct cbpf_ctx *ctx)
{
	cbpf_ctx_init(ctx);
	ctx->len = (int64_t)len;
	ctx->protocol = ntohs(c->seen.sll_protocol);
	ctx->pkttype = c->seen.sll_pkttype;
	ctx->has_dev = true;
	ctx->ifindex = (uint32_t)c->seen.sll_ifindex;
	ctx->hatype = c->seen.sll_hatype;
	ctx->mark = c->mark;
	ctx->cpu = (uint32_t)c->cpu;
	ctx->poff = c->witness_len >= 1 && (size_t)c->witness_len < len
		  ? c->witness_len - 1 : CBPF_POFF_AUTO;
	ctx->mac_off = 0;
	ctx->net_off = 14;
	if (len >= LO_LINEAR_LIMIT)
		ctx->headlen = 14;
}

struct shared {
	volatile int done;
	struct kc_load load;
	struct kc_verdict v[];
};

static int child_setup(struct pk_chan *c, uint32_t mark, struct kc_load *load)
{
	cpu_set_t one;
	int e;

	memset(c, 0, sizeof(*c));
	c->sender = c->witness = c->receiver = -1;
	c->mark = mark;
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

static _Noreturn void child_main(struct shared *sh, const struct cbpf_insn *insns, size_t n,
				 const uint8_t *const *frames, const size_t *lens, size_t nframes,
				 const struct kc_hint *hints, uint32_t mark)
{
	static struct pk_chan c;
	struct kc_len_channel ch = { &c, pk_attach, pk_observe, pk_readback, true };
	struct kc_len_engine eng;
	int e;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	e = child_setup(&c, mark, &sh->load);
	if (e != 0) {
		sh->load.errnum = e;
		sh->load.env_limit = true;
		sh->done = 1;
		_exit(0);
	}
	struct kc_len_input first = { nframes ? frames[0] : NULL, nframes ? lens[0] : 0,
				      hints };

	if (kc_len_load(&eng, &ch, insns, n, nframes ? &first : NULL, &sh->load) == 0) {
		for (size_t i = 0; i < nframes; i++) {
			struct kc_verdict *v = &sh->v[i];
			memset(v, 0, sizeof(*v));
			kc_len_verdict(&eng, frames[i], lens[i], hints ? &hints[i] : NULL, v);
			packet_ctx(&c, lens[i], &v->ctx);
		}
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
		      uint32_t mark, struct kc_load *load, struct kc_verdict *verdicts)
{
	size_t size = sizeof(struct shared) + nframes * sizeof(struct kc_verdict);
	const char *why = kc_packet_unavailable();
	struct shared *sh;
	bool finished;
	pid_t pid;

	memset(load, 0, sizeof(*load));
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
		child_main(sh, insns, n, frames, lens, nframes, hints, mark);
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
