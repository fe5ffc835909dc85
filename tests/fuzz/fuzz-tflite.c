/* fuzz-tflite.c — the TFLite reader (bounds-checked FlatBuffers) and
 * importer through the public API: load from memory, query, free.  Bytes
 * 4..7 are forced to the "TFL3" identifier so that every mutation reaches
 * the TFLite path.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mnv3.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mnv3_model *m = NULL;
  mnv3_tensor_info info;
  uint8_t *copy;

  if (size < 8)
    return 0;
  copy = malloc (size);
  if (!copy)
    return 0;
  memcpy (copy, data, size);
  memcpy (copy + 4, "TFL3", 4);
  if (mnv3_model_load_memory (copy, size, "fuzz.tflite", &m) == MNV3_OK) {
    volatile size_t sink = 0;
    for (int i = 0; i < mnv3_model_num_inputs (m); i++)
      if (mnv3_model_input_info (m, i, &info) == MNV3_OK)
        sink += strlen (info.name);
    for (int i = 0; i < mnv3_model_num_outputs (m); i++)
      if (mnv3_model_output_info (m, i, &info) == MNV3_OK)
        sink += strlen (info.name);
    if (mnv3_model_metadata (m, "labels"))
      sink += strlen (mnv3_model_metadata (m, "labels"));
    (void) sink;
    mnv3_model_free (m);
  } else if (!mnv3_last_error ()[0]) {
    __builtin_trap ();          /* every failure must say why */
  }
  free (copy);
  return 0;
}
