/* fuzz-onnx.c — the ONNX importer (protobuf-c parse, translation, folding)
 * through the public API: load from memory, query every input/output and
 * the metadata keys the elements read, free.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>

#include "mnv3.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
query (const mnv3_model *m)
{
  static const char *keys[] = { "labels", "mean", "std", "task", "format",
    "num_classes", "input_size" };
  mnv3_tensor_info info;
  volatile size_t sink = 0;

  for (int i = 0; i < mnv3_model_num_inputs (m); i++)
    if (mnv3_model_input_info (m, i, &info) == MNV3_OK)
      sink += strlen (info.name) + (size_t) info.rank;
  for (int i = 0; i < mnv3_model_num_outputs (m); i++)
    if (mnv3_model_output_info (m, i, &info) == MNV3_OK)
      sink += strlen (info.name) + (size_t) info.rank;
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    const char *v = mnv3_model_metadata (m, keys[k]);
    if (v)
      sink += strlen (v);
  }
  (void) sink;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mnv3_model *m = NULL;

  /* bytes 4..7 "TFL3" select the TFLite reader: not this target's */
  if (size >= 8 && !memcmp (data + 4, "TFL3", 4))
    return 0;
  if (mnv3_model_load_memory (data, size, "fuzz.onnx", &m) == MNV3_OK) {
    query (m);
    mnv3_model_free (m);
  } else if (!mnv3_last_error ()[0]) {
    __builtin_trap ();          /* every failure must say why */
  }
  return 0;
}
