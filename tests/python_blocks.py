#!/usr/bin/env python3
"""Runs every ```python block of both books (src/zh, src/en) against the pinned PyTorch / NumPy.

Each block runs in a fresh namespace, in one interpreter (so torch is imported once), with one
thread (deterministic and fast on a shared 2-core machine). A block passes when it runs to the end;
its asserts are the claims it demonstrates. zh and en blocks whose code is the same once `#`
comments are removed run once and count for both pages.

Usage: python tests/python_blocks.py [ROOT]   (exit 1 on any failure)
Prints one line per block and a closing 'N passed, N failed' line.
"""
import io
import pathlib
import re
import sys
import time
import traceback
import tokenize

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\n`]*)$")


def python_blocks(path):
    """Yields (line_number, code) for each fenced block whose info string's first word is python."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(2), m.group(3).strip()
        start = i
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        lang = re.split(r"[,\s]", info, maxsplit=1)[0] if info else ""
        if lang == "python":
            yield start + 1, "\n".join(body) + "\n"


def strip_comments(code):
    """The code without comments and blank lines, for matching zh and en blocks."""
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT:
                continue
            out.append((tok.type, tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code
    return repr([t for t in out if t[0] not in (tokenize.NL, tokenize.NEWLINE)])


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    import numpy
    import torch

    pins = dict(
        l.strip().split("==", 1)
        for l in (root / "tests" / "requirements-python.txt").read_text().splitlines()
        if "==" in l and not l.startswith("#")
    )
    for name, have in (("torch", torch.__version__.split("+")[0]), ("numpy", numpy.__version__)):
        if have != pins[name]:
            sys.exit(f"python blocks: {name} {have} is installed, tests/requirements-python.txt pins {pins[name]}")
    torch.set_num_threads(1)
    print(f"python blocks: torch {torch.__version__}, numpy {numpy.__version__}, python {sys.version.split()[0]}")
    results = {}  # normalized code -> (ok, message, seconds)
    passed = failed = 0
    for lang in ("zh", "en"):
        for md in sorted((root / "src" / lang).glob("*.md")):
            for line, code in python_blocks(md):
                where = f"{md.relative_to(root)}:{line}"
                key = strip_comments(code)
                if key not in results:
                    t0 = time.perf_counter()
                    try:
                        exec(compile(code, where, "exec"), {"__name__": "__main__"})
                        results[key] = (True, "", time.perf_counter() - t0)
                    except BaseException:  # noqa: BLE001 - report any failure, incl. SystemExit
                        results[key] = (False, traceback.format_exc(limit=3), time.perf_counter() - t0)
                ok, msg, secs = results[key]
                if ok:
                    passed += 1
                    print(f"ok     {where} ({secs:.2f} s)")
                else:
                    failed += 1
                    print(f"FAILED {where}\n{msg}")
    print(f"python blocks: {len(results)} distinct blocks run")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or passed == 0 else 0)


if __name__ == "__main__":
    main()
