/*
 * cbpf/cbpf.h - everything libcbpf offers, in one include: the instruction
 * model, the opcode table, programs and diagnostics, text and binary
 * formats, the validator, the VM and its run context, context JSON, the
 * pcap reader, the plugin protocol, seccomp input as text, errno names
 * and the library's version.
 */
#ifndef CBPF_CBPF_H
#define CBPF_CBPF_H

#include "cbpf/api.h"
#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "cbpf/opcode_list.h"
#include "cbpf/program.h"
#include "cbpf/format.h"
#include "cbpf/validate.h"
#include "cbpf/vm.h"
#include "cbpf/ctx_json.h"
#include "cbpf/pcap_file.h"
#include "cbpf/plugin.h"
#include "cbpf/seccomp.h"
#include "cbpf/errname.h"
#include "cbpf/version.h"

#endif
