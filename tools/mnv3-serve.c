/* mnv3-serve: an RTSP server for a GStreamer launch description.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   mnv3-serve [--port N] [--path /NAME] [--address ADDR] LAUNCH
 *
 * Serves rtsp://ADDR:PORT/NAME (defaults: all interfaces, 8554, /mnv3)
 * from LAUNCH, e.g.
 *
 *   mnv3-serve "v4l2src ! videoconvert ! mnv3detect ! mnv3overlay ! \
 *     videoconvert ! x264enc tune=zerolatency"
 *
 * One pipeline is shared by every client (gst-rtsp-server's shared media):
 * inference runs once however many viewers there are.  When LAUNCH has no
 * element named pay0, an H.264 payloader (rtph264pay name=pay0) is
 * appended, so LAUNCH may end with the encoder.  --port 0 picks a free
 * port.  Once serving, the URL is printed on standard output (one line);
 * SIGINT or SIGTERM stops the server cleanly (clients are disconnected,
 * the pipeline is shut down, exit status 0).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

typedef struct
{
  gint port;
  gchar *path;
  gchar *address;
  gchar *launch;
} ServeOptions;

static gboolean
serve_on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static GstRTSPFilterResult
serve_close_client (GstRTSPServer * server, GstRTSPClient * client,
    gpointer data)
{
  (void) server;
  (void) client;
  (void) data;
  return GST_RTSP_FILTER_REMOVE;
}

/* The launch description gst-rtsp-server gets: LAUNCH in a bin, with a
 * payloader named pay0 appended when it has none. */
static gchar *
serve_media_launch (const gchar * launch)
{
  if (strstr (launch, "name=pay0"))
    return g_strdup_printf ("( %s )", launch);
  return g_strdup_printf ("( %s ! rtph264pay name=pay0 pt=96 "
      "config-interval=-1 )", launch);
}

/* Builds the description once to report a mistake before serving. */
static gboolean
serve_check_launch (const gchar * media_launch)
{
  GError *err = NULL;
  GstElement *e = gst_parse_launch_full (media_launch, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);
  GstElement *pay;

  if (!e) {
    g_printerr ("mnv3-serve: the launch description is not valid: %s\n",
        err ? err->message : "unknown error");
    g_clear_error (&err);
    return FALSE;
  }
  pay = GST_IS_BIN (e) ? gst_bin_get_by_name (GST_BIN (e), "pay0") : NULL;
  if (!pay)
    g_printerr ("mnv3-serve: the launch description has no element "
        "named pay0 (the RTP payloader)\n");
  else
    gst_object_unref (pay);
  gst_object_unref (e);
  return pay != NULL;
}

static gboolean
serve_parse_args (int argc, char **argv, ServeOptions * o)
{
  gchar *path = NULL, *address = NULL, **rest = NULL;
  gint port = 8554;
  GOptionEntry entries[] = {
    {"port", 'p', 0, G_OPTION_ARG_INT, &port,
        "TCP port (default 8554; 0 picks a free one)", "N"},
    {"path", 0, 0, G_OPTION_ARG_STRING, &path,
        "Mount path (default /mnv3)", "/NAME"},
    {"address", 'a', 0, G_OPTION_ARG_STRING, &address,
        "Address to listen on (default: all interfaces)", "ADDR"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL,
        "LAUNCH"},
    {NULL, 0, 0, 0, NULL, NULL, NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- serve a GStreamer "
      "pipeline over RTSP");
  GError *err = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, &argc, &argv, &err);
  if (!ok) {
    g_printerr ("mnv3-serve: %s\n", err->message);
    g_clear_error (&err);
  } else if (!rest || !rest[0]) {
    g_printerr ("%s", g_option_context_get_help (ctx, TRUE, NULL));
    ok = FALSE;
  } else if (port < 0 || port > 65535) {
    g_printerr ("mnv3-serve: --port %d is not a TCP port\n", port);
    ok = FALSE;
  } else if (path && path[0] != '/') {
    g_printerr ("mnv3-serve: --path must start with '/' (e.g. /mnv3)\n");
    ok = FALSE;
  }
  if (ok) {
    o->port = port;
    o->path = path ? g_strdup (path) : g_strdup ("/mnv3");
    o->address = address ? g_strdup (address) : g_strdup ("0.0.0.0");
    /* LAUNCH may come as one argument or as gst-launch-style words */
    o->launch = g_strjoinv (" ", rest);
  }
  g_free (path);
  g_free (address);
  g_strfreev (rest);
  g_option_context_free (ctx);
  return ok;
}

int
main (int argc, char **argv)
{
  ServeOptions o = { 0 };
  GstRTSPServer *server;
  GstRTSPMountPoints *mounts;
  GstRTSPMediaFactory *factory;
  GMainLoop *loop;
  gchar *media_launch, *service;
  guint id;
  int status = EXIT_FAILURE;

  if (!serve_parse_args (argc, argv, &o))
    return EXIT_FAILURE;
  gst_init (NULL, NULL);
  media_launch = serve_media_launch (o.launch);
  if (!serve_check_launch (media_launch))
    goto out;

  loop = g_main_loop_new (NULL, FALSE);
  server = gst_rtsp_server_new ();
  service = g_strdup_printf ("%d", o.port);
  gst_rtsp_server_set_address (server, o.address);
  gst_rtsp_server_set_service (server, service);
  g_free (service);
  factory = gst_rtsp_media_factory_new ();
  gst_rtsp_media_factory_set_launch (factory, media_launch);
  /* one pipeline for every client */
  gst_rtsp_media_factory_set_shared (factory, TRUE);
  mounts = gst_rtsp_server_get_mount_points (server);
  gst_rtsp_mount_points_add_factory (mounts, o.path, factory);
  g_object_unref (mounts);

  id = gst_rtsp_server_attach (server, NULL);
  if (id == 0) {
    g_printerr ("mnv3-serve: cannot listen on %s:%d (port in use?)\n",
        o.address, o.port);
    g_object_unref (server);
    g_main_loop_unref (loop);
    goto out;
  }
  g_unix_signal_add (SIGINT, serve_on_signal, loop);
  g_unix_signal_add (SIGTERM, serve_on_signal, loop);
  printf ("rtsp://%s:%d%s\n", strcmp (o.address, "0.0.0.0") == 0 ?
      "127.0.0.1" : o.address, gst_rtsp_server_get_bound_port (server),
      o.path);
  fflush (stdout);

  g_main_loop_run (loop);

  /* clean shutdown: disconnect the clients (their media stop with them),
   * stop listening, then drop the server */
  gst_rtsp_server_client_filter (server, serve_close_client, NULL);
  g_source_remove (id);
  g_object_unref (server);
  g_main_loop_unref (loop);
  g_printerr ("mnv3-serve: stopped\n");
  status = EXIT_SUCCESS;
out:
  g_free (media_launch);
  g_free (o.path);
  g_free (o.address);
  g_free (o.launch);
  return status;
}
