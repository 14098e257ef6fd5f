"""cbpfconform: the conformance runner of cbpf.

Reads the case files of corpus/ (schema: corpus/README.md), runs them on
every implementation that speaks the plugin protocol (the live kernel is the
reference), classifies each peer divergence by its known cause and writes
reports/out/ (results.json, summary.md, index.html).
"""
