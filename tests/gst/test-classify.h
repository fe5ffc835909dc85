/* test-classify.h — what the three files of test_classify share.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-classify.c: the photo in every input format, the harness, the
 * tests of mnv3classify's results and model handling, the suite;
 * test-classify-messages.c: results as bus messages, tracked regions;
 * test-classify-errors.c: errors and state cycles. */
#ifndef MNV3_TEST_CLASSIFY_H
#define MNV3_TEST_CLASSIFY_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstmnv3meta.h"
#include "photo.h"

/* tests/data/chelsea.png, loaded by the "general" case's fixture */
extern mnv3_image chelsea;

/* The photo in format fmt; *caps (when not NULL) gets matching caps. */
GstBuffer *make_frame (GstVideoFormat fmt, const mnv3_image * img,
    GstCaps ** caps);
/* Top-1 result is one of ImageNet's cats (281..285, by index and name). */
gboolean is_cat (const GstMnv3ClassificationMeta * m);
/* gst_harness_new_parse (launch) with the caps of the photo in fmt. */
GstHarness *harness_with_frame_caps (const gchar * launch,
    GstVideoFormat fmt);

/* test-classify-messages.c: adds its tests to the "general" case */
void test_classify_add_message_tests (TCase * tc);
/* test-classify-errors.c: adds the "errors" and "cycles" cases */
void test_classify_add_error_tests (Suite * s);

#endif /* MNV3_TEST_CLASSIFY_H */
