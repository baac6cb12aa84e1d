#!/usr/bin/env python3
"""Fails when code under Sources/BatonApp can end the process.

Baton serves every request in one process: a force unwrap that meets nil, a `try!`
that meets an error, an `as!` that meets another type or a `fatalError` kills every
request in flight, and nothing restarts it. This check forbids them in the app's
sources (comments and the text of string literals are skipped; code inside string
interpolations is checked). Run by `make test`; exits 1 listing each place.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Sources" / "BatonApp"
FORBIDDEN = [
    (re.compile(r"\btry!"), "try!"),
    (re.compile(r"\bas!"), "as!"),
    (re.compile(r"\b(fatalError|preconditionFailure|precondition)\s*\("), "ends the process"),
    (re.compile(r"\bunsafelyUnwrapped\b"), "unsafelyUnwrapped"),
    # A postfix `!` after a name, a call, a subscript or a literal: a force unwrap
    # (or an implicitly unwrapped type). `!=` and `!==` are comparisons.
    (re.compile(r"[A-Za-z0-9_)\]?]!(?!=)"), "force unwrap"),
]


def code_only(text: str) -> str:
    """The source with comments removed and string literals blanked, keeping the
    code of `\\( … )` interpolations and every newline (so line numbers hold)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text[i] == '"' or (text[i] == "#" and re.match(r'#+"', text[i:])):
            i = skip_string(text, i, out)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def skip_string(text: str, i: int, out: list) -> int:
    hashes = len(re.match(r"#*", text[i:]).group(0))
    i += hashes
    multi = text.startswith('"""', i)
    quote = '"""' if multi else '"'
    i += len(quote)
    close = quote + "#" * hashes
    escape = "\\" + "#" * hashes
    out.append('""')
    while i < len(text):
        if text.startswith(close, i):
            return i + len(close)
        if text.startswith(escape + "(", i):
            i += len(escape) + 1
            depth, start = 1, i
            while i < len(text) and depth:
                if text[i] == "(":
                    depth += 1
                elif text[i] == ")":
                    depth -= 1
                elif text[i] == '"':
                    sub: list = []
                    i = skip_string(text, i, sub)
                    continue
                i += 1
            out.append(" " + code_only(text[start:i - 1]) + " ")
            continue
        if text.startswith(escape, i):
            i += len(escape) + 1
            continue
        if text[i] == "\n":
            out.append("\n")
        i += 1
    return i


def main() -> int:
    problems = []
    for path in sorted(ROOT.rglob("*.swift")):
        for number, line in enumerate(code_only(path.read_text()).split("\n"), start=1):
            for pattern, what in FORBIDDEN:
                if pattern.search(line):
                    problems.append(f"{path.relative_to(ROOT.parent.parent)}:{number}: {what}: {line.strip()}")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} places under Sources/BatonApp can end the process on a request", file=sys.stderr)
        return 1
    print("no force unwrap, try!, as! or fatalError under Sources/BatonApp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
