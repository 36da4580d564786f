#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draws who calls whom among the C files of a directory (default: wg/).

An edge A -> B means a function defined in B.c and declared in one of the
directory's headers is called in A.c (static inline helpers in headers are
not counted: they belong to no .c). Prints the edges, then the cycles: every strongly connected component of
more than one file, which is what a layering review looks for.

  python3 scripts/wg-graph.py [DIR...] [--dot]

With several directories (e.g. `wg io`), files are named DIR/FILE and
calls across the directories count too.
"""
import os
import re
import sys

DEF = re.compile(r"^(?!static\b)[A-Za-z_][\w \*]*?\b(\w+)\(", re.M)
CALL = re.compile(r"\b(\w+)\s*\(")


def strip(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    return re.sub(r'"(\\.|[^"\\])*"', '""', src)


def main():
    dirs = [a for a in sys.argv[1:] if not a.startswith("--")] or ["wg"]
    d = dirs[0]
    path = {}
    for dd in dirs:
        for f in os.listdir(dd):
            if f.endswith(".c"):
                path[f[:-2] if len(dirs) == 1 else os.path.join(dd, f[:-2])] = os.path.join(dd, f)
    files = sorted(path)
    src = {f: strip(open(path[f]).read()) for f in files}
    # only functions a header declares: what other files may call
    declared = set()
    for dd in dirs:
        for h in os.listdir(dd):
            if h.endswith(".h"):
                declared.update(CALL.findall(strip(open(os.path.join(dd, h)).read())))
    owner = {}
    for f in files:
        for m in DEF.finditer(src[f]):
            name = m.group(1)
            # the declaration's start: after the previous statement or body
            head = src[f][max(src[f].rfind(";", 0, m.start()), src[f].rfind("}", 0, m.start())) + 1 : m.end()]
            if name in declared and not re.search(r"\bstatic\b", head):
                owner.setdefault(name, f)
    edges = {f: set() for f in files}
    for f in files:
        for m in CALL.finditer(src[f]):
            g = owner.get(m.group(1))
            if g and g != f:
                edges[f].add(g)
    if "--dot" in sys.argv:
        print("digraph %s {" % os.path.basename(os.path.normpath(d)))
        for f in files:
            for g in sorted(edges[f]):
                print('  "%s" -> "%s";' % (f, g))
        print("}")
        return
    for f in files:
        print("%-12s -> %s" % (f, " ".join(sorted(edges[f])) or "-"))
    # Tarjan's strongly connected components
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for f in files:
        if f not in index:
            visit(f)
    cycles = [c for c in sccs if len(c) > 1]
    print("cycles: %d" % len(cycles))
    for c in cycles:
        print("  %d files: %s" % (len(c), " ".join(c)))


if __name__ == "__main__":
    main()
