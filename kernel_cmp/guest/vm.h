/*
 * guest/vm.h - one guest under qemu (TCG): started with the kernel, the
 * initramfs and the JIT mode on its command line, reached through a
 * virtio-serial port whose host end is a Unix socket we listen on (qemu
 * connects to it at start), ready when /init's banner line arrives. The
 * console goes to a log file in the run directory, to quote when the guest
 * dies. qemu dies with us (PR_SET_PDEATHSIG).
 */
#ifndef CBPF_GUEST_VM_H
#define CBPF_GUEST_VM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "target.h"

struct kg_vm_config {
	const struct kg_target *t;
	const char *image;
	const char *initramfs;
	enum kg_jit jit;
	const char *via;          /* the guest plugin's --via: unix or packet */
	double boot_timeout;      /* seconds to the banner */
	int mem_mb;
};

struct kg_vm {
	pid_t pid;                /* qemu, 0 when none */
	int fd;                   /* the port's stream, -1 when down */
	int listen_fd;
	char rundir[PATH_MAX];    /* vs.sock, console.log, qemu.log */
	char proof[256];          /* the flen= line /init saw ("" in interp mode) */
	double boot_s;            /* spawn to banner */
	int boots;
};

void kg_vm_init(struct kg_vm *vm);
/* Boot; 0 when the banner arrived without error, else -1 with why (the
 * guest is then stopped). */
int kg_vm_start(struct kg_vm *vm, const struct kg_vm_config *c, char *why, size_t len);
/* Close the port; let the guest power off for up to grace seconds, then
 * kill qemu. */
void kg_vm_stop(struct kg_vm *vm, double grace);
/* Stop and remove the run directory. */
void kg_vm_cleanup(struct kg_vm *vm);
/* The last non-empty console line (a panic message, usually), or "". */
void kg_vm_console_tail(const struct kg_vm *vm, char *out, size_t len);
/* Whether qemu has exited (reaped then). */
bool kg_vm_exited(struct kg_vm *vm);
/* The qemu command line (for the record), space-separated. */
void kg_vm_describe(const struct kg_vm_config *c, char *out, size_t len);

double kg_now(void);

#endif
