// Command cbpf-gvisor-plugin serves the cbpf plugin protocol
// (docs/plugin-protocol.md) with gVisor's pkg/bpf (gvisor.dev/gvisor/pkg/bpf),
// the classic BPF validator and interpreter gVisor's sentry runs guest
// seccomp filters with. The mapping (docs/peers.md):
//
//   - load: bpf.Compile (the validator gVisor's seccomp(2) calls); an error
//     is "rejected" with EINVAL, as sys_seccomp.go returns;
//   - a socket packet ("linux" profile) is bpf.InputBytes{pkt, BigEndian}
//     (network byte order, as cBPF packet loads are); a seccomp input is the
//     64-byte struct seccomp_data record as InputBytes in the host's byte
//     order (little-endian here), as the sentry's dataAsBPFInput builds it;
//   - bpf.Exec's return value is the verdict; an Exec error gives verdict 0
//     (for seccomp that is the SECCOMP_RET_KILL_THREAD the sentry uses) with
//     "abort" "load" (InvalidLoad), "div0" (DivisionByZero) or "error", and
//     the message in "note".
//
// With --optimise it would run gVisor's optimiser first; the Debian snapshot
// (golang-gvisor-gvisor-dev 0.0~20221219) predates it, so that mode answers
// every request with an error naming why, and the runner skips it.
// Built in GOPATH mode, offline, against /usr/share/gocode.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/bpf"
)

// noOptimiser is the answer of --optimise mode.
const noOptimiser = "gVisor's pkg/bpf optimiser is not in this build: Debian's " +
	"golang-gvisor-gvisor-dev (0.0~20221219) predates bpf.Optimize; gvisor-optimised " +
	"needs a newer pkg/bpf, which Debian does not ship"

type request struct {
	ID          json.RawMessage `json:"id"`
	Profile     string          `json:"profile"`
	Program     [][4]uint64     `json:"program"`
	Packets     []string        `json:"packets"`
	SeccompData []seccompData   `json:"seccomp_data"`
}

// seccompData is one "seccomp_data" input written as fields
// (docs/plugin-protocol.md); arch defaults to x86-64's AUDIT_ARCH.
type seccompData struct {
	Nr   int64    `json:"nr"`
	Arch *uint32  `json:"arch"`
	IP   uint64   `json:"ip"`
	Args []uint64 `json:"args"`
}

const auditArchX86_64 = 0xc000003e

// record is the 64-byte struct seccomp_data, little-endian (x86-64).
func (d seccompData) record() ([]byte, error) {
	if d.Nr < -2147483648 || d.Nr > 4294967295 || len(d.Args) > 6 {
		return nil, fmt.Errorf("nr out of range or more than 6 args")
	}
	arch := uint32(auditArchX86_64)
	if d.Arch != nil {
		arch = *d.Arch
	}
	b := make([]byte, 64)
	binary.LittleEndian.PutUint32(b[0:], uint32(d.Nr))
	binary.LittleEndian.PutUint32(b[4:], arch)
	binary.LittleEndian.PutUint64(b[8:], d.IP)
	for i, a := range d.Args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	return b, nil
}

// inputs decodes the request's inputs: hex packets, or seccomp_data fields.
func inputs(req *request) ([][]byte, error) {
	if req.SeccompData != nil {
		if req.Packets != nil {
			return nil, fmt.Errorf("give \"packets\" or \"seccomp_data\", not both")
		}
		if req.Profile != "seccomp" {
			return nil, fmt.Errorf("seccomp_data: only for profile \"seccomp\"")
		}
		out := make([][]byte, len(req.SeccompData))
		for i, d := range req.SeccompData {
			r, err := d.record()
			if err != nil {
				return nil, fmt.Errorf("seccomp_data[%d]: %v", i, err)
			}
			out[i] = r
		}
		return out, nil
	}
	out := make([][]byte, len(req.Packets))
	for i, h := range req.Packets {
		data, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("packets[%d]: not hex", i)
		}
		if req.Profile == "seccomp" && len(data) != 64 {
			return nil, fmt.Errorf("packets[%d]: a seccomp_data record is 64 bytes, got %d",
				i, len(data))
		}
		out[i] = data
	}
	return out, nil
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

// input maps one protocol input to what gVisor's callers give bpf.Exec.
func input(profile string, data []byte) bpf.Input {
	if profile == "seccomp" {
		return bpf.InputBytes{Data: data, Order: binary.LittleEndian}
	}
	return bpf.InputBytes{Data: data, Order: binary.BigEndian}
}

// abortWord names an Exec error in the protocol's "abort" vocabulary.
func abortWord(err error) string {
	var e bpf.Error
	if errors.As(err, &e) {
		switch e.Code {
		case bpf.InvalidLoad:
			return "load"
		case bpf.DivisionByZero:
			return "div0"
		}
	}
	return "error"
}

func program(req *request) ([]linux.BPFInstruction, error) {
	insns := make([]linux.BPFInstruction, len(req.Program))
	for i, f := range req.Program {
		if f[0] > 0xffff || f[1] > 0xff || f[2] > 0xff || f[3] > 0xffffffff {
			return nil, fmt.Errorf("program[%d]: field out of range", i)
		}
		insns[i] = linux.BPFInstruction{OpCode: uint16(f[0]), JumpIfTrue: uint8(f[1]),
			JumpIfFalse: uint8(f[2]), K: uint32(f[3])}
	}
	return insns, nil
}

func run(req *request, p bpf.Program) ([]result, error) {
	ins, err := inputs(req)
	if err != nil {
		return nil, err
	}
	results := make([]result, 0, len(ins))
	for _, data := range ins {
		v, err := bpf.Exec(p, input(req.Profile, data))
		r := result{Verdict: v}
		if err != nil {
			word := abortWord(err)
			r.Abort, r.Verdict, r.Note = &word, 0, err.Error()
		}
		results = append(results, r)
	}
	return results, nil
}

func serve(line []byte, optimise bool) (resp response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return response{ID: json.RawMessage("null"), Load: "error", Reason: "request: " + err.Error()}
	}
	resp.ID = req.ID
	if len(resp.ID) == 0 {
		resp.ID = json.RawMessage("null")
	}
	if optimise {
		resp.Load, resp.Reason = "error", noOptimiser
		return
	}
	if req.Profile != "linux" && req.Profile != "seccomp" {
		resp.Load, resp.Reason = "error", fmt.Sprintf("profile: expected \"linux\" or \"seccomp\", got %q", req.Profile)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			resp = response{ID: resp.ID, Load: "error", Reason: fmt.Sprintf("gVisor pkg/bpf panicked: %v", r)}
		}
	}()
	insns, err := program(&req)
	if err != nil {
		resp.Load, resp.Reason = "error", err.Error()
		return
	}
	p, err := bpf.Compile(insns)
	if err != nil {
		resp.Load, resp.Errno, resp.Reason = "rejected", "EINVAL", "bpf.Compile: "+err.Error()
		return
	}
	results, err := run(&req, p)
	if err != nil {
		resp.Load, resp.Reason = "error", err.Error()
		return
	}
	resp.Load, resp.Results = "ok", &results
	return
}

func main() {
	optimise := false
	for _, a := range os.Args[1:] {
		switch a {
		case "--optimise":
			optimise = true
		case "--help":
			fmt.Println("usage: cbpf-gvisor-plugin [--optimise]  (JSON Lines plugin protocol on " +
				"stdin/stdout; docs/plugin-protocol.md)\ngVisor pkg/bpf: bpf.Compile + bpf.Exec")
			return
		default:
			fmt.Fprintf(os.Stderr, "cbpf-gvisor-plugin: unknown argument %q (try --help)\n", a)
			os.Exit(2)
		}
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for {
		line, err := in.ReadBytes('\n')
		// every line gets an answer, an empty one too (a JSON error)
		if len(line) > 0 {
			if e := enc.Encode(serve(line, optimise)); e != nil {
				os.Exit(1)
			}
			if e := out.Flush(); e != nil {
				os.Exit(1)
			}
		}
		if err != nil {
			return
		}
	}
}
