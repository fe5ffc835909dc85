/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-video: calibration frames from a video file (see qdq-video.h).
 *
 *   filesrc ! decodebin ! videoconvert ! video/x-raw,format=RGB ! appsink
 *
 * How the frames are spread: the whole video is decoded in order and the
 * first frame at or after each of N evenly spaced stream times is kept
 * (frames in between are decoded and dropped), rather than seeking to each
 * time.  Decoding everything costs time on long videos, but it works the
 * same on every file GStreamer can play: accurate seeks depend on the
 * demuxer having an index (AVI/Matroska without cues, MPEG-TS and raw
 * streams seek approximately or not at all), and a frame-accurate seek
 * decodes from the previous key frame anyway, which for N frames of a
 * short clip is close to decoding it all.  Memory stays at one frame.
 *
 * Every wait is bounded: the bus and the appsink are polled every 100 ms
 * and a decoding error, EOS or MNV3_VIDEO_TIMEOUT_S seconds without a
 * frame ends the wait.
 */
#include "qdq-video.h"

#include <stdio.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#define POLL (100 * GST_MSECOND)

struct mnv3_video {
  char *path;
  GstElement *pipeline, *convert, *sink;
  GstBus *bus;
  gint linked, no_video;       /* set from the streaming thread */
  int frames;                  /* asked for */
  gint64 duration;             /* ns, -1 when unknown */
  int64_t count;               /* frames counted by a first pass, or -1 */
  int next;                    /* slices passed (0..frames) */
  int index;                   /* frames decoded */
  double last_t;               /* stream time of the last timed frame */
  GstSample *sample;           /* the frame handed out, mapped */
  GstVideoFrame vframe;
  int mapped;
};

int
mnv3_video_supported (void)
{
  return 1;
}

static void
seterr (char *err, size_t errlen, const char *fmt, const char *path,
    const char *reason)
{
  if (err && errlen)
    snprintf (err, errlen, fmt, path, reason);
}

/* decodebin's pads: the first video stream goes to videoconvert, any other
 * stream to a fakesink, so that unlinked audio never stalls the demuxer. */
static void
on_pad_added (GstElement *dec, GstPad *pad, gpointer data)
{
  mnv3_video *v = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const char *name;
  GstPad *sinkpad;
  GstElement *fake;

  (void) dec;
  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  name = caps && gst_caps_get_size (caps) > 0
      ? gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";
  if (g_str_has_prefix (name, "video/x-raw")
      && g_atomic_int_compare_and_exchange (&v->linked, 0, 1)) {
    sinkpad = gst_element_get_static_pad (v->convert, "sink");
    if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
      g_atomic_int_set (&v->linked, 0);
    gst_object_unref (sinkpad);
  } else if ((fake = gst_element_factory_make ("fakesink", NULL))) {
    g_object_set (fake, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (v->pipeline), fake);
    gst_element_sync_state_with_parent (fake);
    sinkpad = gst_element_get_static_pad (fake, "sink");
    gst_pad_link (pad, sinkpad);
    gst_object_unref (sinkpad);
  }
  if (caps)
    gst_caps_unref (caps);
}

static void
on_no_more_pads (GstElement *dec, gpointer data)
{
  mnv3_video *v = data;

  (void) dec;
  if (!g_atomic_int_get (&v->linked))
    g_atomic_int_set (&v->no_video, 1);
}

/* An error message waiting on the bus, or the lack of a video stream, as
 * err: -1; else 0.  EOS counts when `eos_is_error`. */
static int
bus_error (mnv3_video *v, GstClockTime wait, int eos_is_error, int *done,
    char *err, size_t errlen)
{
  GstMessage *m = gst_bus_timed_pop_filtered (v->bus, wait,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_ASYNC_DONE);

  if (g_atomic_int_get (&v->no_video)) {
    if (m)
      gst_message_unref (m);
    seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
        "no video stream that this GStreamer installation decodes");
    return -1;
  }
  if (!m)
    return 0;
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error (m, &e, NULL);
    seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
        e ? e->message : "unknown GStreamer error");
    g_clear_error (&e);
    gst_message_unref (m);
    return -1;
  }
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS && eos_is_error) {
    seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
        "no video frame");
    gst_message_unref (m);
    return -1;
  }
  if (done && GST_MESSAGE_SRC (m) == GST_OBJECT (v->pipeline))
    *done = 1;                 /* ASYNC_DONE (or EOS) of the pipeline */
  gst_message_unref (m);
  return 0;
}

static void
teardown (mnv3_video *v)
{
  if (v->mapped)
    gst_video_frame_unmap (&v->vframe);
  v->mapped = 0;
  if (v->sample)
    gst_sample_unref (v->sample);
  v->sample = NULL;
  if (v->pipeline)
    gst_element_set_state (v->pipeline, GST_STATE_NULL);
  if (v->bus)
    gst_object_unref (v->bus);
  if (v->pipeline)
    gst_object_unref (v->pipeline);
  v->bus = NULL;
  v->pipeline = v->convert = v->sink = NULL;
  v->linked = v->no_video = 0;
  v->next = v->index = 0;
  v->last_t = 0;
}

/* Build the pipeline and preroll it (PAUSED): 0, or -1 with err. */
static int
start (mnv3_video *v, char *err, size_t errlen)
{
  GstElement *src, *dec, *filter;
  GstCaps *caps;
  gint64 end;
  int done = 0;

  v->pipeline = gst_pipeline_new ("mnv3-quantize-video");
  src = gst_element_factory_make ("filesrc", NULL);
  dec = gst_element_factory_make ("decodebin", NULL);
  v->convert = gst_element_factory_make ("videoconvert", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  v->sink = gst_element_factory_make ("appsink", NULL);
  if (!v->pipeline || !src || !dec || !v->convert || !filter || !v->sink) {
    seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
        "GStreamer lacks filesrc, decodebin, videoconvert, capsfilter or "
        "appsink (gstreamer1.0-plugins-base)");
    GstElement *made[] = { v->pipeline, src, dec, v->convert, filter,
      v->sink };
    for (size_t i = 0; i < G_N_ELEMENTS (made); i++)
      if (made[i])
        gst_object_unref (gst_object_ref_sink (made[i]));
    v->pipeline = v->convert = v->sink = NULL;
    return -1;
  }
  g_object_set (src, "location", v->path, NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB",
      NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (v->sink, "sync", FALSE, "max-buffers", 2, "drop", FALSE,
      "enable-last-sample", FALSE, NULL);
  gst_bin_add_many (GST_BIN (v->pipeline), src, dec, v->convert, filter,
      v->sink, NULL);
  if (!gst_element_link (src, dec)
      || !gst_element_link_many (v->convert, filter, v->sink, NULL)) {
    seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
        "cannot link the pipeline");
    return -1;
  }
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), v);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), v);
  v->bus = gst_element_get_bus (v->pipeline);

  gst_element_set_state (v->pipeline, GST_STATE_PAUSED);
  end = g_get_monotonic_time () + MNV3_VIDEO_TIMEOUT_S * G_TIME_SPAN_SECOND;
  while (!done) {
    if (bus_error (v, POLL, 0, &done, err, errlen))
      return -1;
    if (!done && g_get_monotonic_time () > end) {
      seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
          "no frame within " G_STRINGIFY (MNV3_VIDEO_TIMEOUT_S) " s");
      return -1;
    }
  }
  return 0;
}

/* The next decoded sample: 1, 0 at EOS, -1 with err. */
static int
pull (mnv3_video *v, GstSample **out, char *err, size_t errlen)
{
  gint64 end = g_get_monotonic_time ()
      + MNV3_VIDEO_TIMEOUT_S * G_TIME_SPAN_SECOND;

  for (;;) {
    GstSample *s = gst_app_sink_try_pull_sample (GST_APP_SINK (v->sink),
        POLL);
    if (s) {
      *out = s;
      return 1;
    }
    if (gst_app_sink_is_eos (GST_APP_SINK (v->sink)))
      return 0;
    if (bus_error (v, 0, 0, NULL, err, errlen))
      return -1;
    if (g_get_monotonic_time () > end) {
      seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
          "no frame within " G_STRINGIFY (MNV3_VIDEO_TIMEOUT_S) " s");
      return -1;
    }
  }
}

static int
play (mnv3_video *v, char *err, size_t errlen)
{
  if (gst_element_set_state (v->pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    if (bus_error (v, 0, 0, NULL, err, errlen) == 0)
      seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
          "the pipeline does not start");
    return -1;
  }
  return 0;
}

mnv3_video *
mnv3_video_open (const char *path, int frames, char *err, size_t errlen)
{
  GError *e = NULL;
  mnv3_video *v;

  if (!gst_init_check (NULL, NULL, &e)) {
    seterr (err, errlen, "%s: cannot decode as video: %s", path,
        e ? e->message : "GStreamer does not initialise");
    g_clear_error (&e);
    return NULL;
  }
  v = g_new0 (mnv3_video, 1);
  v->path = g_strdup (path);
  v->frames = frames > 0 ? frames : 1;
  v->count = -1;
  if (start (v, err, errlen) != 0)
    goto fail;
  if (!gst_element_query_duration (v->pipeline, GST_FORMAT_TIME,
          &v->duration) || v->duration <= 0) {
    /* No duration: count the frames, then spread over frame numbers. */
    GstSample *s;
    int r;
    v->duration = -1;
    if (play (v, err, errlen) != 0)
      goto fail;
    v->count = 0;
    while ((r = pull (v, &s, err, errlen)) == 1) {
      gst_sample_unref (s);
      v->count++;
    }
    if (r < 0)
      goto fail;
    teardown (v);
    if (start (v, err, errlen) != 0)
      goto fail;
  }
  if (play (v, err, errlen) != 0)
    goto fail;
  return v;
fail:
  mnv3_video_close (v);
  return NULL;
}

int
mnv3_video_total (const mnv3_video *v)
{
  return v->count >= 0 && v->count < v->frames ? (int) v->count : v->frames;
}

/* Where slice `i` starts, in ns or in frames. */
static int64_t
slice_start (const mnv3_video *v, int i)
{
  int64_t n = v->duration > 0 ? v->duration : v->count;
  return (int64_t) ((double) n * i / v->frames);
}

int
mnv3_video_next (mnv3_video *v, mnv3_video_frame *f, char *err,
    size_t errlen)
{
  if (v->mapped)
    gst_video_frame_unmap (&v->vframe);
  v->mapped = 0;
  if (v->sample)
    gst_sample_unref (v->sample);
  v->sample = NULL;

  while (v->next < v->frames) {
    GstSample *s;
    GstBuffer *buf;
    const GstSegment *seg;
    GstVideoInfo info;
    double t = -1;
    int64_t pos;
    int r = pull (v, &s, err, errlen), index = v->index++;

    if (r <= 0)
      return r;
    buf = gst_sample_get_buffer (s);
    seg = gst_sample_get_segment (s);
    if (buf && seg && GST_BUFFER_PTS_IS_VALID (buf)) {
      guint64 st = gst_segment_to_stream_time (seg, GST_FORMAT_TIME,
          GST_BUFFER_PTS (buf));
      if (GST_CLOCK_TIME_IS_VALID (st))
        t = (double) st / GST_SECOND;
    }
    if (t >= 0)
      v->last_t = t;
    /* an untimed frame counts as the last timed one */
    pos = v->duration > 0 ? (int64_t) (v->last_t * GST_SECOND) : index;
    if (pos < slice_start (v, v->next)) {
      gst_sample_unref (s);
      continue;
    }
    while (v->next < v->frames && slice_start (v, v->next) <= pos)
      v->next++;
    if (!buf || !gst_video_info_from_caps (&info, gst_sample_get_caps (s))
        || GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGB
        || !gst_video_frame_map (&v->vframe, &info, buf, GST_MAP_READ)) {
      gst_sample_unref (s);
      seterr (err, errlen, "%s: cannot decode as video: %s", v->path,
          "a decoded frame cannot be read as RGB");
      return -1;
    }
    v->sample = s;
    v->mapped = 1;
    f->rgb = GST_VIDEO_FRAME_PLANE_DATA (&v->vframe, 0);
    f->stride = GST_VIDEO_FRAME_PLANE_STRIDE (&v->vframe, 0);
    f->width = GST_VIDEO_FRAME_WIDTH (&v->vframe);
    f->height = GST_VIDEO_FRAME_HEIGHT (&v->vframe);
    f->index = index;
    f->seconds = t;
    return 1;
  }
  return 0;
}

void
mnv3_video_close (mnv3_video *v)
{
  if (!v)
    return;
  teardown (v);
  g_free (v->path);
  g_free (v);
}
