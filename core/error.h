/* error.h — setting the per-thread error that mnv3_last_error() returns.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For the engine and for code built on it (models/ post-processing) that
 * reports through the same channel; applications only read errors. */
#ifndef MNV3_ERROR_H
#define MNV3_ERROR_H

#include "mnv3.h"

/* Always returns `s`, so one can write
 *   return mnv3_set_error (MNV3_ERR_FORMAT, "tensor %d: ...", i); */
mnv3_status mnv3_set_error (mnv3_status s, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#endif /* MNV3_ERROR_H */
