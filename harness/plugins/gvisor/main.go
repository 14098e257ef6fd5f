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
// Built in GOPATH mode, offline, against /usr/share/gocode and the shared
// protocol package (harness/plugins/go/src/cbpfplugin).
package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"cbpfplugin"

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

// program maps the request's raw instructions onto gVisor's.
func program(req *request) ([]linux.BPFInstruction, error) {
	raw, err := cbpfplugin.Program(req.Program)
	if err != nil {
		return nil, err
	}
	insns := make([]linux.BPFInstruction, len(raw))
	for i, f := range raw {
		insns[i] = linux.BPFInstruction{OpCode: f.Code, JumpIfTrue: f.Jt, JumpIfFalse: f.Jf, K: f.K}
	}
	return insns, nil
}

func run(req *request, p bpf.Program) ([]cbpfplugin.Result, error) {
	ins, err := inputs(req)
	if err != nil {
		return nil, err
	}
	results := make([]cbpfplugin.Result, 0, len(ins))
	for _, data := range ins {
		v, err := bpf.Exec(p, input(req.Profile, data))
		r := cbpfplugin.Result{Verdict: v}
		if err != nil {
			word := abortWord(err)
			r.Abort, r.Verdict, r.Note = &word, 0, err.Error()
		}
		results = append(results, r)
	}
	return results, nil
}

func serve(line []byte, optimise bool) (resp cbpfplugin.Response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return cbpfplugin.Unparsable(err)
	}
	if optimise {
		return cbpfplugin.Error(req.ID, noOptimiser)
	}
	if req.Profile != "linux" && req.Profile != "seccomp" {
		return cbpfplugin.Error(req.ID, fmt.Sprintf("profile: expected \"linux\" or \"seccomp\", got %q", req.Profile))
	}
	defer cbpfplugin.Recover(&resp, req.ID, "gVisor pkg/bpf")
	insns, err := program(&req)
	if err != nil {
		return cbpfplugin.Error(req.ID, err.Error())
	}
	p, err := bpf.Compile(insns)
	if err != nil {
		return cbpfplugin.Rejected(req.ID, "bpf.Compile: "+err.Error())
	}
	results, err := run(&req, p)
	if err != nil {
		return cbpfplugin.Error(req.ID, err.Error())
	}
	return cbpfplugin.OK(req.ID, results)
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
	// every line gets an answer, an empty one too (a JSON error)
	if cbpfplugin.Serve(func(line []byte) cbpfplugin.Response { return serve(line, optimise) }) != nil {
		os.Exit(1)
	}
}
