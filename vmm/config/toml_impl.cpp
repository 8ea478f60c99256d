// SPDX-License-Identifier: Apache-2.0
// The one translation unit that compiles toml++'s implementation. Debian's libtomlplusplus.so is
// built with exceptions (its parser lives in toml::v3::ex), and partvm code throws none, so we
// build toml++ ourselves with TOML_EXCEPTIONS=0 (parser in toml::v3::noex). The target's compile
// definitions set TOML_HEADER_ONLY=0 so that the other files see declarations only.
#define TOML_IMPLEMENTATION
#include "vmm/config/tomlpp.h"
