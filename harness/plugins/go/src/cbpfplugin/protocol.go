// Package cbpfplugin is what cbpf's Go plugins (x/net/bpf, gVisor pkg/bpf)
// share of the plugin protocol (docs/plugin-protocol.md): the answer's
// shape, the request id rule, the program's field ranges and the serving
// loop (one JSON request per input line, one answer line each, in order,
// empty lines included). Each plugin keeps only what maps a request onto
// the implementation it puts under test.
//
// Built in GOPATH mode: the plugins' GOPATH lists harness/plugins/go after
// /usr/share/gocode.
package cbpfplugin

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// Result is one input's outcome: the verdict, and for a run-time abort its
// word ("load", "div0", "error") with the message in Note.
type Result struct {
	Verdict uint32  `json:"verdict"`
	Abort   *string `json:"abort"`
	Note    string  `json:"note,omitempty"`
}

// Response is one answer line.
type Response struct {
	ID      json.RawMessage `json:"id"`
	Load    string          `json:"load"`
	Errno   string          `json:"errno,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Results *[]Result       `json:"results,omitempty"`
}

// Insn is one [code, jt, jf, k] of a request's "program", range-checked.
type Insn struct {
	Code   uint16
	Jt, Jf uint8
	K      uint32
}

// Program checks each instruction's fields (code 0..65535, jt and jf
// 0..255, k 0..2^32-1) and returns them typed.
func Program(prog [][4]uint64) ([]Insn, error) {
	out := make([]Insn, len(prog))
	for i, f := range prog {
		if f[0] > 0xffff || f[1] > 0xff || f[2] > 0xff || f[3] > 0xffffffff {
			return nil, fmt.Errorf("program[%d]: field out of range", i)
		}
		out[i] = Insn{Code: uint16(f[0]), Jt: uint8(f[1]), Jf: uint8(f[2]), K: uint32(f[3])}
	}
	return out, nil
}

// Answer starts the answer to a request whose raw id is id: a request
// without one is answered with id null.
func Answer(id json.RawMessage) Response {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	return Response{ID: id}
}

// Error is an "error" answer (the plugin could not answer the question).
func Error(id json.RawMessage, reason string) Response {
	r := Answer(id)
	r.Load, r.Reason = "error", reason
	return r
}

// OK is a loaded program's answer with one result per input.
func OK(id json.RawMessage, results []Result) Response {
	r := Answer(id)
	r.Load, r.Results = "ok", &results
	return r
}

// Rejected is a "rejected" answer: the implementation refused the program
// (EINVAL, as a refusing Linux loader says); reason names its validator.
func Rejected(id json.RawMessage, reason string) Response {
	r := Answer(id)
	r.Load, r.Errno, r.Reason = "rejected", "EINVAL", reason
	return r
}

// Recover, deferred by a plugin's serve, turns a panic of the
// implementation under test (named who) into an "error" answer.
func Recover(resp *Response, id json.RawMessage, who string) {
	if r := recover(); r != nil {
		*resp = Error(id, fmt.Sprintf("%s panicked: %v", who, r))
	}
}

// Unparsable is the answer to a line that is not a request.
func Unparsable(err error) Response {
	return Error(nil, "request: "+err.Error())
}

// Serve answers every line of stdin with serve, one line each, flushed
// before the next is read; it returns at the end of input, or with an
// error when stdout cannot be written (the runner went away).
func Serve(serve func(line []byte) Response) error {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			if e := enc.Encode(serve(line)); e != nil {
				return e
			}
			if e := out.Flush(); e != nil {
				return e
			}
		}
		if err != nil {
			return nil
		}
	}
}
