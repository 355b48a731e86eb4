"""The layout's promises: the layers of digits/ import each other one way only, with no cycle;
what reads, serves and measures never starts TensorFlow; the training modules that need it import
it at their top; nothing edits sys.path or imports the tests."""

import ast
import subprocess
import sys

import pytest

from digits.constants import PROJECT_DIR

PACKAGE = PROJECT_DIR / "digits"
# The modules of training/ that train: the rest of training/ (checks, recipes, reports) does not.
WITH_TENSORFLOW = ("digits.training.data", "digits.training.augmentation", "digits.training.networks",
                   "digits.training.fit", "digits.training.export", "digits.training.line_training")


def module_name(path):
    return ".".join(path.relative_to(PROJECT_DIR).with_suffix("").parts).removesuffix(".__init__")


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path):
    """The modules a file imports, anywhere in it (inside functions too), as dotted names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def project_imports(module):
    """The modules of digits/ that a module imports."""
    return {name for name in imported(MODULES[module]) if name in MODULES and name != module}


def test_the_package_has_no_import_cycle():
    done, on_path = set(), []

    def visit(module):
        if module in on_path:
            pytest.fail("import cycle: " + " -> ".join(on_path[on_path.index(module):] + [module]))
        if module in done:
            return
        on_path.append(module)
        for other in sorted(project_imports(module)):
            visit(other)
        on_path.pop()
        done.add(module)

    for module in MODULES:
        visit(module)


@pytest.mark.parametrize("layer, below", [
    ("digits.reading", ("digits.training", "digits.serving", "digits.evaluation")),
    ("digits.serving", ("digits.training", "digits.evaluation")),
    ("digits.training", ("digits.serving", "digits.evaluation")),
])
def test_a_layer_imports_no_layer_beside_or_above_it(layer, below):
    for module in MODULES:
        if module.startswith(layer + "."):
            wrong = {name for name in project_imports(module) if name.startswith(below)}
            assert not wrong, f"{module} imports {sorted(wrong)}"


def test_modules_that_read_serve_and_measure_import_no_tensorflow():
    # With tensorflow made unimportable, importing any module that reaches it fails.
    without = [module for module in MODULES
               if module not in WITH_TENSORFLOW and module != "digits.tensorflow_setup"]
    code = ("import importlib, sys; sys.modules['tensorflow'] = None; "
            f"[importlib.import_module(name) for name in {without!r}]")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_DIR)
    assert result.returncode == 0, result.stderr


def top_level_imports(module):
    """The modules a module imports at its top, outside any function."""
    names = set()
    for statement in ast.parse(MODULES[module].read_text()).body:
        if isinstance(statement, ast.ImportFrom) and statement.module:
            names |= {statement.module} | {f"{statement.module}.{alias.name}" for alias in statement.names}
        elif isinstance(statement, ast.Import):
            names |= {alias.name for alias in statement.names}
    return names


@pytest.mark.parametrize("module", WITH_TENSORFLOW)
def test_modules_that_train_import_tensorflow_at_their_top(module):
    assert top_level_imports(module) & {"digits.tensorflow_setup", *WITH_TENSORFLOW}


PYTHON_FILES = [path for path in sorted(PROJECT_DIR.rglob("*.py"))
                if not path.relative_to(PROJECT_DIR).parts[0].startswith(".")]


def test_no_file_edits_sys_path():
    for path in PYTHON_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
                pytest.fail(f"{path.relative_to(PROJECT_DIR)} uses sys.path")


def test_nothing_outside_the_tests_imports_them():
    test_modules = {path.stem for path in (PROJECT_DIR / "tests").glob("*.py")}
    for path in PYTHON_FILES:
        if path.relative_to(PROJECT_DIR).parts[0] != "tests":
            wrong = {name for name in imported(path) if name.split(".")[0] in test_modules | {"tests"}}
            assert not wrong, f"{path.relative_to(PROJECT_DIR)} imports {sorted(wrong)}"


def test_the_unsure_threshold_is_the_one_the_benchmark_wrote():
    import json

    from digits.reading import readings

    written = json.loads(readings.THRESHOLDS_FILE.read_text())
    assert readings.UNSURE_BELOW == written["unsure_below"]
    assert written["chosen_by"].startswith("python -m benchmarks.choose_unsure_threshold")
