// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/gpadl/gpadl_error.h"

namespace vmbus {

std::string_view to_string(GpadlError error)
{
    switch (error) {
    case GpadlError::DuplicateId:
        return "GPADL id already in use";
    case GpadlError::UnknownId:
        return "no GPADL is being assembled with this id";
    case GpadlError::TooManyPages:
        return "too many pages in one GPADL";
    case GpadlError::TooManyGpadls:
        return "too many GPADLs";
    case GpadlError::TooManyTotalPages:
        return "too many pages across all GPADLs";
    case GpadlError::PageOutsideRam:
        return "GPADL page outside guest RAM";
    case GpadlError::BadRange:
        return "GPADL range inconsistent with its page count";
    case GpadlError::NotARing:
        return "GPADL does not cover whole pages, as a ring must";
    case GpadlError::BadRingOffset:
        return "ring page offset leaves a ring without data pages";
    }
    return "unknown GPADL error";
}

} // namespace vmbus
