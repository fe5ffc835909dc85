/* gst-support.h — the GStreamer part of the test-support library.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only built with GStreamer (test_gst_support_dep); the element tests use
 * it beside support.h. */
#ifndef MNV3_TEST_GST_SUPPORT_H
#define MNV3_TEST_GST_SUPPORT_H

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/* Sets the pipeline `launch` to PAUSED, expects that to fail and an error
 * message on the bus within 10 s whose text contains needle. */
void mnv3_test_expect_start_error (const gchar * launch,
    const gchar * needle);

/* Writes a width x height packed RGB image (3 bytes a pixel, no padding)
 * into a mapped packed RGB-family frame (RGB, BGRx, xRGB, RGBA, ...) of
 * that size; alpha or padding bytes are set opaque (0xff). */
void mnv3_test_fill_packed_rgb (GstVideoFrame * f, const guint8 * rgb,
    gint width, gint height);

/* The process-wide model cache's counters (models loaded so far, models
 * alive now), read through the plugin's gst_mnv3_model_cache_get_stats;
 * the plugin must already be loaded (an mnv3 element exists). */
void mnv3_test_model_cache_stats (guint * loads, guint * alive);

/* A "notify" signal handler that counts the notifications, atomically, in
 * the gint that data points to (g_signal_connect (e, "notify::prop",
 * G_CALLBACK (mnv3_test_count_notify), &count)). */
void mnv3_test_count_notify (GObject * obj, GParamSpec * pspec,
    gpointer data);

/* One state cycle of pipeline p: PLAYING (reached within 10 s), then
 * NULL, each change checked. */
void mnv3_test_state_cycle (GstElement * p);

G_END_DECLS

#endif /* MNV3_TEST_GST_SUPPORT_H */
