"""What each file imports, as CPython's ast module sees it: the ground truth for
test/usage/imports-ast.test.ts. Reads file paths, one a line, on stdin; prints one JSON object
{path: {"names": [...], "imports": [...]} or {"error": "..."}}:
- names: the sorted distinct top-level names of absolute imports (`import a.b` and `from a.b import c` give a);
- imports: one "module@line" string per module an absolute import statement names, with "!f" when
  it is inside a function and "!o" when inside the body of a try whose handlers catch ImportError,
  ModuleNotFoundError, Exception or BaseException (or a bare except), sorted."""
import ast
import json
import sys
import warnings

warnings.simplefilter("ignore")
CATCHES = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def caught(handler_type):
    if handler_type is None:
        return True
    nodes = handler_type.elts if isinstance(handler_type, ast.Tuple) else [handler_type]
    for n in nodes:
        name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else None
        if name in CATCHES:
            return True
    return False


class Imports(ast.NodeVisitor):
    def __init__(self):
        self.function = 0
        self.optional = 0
        self.out = []

    def record(self, module, line):
        self.out.append(f"{module}@{line}" + ("!f" if self.function else "") + ("!o" if self.optional else ""))

    def visit_Import(self, node):
        for a in node.names:
            self.record(a.name, node.lineno)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self.record(node.module, node.lineno)

    def visit_FunctionDef(self, node):
        # Decorators, defaults and annotations run where the def is; only the body is the function's.
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        self.function += 1
        for s in node.body:
            self.visit(s)
        self.function -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Try(self, node):
        optional = any(caught(h.type) for h in node.handlers)
        self.optional += optional
        for s in node.body:
            self.visit(s)
        self.optional -= optional
        for part in (node.handlers, node.orelse, node.finalbody):
            for s in part:
                self.visit(s)

    visit_TryStar = visit_Try


out = {}
for path in sys.stdin.read().splitlines():
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=path)
    except (SyntaxError, ValueError, UnicodeDecodeError) as e:
        out[path] = {"error": f"{type(e).__name__}: {e}"}
        continue
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    visitor = Imports()
    visitor.visit(tree)
    out[path] = {"names": sorted(names), "imports": sorted(visitor.out)}
json.dump(out, sys.stdout)
