/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tools/qdq-video.c: which frames of a video mnv3-quantize calibrates on,
 * and how it refuses files it cannot decode.  The videos are made here
 * with GStreamer (videotestsrc, jpegenc, avimux / multipartmux from
 * gstreamer1.0-plugins-base/good): 30 frames of 64x48 at 30 fps.
 */
#include <check.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qdq-video.h"

static char *dir;

/* Run `desc` (a launch line ending in a filesink to `path`) to EOS. */
static char *
make_file (const char *name, const char *desc)
{
  char *path = g_build_filename (dir, name, NULL);
  char *line = g_strdup_printf ("%s ! filesink location=%s", desc, path);
  GError *e = NULL;
  GstElement *p = gst_parse_launch (line, &e);
  GstBus *bus;
  GstMessage *m;

  ck_assert_msg (p && !e, "%s: %s", line, e ? e->message : "");
  bus = gst_element_get_bus (p);
  gst_element_set_state (p, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ck_assert_msg (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS, "%s", line);
  gst_message_unref (m);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  g_free (line);
  return path;
}

#define TEST_SRC "videotestsrc num-buffers=30 pattern=white ! " \
  "video/x-raw,format=I420,width=64,height=48,framerate=30/1 ! jpegenc"

/* Read every frame the video yields: their numbers into idx, count. */
static int
read_all (const char *path, int frames, int *idx, int max, int *total)
{
  char err[512];
  mnv3_video *v = mnv3_video_open (path, frames, err, sizeof err);
  mnv3_video_frame f;
  int n = 0, r;

  ck_assert_msg (v != NULL, "%s", err);
  *total = mnv3_video_total (v);
  while ((r = mnv3_video_next (v, &f, err, sizeof err)) == 1) {
    ck_assert_int_lt (n, max);
    ck_assert_int_eq (f.width, 64);
    ck_assert_int_eq (f.height, 48);
    ck_assert_int_ge (f.stride, 64 * 3);
    /* white (Y 235 in I420) through JPEG: first and last pixel */
    for (int c = 0; c < 3; c++) {
      ck_assert_int_ge (f.rgb[c], 220);
      ck_assert_int_ge (f.rgb[47 * f.stride + 63 * 3 + c], 220);
    }
    idx[n++] = f.index;
  }
  ck_assert_msg (r == 0, "%s", err);
  ck_assert_int_eq (mnv3_video_next (v, &f, err, sizeof err), 0);
  mnv3_video_close (v);
  return n;
}

START_TEST (test_spread_by_time)
{
  /* avimux gives the duration (1 s): frame i is the first at or after
   * i/8 s, frame numbers ceil(i * 30 / 8) */
  char *path = make_file ("v.avi", TEST_SRC " ! avimux");
  int idx[64], total, n = read_all (path, 8, idx, 64, &total);
  static const int want[8] = { 0, 4, 8, 12, 15, 19, 23, 27 };

  ck_assert (mnv3_video_supported ());
  ck_assert_int_eq (total, 8);
  ck_assert_int_eq (n, 8);
  for (int i = 0; i < 8; i++)
    ck_assert_int_eq (idx[i], want[i]);
  /* one frame: the first */
  n = read_all (path, 1, idx, 64, &total);
  ck_assert_int_eq (n, 1);
  ck_assert_int_eq (idx[0], 0);
  g_free (path);
}
END_TEST

START_TEST (test_shorter_than_asked)
{
  char *path = make_file ("v.mkv", TEST_SRC " ! matroskamux");
  int idx[128], total, n = read_all (path, 100, idx, 128, &total);

  ck_assert_int_eq (total, 100);  /* the duration, not the count, is known */
  ck_assert_int_eq (n, 30);       /* each frame once */
  for (int i = 0; i < n; i++)
    ck_assert_int_eq (idx[i], i);
  g_free (path);
}
END_TEST

START_TEST (test_spread_by_count)
{
  /* multipart JPEG has no duration: the frames are counted first, then
   * frame i * 30 / 8 is kept */
  char *path = make_file ("v.mjpg", TEST_SRC " ! multipartmux");
  int idx[64], total, n = read_all (path, 8, idx, 64, &total);

  ck_assert_int_eq (total, 8);
  ck_assert_int_eq (n, 8);
  for (int i = 0; i < 8; i++)
    ck_assert_int_eq (idx[i], i * 30 / 8);
  n = read_all (path, 50, idx, 64, &total);
  ck_assert_int_eq (total, 30);   /* counted */
  ck_assert_int_eq (n, 30);
  g_free (path);
}
END_TEST

/* open() fails, or a later next() does, with a message naming the file. */
static void
expect_refused (const char *path, const char *reason)
{
  char err[512] = "";
  mnv3_video *v = mnv3_video_open (path, 8, err, sizeof err);
  mnv3_video_frame f;

  if (v) {
    int r;
    while ((r = mnv3_video_next (v, &f, err, sizeof err)) == 1)
      ;
    mnv3_video_close (v);
    ck_assert_msg (r < 0, "%s: decoded without an error", path);
  }
  ck_assert_msg (strstr (err, path) && strstr (err, "cannot decode as video"),
      "%s", err);
  if (reason)
    ck_assert_msg (strstr (err, reason), "'%s' lacks '%s'", err, reason);
}

START_TEST (test_refused)
{
  char *text = g_build_filename (dir, "notes.mp4", NULL);
  char *missing = g_build_filename (dir, "missing.avi", NULL);
  char *wav = make_file ("tone.wav",
      "audiotestsrc num-buffers=20 ! wavenc");

  ck_assert (g_file_set_contents (text, "not a video\n", -1, NULL));
  expect_refused (text, "Could not determine type of stream");
  expect_refused (missing, NULL);
  expect_refused (wav, "no video stream");
  g_free (text);
  g_free (missing);
  g_free (wav);
}
END_TEST

START_TEST (test_truncated)
{
  /* half an AVI: either some frames then the end, or an error naming
   * the file; never a hang (every wait in qdq-video.c is bounded) */
  char *path = make_file ("whole.avi", TEST_SRC " ! avimux");
  char *half = g_build_filename (dir, "half.avi", NULL), *data, err[512];
  gsize len;
  mnv3_video *v;
  mnv3_video_frame f;
  int r = 0;

  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  ck_assert (g_file_set_contents (half, data, (gssize) len / 2, NULL));
  v = mnv3_video_open (half, 8, err, sizeof err);
  if (v) {
    while ((r = mnv3_video_next (v, &f, err, sizeof err)) == 1)
      ck_assert_int_eq (f.width, 64);
    mnv3_video_close (v);
  }
  if (!v || r < 0)
    ck_assert_msg (strstr (err, half) != NULL, "%s", err);
  g_free (data);
  g_free (half);
  g_free (path);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("qdq-video");
  TCase *tc = tcase_create ("video");
  SRunner *sr;
  int failed;
  GError *e = NULL;

  if (!gst_init_check (NULL, NULL, &e)) {
    printf ("SKIP: GStreamer does not initialise: %s\n", e->message);
    return 77;
  }
  for (const char *const *n = (const char *const[]) { "videotestsrc",
          "jpegenc", "avimux", "matroskamux", "multipartmux", "wavenc",
          "audiotestsrc", "decodebin", NULL }; *n; n++) {
    GstElementFactory *fac = gst_element_factory_find (*n);
    if (!fac) {
      printf ("SKIP: no GStreamer element %s\n", *n);
      return 77;
    }
    gst_object_unref (fac);
  }
  dir = g_dir_make_tmp ("qdq-video-XXXXXX", &e);
  if (!dir) {
    fprintf (stderr, "no temporary directory: %s\n", e->message);
    return EXIT_FAILURE;
  }
  tcase_add_test (tc, test_spread_by_time);
  tcase_add_test (tc, test_shorter_than_asked);
  tcase_add_test (tc, test_spread_by_count);
  tcase_add_test (tc, test_refused);
  tcase_add_test (tc, test_truncated);
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  {
    const char *name;
    GDir *d = g_dir_open (dir, 0, NULL);
    while (d && (name = g_dir_read_name (d))) {
      char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
      g_free (p);
    }
    if (d)
      g_dir_close (d);
    g_rmdir (dir);
  }
  g_free (dir);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
