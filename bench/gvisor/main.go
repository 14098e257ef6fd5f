// Command peer_gvisor is bench_vm's gVisor side: it times gVisor's
// classic BPF interpreter (gvisor.dev/gvisor/pkg/bpf: bpf.Compile, then
// bpf.Exec on bpf.InputBytes in network byte order, as docs/peers.md maps a
// socket packet) on the programs and frames bench_vm gives it, and checks
// every verdict against the one our VM gave.
//
// Usage: peer_gvisor FILE, where FILE (written by bench_vm) holds
//
//	frames N
//	HEX                                (N lines, one frame each)
//	prog I n code,jt,jf,k ...          (a program of n instructions)
//	verdicts v0 v1 ... v(N-1)          (our VM's verdicts for prog I)
//
// For each program it prints "gvisor I NS MISMATCHES" (ns per frame, the
// fastest of 31 runs of about 2 ms, like bench_vm) or "gvisor I error
// REASON". Built in GOPATH mode, offline, against /usr/share/gocode.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/bpf"
)

var sink uint32

// timeExec runs every input through p rounds times; ns per input.
func timeExec(p bpf.Program, inputs []bpf.Input, rounds int) float64 {
	var acc uint32
	start := time.Now()
	for r := 0; r < rounds; r++ {
		for _, in := range inputs {
			v, _ := bpf.Exec(p, in)
			acc += v
		}
	}
	sink = acc
	return float64(time.Since(start).Nanoseconds()) / float64(rounds*len(inputs))
}

// measure is bench_vm's method: rounds for about 2 ms, best of 31.
func measure(p bpf.Program, inputs []bpf.Input) float64 {
	probe := timeExec(p, inputs, 20)
	rounds := int(2e6/(probe*float64(len(inputs)))) + 1
	best := 1e30
	for rep := 0; rep < 31; rep++ {
		if t := timeExec(p, inputs, rounds); t < best {
			best = t
		}
	}
	return best
}

func parseProgram(fields []string) ([]linux.BPFInstruction, error) {
	var insns []linux.BPFInstruction
	for _, f := range fields {
		parts := strings.Split(f, ",")
		if len(parts) != 4 {
			return nil, fmt.Errorf("instruction %q is not code,jt,jf,k", f)
		}
		var v [4]uint64
		for i, s := range parts {
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return nil, err
			}
			v[i] = n
		}
		insns = append(insns, linux.BPFInstruction{OpCode: uint16(v[0]),
			JumpIfTrue: uint8(v[1]), JumpIfFalse: uint8(v[2]), K: uint32(v[3])})
	}
	return insns, nil
}

// run measures one program; its verdicts line follows in the file.
func run(id string, prog []string, verdicts []string, inputs []bpf.Input) string {
	insns, err := parseProgram(prog)
	if err != nil {
		return fmt.Sprintf("gvisor %s error %v", id, err)
	}
	p, err := bpf.Compile(insns)
	if err != nil {
		return fmt.Sprintf("gvisor %s error bpf.Compile: %v", id, err)
	}
	if len(verdicts) != len(inputs) {
		return fmt.Sprintf("gvisor %s error %d verdicts for %d frames", id, len(verdicts), len(inputs))
	}
	bad := 0
	for i, in := range inputs {
		got, _ := bpf.Exec(p, in)
		if strconv.FormatUint(uint64(got), 10) != verdicts[i] {
			bad++
		}
	}
	return fmt.Sprintf("gvisor %s %.3f %d", id, measure(p, inputs), bad)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: peer_gvisor FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer_gvisor:", err)
		os.Exit(1)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var inputs []bpf.Input
	var prog []string
	var id string
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "frames":
			n, _ := strconv.Atoi(fields[1])
			for i := 0; i < n && sc.Scan(); i++ {
				b, err := hex.DecodeString(strings.TrimSpace(sc.Text()))
				if err != nil {
					fmt.Fprintln(os.Stderr, "peer_gvisor: frame", i, err)
					os.Exit(1)
				}
				inputs = append(inputs, bpf.InputBytes{Data: b, Order: binary.BigEndian})
			}
		case "prog":
			id, prog = fields[1], fields[3:]
		case "verdicts":
			fmt.Println(run(id, prog, fields[1:], inputs))
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "peer_gvisor:", err)
		os.Exit(1)
	}
}
