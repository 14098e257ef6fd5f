/*
 * cbpf/seccomp.h - seccomp's words as text: the struct seccomp_data a
 * filter sees, written one way for every command and the corpus
 * (docs/seccomp-input.md), the AUDIT_ARCH_* names, syscall names (x86-64
 * and i386) and the actions a filter returns.
 *
 * The input syntax, fields in any order, each at most once, blanks around
 * fields allowed:
 *
 *   nr=N,arch=A,ip=I,args=A0:A1:...:A5
 *
 *   nr    a syscall name of the record's arch (x86-64 and i386 names are
 *         known) or an int: -2147483648..4294967295, decimal or 0x hex, a
 *         u32 spelling stored as its bit pattern (-1 = 0xffffffff)
 *   arch  an AUDIT_ARCH name (x86_64, i386, aarch64, ...) or a u32
 *   ip    a u64 (decimal or 0x hex)
 *   args  1 to 6 u64 separated by ':', the rest 0
 *
 * Omitted fields are 0, except arch: the host's AUDIT_ARCH (the arch the
 * kernel reports for this build's syscalls, CBPF_SECCOMP_HOST_ARCH), so a
 * record means the same to cbpf's VM and to the live kernel.
 */
#ifndef CBPF_SECCOMP_H
#define CBPF_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/api.h"
#include "cbpf/program.h"
#include "cbpf/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The AUDIT_ARCH of the syscalls this build makes (0 on an arch cbpf does
 * not know). */
CBPF_API uint32_t cbpf_seccomp_host_arch(void);

/* Which fields a text gave (bits of cbpf_seccomp_data_parse's *given). */
#define CBPF_SD_NR 0x1u
#define CBPF_SD_ARCH 0x2u
#define CBPF_SD_IP 0x4u
#define CBPF_SD_ARGS 0x8u

/* Parse len bytes of text into *out (the defaults filled first). 0, or -1
 * with d (cbpf/program.h; may be NULL) filled: code CBPF_ERR_INPUT, col
 * the failing field's 1-based column in text, and a one-line msg naming
 * the field ("args: at most 6 values, got '...'").
 * given (may be NULL) receives the CBPF_SD_* bits of the fields the text
 * set. */
CBPF_API int cbpf_seccomp_data_parse(const char *text, size_t len, struct cbpf_seccomp_data *out,
			    unsigned *given, struct cbpf_diag *d);

/* The canonical text of a record, which parses back to it:
 * "nr=1,arch=0xc000003e,ip=0x401000,args=0:0:0:0:0:0", then, when some
 * are known, its names: " (write, x86_64)". Returns snprintf's count. */
CBPF_API int cbpf_seccomp_data_format(const struct cbpf_seccomp_data *sd, char *buf, size_t len);

/* "x86_64", "i386", "aarch64", ... or NULL. */
CBPF_API const char *cbpf_audit_arch_name(uint32_t arch);
/* 0 and *out, or -1 for a name cbpf does not know. */
CBPF_API int cbpf_audit_arch_from_name(const char *name, size_t len, uint32_t *out);

/* The syscall called nr on arch ("read"), NULL when not known. */
CBPF_API const char *cbpf_syscall_name(uint32_t arch, int32_t nr);
/* 0 and *nr, or -1 (no such name, or no names known for arch). */
CBPF_API int cbpf_syscall_from_name(uint32_t arch, const char *name, size_t len, int32_t *nr);

/*
 * What the kernel does with a filter's return value (the action is the
 * top 16 bits, SECCOMP_RET_ACTION_FULL; an unknown one kills the
 * process): "ALLOW", "LOG", "KILL_THREAD", "KILL_PROCESS", "USER_NOTIF",
 * "TRAP" (or "TRAP(n)" for nonzero data, the SIGSYS si_errno),
 * "ERRNO(n)", "TRACE(n)". Returns snprintf's count.
 */
CBPF_API int cbpf_seccomp_action_format(uint32_t ret, char *buf, size_t len);
/* A return value from a number (decimal or 0x hex, a u32) or an action:
 * one of the names above (any case, SECCOMP_RET_ prefix allowed, KILL =
 * KILL_THREAD) with its data as (n) for ERRNO, TRACE and TRAP (0 when
 * left out). 0, or -1 with d (may be NULL) filled as above. */
CBPF_API int cbpf_seccomp_action_parse(const char *text, size_t len, uint32_t *out,
			      struct cbpf_diag *d);

#ifdef __cplusplus
}
#endif

#endif
