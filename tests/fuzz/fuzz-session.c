/* fuzz-session.c — the whole path on small inputs, through the public
 * API as an application uses it: load from memory, create a session,
 * fill the input, run once, read every output element.
 *
 * Input: byte 0 and 1 choose the session's input height and width
 * (1..64; 0 = the model's declared size when that is at most 256x256),
 * byte 2 the number of threads (1 or 2), the rest is the model file
 * (ONNX or TFLite, detected from content as mnv3_model_load does).  The
 * session's limits are lowered (16 MiB tensors, 64 MiB arena, 10^8 MACs)
 * so that one execution stays in milliseconds; the default limits are the
 * subject of tests/tflite/test-tflite-limits.c.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>

#include "mnv3.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
pick (uint8_t b, int64_t declared)
{
  if (b == 0)
    return declared >= 1 && declared <= 256 ? 0 : 64;
  return 1 + b % 64;
}

static void
run_session (const mnv3_model *m, const uint8_t *data)
{
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_tensor_info info;
  mnv3_session *s = NULL;
  volatile float sink = 0.f;

  if (mnv3_model_input_info (m, 0, &info) != MNV3_OK)
    return;
  o.input_height = pick (data[0], info.dims[1]);
  o.input_width = pick (data[1], info.dims[2]);
  o.num_threads = 1 + (data[2] & 1);
  o.max_tensor_bytes = (int64_t) 16 << 20;
  o.max_arena_bytes = (int64_t) 64 << 20;
  o.max_macs = 100000000;
  if (mnv3_session_create (m, &o, &s) != MNV3_OK)
    return;
  for (int i = 0; i < mnv3_model_num_inputs (m); i++) {
    float *in = mnv3_session_input (s, i);
    int64_t n = 1;
    if (mnv3_session_input_info (s, i, &info) != MNV3_OK || !in)
      continue;
    for (int d = 0; d < info.rank; d++)
      n *= info.dims[d];
    for (int64_t k = 0; k < n; k++)
      in[k] = (float) ((k * 7) % 13) * 0.25f - 1.f;
  }
  if (mnv3_session_run (s) == MNV3_OK) {
    for (int i = 0; i < mnv3_model_num_outputs (m); i++) {
      const float *out = mnv3_session_output (s, i, &info);
      int64_t n = 1;
      if (!out)
        continue;
      for (int d = 0; d < info.rank; d++)
        n *= info.dims[d];
      for (int64_t k = 0; k < n; k++)
        sink += out[k];
    }
  }
  (void) sink;
  mnv3_session_free (s);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mnv3_model *m = NULL;

  if (size < 3 + 8)
    return 0;
  if (mnv3_model_load_memory (data + 3, size - 3, "fuzz", &m) != MNV3_OK)
    return 0;
  run_session (m, data);
  mnv3_model_free (m);
  return 0;
}
