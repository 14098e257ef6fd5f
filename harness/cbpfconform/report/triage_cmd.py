"""triage_cmd: the `cbpf triage` command line that reproduces and
minimises one divergence of a results.json (cbpfconform/triage/cli.py
reads a results.json INPUT with --case GLOB and --impl), shown by the
HTML report, the JUnit failures and the CI summary.
"""
import shlex


def command(case_id, impl, results_path="reports/out/results.json"):
    """-> 'cbpf triage RESULTS --case ID --impl IMPL' (shell-quoted). The
    kernel's own row (the live kernel against its recording) has no peer:
    triage then re-checks the kernel against our VM."""
    peer = "vm" if impl == "kernel" else impl
    return " ".join(shlex.quote(x) for x in
                    ("cbpf", "triage", results_path, "--case", case_id, "--impl", peer))
