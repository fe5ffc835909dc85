/* gst-support.c — see gst-support.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <gmodule.h>
#include <gst/check/gstcheck.h>

#include "gst-support.h"

void
mnv3_test_expect_start_error (const gchar * launch, const gchar * needle)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (launch, &err);
  GstBus *bus;
  GstMessage *msg;
  GError *gerr = NULL;
  gchar *dbg = NULL;

  fail_unless (p != NULL && err == NULL, "%s", err ? err->message : "");
  bus = gst_element_get_bus (p);
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message for %s", launch);
  gst_message_parse_error (msg, &gerr, &dbg);
  fail_unless (strstr (gerr->message, needle) != NULL,
      "error '%s' does not name '%s'", gerr->message, needle);
  GST_INFO ("expected error: %s", gerr->message);
  g_error_free (gerr);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

void
mnv3_test_fill_packed_rgb (GstVideoFrame * f, const guint8 * rgb,
    gint width, gint height)
{
  guint8 *d = GST_VIDEO_FRAME_PLANE_DATA (f, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (f, 0);
  gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (f, 0);
  gint ro = GST_VIDEO_FRAME_COMP_POFFSET (f, GST_VIDEO_COMP_R);
  gint go = GST_VIDEO_FRAME_COMP_POFFSET (f, GST_VIDEO_COMP_G);
  gint bo = GST_VIDEO_FRAME_COMP_POFFSET (f, GST_VIDEO_COMP_B);

  for (gint y = 0; y < height; y++) {
    guint8 *row = d + y * stride;

    /* alpha (or padding) opaque */
    memset (row, 0xff, (gsize) ps * width);
    for (gint x = 0; x < width; x++) {
      const guint8 *s = rgb + 3 * (y * width + x);
      row[x * ps + ro] = s[0];
      row[x * ps + go] = s[1];
      row[x * ps + bo] = s[2];
    }
  }
}

void
mnv3_test_model_cache_stats (guint * loads, guint * alive)
{
  static void (*get_stats) (guint *, guint *) = NULL;

  if (!get_stats) {
    GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "mnv3");
    GModule *module;

    fail_unless (plugin != NULL);
    /* the plugin is already loaded (an element exists): this only takes a
     * second reference on the same module */
    module = g_module_open (gst_plugin_get_filename (plugin),
        G_MODULE_BIND_LOCAL);
    fail_unless (module != NULL, "%s", g_module_error ());
    fail_unless (g_module_symbol (module, "gst_mnv3_model_cache_get_stats",
            (gpointer *) & get_stats));
    gst_object_unref (plugin);
  }
  get_stats (loads, alive);
}

void
mnv3_test_count_notify (GObject * obj, GParamSpec * pspec, gpointer data)
{
  (void) obj;
  (void) pspec;
  g_atomic_int_inc ((gint *) data);
}

void
mnv3_test_state_cycle (GstElement * p)
{
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (gst_element_get_state (p, NULL, NULL,
          10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
}
