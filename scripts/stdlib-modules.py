"""Writes data/stdlib-modules.json: the standard library's top-level module names, as the running
Python 3.10+ lists them in sys.stdlib_module_names (the committed file came from CPython 3.11.7).
Run: python3 scripts/stdlib-modules.py > data/stdlib-modules.json"""
import json
import platform
import sys

print(json.dumps({
    "python": platform.python_version(),
    "implementation": platform.python_implementation(),
    "source": "sys.stdlib_module_names",
    "command": "python3 scripts/stdlib-modules.py > data/stdlib-modules.json",
    "modules": sorted(sys.stdlib_module_names),
}, indent=1))
