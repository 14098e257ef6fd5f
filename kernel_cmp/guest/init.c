/*
 * guest/init.c - /init of a guest kernel's initramfs (docs/kernel-matrix.md).
 * It mounts devtmpfs, proc and sysfs, loads the modules listed in
 * /lib/cbpf/modules (virtio, virtio_pci, virtio_console: finit_module),
 * sets the JIT mode given on the kernel command line (cbpf.jit=0|1) and
 * proves it (with bpf_jit_enable=2 one probe attach must log "flen=" in
 * /dev/kmsg), finds the virtio-serial port named "cbpf", writes one banner
 * line on it and then runs `/bin/cbpf kernel plugin` with the port as its
 * stdin and stdout. When the plugin ends, the guest powers off.
 *
 * Banner: {"cbpf_guest":1,"jit":"jit"|"interp","jit_proof":"flen=..."|null,
 *          "modules":"...","error":null|"why"}
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT_NAME "cbpf"
#define JIT_SYSCTL "/proc/sys/net/core/bpf_jit_enable"

struct boot {
	int jit;                 /* 1 jit, 0 interp */
	char via[16];            /* cbpf.via= (unix, packet) */
	char proof[160];         /* the flen= line, "" when none */
	char modules[256];       /* what loading the modules said */
	char error[256];         /* "" when ready */
};

static void say(const char *msg)
{
	fprintf(stderr, "cbpf-guest: %s\n", msg);
}

static void mount_all(void)
{
	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/tmp", 01777);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
		say("cannot mount devtmpfs");
	if (mount("proc", "/proc", "proc", 0, NULL) != 0)
		say("cannot mount proc");
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0)
		say("cannot mount sysfs");
}

/* cbpf.jit=N and cbpf.via=NAME from /proc/cmdline. */
static void read_cmdline(struct boot *b)
{
	char line[2048], *save = NULL;
	FILE *f = fopen("/proc/cmdline", "re");

	b->jit = 1;
	snprintf(b->via, sizeof(b->via), "unix");
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	for (char *w = strtok_r(line, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		if (strncmp(w, "cbpf.jit=", 9) == 0)
			b->jit = atoi(w + 9) != 0;
		else if (strncmp(w, "cbpf.via=", 9) == 0)
			snprintf(b->via, sizeof(b->via), "%s", w + 9);
	}
}

/* finit_module each path of /lib/cbpf/modules, in order; EEXIST is fine. */
static void load_modules(struct boot *b)
{
	char path[512];
	int loaded = 0, failed = 0;
	FILE *f = fopen("/lib/cbpf/modules", "re");

	if (f == NULL)
		return;
	while (fgets(path, sizeof(path), f) != NULL) {
		int fd;
		path[strcspn(path, "\n")] = '\0';
		if (path[0] == '\0')
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && (syscall(SYS_finit_module, fd, "", 0) == 0 || errno == EEXIST)) {
			loaded++;
		} else {
			failed++;
			fprintf(stderr, "cbpf-guest: %s: %s\n", path, strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
	fclose(f);
	snprintf(b->modules, sizeof(b->modules), "%d loaded, %d failed", loaded, failed);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Attach `ret #1` to a fresh socket: one JIT compile when the JIT is on. */
static void probe_attach(void)
{
	struct sock_filter insn = { 0x06, 0, 0, 1 };
	struct sock_fprog prog = { 1, &insn };
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	close(s);
}

/* The first "flen=" record of /dev/kmsg logged by the probe (kmsg_fd
 * positioned before it). */
static void find_flen(int kmsg_fd, char *out, size_t len)
{
	char rec[1024];
	ssize_t n;

	out[0] = '\0';
	while ((n = read(kmsg_fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *at;
		if (n <= 0)
			continue;
		rec[n] = '\0';
		at = strstr(rec, "flen=");
		if (at != NULL && out[0] == '\0') {
			at[strcspn(at, "\n")] = '\0';
			snprintf(out, len, "%s", at);
		}
	}
}

/* Set the JIT mode; in JIT mode prove it with one logged compile. */
static void set_jit(struct boot *b)
{
	int kmsg;

	if (access(JIT_SYSCTL, F_OK) != 0) {
		if (b->jit)
			snprintf(b->error, sizeof(b->error),
				 "this kernel has no eBPF JIT (no %s)", JIT_SYSCTL);
		return;
	}
	if (!b->jit) {
		if (write_file(JIT_SYSCTL, "0") != 0)
			snprintf(b->error, sizeof(b->error), "cannot write 0 to %s", JIT_SYSCTL);
		return;
	}
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	if (write_file(JIT_SYSCTL, "2") != 0) {
		snprintf(b->error, sizeof(b->error), "cannot write 2 to %s", JIT_SYSCTL);
	} else {
		probe_attach();
		if (kmsg >= 0)
			find_flen(kmsg, b->proof, sizeof(b->proof));
		if (b->proof[0] == '\0')
			snprintf(b->error, sizeof(b->error),
				 "bpf_jit_enable=2 but the probe attach logged no flen= line");
	}
	if (write_file(JIT_SYSCTL, "1") != 0 && b->error[0] == '\0')
		snprintf(b->error, sizeof(b->error), "cannot write 1 to %s", JIT_SYSCTL);
	if (kmsg >= 0)
		close(kmsg);
}

/* /dev/vportNpM of the port named PORT_NAME, polled for up to 10 s. */
static int open_port(void)
{
	for (int tries = 0; tries < 1000; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;
		while (d != NULL && (e = readdir(d)) != NULL) {
			char path[300], name[64] = "";
			FILE *f;
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
			f = fopen(path, "re");
			if (f == NULL)
				continue;
			if (fgets(name, sizeof(name), f) == NULL)
				name[0] = '\0';
			fclose(f);
			name[strcspn(name, "\n")] = '\0';
			if (strcmp(name, PORT_NAME) == 0) {
				int fd;
				snprintf(path, sizeof(path), "/dev/%s", e->d_name);
				fd = open(path, O_RDWR | O_CLOEXEC);
				if (fd >= 0) {
					closedir(d);
					return fd;
				}
			}
		}
		if (d != NULL)
			closedir(d);
		usleep(10000);
	}
	return -1;
}

static void json_str(FILE *f, const char *s)
{
	if (s[0] == '\0') {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void write_banner(int port, const struct boot *b)
{
	FILE *f = fdopen(dup(port), "w");

	if (f == NULL)
		return;
	fprintf(f, "{\"cbpf_guest\":1,\"jit\":\"%s\",\"jit_proof\":", b->jit ? "jit" : "interp");
	json_str(f, b->proof);
	fputs(",\"modules\":", f);
	json_str(f, b->modules);
	fputs(",\"error\":", f);
	json_str(f, b->error);
	fputs("}\n", f);
	fclose(f);
}

/* Run the plugin on the port; its exit status. */
static int serve(int port, const struct boot *b)
{
	char via[32];
	pid_t pid;
	int st = 0;

	snprintf(via, sizeof(via), "%s", b->via);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "cbpf", "kernel", "plugin", "--via", via, NULL };
		dup2(port, 0);
		dup2(port, 1);
		execv("/bin/cbpf", argv);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	/* pid 1 reaps every orphan; the plugin's own children included */
	for (;;) {
		pid_t w = wait(&st);
		if (w == pid || (w < 0 && errno == ECHILD))
			break;
	}
	return st;
}

int main(void)
{
	struct boot b;
	int port, st;

	if (getpid() != 1) {
		fprintf(stderr, "cbpf-guest-init: only runs as a guest kernel's /init (pid 1)\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	mount_all();
	read_cmdline(&b);
	load_modules(&b);
	set_jit(&b);
	port = open_port();
	if (port < 0) {
		say("no virtio-serial port named " PORT_NAME " appeared in 10 s");
	} else {
		write_banner(port, &b);
		if (b.error[0] == '\0') {
			st = serve(port, &b);
			if (st != 0)
				fprintf(stderr, "cbpf-guest: the plugin ended with status %#x\n", st);
		}
	}
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
