"""cbpfconform: the Python side of cbpf, one importable package.

It reads the case files of corpus/ (schema: corpus/README.md), runs them on
every implementation that speaks the plugin protocol (the live kernel is the
reference), classifies each peer divergence by its known cause, writes
reports/out/ (results.json, summary.md, index.html), and triages
divergences into regression cases.

    python3 -m cbpfconform COMMAND ...         = cbpf corpus COMMAND ...
    python3 -m cbpfconform.triage INPUT ...    = cbpf triage INPUT ...

with harness/ on PYTHONPATH (the Makefile, pytest.ini and the `cbpf`
command set it; an installed cbpf finds the package it installed under
DATADIR/cbpf/python). No module edits sys.path.

Layout, and why:
  cli.py, __main__.py  the `cbpf corpus` command (run, record, merge, render)
  paths.py             the default directories (source tree or installed)
  casefile.py          one case file: schema, parser, writer
  ctx.py               the run context a case may give (plugin protocol)
  corpus.py            selecting cases and resolving what they refer to
  plugin.py, impls.py  one plugin process; the implementations under test
  runner.py            running every case on every implementation
  compare.py           one response against the reference's
  classify.py          the known cause of a divergence (causes.json)
  opcodes.py           the opcode facts, read from `cbpf opcodes --json` (the
                       one source is include/cbpf/opcode_list.h; no module
                       keeps a copy: harness/test_no_opcode_copies.py)
  insns.py             the instruction vocabulary programs are written in
                       (([code, jt, jf, k], bpf_asm text), codes from opcodes)
  randprog.py          the one seeded random-program generator (the corpus's
                       random/ family, `cbpf triage fuzz`, the property tests)
  results.py           results.json: build, validate, merge shards
  env.py, atomic.py    the environment record; atomic file writes
  report/              renderers of results.json: summary.md, index.html and
                       the by-cause clusters both show. They only read a
                       finished results.json, so they sit beside the runner,
                       not in it; `render` and `merge` need nothing else.
  triage/              `cbpf triage`: minimising, classifying and filing a
                       divergence. It is not reporting: it drives the same
                       plugins, comparison and classification as the runner,
                       so it is a subpackage of the runner's package (it
                       used to live in reports/ and reach the harness
                       through sys.path).
"""
