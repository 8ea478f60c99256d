#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Holds the code's includes against the layers ARCHITECTURE.md states and the links CMake declares.

  scripts/check-layers.py [--root DIR] [--graph DEPS.dot | --build BUILD_DIR]

ARCHITECTURE.md states the architecture once, in two fenced blocks:
  ```layers           one row per directory: DIR LIBRARY MAY-USE...  ("-": none)
  ```kvm-header       the directories that may include <linux/kvm.h>
A directory's row covers its subdirectories unless they have their own. May-use is transitive: a
layer may use whatever the layers it names may use.

It fails (exit 1, one line per problem) when:
  - a source file lies in no stated layer;
  - a file includes a header of a layer its own may not use;
  - a library's include of another layer has no declared CMake link behind it (the link graph
    from `cmake --graphviz`, following PRIVATE links one step and PUBLIC/INTERFACE ones onward),
    or a declared link between two layers goes against the table;
  - a stated library does not exist in the build;
  - <linux/kvm.h> is included outside the stated directories.
Test code (files under tests/, *_test.cpp, *_test_support.h) may use any layer's test support, so
the layer rules skip it; the <linux/kvm.h> rule does not. Without --graph or --build only the
table's rules are checked.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

SOURCE_SUFFIXES = (".h", ".hpp", ".cpp", ".cc", ".c")
SKIP_DIRS = {".git", "node_modules", "__pycache__"}
TEST_CODE = re.compile(r"(^tests/|_test\.cpp$|_test_support\.h$)")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


class Layer:
    def __init__(self, directory, library, may_use):
        self.directory = directory
        self.library = library
        self.may_use = may_use


def fenced_block(text, tag):
    match = re.search(r"^```" + re.escape(tag) + r"\s*\n(.*?)^```", text, re.M | re.S)
    if not match:
        raise SystemExit(f"check-layers: ARCHITECTURE.md has no ```{tag} block")
    lines = []
    for line in match.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def read_architecture(path):
    text = open(path, encoding="utf-8").read()
    layers = {}
    for line in fenced_block(text, "layers"):
        fields = line.split()
        if len(fields) < 3:
            raise SystemExit(f"check-layers: bad layers row: {line!r}")
        directory, library, uses = fields[0].rstrip("/"), fields[1], fields[2:]
        layers[directory] = Layer(directory, None if library == "-" else library,
                                  [] if uses == ["-"] else [u.rstrip("/") for u in uses])
    kvm_dirs = [d.rstrip("/") for line in fenced_block(text, "kvm-header") for d in line.split()]
    for layer in layers.values():
        for used in layer.may_use:
            if used not in layers:
                raise SystemExit(f"check-layers: {layer.directory} may use {used}, which has no row")
    return layers, kvm_dirs


def layer_of(path, layers):
    """The row covering a repository-relative path: the longest stated directory prefix."""
    directory = os.path.dirname(path)
    while True:
        if directory in layers:
            return layers[directory]
        if not directory:
            return None
        directory = os.path.dirname(directory)


def allowed_layers(layer, layers):
    seen = {layer.directory}
    todo = list(layer.may_use)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(layers[name].may_use)
    return seen


def read_graph(path):
    """Library -> [(dependency, kind)] from cmake --graphviz; kind is 'private', 'public' or
    'interface' (dotted, solid and dashed edges)."""
    names, edges = {}, {}
    node = re.compile(r'^\s*"(node\d+)"\s*\[\s*label\s*=\s*"([^"]+)"')
    edge = re.compile(r'^\s*"(node\d+)"\s*->\s*"(node\d+)"(.*)$')
    for line in open(path, encoding="utf-8"):
        if m := node.match(line):
            names[m.group(1)] = m.group(2)
        elif m := edge.match(line):
            style = m.group(3)
            kind = "private" if "dotted" in style else "interface" if "dashed" in style else "public"
            edges.setdefault(m.group(1), []).append((m.group(2), kind))
    graph = {name: [] for name in names.values()}
    for source, targets in edges.items():
        graph[names[source]] = [(names[t], kind) for t, kind in targets]
    return graph


def usable_libraries(library, graph):
    """What `library` may include from: its own links, then whatever they pass on publicly."""
    usable = {library}
    todo = [dep for dep, _ in graph.get(library, [])]
    while todo:
        dep = todo.pop()
        if dep in usable:
            continue
        usable.add(dep)
        todo.extend(d for d, kind in graph.get(dep, []) if kind != "private")
    return usable


def source_files(root):
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs
                            if d not in SKIP_DIRS and not d.startswith("build"))
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.relpath(os.path.join(directory, name), root)


def check(root, layers, kvm_dirs, graph):
    problems = []
    if graph is not None:
        for layer in layers.values():
            if layer.library and layer.library not in graph:
                problems.append(f"{layer.directory}: library {layer.library} is not in the build")
        by_library = {l.library: l for l in layers.values() if l.library}
        for library, deps in sorted(graph.items()):
            if library not in by_library:
                continue
            allowed = allowed_layers(by_library[library], layers)
            for dep, _ in deps:
                if dep in by_library and by_library[dep].directory not in allowed:
                    problems.append(f"CMake: {library} links {dep}, but "
                                    f"{by_library[library].directory} may not use "
                                    f"{by_library[dep].directory} (ARCHITECTURE.md)")
    for path in source_files(root):
        layer = layer_of(path, layers)
        if layer is None:
            problems.append(f"{path}: in no layer of ARCHITECTURE.md")
            continue
        text = open(os.path.join(root, path), encoding="utf-8", errors="replace").read()
        for bracket, header in INCLUDE.findall(text):
            if bracket == "<":
                if header == "linux/kvm.h" and not any(
                        path.startswith(d + "/") for d in kvm_dirs):
                    problems.append(f"{path}: includes <linux/kvm.h>, allowed only in "
                                    + ", ".join(kvm_dirs))
                continue
            target = layer_of(header, layers)
            if TEST_CODE.search(path):
                continue
            if not os.path.exists(os.path.join(root, header)) or target is None \
                    or target is layer:
                continue
            if target.directory not in allowed_layers(layer, layers):
                problems.append(f"{path}: includes {header}, but {layer.directory} may not use "
                                f"{target.directory} (ARCHITECTURE.md)")
            elif graph is not None and layer.library and target.library \
                    and target.library not in usable_libraries(layer.library, graph):
                problems.append(f"{path}: includes {header}, but {layer.library} declares no "
                                f"link to {target.library}")
    return problems


def graph_from_build(build):
    out = tempfile.mkdtemp(prefix="check-layers-")
    dot = os.path.join(out, "deps.dot")
    subprocess.run(["cmake", f"--graphviz={dot}", build], check=True,
                   stdout=subprocess.DEVNULL)
    return dot


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--graph", help="a dependency graph from cmake --graphviz")
    source.add_argument("--build", help="a configured build directory to ask for the graph")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    layers, kvm_dirs = read_architecture(os.path.join(root, "ARCHITECTURE.md"))
    dot = args.graph or (graph_from_build(args.build) if args.build else None)
    problems = check(root, layers, kvm_dirs, read_graph(dot) if dot else None)
    for problem in problems:
        print(f"check-layers: {problem}")
    print(f"check-layers: {len(problems)} problem(s) in {len(layers)} layers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
