/*
 * proto/plugin_vm.c - the plugin protocol's executor backed by our VM: validate
 * and build the program for the request's profile, then run it on every
 * packet with the request's context.
 */
#include "cbpf/plugin.h"

#include <errno.h>
#include <string.h>

#include "cbpf/vm.h"

void cbpf_plugin_vm_exec(void *opaque, const struct cbpf_plugin_request *req,
			 struct cbpf_plugin_response *resp)
{
	struct cbpf_diag prob;
	struct cbpf_vm *vm = NULL;
	int err;

	(void)opaque;
	err = cbpf_vm_create(req->insns, req->ninsns, req->profile, 0, &vm, &prob);
	if (err != 0) {
		/* our own allocation failing is not a verdict about the program */
		if (prob.code == CBPF_ERR_NOMEM) {
			cbpf_plugin_response_error(resp, "out of memory building the VM");
			return;
		}
		if (prob.insn >= 0)
			cbpf_plugin_response_reject(resp, err, "insn %ld: %s: %s", prob.insn,
						    prob.rule ? prob.rule : "invalid", prob.msg);
		else
			cbpf_plugin_response_reject(resp, err, "%s: %s",
						    prob.rule ? prob.rule : "invalid", prob.msg);
		return;
	}
	if (cbpf_plugin_response_ok(resp, req->npackets) != 0) {
		cbpf_vm_free(vm);
		return;
	}
	for (size_t i = 0; i < req->npackets; i++) {
		struct cbpf_result r = cbpf_vm_run(vm, req->packets[i].data, req->packets[i].len,
						   req->profile == CBPF_PROFILE_LINUX ? &req->ctx : NULL);
		resp->results[i].verdict = r.verdict;
		resp->results[i].abort = r.end == CBPF_END_RET ? NULL : cbpf_abort_name(r.end);
	}
	cbpf_vm_free(vm);
}
