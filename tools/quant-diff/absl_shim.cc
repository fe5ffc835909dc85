// absl_shim.cc — the one tflite/util.cc function the MEAN reference needs
// (util.cc itself needs the generated FlatBuffers schema).
// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cstddef>
#include <limits>
#include "absl/types/span.h"
#include "tflite/core/c/c_api_types.h"
namespace tflite {
TfLiteStatus CheckedNumElements(absl::Span<const int> dims, size_t& count) {
  size_t c = 1;
  for (const int d : dims) {
    if (d < 0) return kTfLiteError;
    if (d != 0 && c > std::numeric_limits<size_t>::max() / (size_t) d) return kTfLiteError;
    c *= (size_t) d;
  }
  count = c;
  return kTfLiteOk;
}
}
