/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-video: calibration frames for mnv3-quantize taken from a video file,
 * decoded by GStreamer (filesrc ! decodebin ! videoconvert !
 * video/x-raw,format=RGB ! appsink).
 *
 * Contract
 * --------
 * - mnv3_video_open() prerolls the pipeline and asks for the duration.  Any
 *   failure (unreadable file, no demuxer/decoder for it, no video stream,
 *   nothing within MNV3_VIDEO_TIMEOUT_S seconds) returns NULL with a message
 *   in err that names the file and gives GStreamer's reason.
 * - The video yields at most `frames` frames spread evenly over it: with
 *   frames N and duration D, frame i is the first decoded frame whose stream
 *   time is >= i * D / N (the start of each of N equal slices, as --frames
 *   spreads over an image list); frames >= 1.  A video with fewer frames
 *   than asked for yields each frame once.  When the
 *   container gives no duration, one pass counts the frames first and the
 *   same rule runs on frame numbers.
 * - mnv3_video_next() returns 1 with the next chosen frame (packed RGB, rows
 *   `stride` bytes apart, valid until the next call or close), 0 at the end,
 *   -1 with a message in err on a decoding error or when no frame arrives
 *   within MNV3_VIDEO_TIMEOUT_S seconds.  Nothing blocks without a bound.
 * - Built without GStreamer (qdq-video-none.c), mnv3_video_supported() is 0
 *   and mnv3_video_open() fails with a message saying so.
 */
#ifndef MNV3_TOOLS_QDQ_VIDEO_H
#define MNV3_TOOLS_QDQ_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#define MNV3_VIDEO_TIMEOUT_S 30

typedef struct mnv3_video mnv3_video;

typedef struct {
  const uint8_t *rgb;
  int width, height, stride;
  int index;                   /* decoded frame number, from 0 */
  double seconds;              /* stream time, -1 when unknown */
} mnv3_video_frame;

int mnv3_video_supported (void);
mnv3_video *mnv3_video_open (const char *path, int frames, char *err,
    size_t errlen);
/* How many frames the video will yield at most: `frames`, or the frame
 * count when the first pass counted fewer. */
int mnv3_video_total (const mnv3_video *v);
int mnv3_video_next (mnv3_video *v, mnv3_video_frame *f, char *err,
    size_t errlen);
void mnv3_video_close (mnv3_video *v);

#endif /* MNV3_TOOLS_QDQ_VIDEO_H */
