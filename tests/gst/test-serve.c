/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tools/mnv3-serve on loopback: the server is started with --port 0 on
 * 127.0.0.1 serving black frames classified and labelled by mnv3overlay,
 * encoded with x264enc (the payloader appended by mnv3-serve); two RTSP
 * clients (rtspsrc ! avdec_h264) at once, sharing the server's one
 * pipeline, decode frames in which the label's white text is where the
 * overlay draws it (top-left) and nowhere else; SIGINT stops the server
 * with exit status 0.  Bad arguments fail with a message.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#define W 320
#define H 240
#define N_FRAMES 10

static const gchar *serve_bin;

typedef struct
{
  GPid pid;
  gint out_fd, err_fd;
  gchar *url;
} Server;

/* One line from @fd within @timeout_ms (the URL mnv3-serve prints). */
static gchar *
read_line (gint fd, gint timeout_ms)
{
  GString *s = g_string_new (NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < end) {
    GPollFD p = { fd, G_IO_IN, 0 };
    gchar c;

    if (g_poll (&p, 1, 100) <= 0)
      continue;
    if (read (fd, &c, 1) != 1)
      break;
    if (c == '\n')
      return g_string_free (s, FALSE);
    g_string_append_c (s, c);
  }
  g_string_free (s, TRUE);
  return NULL;
}

static gchar *
read_all (gint fd)
{
  GString *s = g_string_new (NULL);
  gchar buf[512];
  gssize n;

  while ((n = read (fd, buf, sizeof (buf))) > 0)
    g_string_append_len (s, buf, n);
  return g_string_free (s, FALSE);
}

/* The server dies with the test, even when a timeout kills the test. */
static void
server_child_setup (gpointer data)
{
  (void) data;
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
server_spawn (Server * srv, const gchar * const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  GError *err = NULL;

  g_ptr_array_add (argv, (gpointer) serve_bin);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_async_with_pipes (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD, server_child_setup, NULL, &srv->pid, NULL,
          &srv->out_fd, &srv->err_fd, &err), "cannot run %s: %s", serve_bin,
      err ? err->message : "?");
  g_ptr_array_free (argv, TRUE);
}

/* Exit status of the server (waits at most @timeout_ms); -1 when it did
 * not exit in time (then it is killed). */
static gint
server_wait (Server * srv, gint timeout_ms)
{
  gint status = 0;

  for (gint i = 0; i < timeout_ms / 20; i++) {
    if (waitpid (srv->pid, &status, WNOHANG) == srv->pid) {
      g_spawn_close_pid (srv->pid);
      return WIFEXITED (status) ? WEXITSTATUS (status) : 128 +
          WTERMSIG (status);
    }
    g_usleep (20 * 1000);
  }
  kill (srv->pid, SIGKILL);
  waitpid (srv->pid, &status, 0);
  g_spawn_close_pid (srv->pid);
  return -1;
}

static void
server_close (Server * srv)
{
  close (srv->out_fd);
  close (srv->err_fd);
  g_free (srv->url);
}

typedef struct
{
  GstElement *pipe, *sink;
} Client;

static void
client_start (Client * c, const gchar * url)
{
  gchar *desc = g_strdup_printf ("rtspsrc location=%s latency=100 "
      "protocols=tcp ! rtph264depay ! avdec_h264 ! videoconvert ! "
      "video/x-raw,format=GRAY8 ! appsink name=sink sync=false "
      "max-buffers=%d", url, N_FRAMES * 4);
  GError *err = NULL;

  c->pipe = gst_parse_launch (desc, &err);
  fail_unless (c->pipe != NULL, "client: %s", err ? err->message : "?");
  c->sink = gst_bin_get_by_name (GST_BIN (c->pipe), "sink");
  fail_unless (gst_element_set_state (c->pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_free (desc);
}

/* Bright pixels (the white text) in the label's corner, none elsewhere
 * (the source is black; H.264 leaves a little noise around the text). */
static void
check_frame (GstSample * sample, guint client, guint k)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstVideoInfo info;
  GstVideoFrame f;
  guint bright_label = 0, bright_rest = 0;

  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps
          (sample)));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), W);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), H);
  fail_unless (gst_video_frame_map (&f, &info, buf, GST_MAP_READ));
  for (gint y = 0; y < H; y++) {
    const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0);
    for (gint x = 0; x < W; x++) {
      if (row[x] < 160)
        continue;
      if (y < 32 && x < W * 3 / 4)
        bright_label++;
      else
        bright_rest++;
    }
  }
  gst_video_frame_unmap (&f);
  GST_INFO ("client %u frame %u: %u bright pixels in the label's corner, "
      "%u elsewhere", client, k, bright_label, bright_rest);
  /* a label of a few glyphs in white: a hundred pixels at least */
  fail_unless (bright_label > 100, "client %u frame %u: no label (%u)",
      client, k, bright_label);
  fail_unless (bright_rest < 10, "client %u frame %u: %u bright pixels "
      "outside the label", client, k, bright_rest);
}

/* mode=sync: every served frame must carry its own label from the first
 * one on (in the default async mode on a live source the first frames go
 * out before the first result exists). */
GST_START_TEST (test_serve_two_clients)
{
  const gchar *args[] = { "--port", "0", "--address", "127.0.0.1", "--path",
    "/cam", "videotestsrc pattern=black is-live=true ! "
        "video/x-raw,width=320,height=240,framerate=15/1 ! mnv3classify mode=sync ! "
        "mnv3overlay ! videoconvert ! x264enc tune=zerolatency "
        "speed-preset=ultrafast key-int-max=15", NULL
  };
  Server srv = { 0 };
  Client c[2];
  gchar *err_text;

  server_spawn (&srv, args);
  srv.url = read_line (srv.out_fd, 30000);
  fail_unless (srv.url != NULL, "mnv3-serve printed no URL");
  fail_unless (g_str_has_prefix (srv.url, "rtsp://127.0.0.1:"), "%s",
      srv.url);
  fail_unless (g_str_has_suffix (srv.url, "/cam"), "%s", srv.url);

  for (guint i = 0; i < 2; i++)
    client_start (&c[i], srv.url);
  for (guint k = 0; k < N_FRAMES; k++) {
    for (guint i = 0; i < 2; i++) {
      GstSample *s = gst_app_sink_try_pull_sample (GST_APP_SINK (c[i].sink),
          30 * GST_SECOND);
      fail_unless (s != NULL, "client %u: no frame %u", i, k);
      check_frame (s, i, k);
      gst_sample_unref (s);
    }
  }
  for (guint i = 0; i < 2; i++) {
    gst_element_set_state (c[i].pipe, GST_STATE_NULL);
    gst_object_unref (c[i].sink);
    gst_object_unref (c[i].pipe);
  }

  kill (srv.pid, SIGINT);
  fail_unless_equals_int (server_wait (&srv, 15000), 0);
  err_text = read_all (srv.err_fd);
  fail_unless (strstr (err_text, "stopped") != NULL, "%s", err_text);
  g_free (err_text);
  server_close (&srv);
}

GST_END_TEST;

/* SIGINT while a client is playing: still a clean exit. */
GST_START_TEST (test_serve_sigint_with_client)
{
  const gchar *args[] = { "--port", "0", "--address", "127.0.0.1",
    "videotestsrc is-live=true ! video/x-raw,width=160,height=120,"
        "framerate=15/1 ! x264enc tune=zerolatency speed-preset=ultrafast",
    NULL
  };
  Server srv = { 0 };
  Client c;
  GstSample *s;

  server_spawn (&srv, args);
  srv.url = read_line (srv.out_fd, 30000);
  fail_unless (srv.url != NULL);
  fail_unless (g_str_has_suffix (srv.url, "/mnv3"), "%s", srv.url);
  client_start (&c, srv.url);
  s = gst_app_sink_try_pull_sample (GST_APP_SINK (c.sink), 30 * GST_SECOND);
  fail_unless (s != NULL);
  gst_sample_unref (s);
  kill (srv.pid, SIGINT);
  fail_unless_equals_int (server_wait (&srv, 15000), 0);
  gst_element_set_state (c.pipe, GST_STATE_NULL);
  gst_object_unref (c.sink);
  gst_object_unref (c.pipe);
  server_close (&srv);
}

GST_END_TEST;

static void
assert_fails (const gchar * const *args, const gchar * want)
{
  Server srv = { 0 };
  gchar *err_text;

  server_spawn (&srv, args);
  fail_unless_equals_int (server_wait (&srv, 30000), 1);
  err_text = read_all (srv.err_fd);
  fail_unless (strstr (err_text, want) != NULL, "\"%s\" not in \"%s\"", want,
      err_text);
  g_free (err_text);
  server_close (&srv);
}

GST_START_TEST (test_serve_bad_arguments)
{
  const gchar *no_element[] = { "--port", "0", "nosuchelement ! fakesink",
    NULL
  };
  const gchar *bad_path[] = { "--path", "cam", "videotestsrc ! x264enc",
    NULL
  };
  const gchar *bad_port[] = { "--port", "70000", "videotestsrc ! x264enc",
    NULL
  };
  const gchar *no_launch[] = { "--port", "0", NULL };

  assert_fails (no_element, "nosuchelement");
  assert_fails (bad_path, "--path");
  assert_fails (bad_port, "70000");
  assert_fails (no_launch, "LAUNCH");
}

GST_END_TEST;

static Suite *
serve_suite (void)
{
  Suite *s = suite_create ("mnv3-serve");
  TCase *tc = tcase_create ("rtsp");

  tcase_add_test (tc, test_serve_two_clients);
  tcase_add_test (tc, test_serve_sigint_with_client);
  tcase_add_test (tc, test_serve_bad_arguments);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  const gchar *need[] = { "x264enc", "avdec_h264", "rtspsrc", NULL };

  gst_check_init (&argc, &argv);
  serve_bin = g_getenv ("MNV3_SERVE");
  if (!serve_bin) {
    g_printerr ("MNV3_SERVE (the mnv3-serve to test) is not set\n");
    return 1;
  }
  for (guint i = 0; need[i]; i++) {
    GstElementFactory *f = gst_element_factory_find (need[i]);
    if (!f) {
      g_printerr ("SKIP: %s is not installed (gstreamer1.0-plugins-ugly, "
          "gstreamer1.0-libav, gstreamer1.0-plugins-good)\n", need[i]);
      return 77;
    }
    gst_object_unref (f);
  }
  return gst_check_run_suite (serve_suite (), "serve", __FILE__);
}
