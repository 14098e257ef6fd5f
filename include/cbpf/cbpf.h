/*
 * cbpf/cbpf.h - everything libcbpf offers, in one include.
 */
#ifndef CBPF_CBPF_H
#define CBPF_CBPF_H

#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "cbpf/program.h"
#include "cbpf/format.h"
#include "cbpf/validate.h"
#include "cbpf/vm.h"

#endif
