"""The layout the code promises: each domain's URL map in its `blueprint.py`, view modules that
never import one another (what they share lives in a `view_support` module), no import cycle
between them."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "portfolio"


def _view_modules() -> list[Path]:
    return [path for path in PACKAGE.rglob("*views.py") if "v1" not in path.parts]


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_no_view_module_imports_another():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(name for name in _imported_modules(path) if name.endswith("views"))
        for path in _view_modules()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_every_url_rule_is_in_a_blueprint_module(app):
    declared_in = {rule.endpoint: app.view_functions[rule.endpoint].__module__ for rule in app.url_map.iter_rules()}
    for path in _view_modules():
        text = path.read_text()
        assert "Blueprint(" not in text and "@bp." not in text, path
    blueprints = {path.parent.name for path in PACKAGE.glob("*/blueprint.py")}
    domains = {module.split(".")[1] for endpoint, module in declared_in.items() if module.startswith("portfolio.")}
    assert domains <= blueprints | {"api"}, domains - blueprints
