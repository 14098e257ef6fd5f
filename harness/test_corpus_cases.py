"""test_corpus_cases: every corpus case as one parametrised test (select
with -k): our VM must agree with the live kernel (or, without one, with the
recorded expectation), and the live kernel with the recording.
"""
import os

import pytest

from cbpfconform import casefile, classify, corpus as corpus_mod, impls as impls_mod, runner
from conftest import BUILD, CBPF, CORPUS

CASE_IDS = [os.path.relpath(p, CORPUS)[:-5] for p in casefile.discover(CORPUS)]

_batch = {}


def _run_batch(session):
    """Run every collected case once, on the kernel and our VM."""
    wanted = {item.callspec.params["case_id"] for item in session.items
              if hasattr(item, "callspec") and "case_id" in item.callspec.params}
    loaded = corpus_mod.load(CORPUS, BUILD, CBPF)
    cases = [c for c in loaded.cases if c.id in wanted]
    impls = impls_mod.parse_impls("kernel,vm", BUILD)
    for i in impls:
        impls_mod.probe(i, None)
    try:
        sink = runner.run_all(impls, cases)
    finally:
        impls_mod.close_all(impls)
    records = runner.evaluate(impls, cases, sink, classify.load_rules())
    _batch["records"] = {r["id"]: r for r in records}
    _batch["broken"] = {b["case"]: b["error"] for b in loaded.broken}
    _batch["impls"] = impls


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_case(case_id, request, build_dir):
    if not _batch:
        _run_batch(request.session)
    if case_id in _batch["broken"]:
        pytest.fail(_batch["broken"][case_id])
    rec = _batch["records"][case_id]
    vm = rec["outcomes"]["vm"]
    kernel = rec["outcomes"]["kernel"]
    assert kernel["status"] != "diverge", kernel["detail"]
    if vm["status"] == "skipped":
        pytest.skip(vm["detail"])
    assert vm["status"] == "pass", f"{case_id}: VM vs {rec['reference']}: {vm['detail']}"
