/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The inference elements' input-width/input-height properties.
 *
 *  - A model whose file fixes its input size (the embedded TFLite
 *    MobileNetV3-Small, 224x224) refuses another size with an element
 *    error that says so, and runs when asked for its own size.
 *  - Models with dynamic H/W (a seeded torchvision MobileNetV3-Small
 *    exported with dynamic_axes by Debian's /usr/bin/python3 at test time;
 *    those cases are left out, with a note, without torch): without the
 *    properties they run at the default (224, or their "input_size"
 *    metadata); asking for that same size gives the very same scores; another
 *    size runs and gives other scores (the network saw another input).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>

#include "gstmnv3meta.h"
#include "gst-support.h"

#define CAPS "video/x-raw,format=RGB,width=320,height=240,framerate=30/1"

static gchar *dyn_plain;        /* dynamic H/W, no input_size metadata */
static gchar *dyn_meta;         /* dynamic H/W, input_size "160x192" (HxW) */

/* Exports both dynamic models next to the test binary (once). */
static gboolean
export_dynamic_models (void)
{
  static const gchar *script =
      "import sys, torch, torchvision, onnx\n"
      "torch.manual_seed(5)\n"
      "net = torchvision.models.mobilenet_v3_small(weights=None,"
      " width_mult=0.5).eval()\n"
      "x = torch.randn(1, 3, 224, 224)\n"
      "for path, meta in ((sys.argv[1], None), (sys.argv[2], '160x192')):\n"
      "    torch.onnx.export(net, x, path, opset_version=13,"
      " input_names=['input'], output_names=['logits'],"
      " dynamic_axes={'input': {0: 'N', 2: 'H', 3: 'W'},"
      " 'logits': {0: 'N'}})\n"
      "    if meta:\n"
      "        m = onnx.load(path)\n"
      "        e = m.metadata_props.add()\n"
      "        e.key, e.value = 'input_size', meta\n"
      "        onnx.save(m, path)\n";
  gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  gchar *dir = g_path_get_dirname (exe);
  gint status = 0;

  dyn_plain = g_build_filename (dir, "input-size-dyn.onnx", NULL);
  dyn_meta = g_build_filename (dir, "input-size-dyn-meta.onnx", NULL);
  g_free (exe);
  g_free (dir);
  if (!g_file_test (dyn_plain, G_FILE_TEST_EXISTS)
      || !g_file_test (dyn_meta, G_FILE_TEST_EXISTS)) {
    gchar *argv[] = { (gchar *) "/usr/bin/python3", (gchar *) "-c",
      (gchar *) script, dyn_plain, dyn_meta, NULL
    };

    if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL) || status != 0) {
      g_print ("NOTE: /usr/bin/python3 could not export a dynamic-size "
          "model (torch/torchvision/onnx missing?): only the fixed-size "
          "cases run\n");
      g_unlink (dyn_plain);
      g_unlink (dyn_meta);
      return FALSE;
    }
  }
  return TRUE;
}

static GstBuffer *
make_frame (void)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 320 * 240 * 3, NULL);
  GstMapInfo map;
  gint i;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (i = 0; i < 320 * 240 * 3; i++)
    map.data[i] = (guint8) ((i * 7 / 3) ^ (i / 960));
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = 0;
  GST_BUFFER_DURATION (b) = GST_SECOND / 30;
  return b;
}

/* The top-5 of one frame through mnv3classify @props (sync). */
static void
classify (const gchar * props, gint ids[5], gfloat scores[5])
{
  gchar *desc = g_strdup_printf ("mnv3classify mode=sync num-threads=1 "
      "top-k=5 %s", props);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBuffer *out;
  GstMnv3ClassificationMeta *m;
  guint i;

  gst_harness_set_src_caps_str (h, CAPS);
  out = gst_harness_push_and_pull (h, make_frame ());
  fail_unless (out != NULL, "%s: no output", desc);
  m = gst_buffer_get_mnv3_classification_meta (out);
  fail_unless (m != NULL && m->n_results == 5, "%s: no result", desc);
  for (i = 0; i < 5; i++) {
    ids[i] = m->class_ids[i];
    scores[i] = m->scores[i];
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (desc);
}

static gboolean
same_result (const gint * ia, const gfloat * sa, const gint * ib,
    const gfloat * sb)
{
  return memcmp (ia, ib, 5 * sizeof *ia) == 0
      && memcmp (sa, sb, 5 * sizeof *sa) == 0;
}

GST_START_TEST (test_fixed_model_refuses_other_size)
{
  mnv3_test_expect_start_error ("videotestsrc num-buffers=1 ! "
      "mnv3classify input-width=320 ! fakesink", "fixed at 224x224");
  mnv3_test_expect_start_error ("videotestsrc num-buffers=1 ! "
      "mnv3classify input-height=160 ! fakesink", "fixed at 224x224");
}

GST_END_TEST;

GST_START_TEST (test_fixed_model_own_size)
{
  gint ia[5], ib[5];
  gfloat sa[5], sb[5];
  GstElement *e = gst_element_factory_make ("mnv3classify", NULL);
  gint w = -1, hgt = -1;

  /* documented defaults */
  g_object_get (e, "input-width", &w, "input-height", &hgt, NULL);
  fail_unless_equals_int (w, 0);
  fail_unless_equals_int (hgt, 0);
  gst_object_unref (e);

  classify ("", ia, sa);
  classify ("input-width=224 input-height=224", ib, sb);
  fail_unless (same_result (ia, sa, ib, sb));
}

GST_END_TEST;

GST_START_TEST (test_dynamic_model_sizes)
{
  gint id0[5], id1[5], id2[5];
  gfloat s0[5], s1[5], s2[5];
  gchar *p;

  /* no input_size: 224 by default */
  p = g_strdup_printf ("model=\"%s\"", dyn_plain);
  classify (p, id0, s0);
  g_free (p);
  p = g_strdup_printf ("model=\"%s\" input-width=224 input-height=224",
      dyn_plain);
  classify (p, id1, s1);
  g_free (p);
  fail_unless (same_result (id0, s0, id1, s1),
      "the default size of a dynamic model without input_size is not 224");
  p = g_strdup_printf ("model=\"%s\" input-width=192 input-height=128",
      dyn_plain);
  classify (p, id2, s2);
  g_free (p);
  fail_unless (!same_result (id0, s0, id2, s2),
      "input-width/input-height changed nothing");
}

GST_END_TEST;

GST_START_TEST (test_dynamic_model_with_default)
{
  gint id0[5], id1[5], id2[5];
  gfloat s0[5], s1[5], s2[5];
  gchar *p;

  /* input_size "160x192" is H x W: the default, not a fixed size */
  p = g_strdup_printf ("model=\"%s\"", dyn_meta);
  classify (p, id0, s0);
  g_free (p);
  p = g_strdup_printf ("model=\"%s\" input-width=192 input-height=160",
      dyn_meta);
  classify (p, id1, s1);
  g_free (p);
  fail_unless (same_result (id0, s0, id1, s1),
      "the default size is not the model's input_size");
  p = g_strdup_printf ("model=\"%s\" input-width=224 input-height=224",
      dyn_meta);
  classify (p, id2, s2);
  g_free (p);
  fail_unless (!same_result (id0, s0, id2, s2));
}

GST_END_TEST;

static Suite *
input_size_suite (void)
{
  Suite *s = suite_create ("mnv3inputsize");
  TCase *tc = tcase_create ("input-size");

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fixed_model_refuses_other_size);
  tcase_add_test (tc, test_fixed_model_own_size);
  if (export_dynamic_models ()) {
    tcase_add_test (tc, test_dynamic_model_sizes);
    tcase_add_test (tc, test_dynamic_model_with_default);
  }
  return s;
}

GST_CHECK_MAIN (input_size);
