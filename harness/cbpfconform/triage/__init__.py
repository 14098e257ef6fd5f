"""triage: turn a divergence between two cBPF implementations into the
smallest program and packet that still show it, name its cause, and file
it as a regression case in corpus/regress/ (`cbpf triage`).

Modules, one concept each:
  inputs     what can be triaged: fuzz reproducers, raw fuzzer inputs,
             failed cases of results.json, case files, a program + packets
  oracle     one plugin process per implementation, candidates in batches,
             and the "same divergence" predicate (cbpfconform.compare)
  shrink     the deterministic minimiser (deletion with jump fix-up,
             simpler instructions, edge constants, packet, context)
  regress    classification (cbpfconform.classify + causes.json),
             deduplication against corpus/regress/, filing and recording
  diff_fuzz  a differential fuzz run of two implementations (libpcap
             against the kernel by default) writing reproducers
  cli        the command line (`cbpf triage`, python3 -m cbpfconform.triage)

The triage section of the conformance report is cbpfconform.report.clusters.
"""
