#!/usr/bin/env bash
# python.sh SOURCE_DIR: the shmfuzz command (scripts/shmfuzz, scripts/shmfuzz_cli/) compiles,
# every module imports, and it imports nothing outside Python's standard library (Debian 12's
# python3 is all it may need).
set -euo pipefail
cd "$1"
# shellcheck source=tests/lib/need.sh
. tests/lib/need.sh
need_tool python3
python3 - scripts/shmfuzz scripts/shmfuzz_cli/*.py <<'PY'
import ast, importlib, os, sys
sys.path.insert(0, "scripts")
bad = 0
own = {os.path.basename(p)[:-3] for p in sys.argv[2:]}
for path in sys.argv[1:]:
    source = open(path, encoding="utf-8").read()
    try:
        compile(source, path, "exec")  # what py_compile checks, without writing a .pyc
    except SyntaxError as e:
        print(f"FAIL: {path}:{e.lineno} does not compile: {e.msg}")
        bad = 1
        continue
    tree = ast.parse(source, path)
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for n in names:
            top = n.split(".")[0]
            if top not in sys.stdlib_module_names and top != "shmfuzz_cli" and top not in own:
                print(f"FAIL: {path}:{node.lineno} imports {n}, not in the standard library")
                bad = 1
for path in sys.argv[2:]:
    name = os.path.basename(path)[:-3]
    if name == "__main__":
        continue
    try:
        importlib.import_module("shmfuzz_cli" if name == "__init__" else f"shmfuzz_cli.{name}")
    except Exception as e:  # any failure to import is the finding
        print(f"FAIL: shmfuzz_cli.{name} does not import: {type(e).__name__}: {e}")
        bad = 1
print(f"checked {len(sys.argv) - 1} files")
sys.exit(bad)
PY
echo "all checks passed"
