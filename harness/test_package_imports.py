"""test_package_imports: the Python side is one importable package.

No Python file of the tree edits sys.path or sys.modules (an alias such as
sys.modules["casefile"] = cbpfconform.casefile hid a flat import), and none
imports a module of the cbpfconform package by its bare name (`import
casefile`, `from casefile import Case`): it is cbpfconform.casefile, or
`.casefile` inside the package.
"""
import ast
import os
import subprocess

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(SRC, "harness", "cbpfconform")


def python_files():
    out = subprocess.run(["git", "-C", SRC, "ls-files", "--cached", "--others",
                          "--exclude-standard", "*.py"], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        return sorted(p for p in out.stdout.split() if os.path.exists(os.path.join(SRC, p)))
    return sorted(os.path.relpath(os.path.join(d, f), SRC)
                  for top in ("harness", "corpus", "fuzz", "bench", "reports")
                  for d, _, fs in os.walk(os.path.join(SRC, top)) for f in fs if f.endswith(".py"))


def package_modules():
    names = set()
    for d, dirs, files in os.walk(PACKAGE):
        names |= {f[:-3] for f in files if f.endswith(".py") and f != "__init__.py"}
        names |= {x for x in dirs if os.path.exists(os.path.join(d, x, "__init__.py"))}
    return names - {"__main__"}


def _sys_attr(node):
    return (isinstance(node, ast.Attribute) and node.attr in ("path", "modules") and
            isinstance(node.value, ast.Name) and node.value.id == "sys")


def problems(text, modules):
    out = []
    for node in ast.walk(ast.parse(text)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and _sys_attr(node.func.value):
            out.append((line, f"sys.{node.func.value.attr}.{node.func.attr}()"))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for t in targets:
                base = t.value if isinstance(t, ast.Subscript) else t
                if _sys_attr(base):
                    out.append((line, f"sys.{base.attr} changed"))
        elif isinstance(node, ast.Import):
            out += [(line, f"import {a.name}") for a in node.names if a.name in modules]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in modules:
            out.append((line, f"from {node.module} import ..."))
    return out


def test_no_module_edits_sys_path_or_imports_the_package_flat():
    modules = package_modules()
    assert {"casefile", "opcodes", "randprog", "triage"} <= modules
    files = python_files()
    assert len(files) >= 40
    bad = []
    for rel in files:
        with open(os.path.join(SRC, rel), encoding="utf-8") as f:
            bad += [f"{rel}:{line}: {what}" for line, what in problems(f.read(), modules)]
    assert bad == []


def test_the_checker_finds_the_old_tricks():
    mods = {"casefile", "insns"}
    assert [w for _, w in problems('sys.modules.setdefault("casefile", casefile)', mods)] == \
        ["sys.modules.setdefault()"]
    assert [w for _, w in problems('sys.path.insert(0, HERE)', mods)] == ["sys.path.insert()"]
    assert [w for _, w in problems('sys.modules["casefile"] = casefile', mods)] == \
        ["sys.modules changed"]
    assert [w for _, w in problems('sys.path += [HERE]', mods)] == ["sys.path changed"]
    assert [w for _, w in problems("from casefile import Case", mods)] == \
        ["from casefile import ..."]
    assert [w for _, w in problems("import insns as I", mods)] == ["import insns"]
    assert problems("from cbpfconform import casefile\nfrom .casefile import Case\n"
                    "import frames\nprint(sys.path)", mods) == []
