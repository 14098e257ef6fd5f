// Command cbpf-xnet-plugin serves the cbpf plugin protocol
// (docs/plugin-protocol.md) with Go's golang.org/x/net/bpf VM: raw
// instructions go through RawInstruction.Disassemble, bpf.NewVM validates
// (an error is a rejection) and VM.Run executes (a run-time error gives
// verdict 0 with "abort":"error" and the message in "note").
// Built in GOPATH mode, offline, against Debian's golang-golang-x-net-dev.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/net/bpf"
)

type request struct {
	ID      json.RawMessage `json:"id"`
	Profile string          `json:"profile"`
	Program [][4]uint32     `json:"program"`
	Packets []string        `json:"packets"`
}

type result struct {
	Verdict uint32  `json:"verdict"`
	Abort   *string `json:"abort"`
	Note    string  `json:"note,omitempty"`
}

type response struct {
	ID      json.RawMessage `json:"id"`
	Load    string          `json:"load"`
	Errno   string          `json:"errno,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Results *[]result       `json:"results,omitempty"`
}

func serve(line []byte) (resp response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return response{ID: json.RawMessage("null"), Load: "error", Reason: "request: " + err.Error()}
	}
	resp.ID = req.ID
	if len(resp.ID) == 0 {
		resp.ID = json.RawMessage("null")
	}
	if req.Profile != "" && req.Profile != "linux" {
		resp.Load, resp.Reason = "error", "x/net/bpf has no seccomp profile (socket filters only)"
		return
	}
	defer func() {
		if r := recover(); r != nil {
			resp = response{ID: resp.ID, Load: "error", Reason: fmt.Sprintf("x/net/bpf panicked: %v", r)}
		}
	}()
	insns := make([]bpf.Instruction, len(req.Program))
	for i, f := range req.Program {
		if f[0] > 0xffff || f[1] > 0xff || f[2] > 0xff {
			resp.Load, resp.Reason = "error", fmt.Sprintf("program[%d]: field out of range", i)
			return
		}
		raw := bpf.RawInstruction{Op: uint16(f[0]), Jt: uint8(f[1]), Jf: uint8(f[2]), K: f[3]}
		insns[i] = raw.Disassemble()
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		resp.Load, resp.Errno, resp.Reason = "rejected", "EINVAL", "bpf.NewVM: "+err.Error()
		return
	}
	results := make([]result, 0, len(req.Packets))
	for i, h := range req.Packets {
		pkt, err := hex.DecodeString(h)
		if err != nil {
			resp.Load, resp.Reason = "error", fmt.Sprintf("packets[%d]: not hex", i)
			return
		}
		v, err := vm.Run(pkt)
		r := result{Verdict: uint32(v)}
		if err != nil {
			word := "error"
			r.Abort, r.Verdict, r.Note = &word, 0, err.Error()
		}
		results = append(results, r)
	}
	resp.Load, resp.Results = "ok", &results
	return
}

func main() {
	if len(os.Args) > 1 {
		fmt.Println("usage: cbpf-xnet-plugin  (JSON Lines plugin protocol on stdin/stdout)")
		return
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 && !(len(line) == 1 && line[0] == '\n') {
			if e := enc.Encode(serve(line)); e != nil {
				return
			}
			if e := out.Flush(); e != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
