// Command cbpf-xnet-plugin serves the cbpf plugin protocol
// (docs/plugin-protocol.md) with Go's golang.org/x/net/bpf VM: raw
// instructions go through RawInstruction.Disassemble, bpf.NewVM validates
// (an error is a rejection) and VM.Run executes (a run-time error gives
// verdict 0 with "abort":"error" and the message in "note").
// Built in GOPATH mode, offline, against Debian's golang-golang-x-net-dev
// and the shared protocol package (harness/plugins/go/src/cbpfplugin).
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"cbpfplugin"

	"golang.org/x/net/bpf"
)

type request struct {
	ID      json.RawMessage `json:"id"`
	Profile string          `json:"profile"`
	Program [][4]uint64     `json:"program"`
	Packets []string        `json:"packets"`
}

// program disassembles the request's raw instructions into x/net/bpf's.
func program(req *request) ([]bpf.Instruction, error) {
	raw, err := cbpfplugin.Program(req.Program)
	if err != nil {
		return nil, err
	}
	insns := make([]bpf.Instruction, len(raw))
	for i, f := range raw {
		insns[i] = bpf.RawInstruction{Op: f.Code, Jt: f.Jt, Jf: f.Jf, K: f.K}.Disassemble()
	}
	return insns, nil
}

// run executes the VM on every packet; a run-time error is verdict 0.
func run(vm *bpf.VM, packets []string) ([]cbpfplugin.Result, error) {
	results := make([]cbpfplugin.Result, 0, len(packets))
	for i, h := range packets {
		pkt, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("packets[%d]: not hex", i)
		}
		v, err := vm.Run(pkt)
		r := cbpfplugin.Result{Verdict: uint32(v)}
		if err != nil {
			word := "error"
			r.Abort, r.Verdict, r.Note = &word, 0, err.Error()
		}
		results = append(results, r)
	}
	return results, nil
}

func serve(line []byte) (resp cbpfplugin.Response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return cbpfplugin.Unparsable(err)
	}
	if req.Profile != "" && req.Profile != "linux" {
		return cbpfplugin.Error(req.ID, "x/net/bpf has no seccomp profile (socket filters only)")
	}
	defer cbpfplugin.Recover(&resp, req.ID, "x/net/bpf")
	insns, err := program(&req)
	if err != nil {
		return cbpfplugin.Error(req.ID, err.Error())
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		return cbpfplugin.Rejected(req.ID, "bpf.NewVM: "+err.Error())
	}
	results, err := run(vm, req.Packets)
	if err != nil {
		return cbpfplugin.Error(req.ID, err.Error())
	}
	return cbpfplugin.OK(req.ID, results)
}

func main() {
	if len(os.Args) > 1 {
		fmt.Println("usage: cbpf-xnet-plugin  (JSON Lines plugin protocol on stdin/stdout)")
		return
	}
	if cbpfplugin.Serve(serve) != nil {
		os.Exit(1)
	}
}
