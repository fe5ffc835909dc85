/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-video without GStreamer: mnv3-quantize built where gstreamer-1.0,
 * gstreamer-app-1.0 or gstreamer-video-1.0 was not found reads images only.
 */
#include "qdq-video.h"

#include <stdio.h>

struct mnv3_video {
  int unused;
};

int
mnv3_video_supported (void)
{
  return 0;
}

mnv3_video *
mnv3_video_open (const char *path, int frames, char *err, size_t errlen)
{
  (void) frames;
  if (err && errlen)
    snprintf (err, errlen, "%s: not a PNG or JPEG image, and this build of "
        "mnv3-quantize has no video support (GStreamer 1.22 with "
        "gstreamer-app and gstreamer-video was not found when it was "
        "built); extract frames into a directory instead", path);
  return NULL;
}

int
mnv3_video_total (const mnv3_video *v)
{
  (void) v;
  return 0;
}

int
mnv3_video_next (mnv3_video *v, mnv3_video_frame *f, char *err,
    size_t errlen)
{
  (void) v;
  (void) f;
  (void) err;
  (void) errlen;
  return 0;
}

void
mnv3_video_close (mnv3_video *v)
{
  (void) v;
}
