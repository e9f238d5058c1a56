"""What the services hand to the window and the command line is plain data (README, "For developers").

Read from the source with `ast`: every public function of `app/services/*.py` that `app/ui` or `app/cli`
imports (by name, or as `module.function` after importing the module) must not mention a table of
`app/storage/models.py` in its return annotation — nor in the fields of a class of the services that
it returns (a frozen dataclass holding a row is still a row). Annotations are read as text, so
`from __future__ import annotations` and quoted names are resolved alike. Helpers that take a
`Session` and are used only between services are not imported by the thin layers, so not checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THIN = ("app/ui", "app/cli")
SERVICES = "app.services"
MODELS = "app.storage.models"


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def model_classes(root: Path) -> frozenset[str]:
    tree = _parse(root / "app" / "storage" / "models.py")
    return frozenset(node.name for node in tree.body if isinstance(node, ast.ClassDef))


@dataclass
class ServiceModule:
    name: str  # "notices" for app.services.notices
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted name it stands for


def _import_map(tree: ast.Module) -> dict[str, str]:
    """Every name an import binds (also inside functions and `if TYPE_CHECKING:`), to what it stands for."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def service_modules(root: Path) -> dict[str, ServiceModule]:
    modules = {}
    for path in sorted((root / "app" / "services").glob("*.py")):
        tree = _parse(path)
        module = ServiceModule(path.stem, imports=_import_map(tree))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                module.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                module.classes[node.name] = node
        modules[path.stem] = module
    return modules


def _service_of(dotted: str) -> str | None:
    """"app.services.notices" -> "notices"."""
    prefix = SERVICES + "."
    return dotted[len(prefix):].split(".")[0] if dotted.startswith(prefix) else None


def imported_by_thin_layers(root: Path) -> set[tuple[str, str]]:
    """(service module, name) of everything app/ui and app/cli take from the services."""
    found: set[tuple[str, str]] = set()
    for folder in THIN:
        for path in sorted((root / folder).rglob("*.py")):
            tree = _parse(path)
            module_aliases: dict[str, str] = {}  # local name -> service module, for `module.function`
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    if node.module == SERVICES:
                        for alias in node.names:
                            module_aliases[alias.asname or alias.name] = alias.name
                    elif (service := _service_of(node.module)) is not None:
                        found.update((service, alias.name) for alias in node.names)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if (service := _service_of(alias.name)) is not None:
                            module_aliases[alias.asname or alias.name] = service
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute):
                    base = ast.unparse(node.value)
                    if base in module_aliases:
                        found.add((module_aliases[base], node.attr))
    return found


def _annotation_names(annotation: ast.expr | None) -> list[str]:
    """Dotted names an annotation mentions; quoted parts (and whole quoted annotations) are parsed too."""
    if annotation is None:
        return []
    names: list[str] = []
    for node in ast.walk(annotation):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                continue
            names += _annotation_names(inner)
        elif isinstance(node, (ast.Name, ast.Attribute)):
            text = ast.unparse(node)
            if all(part.isidentifier() for part in text.split(".")):
                names.append(text)
    return names


class Checker:
    def __init__(self, root: Path) -> None:
        self.models = model_classes(root)
        self.modules = service_modules(root)

    def _resolve(self, module: ServiceModule, dotted: str) -> str:
        """A name as written in `module` -> the dotted name it stands for (local classes: app.services.x.C)."""
        head, _, rest = dotted.partition(".")
        if head in module.imports:
            base = module.imports[head]
        elif head in module.classes:
            base = f"{SERVICES}.{module.name}.{head}"
        else:
            return dotted
        return f"{base}.{rest}" if rest else base

    def _mentions(self, module: ServiceModule, annotation: ast.expr | None, seen: set[str]) -> list[str]:
        """Tables an annotation mentions, directly or through the fields of service classes it names."""
        found = []
        for written in _annotation_names(annotation):
            dotted = self._resolve(module, written)
            owner, _, name = dotted.rpartition(".")
            if owner == MODELS and name in self.models:
                found.append(name)
            elif (service := _service_of(owner)) is not None and service in self.modules and dotted not in seen:
                seen.add(dotted)
                other = self.modules[service]
                if name in other.classes:
                    for item in other.classes[name].body:
                        if isinstance(item, ast.AnnAssign):
                            found += self._mentions(other, item.annotation, seen)
                        elif isinstance(item, ast.FunctionDef) and any(
                                ast.unparse(d) == "property" for d in item.decorator_list):
                            found += self._mentions(other, item.returns, seen)
        return found

    def _function(self, service: str, name: str, seen: set[tuple[str, str]] | None = None) -> \
            tuple[ServiceModule, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        """The function `name` of app.services.`service`, following a re-export from another service."""
        seen = seen if seen is not None else set()
        module = self.modules.get(service)
        if module is None or (service, name) in seen:
            return None
        seen.add((service, name))
        if name in module.functions:
            return module, module.functions[name]
        target = module.imports.get(name, "")
        other = _service_of(target.rpartition(".")[0])
        return self._function(other, target.rpartition(".")[2], seen) if other else None

    def violations(self, imported: set[tuple[str, str]]) -> list[str]:
        problems = set()
        for service, name in imported:
            if name.startswith("_"):
                continue
            found = self._function(service, name)
            if found is None:
                continue  # a class, a constant, or not in the services
            module, function = found
            tables = self._mentions(module, function.returns, set())
            if tables:
                problems.add(f"app/services/{module.name}.py:{function.lineno} {function.name}() -> "
                             f"{ast.unparse(function.returns) if function.returns else ''} hands out "
                             + ", ".join(sorted(set(tables))))
        return sorted(problems)


def check(root: Path) -> list[str]:
    return Checker(root).violations(imported_by_thin_layers(root))


def test_nothing_the_window_or_the_command_line_calls_returns_a_table_row():
    imported = imported_by_thin_layers(ROOT)
    # The walker sees both ways of importing (sanity: otherwise the check would pass on nothing).
    assert ("notices", "notice_detail") in imported and ("archive", "pieces") in imported
    assert ("notices", "list_notices") in imported and ("catalog", "village_catalog") in imported
    assert check(ROOT) == []


def test_the_check_catches_a_planted_violation(tmp_path):
    def write(relative: str, text: str) -> None:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    write("app/storage/models.py", "class Notice:\n    pass\n\n\nclass NoticeRow:\n    pass\n")
    write("app/services/planted.py",
          "from __future__ import annotations\n"
          "from dataclasses import dataclass\n"
          "from sqlmodel import Session\n"
          "from app.storage import models\n"
          "from app.storage.models import Notice\n"
          "from app.storage.models import NoticeRow as Row\n"
          "\n"
          "@dataclass(frozen=True)\n"
          "class Detail:\n"
          "    notice: Notice\n"
          "\n"
          "@dataclass(frozen=True)\n"
          "class Plain:\n"
          "    id: int\n"
          "\n"
          "def by_name(db) -> Notice: ...\n"
          "def quoted(db) -> list['Row']: ...\n"
          "def as_text(db) -> 'tuple[models.NoticeRow, ...]': ...\n"
          "def through_module(db) -> dict[int, Notice | None]: ...\n"
          "def wrapped(db) -> Detail: ...\n"
          "def plain(db) -> list[Plain]: ...\n"
          "def unannotated(db): ...\n"
          "def _private(db) -> Notice: ...\n"
          "def between_services(session: Session) -> Notice: ...\n")
    write("app/services/other.py", "from app.services.planted import by_name as again\n")
    write("app/ui/page.py",
          "from app.services.planted import by_name, quoted, as_text, wrapped, plain, unannotated, _private\n"
          "from app.services.other import again\n")
    write("app/cli/command.py",
          "def run(db):\n"
          "    from app.services import planted as p\n"
          "    return p.through_module(db)\n")
    problems = check(tmp_path)
    assert [line.split(" ")[1].split("(")[0] for line in problems] == [
        "by_name", "quoted", "as_text", "through_module", "wrapped"]  # by line
    assert problems[2] == "app/services/planted.py:18 as_text() -> 'tuple[models.NoticeRow, ...]' hands out NoticeRow"
    assert problems[-1].endswith("wrapped() -> Detail hands out Notice")
