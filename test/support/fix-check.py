"""Ground truth for the fix tests: pip's own readers of an edited manifest.

Reads a JSON list on stdin: {"kind": "requirements" | "toml", "original": path, "edited": path,
"text": (requirements) the edited text, written to "edited" (a copy of the corpus) for one read,
"edits": [{"old": str, "new": str, "change": {...}, "path": (toml) [...]}]}. For each, prints one JSON object:
{"errors": [...]} (empty when pip agrees with every edit).

- requirements files: pip's parse_requirements (pip 23, with its PipSession) reads both files;
  their requirement lists must be equal except for the edited entries.
- TOML: tomllib reads both; the edited document must equal the original with the value at each
  edit's "path" set to its new string.
- Each edit's new requirement is read with pip's vendored packaging and compared with the old one:
  only what the change is about may differ.
"""
import json
import sys
import tomllib

from pip._internal.network.session import PipSession
from pip._internal.req.req_file import parse_requirements
from pip._vendor.packaging.markers import default_environment
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.specifiers import SpecifierSet


def env(impl, name, plat, py):
    e = default_environment()
    e.update(platform_python_implementation=impl, implementation_name=name, sys_platform=plat, os_name="nt" if plat == "win32" else "posix", python_version=py, python_full_version=py + ".0", extra="")
    return e


ENVS = [env("CPython", "cpython", "linux", "3.11"), env("CPython", "cpython", "win32", "3.8"), env("PyPy", "pypy", "linux", "3.11")]


def decide(req, e):
    return req.marker.evaluate(e) if req.marker else True


# One session for every file: building a PipSession (certificates, adapters) costs more than a parse.
SESSION = PipSession()


def pip_list(path):
    return [r.requirement for r in parse_requirements(path, session=SESSION)]


def check_edit(edit):
    old, new, change = Requirement(edit["old"]), Requirement(edit["new"]), edit["change"]
    kind = change["kind"]
    same_marker = str(old.marker) == str(new.marker)
    if kind == "marker":
        # Judged by what it decides: as before on CPython, never on PyPy.
        ok = old.name == new.name and old.extras == new.extras and old.specifier == new.specifier
        try:
            before = [decide(old, e) for e in ENVS[:2]]
        except Exception:
            # A marker packaging cannot evaluate (dependabot's malformed_markers.txt): the new
            # clause must at least be there, joined with "and".
            ok = ok and str(new.marker).endswith(' and platform_python_implementation != "PyPy"')
        else:
            ok = ok and [decide(new, e) for e in ENVS] == before + [False]
    elif kind == "pin":
        ok = old.name == new.name and old.extras == new.extras and same_marker and new.specifier == SpecifierSet("==" + change["version"])
    elif kind == "upper-bound":
        bound = change["bound"]["op"] + change["bound"]["version"]
        kept = [s for s in old.specifier if s.operator not in ("<", "<=")]
        ok = old.name == new.name and old.extras == new.extras and same_marker and new.specifier == SpecifierSet(",".join([str(s) for s in kept] + [bound]))
    elif kind == "replace":
        ok = new.name == change["name"] and new.extras == set(change["extras"]) and str(new.specifier) == "" and same_marker
    else:
        ok = False
    return None if ok else f"{kind}: {edit['old']!r} -> {edit['new']!r}"


def main():
    out = []
    for item in json.load(sys.stdin):
        errors = []
        for edit in item["edits"]:
            try:
                problem = check_edit(edit)
            except Exception as e:  # an unparsable result is the failure being looked for
                problem = f"{edit['new']!r}: {type(e).__name__}: {e}"
            if problem:
                errors.append(problem)
        try:
            if item["kind"] == "requirements":
                # The edited text goes into a copy of the corpus for this one read, so the files it
                # includes are the originals.
                with open(item["original"], "rb") as f:
                    original = f.read()
                try:
                    before = pip_list(item["original"])
                except Exception as e:
                    # pip cannot read the file as upstream wrote it (a missing include, an option
                    # pip 23 lacks): nothing to compare with.
                    out.append({"errors": errors, "originalUnreadable": f"{type(e).__name__}: {e}"})
                    continue
                with open(item["edited"], "wb") as f:
                    f.write(item["text"].encode("utf-8"))
                try:
                    after = pip_list(item["edited"])
                finally:
                    with open(item["edited"], "wb") as f:
                        f.write(original)
                # The same line may occur twice with different edits: each edit accounts for one.
                unused = [(str(Requirement(e["old"])), str(Requirement(e["new"]))) for e in item["edits"]]
                if len(before) != len(after):
                    errors.append(f"pip reads {len(before)} requirements before and {len(after)} after")
                for a, b in zip(before, after):
                    if a == b:
                        continue
                    pair = (str(Requirement(a)), str(Requirement(b)))
                    if pair in unused:
                        unused.remove(pair)
                    else:
                        errors.append(f"pip: {a!r} became {b!r}")
            else:
                with open(item["original"], "rb") as f:
                    expected = tomllib.load(f)
                with open(item["edited"], "rb") as f:
                    after = tomllib.load(f)
                for e in item["edits"]:
                    node = expected
                    for key in e["path"][:-1]:
                        node = node[key]
                    node[e["path"][-1]] = e["new"]
                if expected != after:
                    errors.append("tomllib: the edited document differs from the original beyond the edited strings")
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")
        out.append({"errors": errors})
    json.dump(out, sys.stdout)


main()
