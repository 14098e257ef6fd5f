"""The pure parts of the fuzzing benchmarks (no fuzzing CPU): fuzz/eval.py's
choice of the targets to run (--targets, the cache), the two tables
`make fuzz-eval` prints, and fuzz/coverage.py's rooms."""
import importlib.util
import os

from conftest import SRC


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(SRC, "fuzz", name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ev = load("eval")
cov = load("coverage")

MUT = {"id": "vm-x", "targets": ["vm_jit", "vm_kernel", "vm_pcap"]}


def cached(target, **kw):
    r = {"killed": True, "time": 0.5, "budget": 120, "patch": "p", "harness": "h"}
    r.update(kw)
    return {f"afl/vm-x/{target}": r}


def test_todo_targets_all_without_cache():
    assert ev.todo_targets(MUT, {}, "afl", "p", "h", 120) == ["vm_jit", "vm_kernel", "vm_pcap"]


def test_todo_targets_only_restricts():
    assert ev.todo_targets(MUT, {}, "afl", "p", "h", 120, only={"vm_kernel", "codec"}) == \
        ["vm_kernel"]
    assert ev.todo_targets(MUT, {}, "afl", "p", "h", 120, only={"codec"}) == []


def test_todo_targets_skips_current_results_reruns_stale():
    assert ev.todo_targets(MUT, cached("vm_jit"), "afl", "p", "h", 120) == \
        ["vm_kernel", "vm_pcap"]
    for stale in ({"patch": "old"}, {"harness": "old"}, {"budget": 60}):
        assert ev.todo_targets(MUT, cached("vm_jit", **stale), "afl", "p", "h", 120) == \
            ["vm_jit", "vm_kernel", "vm_pcap"]
    assert ev.todo_targets(MUT, cached("vm_jit"), "afl", "p", "h", 120, force=True) == \
        ["vm_jit", "vm_kernel", "vm_pcap"]
    # another engine's result is not this one's
    assert ev.todo_targets(MUT, cached("vm_jit"), "plain", "p", "h", 120) == \
        ["vm_jit", "vm_kernel", "vm_pcap"]


def test_tables_print_mutant_and_baseline_tables():
    results = {"structure/vm-x/vm_jit": {"killed": True, "time": 2.0, "budget": 120},
               "structure/vm-x/vm_kernel": {"killed": False, "time": 120, "budget": 120},
               "afl/vm-x/vm_kernel": {"killed": True, "time": 40.0, "budget": 120}}
    text = ev.tables(results, [MUT], 120, ["structure", "plain", "afl"])
    assert "### Mutants x targets" in text and "### Baseline" in text
    assert "| vm-x | 2.0 | >120 | · | 2.0 |" in text
    assert "| vm-x | 2.0 | · | 40.0 |" in text
    assert "| structure | 1/1 | 2.0 s | 1 | 2.0 s |" in text
    assert "| plain | 0/0 | – | 0 | – |" in text


def test_coverage_rooms():
    assert cov.room("lib/vm/jit/x86_64.c") == "lib/vm"
    assert cov.room("lib/format/bpfasm/lex.c") == "lib/format"
    assert cov.room("kernel_cmp/unix_oracle.c") == "kernel_cmp"


def test_every_mutant_patch_applies_exactly_to_the_tree():
    """A refactor that moves the code a mutant patches makes the planted bug
    vanish from `make fuzz-eval` (patch(1) gives up or applies with fuzz):
    every patch applies with no offset fuzz, touches exactly the file its
    mutants.tsv row names, and every row has its patch and no patch is
    without a row."""
    import subprocess
    muts = ev.read_mutants(os.path.join(SRC, "fuzz", "mutants", "mutants.tsv"))
    assert len(muts) >= 25
    ids = {m["id"] for m in muts}
    patches = {f[:-len(".patch")] for f in os.listdir(os.path.join(SRC, "fuzz", "mutants"))
               if f.endswith(".patch")}
    assert patches == ids
    bad = []
    for m in muts:
        patch = ev.patch_path(m["id"])
        r = subprocess.run(["git", "apply", "--check", "-C3", patch], cwd=SRC,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            bad.append(f"{m['id']}: {r.stdout.strip()}")
        elif ev.patched_files(patch) != [m["file"]]:
            bad.append(f"{m['id']}: patches {ev.patched_files(patch)}, mutants.tsv says {m['file']}")
    assert bad == []


def test_empty_setups_run_the_first_target_only():
    assert ev.engine_targets("structure-empty", MUT) == ["vm_jit"]
    assert ev.engine_targets("plain-empty", MUT) == ["vm_jit"]
    assert ev.engine_targets("plain", MUT) == ["vm_jit", "vm_kernel", "vm_pcap"]
    assert ev.todo_targets(MUT, {}, "plain-empty", "p", "h", 60) == ["vm_jit"]
    assert ev.todo_targets(MUT, {}, "plain-empty", "p", "h", 60, only={"vm_kernel"}) == []


def test_empty_setup_seeds_dir_is_empty(tmp_path):
    class Args:
        fuzz_build = str(tmp_path)
        cflags = "-O1"
        afl_cflags = "-O1"
    eng = ev.Engine("structure-empty", Args)
    assert (eng.kind, eng.seeded) == ("structure", False)
    d = ev.seeds_dir(eng, "vm_jit", str(tmp_path))
    assert os.listdir(d) == []
    assert ev.Engine("plain", Args).seeded


def test_empty_setups_never_count_seed_kills(tmp_path, monkeypatch):
    # a log without INITED is a seed replay for a seeded setup, not for -empty
    for e in ("plain", "plain-empty"):
        d = tmp_path / e / "vm-x"
        d.mkdir(parents=True)
        (d / "fuzz_vm_jit.log").write_text("==1== ERROR: libFuzzer: deadly signal\n")
    monkeypatch.setattr(ev, "LOG_DIR", str(tmp_path))
    assert ev.seed_kill("plain/vm-x/vm_jit") is True
    assert ev.seed_kill("plain-empty/vm-x/vm_jit") is False


def test_save_results_keeps_another_runs_keys(tmp_path):
    """Two evaluations (say afl and structure-empty) on one --dir: each
    save merges its own keys into the file as it is, none is lost."""
    path = str(tmp_path / "results.json")
    a = {"afl/vm-x/vm_jit": {"killed": True, "time": 3.0}}
    b = {"plain-empty/vm-x/vm_jit": {"killed": False, "time": 60}}
    ev.save_results(path, a, {"afl/vm-x/vm_jit"})
    ev.save_results(path, b, {"plain-empty/vm-x/vm_jit"})
    a["afl/vm-y/vm_jit"] = {"killed": True, "time": 1.0}
    ev.save_results(path, a, {"afl/vm-x/vm_jit", "afl/vm-y/vm_jit"})
    assert sorted(ev.load_results(path)) == ["afl/vm-x/vm_jit", "afl/vm-y/vm_jit",
                                             "plain-empty/vm-x/vm_jit"]
    assert "plain-empty/vm-x/vm_jit" in a      # the caller sees the others' results too
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == []


def test_head_to_head_counts_kills_and_faster():
    muts = [dict(MUT, id=f"m{i}") for i in range(4)]
    r = {}
    for i, (ta, tb) in enumerate([(1.0, 5.0), (5.0, 1.0), (2.0, 2.1), (3.0, None)]):
        r[f"structure-empty/m{i}/vm_jit"] = {"killed": True, "time": ta, "budget": 60}
        r[f"plain-empty/m{i}/vm_jit"] = ({"killed": True, "time": tb, "budget": 60} if tb
                                         else {"killed": False, "time": 60, "budget": 60})
    assert ev.head_to_head(r, muts, "structure-empty", "plain-empty") == (
        "structure-empty vs plain-empty: 4 mutants run by both; killed 4 vs 3; of the 3 both "
        "killed, structure-empty faster on 1, plain-empty on 1, 1 within 10%.")
    text = ev.tables(r, muts, 120, ["structure-empty", "plain-empty"])  # each run's own budget
    assert "| m3 | 3.0 | >60 |" in text
    assert "structure-empty vs plain-empty: 4 mutants" in text


def test_first_target_option_restricts_any_setup():
    assert ev.todo_targets(MUT, {}, "afl", "p", "h", 120, first=True) == ["vm_jit"]
    assert ev.todo_targets(MUT, cached("vm_jit"), "afl", "p", "h", 120, first=True) == []
