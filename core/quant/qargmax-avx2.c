/* qargmax-avx2.c — 8-bit ARG_MAX over channels with phminposuw.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each group of 8 channels becomes 8 uint16 keys 255 - order (order: the
 * byte for uint8, the byte + 128 for int8; lanes past the row 0xffff),
 * whose minimum phminposuw finds with the lowest index among equals: the
 * first maximum, as the scalar loop in qmisc.c.  Groups are compared
 * strictly, so an earlier group keeps a tie.  Contract: qkernels.h. */
#include <immintrin.h>
#include <string.h>

#include "quant/qkernels.h"

void
mnv3_qargmax_avx2 (const uint8_t *in, size_t rows, int c, int is_i8,
    void *out, int out_i64)
{
  const uint8_t *end = in + rows * (size_t) c;
  const int groups = (c + 7) / 8, rem = c - 8 * (groups - 1);
  const __m128i flip = _mm_set1_epi16 (is_i8 ? 0x7f : 0xff);
  const __m128i tail = _mm_cmpgt_epi16 (_mm_setr_epi16 (0, 1, 2, 3, 4, 5,
          6, 7), _mm_set1_epi16 ((short) (rem - 1)));

  size_t r = 0;

  if (c <= 8) {                 /* one group a row: no comparisons */
    /* rows whose 8-byte load stays inside the input */
    const size_t safe = rows * (size_t) c >= 8
        ? (rows * (size_t) c - 8) / (size_t) c + 1 : 0;
    for (; r < safe; r++) {
      __m128i k = _mm_xor_si128 (_mm_cvtepu8_epi16 (_mm_loadl_epi64 ((const
                      __m128i *) (in + r * (size_t) c))), flip);
      int m = _mm_cvtsi128_si32 (_mm_minpos_epu16 (_mm_or_si128 (k, tail)));
      if (out_i64)
        ((int64_t *) out)[r] = (m >> 16) & 7;
      else
        ((int32_t *) out)[r] = (m >> 16) & 7;
    }
  }
  for (; r < rows; r++) {
    const uint8_t *p = in + r * (size_t) c;
    int best = 0x10000, bi = 0;
    for (int g = 0; g < groups; g++) {
      const uint8_t *q = p + 8 * g;
      __m128i b, k;
      int m;
      if (end - q >= 8)
        b = _mm_loadl_epi64 ((const __m128i *) q);
      else {                    /* the buffer's last bytes: no read past */
        uint8_t t[8] = { 0 };
        memcpy (t, q, (size_t) (end - q));
        b = _mm_loadl_epi64 ((const __m128i *) t);
      }
      k = _mm_xor_si128 (_mm_cvtepu8_epi16 (b), flip);
      if (g == groups - 1)
        k = _mm_or_si128 (k, tail);
      m = _mm_cvtsi128_si32 (_mm_minpos_epu16 (k));
      if ((m & 0xffff) < best) {
        best = m & 0xffff;
        bi = 8 * g + ((m >> 16) & 7);
      }
    }
    if (out_i64)
      ((int64_t *) out)[r] = bi;
    else
      ((int32_t *) out)[r] = bi;
  }
}
