"""cbpfconform.fuzz: `cbpf fuzz campaign`, long-running fuzzing (fuzz/README.md,
"Campaigns"): libfuzzer.py runs one slice of one target and minimises its
corpus, findings.py turns what a slice left into triaged, deduplicated
findings, status.py keeps the campaign's status file, plot.py draws it, and
campaign.py rotates the targets over the jobs until the time is up or a
signal stops it."""
