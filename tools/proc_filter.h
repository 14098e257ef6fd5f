/*
 * proc_filter.h - a running process's installed seccomp filter
 * (proc_filter.c), for `--pid PID[:INDEX]` (load.h).
 */
#ifndef CBPF_TOOLS_PROC_FILTER_H
#define CBPF_TOOLS_PROC_FILTER_H

#include <sys/types.h>

#include "cbpf/program.h"

/* Filter index (0 = the first installed) of thread pid into *prog (empty on
 * entry). 0, or -1 after printing "NAME: STEP: ERRNO (why)" on stderr. */
int proc_filter_read(const char *name, pid_t pid, unsigned index, struct cbpf_prog *prog);

#endif
