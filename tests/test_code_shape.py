"""The shape of the code (docs/architecture.md): imports where the layer contracts see them, and no
long or wide function without a written reason.

Both rules are read from the source with :mod:`ast`, so they hold for every module of the package,
including those added later.
"""

from __future__ import annotations

import ast

import pytest

from conftest import ROOT

PACKAGE = ROOT / "src" / "spinscope"

#: Packages that may be imported inside a function, and why (docs/architecture.md, "Function-level
#: imports"). Optional extras: the package works without them. h5py and xraydb: heavy core
#: libraries kept out of ``import spinscope.io`` / ``import spinscope.materials``. rich: the progress
#: display is built only when a terminal shows it.
LAZY_ALLOWED = {
    "pyFAI": "optional extra [pyfai]",
    "sif_parser": "optional extra [lab]",
    "spexread": "optional extra [lab]",
    "imageio_ffmpeg": "optional extra [movie]",
    "magnumnp": "optional extra [magnumnp]",
    "torch": "optional extra [magnumnp]",
    "udkm1Dsim": "optional extra [oracles]",
    "h5py": "heavy core library kept out of light imports",
    "xraydb": "heavy core library kept out of light imports",
    "rich": "progress display built only for a terminal",
}

#: The CLI imports each command's library when the command runs: ``spinscope --help`` stays fast.
LAZY_MODULE_PREFIXES = ("cli/",)

MAX_LINES = 80
MAX_PARAMETERS = 10


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _imported_package(node) -> str:
    if isinstance(node, ast.ImportFrom):
        return "." if node.level else (node.module or "").split(".")[0]
    return node.names[0].name.split(".")[0]


def function_level_imports():
    """(module, line, imported top-level package) of every import inside a function."""
    found = []
    for rel, tree in _modules():
        if rel.startswith(LAZY_MODULE_PREFIXES):
            continue
        seen = set()
        for fn in _functions(tree):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in seen:
                    seen.add(id(node))
                    found.append((rel, node.lineno, _imported_package(node)))
    return found


def _code_lines(fn) -> int:
    """Lines of a function without its docstring (documentation is never a reason to split)."""
    lines = fn.end_lineno - fn.lineno + 1
    first = fn.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
            first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def oversized_functions():
    """(module:line name, code lines, parameters) of every function over the limits without ``Size:``.

    Lines are counted from the ``def`` to the end of the function, without the docstring.
    """
    found = []
    for rel, tree in _modules():
        for fn in _functions(tree):
            lines = _code_lines(fn)
            a = fn.args
            params = [*a.posonlyargs, *a.args, *a.kwonlyargs]
            if params and params[0].arg in ("self", "cls"):
                params = params[1:]
            if lines <= MAX_LINES and len(params) <= MAX_PARAMETERS:
                continue
            doc = ast.get_docstring(fn) or ""
            if any(line.strip().startswith("Size:") for line in doc.splitlines()):
                continue
            found.append((f"{rel}:{fn.lineno} {fn.name}", lines, len(params)))
    return found


def test_imports_sit_at_module_top():
    bad = [f"{rel}:{line} imports {pkg}" for rel, line, pkg in function_level_imports()
           if pkg not in LAZY_ALLOWED]
    assert not bad, ("imports inside functions hide dependencies from the layer contracts; move them to "
                     "the module top or justify the package in LAZY_ALLOWED:\n" + "\n".join(bad))


def test_long_or_wide_functions_say_why():
    bad = [f"{where}: {n} lines, {p} parameters" for where, n, p in oversized_functions()]
    assert not bad, (f"functions over {MAX_LINES} lines or {MAX_PARAMETERS} parameters must be split or "
                     "carry a 'Size:' paragraph in their docstring:\n" + "\n".join(bad))


@pytest.mark.parametrize(("source", "expected"), [
    ("def f():\n    import numpy\n", [("m.py", 2, "numpy")]),
    ("def f():\n    import h5py\n", [("m.py", 2, "h5py")]),
    ("import numpy\ndef f():\n    return numpy\n", []),
])
def test_the_import_rule_sees_what_it_should(tmp_path, monkeypatch, source, expected):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text(source)
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    assert function_level_imports() == expected


def test_the_size_rule_sees_what_it_should(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(90))
    wide = ", ".join(f"a{i}" for i in range(11))
    (pkg / "m.py").write_text(
        f"def long():\n{body}\n\n"
        f"def justified():\n    '''Do it.\n\n    Size: one line per step of the recipe.\n    '''\n{body}\n\n"
        f"def wide(self, {wide}):\n    pass\n\n"
        f"def fine(a, b):\n    pass\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    names = [w.split()[-1] for w, _, _ in oversized_functions()]
    assert names == ["long", "wide"]
