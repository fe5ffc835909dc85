/* test-detect-model.c — the seeded SSDLite export of the detection tests
 * (test-detect-model.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "test-detect-model.h"

gchar *
test_detect_model_path (void)
{
  const gchar *env = g_getenv ("MNV3_DETECT_TEST_MODEL");
  const gchar *root = g_getenv ("MNV3_SOURCE_ROOT");
  gchar *exe, *dir, *script, *det_script;
  gchar *argv[16];
  gint status = 1;
  GStatBuf st_model, st_a, st_b;
  gboolean fresh;
  gchar *model_path;

  if (env && *env)
    return g_strdup (env);
  g_assert (root != NULL);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  dir = g_path_get_dirname (exe);
  model_path = g_build_filename (dir, "ssdlite-v3-small-seed1.onnx", NULL);
  script = g_build_filename (root, "models", "export_torchvision.py", NULL);
  det_script = g_build_filename (root, "models", "export_detection.py", NULL);
  fresh = g_stat (model_path, &st_model) == 0 && g_stat (script, &st_a) == 0
      && g_stat (det_script, &st_b) == 0 && st_model.st_mtime >= st_a.st_mtime
      && st_model.st_mtime >= st_b.st_mtime;
  if (!fresh) {
    gchar *check[] = { (gchar *) "/usr/bin/python3", (gchar *) "-c",
      (gchar *) "import torch, torchvision, onnx", NULL
    };
    if (!g_spawn_sync (NULL, check, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL) || status != 0) {
      g_print ("SKIP: /usr/bin/python3 lacks torch/torchvision/onnx\n");
      g_free (exe);
      g_free (dir);
      g_free (script);
      g_free (det_script);
      g_free (model_path);
      return NULL;
    }
    argv[0] = (gchar *) "/usr/bin/python3";
    argv[1] = script;
    argv[2] = (gchar *) "--task";
    argv[3] = (gchar *) "detection";
    argv[4] = (gchar *) "--arch";
    argv[5] = (gchar *) "small";
    argv[6] = (gchar *) "--seed";
    argv[7] = (gchar *) "1";
    argv[8] = (gchar *) "-o";
    argv[9] = model_path;
    argv[10] = (gchar *) "--quiet";
    argv[11] = NULL;
    if (!g_spawn_sync (NULL, argv, NULL, 0, NULL, NULL, NULL, NULL, &status,
            NULL) || !g_spawn_check_wait_status (status, NULL)) {
      g_printerr ("export of the detection model failed\n");
      exit (1);
    }
  }
  g_free (exe);
  g_free (dir);
  g_free (script);
  g_free (det_script);
  return model_path;
}
