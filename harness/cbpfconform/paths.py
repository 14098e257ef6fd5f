"""paths: the directories the commands use when not told otherwise.

In the source tree the package is SRC/harness/cbpfconform/ and the defaults
are SRC/corpus, SRC/build (or $CBPF_BUILD) and SRC/reports/out. Installed
by `cmake --install`, the package is DATADIR/cbpf/python/cbpfconform/ and
there is no source tree: SOURCE is None, and the `cbpf` command passes the
build directory (its own prefix) while the corpus and the report directory
must be given (--corpus, --out), or are ./corpus and ./reports/out.
"""
import os

PACKAGE = os.path.dirname(os.path.abspath(__file__))
# The directory to put on PYTHONPATH for a child `python3 -m cbpfconform`.
IMPORT_ROOT = os.path.dirname(PACKAGE)


def _source_tree():
    src = os.path.dirname(IMPORT_ROOT)
    if os.path.basename(IMPORT_ROOT) == "harness" and os.path.isdir(os.path.join(src, "corpus")):
        return src
    return None


SOURCE = _source_tree()


def default_corpus():
    return os.path.join(SOURCE, "corpus") if SOURCE else "corpus"


def default_build():
    env = os.environ.get("CBPF_BUILD")
    if env:
        return env
    return os.path.join(SOURCE, "build") if SOURCE else "."


def default_out():
    return os.path.join(SOURCE, "reports", "out") if SOURCE else os.path.join("reports", "out")


def child_env(env=None):
    """The environment for a child `python3 -m cbpfconform...`: this
    package first on PYTHONPATH."""
    env = dict(os.environ if env is None else env)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = IMPORT_ROOT + (os.pathsep + old if old else "")
    return env
