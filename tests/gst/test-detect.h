/* test-detect.h — what the two files of test_detect share.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-detect.c: the seeded detection model, the photo, its frames, the
 * harness and the reference boxes, the tests of mnv3detect itself, main();
 * test-detect-downstream.c: the tests of what the elements downstream
 * (overlays, mnv3metaconvert, mnv3classify on the boxes) do with them. */
#ifndef MNV3_TEST_DETECT_H
#define MNV3_TEST_DETECT_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "mnv3.h"
#include "photo.h"
#include "preprocess.h"

/* the model file under test and the photo (tests/data/chelsea.png) */
extern gchar *model_path;
extern mnv3_image photo;

/* The photo as one frame of format fmt (30 fps, PTS 0); *info_out (when
 * not NULL) gets its video info. */
GstBuffer *make_frame (GstVideoFormat fmt, GstVideoInfo * info_out);
/* mnv3detect on model_path, then `extra` properties and ` ! tail` (when
 * not NULL), with the caps of the photo in format fmt. */
GstHarness *detect_harness (const gchar * extra, GstVideoFormat fmt,
    const gchar * tail);
/* Pushes the photo in format fmt and pulls the output buffer. */
GstBuffer *push_pull (GstHarness * h, GstVideoFormat fmt);
/* The engine's pre-processing for p (format, sizes and rectangles set):
 * model m's normalisation, padding with the value of 0; never NULL. */
mnv3_preprocess *reference_preprocess (const mnv3_model * m,
    mnv3_preprocess_params * p);

/* test-detect-downstream.c: adds its tests to the "general" case */
void test_detect_add_downstream_tests (TCase * tc);
#ifdef HAVE_GST_ANALYTICS
/* lets the registry load gst-plugins-bad (objectdetectionoverlay) */
void allow_plugins_bad (void);
#endif

#endif /* MNV3_TEST_DETECT_H */
