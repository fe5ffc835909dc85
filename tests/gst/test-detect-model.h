/* test-detect-model.h — the seeded SSDLite export test_detect and
 * test_detect_async run on.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MNV3_TEST_DETECT_MODEL_H
#define MNV3_TEST_DETECT_MODEL_H

#include <glib.h>

/* $MNV3_DETECT_TEST_MODEL when set; else the seeded SSDLite V3-Small
 * exported beside the test executable unless an up-to-date one is there
 * (one file serves both tests).  NULL when /usr/bin/python3 lacks torch
 * (the caller skips); exits when the export fails.  g_free() it. */
gchar *test_detect_model_path (void);

#endif /* MNV3_TEST_DETECT_MODEL_H */
