/* fuzz-strings.c — the string properties the elements parse: the class
 * lists of mnv3classify / mnv3detect "object-class"
 * (gst_mnv3_parse_name_list) and the JSON "tags" of mnv3metaconvert,
 * parsed when the element starts (a READY -> PAUSED change on the element
 * from the plugin in the build tree).
 *
 * Input: the text up to the first NUL is the class list, the rest the
 * tags.  GLib warnings and criticals abort (they are findings too).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gst/gst.h>
#include <stdint.h>
#include <string.h>

#include "gstmnv3inference.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

static gboolean have_metaconvert;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GstPlugin *p;
  GstElementFactory *f;

  (void) argc;
  (void) argv;
  /* only our plugin: no registry scan of the system's */
  g_setenv ("GST_REGISTRY_UPDATE", "no", TRUE);
  g_setenv ("GST_REGISTRY_1_0", "/dev/null", TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_PLUGIN_PATH_1_0", "", TRUE);
  gst_init (NULL, NULL);
  /* a GLib warning or critical (e.g. a non-UTF-8 message) is a finding */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL
      | G_LOG_LEVEL_WARNING);
  p = gst_plugin_load_file (MNV3_PLUGIN_FILE, NULL);
  if (p)
    gst_object_unref (p);
  f = gst_element_factory_find ("mnv3metaconvert");
  have_metaconvert = f != NULL;
  if (f)
    gst_object_unref (f);
  return 0;
}

static void
start_metaconvert (const char *tags)
{
  GstElement *e = gst_element_factory_make ("mnv3metaconvert", NULL);

  if (!e)
    return;
  g_object_set (e, "tags", tags, NULL);
  gst_element_set_state (e, GST_STATE_PAUSED);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gchar *text = g_malloc (size + 1), *tags;
  gchar **names;

  memcpy (text, data, size);
  text[size] = '\0';
  names = gst_mnv3_parse_name_list (text);
  for (guint i = 0; names && names[i]; i++)
    if (!names[i][0] || g_ascii_isspace (names[i][0]))
      __builtin_trap ();        /* parts are stripped and never empty */
  g_strfreev (names);
  tags = text + strlen (text);
  if (tags < text + size && have_metaconvert)
    start_metaconvert (tags + 1);
  g_free (text);
  return 0;
}
