/*
 * commands.h - the subcommands of the cbpf command (one file each,
 * tools/cmd_NAME.c) and the small helpers they share.
 */
#ifndef CBPF_TOOLS_COMMANDS_H
#define CBPF_TOOLS_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "cbpf/plugin.h"
#include "cbpf/validate.h"

/* Each returns the process exit status: 0 ok, 1 "no" (a rejected program,
 * a divergence), 2 usage or unreadable input. */
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_plugin(int argc, char **argv);
/* Serve the plugin protocol on stdin/stdout with exec until end of input:
 * 0, or 2 when stdin or stdout fail (who names the command in the error). */
int plugin_serve_stdio(const char *who, cbpf_plugin_exec_fn exec, void *opaque);
int cmd_kernel(int argc, char **argv);
int cmd_corpus(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_opcodes(int argc, char **argv);
int cmd_seccomp(int argc, char **argv);
/* `cbpf kernel fetch` and `cbpf kernel plugin --target` (cmd_kernel_guest.c) */
int cmd_kernel_fetch(int argc, char **argv);
int cmd_kernel_plugin_guest(int argc, char **argv);

/* Read a whole file ("-" or NULL = stdin) into a malloc'd buffer with a
 * NUL after the last byte. Returns 0, or -1 after printing
 * "cbpf: PATH: reason" to stderr. */
int tool_read_input(const char *path, char **buf, size_t *len);

/* The same with another limit (at least 4096 bytes; a larger input is
 * refused as soon as limit + 1 bytes were read: "cbpf: PATH: more than N
 * MiB: what"). */
int tool_read_input_limit(const char *path, size_t limit, const char *what, char **buf,
			  size_t *len);

/* Write len bytes to path ("-" or NULL = stdout) atomically (temp file +
 * rename for real files). Returns 0, or -1 after printing the error (for
 * stdout, tool_exit_status prints it). */
int tool_write_output(const char *path, const void *buf, size_t len);

/* `--output FILE`: stdout goes to a temporary file next to FILE, which
 * tool_exit_status renames to FILE when the status is 0 or 1 (the command
 * ran to the end), else removes. 0, or -1 after printing why. */
int tool_redirect_stdout(const char *path);

/* fflush(stdout): 0, or -1 when stdout has failed. The first errno is
 * kept for tool_exit_status: the flush's own, or, when an earlier write
 * failed (ferror), errno as it was on the call, so call it right after. */
int tool_flush_stdout(void);

/* What main returns after a command returned rc: flushes and closes
 * stdout; when any write to it failed, prints "cbpf: <stdout>: why" and
 * returns rc if it is 2 or more, else 2. */
int tool_exit_status(int rc);

/* Exec `/usr/bin/python3 -m MODULE` (a module of the cbpfconform package,
 * found as python_exec.c says and put on PYTHONPATH) with the lead
 * arguments, then --build=DIR (the directory above this binary's bin/)
 * when with_build, then rest. Returns 2 after printing why when it cannot. */
int tool_exec_python(const char *cmd, const char *module, const char *const *lead, size_t nlead,
		     int with_build, char *const *rest, size_t nrest);

/* Print the result line of one input (verdict_line.c): "VERDICT" or, for
 * seccomp, "0xHHHHHHHH ACTION", then " (abort: KIND)" when abort_kind is
 * not NULL and " (NOTE)" when note is not NULL. */
void tool_print_verdict(enum cbpf_profile profile, uint32_t verdict, const char *abort_kind,
			const char *note);

/* A usage error: "cbpf CMD: " fmt (with arg), then a line pointing at
 * `cbpf CMD --help`, on stderr. Returns 2. */
int tool_usage_error(const char *cmd, const char *fmt, const char *arg);

/* `cbpf --version` (version.c): the library's version, the kernel release
 * and machine, the JIT state (bpf_jit_enable), one `key value` line each. */
int tool_print_version(void);

/* The name to show for an input path in messages. */
const char *tool_input_name(const char *path);

/* The source tree (the guest oracle is built from it): $CBPF_SRC, else the
 * one this binary was configured from. */
const char *tool_source_dir(void);

#endif
