// SPDX-License-Identifier: Apache-2.0
// CHECK: a "cannot happen" condition after initialisation. It logs and aborts; the sandbox
// restart is the recovery. Never use it on guest-controlled data.
#pragma once
#include <cstdio>
#include <cstdlib>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) [[unlikely]] {                                                                \
            std::fprintf(                                                                          \
                stderr, "partvm: CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

#ifdef NDEBUG
#define DCHECK(cond) ((void)0)
#else
#define DCHECK(cond) CHECK(cond)
#endif
