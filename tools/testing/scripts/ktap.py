#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Flatten KTAP output (KUnit, kselftest) into one line per leaf test:
VERDICT<TAB>NAME<TAB>DETAIL, VERDICT being PASS, FAIL or SKIP; a failure's
DETAIL is its directive or the diagnostic lines after it. A test that
has subtests is represented by them; a parent that failed although none of
its subtests did is reported as a failure of its own."""
import re
import sys

RESULT = re.compile(r"^(\s*)(not ok|ok) (\d+)(?: -)?\s*([^#]*?)\s*(?:#\s*(.*))?$")

def main(path):
    results = []
    notes = {}  # result index -> diagnostic lines that follow it
    for raw in open(path, errors="replace"):
        line = raw.rstrip("\n").replace("\t", "        ")
        m = RESULT.match(line)
        if m:
            indent, verdict, num, name, directive = m.groups()
            results.append((len(indent), verdict == "ok", name or "test %s" % num,
                            (directive or "").strip()))
        elif results and line.strip().startswith("#") and "Subtest:" not in line:
            notes.setdefault(len(results) - 1, []).append(line.strip().lstrip("# "))
    if not results:
        print("FAIL\t(no results)\tno KTAP result lines")
        return
    for i, (indent, ok, name, directive) in enumerate(results):
        # Ancestors follow their subtests, less indented.
        path, depth = [name], indent
        for later in results[i + 1:]:
            if later[0] < depth:
                path.insert(0, later[2])
                depth = later[0]
        full = ".".join(path)
        parent = i > 0 and results[i - 1][0] > indent
        skip = directive.upper().startswith("SKIP")
        if parent:
            if not ok and not skip:
                kids_failed = any(not r[1] for r in results[:i] if r[0] > indent)
                if not kids_failed:
                    print("FAIL\t%s\tfailed as a whole %s" % (full, directive))
            continue
        if skip:
            print("SKIP\t%s\t%s" % (full, directive[4:].strip() or "skipped"))
        elif ok:
            print("PASS\t%s\t" % full)
        else:
            why = directive or (notes.get(i) or ["not ok"])[0]
            print("FAIL\t%s\t%s" % (full, why))

if __name__ == "__main__":
    main(sys.argv[1])
