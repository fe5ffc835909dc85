/* error.c — per-thread error message.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "graph.h"

static _Thread_local char mnv3_error_buf[512];

const char *
mnv3_last_error (void)
{
  return mnv3_error_buf;
}

mnv3_status
mnv3_set_error (mnv3_status s, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (mnv3_error_buf, sizeof mnv3_error_buf, fmt, ap);
  va_end (ap);
  return s;
}

const char *
mnv3_status_string (mnv3_status s)
{
  switch (s) {
    case MNV3_OK: return "ok";
    case MNV3_ERR_IO: return "I/O error";
    case MNV3_ERR_FORMAT: return "corrupt or unrecognised model file";
    case MNV3_ERR_UNSUPPORTED: return "unsupported model feature";
    case MNV3_ERR_INVALID_ARG: return "invalid argument";
    case MNV3_ERR_SHAPE: return "shape mismatch";
    case MNV3_ERR_NOMEM: return "out of memory";
  }
  return "unknown status";
}
