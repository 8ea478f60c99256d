#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""scripts/check-layers.py on a made-up tree: it passes a clean one and names each kind of
violation (a layer used against the table, an include with no declared link, a link against the
table, <linux/kvm.h> outside its directories, a file in no layer). Run by ctest."""
import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "check-layers.py")

ARCHITECTURE = """# made up
```layers
base   lib_base   -
low    lib_low    base
high   lib_high   low
side   lib_side   base
```
```kvm-header
low
```
"""

# high links low (public), low links base: what the table allows.
GRAPH = """digraph "t" {
    "node0" [ label = "lib_base", shape = octagon ];
    "node1" [ label = "lib_low", shape = octagon ];
    "node2" [ label = "lib_high", shape = octagon ];
    "node3" [ label = "lib_side", shape = octagon ];
    "node1" -> "node0"  // lib_low -> lib_base
    "node2" -> "node1"  // lib_high -> lib_low
    "node3" -> "node0"  // lib_side -> lib_base
}
"""


class CheckLayers(unittest.TestCase):
    def tree(self, files, graph=GRAPH):
        root = tempfile.mkdtemp(prefix="layers-test-")
        self.addCleanup(subprocess.run, ["rm", "-rf", root])
        files = {"ARCHITECTURE.md": ARCHITECTURE, "base/b.h": "#pragma once\n",
                 "low/l.h": '#include "base/b.h"\n', **files}
        for path, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w") as f:
                f.write(text)
        with open(os.path.join(root, "deps.dot"), "w") as f:
            f.write(graph)
        result = subprocess.run([sys.executable, CHECKER, "--root", root, "--graph",
                                 os.path.join(root, "deps.dot")], capture_output=True, text=True)
        return result.returncode, result.stdout

    def test_a_clean_tree_passes(self):
        code, out = self.tree({"high/h.cpp": '#include "low/l.h"\n#include "base/b.h"\n',
                               "low/k.cpp": "#include <linux/kvm.h>\n"})
        self.assertEqual(code, 0, out)

    def test_a_layer_used_against_the_table_fails(self):
        code, out = self.tree({"low/x.cpp": '#include "high/h.h"\n', "high/h.h": ""})
        self.assertEqual(code, 1)
        self.assertIn("low/x.cpp: includes high/h.h, but low may not use high", out)

    def test_an_include_without_a_declared_link_fails(self):
        graph = GRAPH.replace('    "node2" -> "node1"  // lib_high -> lib_low\n', "")
        code, out = self.tree({"high/h.cpp": '#include "low/l.h"\n'}, graph)
        self.assertEqual(code, 1)
        self.assertIn("lib_high declares no link to lib_low", out)

    def test_a_private_link_is_not_passed_on(self):
        graph = GRAPH.replace('"node1" -> "node0"  //', '"node1" -> "node0" [ style = dotted ] //')
        code, out = self.tree({"high/h.cpp": '#include "base/b.h"\n'}, graph)
        self.assertIn("lib_high declares no link to lib_base", out)

    def test_a_link_against_the_table_fails(self):
        graph = GRAPH.replace("}", '    "node3" -> "node1"  // lib_side -> lib_low\n}')
        code, out = self.tree({}, graph)
        self.assertEqual(code, 1)
        self.assertIn("CMake: lib_side links lib_low, but side may not use low", out)

    def test_kvm_header_outside_its_directories_fails(self):
        code, out = self.tree({"high/h.cpp": "#include <linux/kvm.h>\n"})
        self.assertEqual(code, 1)
        self.assertIn("high/h.cpp: includes <linux/kvm.h>, allowed only in low", out)

    def test_a_file_in_no_layer_fails(self):
        code, out = self.tree({"elsewhere/e.cpp": ""})
        self.assertEqual(code, 1)
        self.assertIn("elsewhere/e.cpp: in no layer", out)

    def test_test_code_may_use_other_layers_test_support(self):
        code, out = self.tree({"low/x_test.cpp": '#include "high/h_test_support.h"\n',
                               "high/h_test_support.h": ""})
        self.assertEqual(code, 0, out)


if __name__ == "__main__":
    unittest.main()
