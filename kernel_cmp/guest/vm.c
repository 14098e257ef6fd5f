/*
 * guest/vm.c - qemu guests (vm.h).
 */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"

#define MAX_ARGS 48

double kg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kg_vm_init(struct kg_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->listen_fd = -1;
}

struct argv_buf {
	const char *v[MAX_ARGS];
	size_t n;
	char append[512], mem[16], con[PATH_MAX + 48], sock[PATH_MAX + 48], vs[64];
};

static void arg(struct argv_buf *a, const char *s)
{
	if (a->n + 1 < MAX_ARGS)
		a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void build_argv(const struct kg_vm_config *c, const char *rundir, struct argv_buf *a)
{
	const struct kg_arch *ar = c->t->arch;

	a->n = 0;
	arg(a, ar->qemu);
	arg(a, "-accel");
	arg(a, "tcg");
	for (size_t i = 0; ar->machine[i] != NULL; i++)
		arg(a, ar->machine[i]);
	kg_fmt(a->mem, sizeof(a->mem), "%d", c->mem_mb > 0 ? c->mem_mb : 512);
	arg(a, "-m");
	arg(a, a->mem);
	arg(a, "-nodefaults");
	arg(a, "-display");
	arg(a, "none");
	arg(a, "-no-reboot");
	arg(a, "-kernel");
	arg(a, c->image);
	arg(a, "-initrd");
	arg(a, c->initramfs);
	kg_fmt(a->append, sizeof(a->append), "console=%s panic=-1 quiet cbpf.jit=%d cbpf.via=%s",
		 ar->console, c->jit == KG_JIT_ON, c->via ? c->via : "unix");
	arg(a, "-append");
	arg(a, a->append);
	kg_fmt(a->con, sizeof(a->con), "file,id=con,path=%s/console.log", rundir);
	arg(a, "-chardev");
	arg(a, a->con);
	if (ar->con == KG_CON_SERIAL) {
		arg(a, "-serial");
		arg(a, "chardev:con");
	} else {
		arg(a, "-device");
		arg(a, ar->con == KG_CON_SPAPR_VTY ? "spapr-vty,chardev=con" : "sclpconsole,chardev=con");
	}
	kg_fmt(a->vs, sizeof(a->vs), "%s,id=vs", ar->vserial);
	arg(a, "-device");
	arg(a, a->vs);
	kg_fmt(a->sock, sizeof(a->sock), "socket,id=k1,path=%s/vs.sock", rundir);
	arg(a, "-chardev");
	arg(a, a->sock);
	arg(a, "-device");
	arg(a, "virtserialport,bus=vs.0,chardev=k1,name=cbpf");
}

void kg_vm_describe(const struct kg_vm_config *c, char *out, size_t len)
{
	const struct kg_arch *ar = c->t->arch;
	size_t n = (size_t)kg_fmt(out, len, "%s -accel tcg", ar->qemu);

	for (size_t i = 0; ar->machine[i] != NULL && n < len; i++)
		n += (size_t)kg_fmt(out + n, len - n, " %s", ar->machine[i]);
}

static int listen_on(struct kg_vm *vm, char *why, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (vm->rundir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		kg_fmt(vm->rundir, sizeof(vm->rundir), "%s/cbpf-guest-XXXXXX",
			 tmp && *tmp == '/' ? tmp : "/tmp");
		if (mkdtemp(vm->rundir) == NULL) {
			kg_fmt(why, len, "%s: %s", vm->rundir, strerror(errno));
			vm->rundir[0] = '\0';
			return -1;
		}
	}
	if (vm->listen_fd >= 0)
		return 0;
	if (kg_fmt(sa.sun_path, sizeof(sa.sun_path), "%s/vs.sock", vm->rundir) >=
	    (int)sizeof(sa.sun_path)) {
		kg_fmt(why, len, "run directory path too long for a socket");
		return -1;
	}
	unlink(sa.sun_path);
	vm->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (vm->listen_fd < 0 || bind(vm->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(vm->listen_fd, 1) != 0) {
		kg_fmt(why, len, "listening on %s: %s", sa.sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int spawn(struct kg_vm *vm, const struct kg_vm_config *c, char *why, size_t len)
{
	struct argv_buf a;
	char log[PATH_MAX + 16];
	pid_t parent = getpid();

	build_argv(c, vm->rundir, &a);
	kg_fmt(log, sizeof(log), "%s/qemu.log", vm->rundir);
	vm->pid = fork();
	if (vm->pid < 0) {
		kg_fmt(why, len, "fork: %s", strerror(errno));
		vm->pid = 0;
		return -1;
	}
	if (vm->pid == 0) {
		int null = open("/dev/null", O_RDONLY), out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (null >= 0)
			dup2(null, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		signal(SIGPIPE, SIG_DFL);
		execvp(a.v[0], (char *const *)a.v);
		dprintf(2, "exec %s: %s\n", a.v[0], strerror(errno));
		_exit(127);
	}
	return 0;
}

bool kg_vm_exited(struct kg_vm *vm)
{
	int st;

	if (vm->pid <= 0)
		return true;
	if (waitpid(vm->pid, &st, WNOHANG) == vm->pid) {
		vm->pid = 0;
		return true;
	}
	return false;
}

static void file_tail(const char *path, char *out, size_t len)
{
	char buf[4096], *end, *start;
	FILE *f = fopen(path, "re");
	long size;
	size_t n = 0;

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0) {
		long from = size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0;
		if (fseek(f, from, SEEK_SET) == 0)
			n = fread(buf, 1, sizeof(buf) - 1, f);
	}
	fclose(f);
	buf[n] = '\0';
	end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	*end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	for (char *p = start; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	kg_fmt(out, len, "%s", start);
}

void kg_vm_console_tail(const struct kg_vm *vm, char *out, size_t len)
{
	char path[PATH_MAX + 16];

	kg_fmt(path, sizeof(path), "%s/console.log", vm->rundir);
	file_tail(path, out, len);
}

/* Why qemu is gone: its own last message, or the console's. */
static void exit_reason(const struct kg_vm *vm, char *why, size_t len)
{
	char path[PATH_MAX + 16], tail[300];

	kg_fmt(path, sizeof(path), "%s/qemu.log", vm->rundir);
	file_tail(path, tail, sizeof(tail));
	if (tail[0] == '\0')
		kg_vm_console_tail(vm, tail, sizeof(tail));
	kg_fmt(why, len, "qemu exited during boot%s%s", tail[0] ? ": " : "", tail);
}

/* Wait for qemu to connect to the port socket. */
static int accept_port(struct kg_vm *vm, double deadline, char *why, size_t len)
{
	struct pollfd p = { vm->listen_fd, POLLIN, 0 };

	while (kg_now() < deadline) {
		int r = poll(&p, 1, 100);
		if (r > 0) {
			vm->fd = accept4(vm->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (vm->fd >= 0)
				return 0;
		}
		if (kg_vm_exited(vm)) {
			exit_reason(vm, why, len);
			return -1;
		}
	}
	kg_fmt(why, len, "qemu did not connect to the virtio-serial socket");
	return -1;
}

/* The port closed before the banner: usually qemu is exiting (a kernel it
 * cannot load closes the socket first), so its own message is the reason
 * when it is gone within 2 s; else the console's last line. */
static void port_closed(struct kg_vm *vm, char *why, size_t len)
{
	double until = kg_now() + 2;
	char tail[300];

	while (kg_now() < until && !kg_vm_exited(vm))
		usleep(20000);
	if (vm->pid == 0) {
		exit_reason(vm, why, len);
		return;
	}
	kg_vm_console_tail(vm, tail, sizeof(tail));
	kg_fmt(why, len, "the guest closed the port before its banner (console: %s)",
	       tail[0] ? tail : "empty");
}

/* One line from the port before deadline, byte by byte (the banner is
 * the only line read this way: nothing after it may be consumed). */
static int read_banner(struct kg_vm *vm, double t0, double timeout, char *line, size_t cap,
		       char *why, size_t len)
{
	double deadline = t0 + timeout;
	size_t n = 0;
	struct pollfd p = { vm->fd, POLLIN, 0 };

	while (kg_now() < deadline) {
		char c;
		ssize_t r;
		if (poll(&p, 1, 100) <= 0) {
			if (kg_vm_exited(vm)) {
				exit_reason(vm, why, len);
				return -1;
			}
			continue;
		}
		r = read(vm->fd, &c, 1);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			port_closed(vm, why, len);
			return -1;
		}
		if (c == '\n') {
			line[n] = '\0';
			return 0;
		}
		if (n + 1 < cap)
			line[n++] = c;
	}
	kg_vm_console_tail(vm, line, cap);
	kg_fmt(why, len, "no banner from the guest in %.0f s (console: %s)", timeout,
		 line[0] ? line : "empty");
	return -1;
}

static int check_banner(struct kg_vm *vm, const char *line, char *why, size_t len)
{
	char err[128];
	struct json_value *v = json_parse(line, strlen(line), err, sizeof(err));
	const struct json_value *e, *p;
	int rc = 0;

	if (v == NULL || v->type != JSON_OBJECT || json_get(v, "cbpf_guest") == NULL) {
		kg_fmt(why, len, "the guest's first line is not a banner: %.120s", line);
		json_free(v);
		return -1;
	}
	e = json_get(v, "error");
	p = json_get(v, "jit_proof");
	vm->proof[0] = '\0';
	if (p != NULL && p->type == JSON_STRING)
		kg_fmt(vm->proof, sizeof(vm->proof), "%s", p->str);
	if (e != NULL && e->type == JSON_STRING) {
		kg_fmt(why, len, "guest: %s", e->str);
		rc = -1;
	}
	json_free(v);
	return rc;
}

int kg_vm_start(struct kg_vm *vm, const struct kg_vm_config *c, char *why, size_t len)
{
	char line[2048];
	double t0 = kg_now();

	if (listen_on(vm, why, len) != 0 || spawn(vm, c, why, len) != 0)
		return -1;
	vm->boots++;
	if (accept_port(vm, t0 + 30, why, len) != 0 ||
	    read_banner(vm, t0, c->boot_timeout, line, sizeof(line), why, len) != 0 ||
	    check_banner(vm, line, why, len) != 0) {
		kg_vm_stop(vm, 0);
		return -1;
	}
	vm->boot_s = kg_now() - t0;
	return 0;
}

void kg_vm_stop(struct kg_vm *vm, double grace)
{
	double deadline = kg_now() + grace;

	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	while (vm->pid > 0 && kg_now() < deadline && !kg_vm_exited(vm))
		usleep(20000);
	if (vm->pid > 0) {
		kill(vm->pid, SIGKILL);
		while (waitpid(vm->pid, NULL, 0) < 0 && errno == EINTR)
			;
		vm->pid = 0;
	}
}

void kg_vm_cleanup(struct kg_vm *vm)
{
	char path[PATH_MAX + 32];
	static const char *const files[] = { "vs.sock", "console.log", "qemu.log", NULL };

	kg_vm_stop(vm, 5);
	if (vm->listen_fd >= 0)
		close(vm->listen_fd);
	vm->listen_fd = -1;
	if (vm->rundir[0] == '\0')
		return;
	if (getenv("CBPF_GUEST_KEEP") == NULL) {
		for (size_t i = 0; files[i] != NULL; i++) {
			kg_fmt(path, sizeof(path), "%s/%s", vm->rundir, files[i]);
			unlink(path);
		}
		rmdir(vm->rundir);
	}
	vm->rundir[0] = '\0';
}
