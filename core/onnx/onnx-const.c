/* onnx_const.c — constant tensors: decoding, layout conversion.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Constants are plain row-major arrays (float32 or int64): decoded from
 * TensorProto here, evaluated by the folding of onnx-fold.c, and made into
 * graph tensors in the layout of the node that consumes them.  Every
 * allocation size is checked against ONNX_MAX_CONST_NUMEL first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx-internal.h"

void
onnx_val_clear (onnx_val *v)
{
  free (v->f);
  free (v->i);
  free (v->sym);
  free (v->qscale);
  free (v->qzp);
  v->f = NULL;
  v->i = NULL;
  v->sym = NULL;
  v->qscale = NULL;
  v->qzp = NULL;
  v->qnum = 0;
}

/* numel of a shape, or -1 when a dim is negative or the product is absurd. */
int64_t
onnx_numel (int rank, const int64_t *dims)
{
  int64_t n = 1;

  for (int d = 0; d < rank; d++) {
    if (dims[d] < 0 || dims[d] > ONNX_MAX_CONST_NUMEL)
      return -1;
    n *= dims[d];
    if (n > ONNX_MAX_CONST_NUMEL)
      return -1;
  }
  return n;
}

mnv3_status
onnx_const_alloc (onnx_ctx *cx, onnx_val *v, onnx_dtype dt, int rank,
    const int64_t *dims)
{
  int64_t n;
  size_t alloc;

  if (rank < 0 || rank > ONNX_MAX_RANK)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "constant '%s' has rank %d (at most %d)", v->name, rank,
        ONNX_MAX_RANK);
  n = onnx_numel (rank, dims);
  if (n < 0)
    return onnx_node_error (cx, MNV3_ERR_FORMAT,
        "constant '%s' has a negative or absurd shape", v->name);
  onnx_val_clear (v);
  v->kind = ONNX_VAL_CONST;
  v->dtype = dt;
  v->rank = rank;
  if (rank > 0)
    memcpy (v->dims, dims, (size_t) rank * sizeof *dims);
  v->numel = n;
  alloc = (size_t) (n > 0 ? n : 1);
  if (dt == ONNX_F32) {
    v->f = calloc (alloc, sizeof *v->f);
    if (!v->f)
      return onnx_node_error (cx, MNV3_ERR_NOMEM, "out of memory");
  } else {
    v->i = calloc (alloc, sizeof *v->i);
    v->sym = malloc (alloc * sizeof *v->sym);
    if (!v->i || !v->sym)
      return onnx_node_error (cx, MNV3_ERR_NOMEM, "out of memory");
    memset (v->sym, 0xff, alloc * sizeof *v->sym);
  }
  return MNV3_OK;
}

double
onnx_const_get (const onnx_val *v, int64_t k)
{
  return v->dtype == ONNX_F32 ? (double) v->f[k] : (double) v->i[k];
}

int64_t
onnx_const_geti (const onnx_val *v, int64_t k)
{
  if (v->dtype == ONNX_I64)
    return v->i[k];
  if (!(fabsf (v->f[k]) < 9.0e18f))
    return v->f[k] > 0 ? INT64_MAX : INT64_MIN;
  return (int64_t) v->f[k];
}

float *
onnx_const_floats (const onnx_val *v)
{
  float *f = malloc ((size_t) (v->numel > 0 ? v->numel : 1) * sizeof *f);

  if (!f) {
    mnv3_set_error (MNV3_ERR_NOMEM, "onnx: out of memory");
    return NULL;
  }
  for (int64_t k = 0; k < v->numel; k++)
    f[k] = (float) onnx_const_get (v, k);
  return f;
}

/* ---- decoding TensorProto --------------------------------------------- */

static float
onnx_half_to_float (uint16_t h)
{
  int e = (h >> 10) & 31, m = h & 1023;
  float x;

  if (e == 0)
    x = ldexpf ((float) m, -24);
  else if (e == 31)
    x = m ? NAN : INFINITY;
  else
    x = ldexpf ((float) (m | 1024), e - 25);
  return (h & 0x8000) ? -x : x;
}

/* Little-endian element k of a raw_data buffer of `size`-byte elements. */
static uint64_t
onnx_raw_le (const uint8_t *p, int64_t k, int size)
{
  uint64_t x = 0;

  p += k * size;
  for (int b = size - 1; b >= 0; b--)
    x = (x << 8) | p[b];
  return x;
}

typedef struct {
  int type;
  onnx_dtype dt;
  int size;        /* bytes per element in raw_data */
} onnx_type_info;

static const onnx_type_info onnx_types[] = {
  {ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, ONNX_F32, 4},
  {ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16, ONNX_F32, 2},
  {ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, ONNX_F32, 8},
  {ONNX__TENSOR_PROTO__DATA_TYPE__INT64, ONNX_I64, 8},
  {ONNX__TENSOR_PROTO__DATA_TYPE__INT32, ONNX_I64, 4},
  {ONNX__TENSOR_PROTO__DATA_TYPE__INT16, ONNX_I64, 2},
  {ONNX__TENSOR_PROTO__DATA_TYPE__UINT16, ONNX_I64, 2},
  {ONNX__TENSOR_PROTO__DATA_TYPE__INT8, ONNX_I64, 1},
  {ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, ONNX_I64, 1},
  {ONNX__TENSOR_PROTO__DATA_TYPE__BOOL, ONNX_I64, 1},
};

/* Convert one raw element bit pattern to the value's storage. */
static void
onnx_store_bits (onnx_val *v, int type, int64_t k, uint64_t x)
{
  switch (type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:{
      uint32_t u = (uint32_t) x;
      memcpy (&v->f[k], &u, 4);
      break;
    }
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
      v->f[k] = onnx_half_to_float ((uint16_t) x);
      break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:{
      double d;
      memcpy (&d, &x, 8);
      v->f[k] = (float) d;
      break;
    }
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
      v->i[k] = (int64_t) x;
      break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
      v->i[k] = (int32_t) (uint32_t) x;
      break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
      v->i[k] = (int16_t) (uint16_t) x;
      break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
      v->i[k] = (int8_t) (uint8_t) x;
      break;
    default:                    /* unsigned types and bool */
      v->i[k] = (int64_t) x;
      break;
  }
}

/* Typed (non-raw) storage: which repeated field holds the elements. */
static mnv3_status
onnx_decode_typed (onnx_ctx *cx, const Onnx__TensorProto *t, const char *what,
    onnx_val *v, int type)
{
  size_t have;

  if (type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
    have = t->n_float_data;
  else if (type == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE)
    have = t->n_double_data;
  else if (type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64)
    have = t->n_int64_data;
  else
    have = t->n_int32_data;
  if ((int64_t) have != v->numel)
    return onnx_node_error (cx, MNV3_ERR_FORMAT,
        "%s '%s' declares %lld elements but stores %zu", what, v->name,
        (long long) v->numel, have);
  for (int64_t k = 0; k < v->numel; k++) {
    if (type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
      v->f[k] = t->float_data[k];
    else if (type == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE)
      v->f[k] = (float) t->double_data[k];
    else if (type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64)
      v->i[k] = t->int64_data[k];
    else
      onnx_store_bits (v, type, k, (uint64_t) (uint32_t) t->int32_data[k]);
  }
  return MNV3_OK;
}

mnv3_status
onnx_tensor_decode (onnx_ctx *cx, const Onnx__TensorProto *t,
    const char *what, onnx_val *v)
{
  const onnx_type_info *ti = NULL;
  int type = t->has_data_type ? t->data_type : 0;
  mnv3_status s;

  for (size_t k = 0; k < sizeof onnx_types / sizeof onnx_types[0]; k++)
    if (onnx_types[k].type == type)
      ti = &onnx_types[k];
  if (!ti)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "%s '%s' has data type %d (float/int types only)", what, v->name,
        type);
  if (t->has_data_location
      && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "%s '%s' uses external data (save the model as one file)", what,
        v->name);
  if (t->segment)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "%s '%s' is segmented", what, v->name);
  if (t->n_dims > ONNX_MAX_RANK)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "%s '%s' has rank %zu", what, v->name, t->n_dims);
  if ((s = onnx_const_alloc (cx, v, ti->dt, (int) t->n_dims, t->dims))
      != MNV3_OK)
    return s;
  v->elem_type = type;
  if (!t->has_raw_data)
    return onnx_decode_typed (cx, t, what, v, type);
  if ((uint64_t) t->raw_data.len != (uint64_t) v->numel * (uint64_t) ti->size)
    return onnx_node_error (cx, MNV3_ERR_FORMAT,
        "%s '%s' declares %lld elements but raw_data has %zu bytes", what,
        v->name, (long long) v->numel, t->raw_data.len);
  for (int64_t k = 0; k < v->numel; k++)
    onnx_store_bits (v, type, k, onnx_raw_le (t->raw_data.data, k, ti->size));
  return MNV3_OK;
}

/* ---- constants as graph tensors ------------------------------------- */

mnv3_status
onnx_const_tensor (onnx_ctx *cx, onnx_val *v, int rank, int *tid)
{
  int64_t d[4];
  float *data;
  int slot, t, n4[4];

  for (slot = 0; slot < 2; slot++)
    if (v->tid[slot] >= 0 && v->tid_rank[slot] == rank) {
      *tid = v->tid[slot];
      return MNV3_OK;
    }
  if (v->rank > rank || rank > 4 || rank == 3)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "constant '%s' of rank %d cannot be an operand of rank %d", v->name,
        v->rank, rank);
  for (int k = 0; k < rank; k++)
    d[k] = k - (rank - v->rank) >= 0 ? v->dims[k - (rank - v->rank)] : 1;
  if (rank >= 2 && d[0] != 1)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "constant '%s' has batch %lld", v->name, (long long) d[0]);
  if (onnx_nhwc (cx, rank, d, 0, n4) != MNV3_OK)
    return MNV3_ERR_UNSUPPORTED;
  data = malloc ((size_t) (v->numel > 0 ? v->numel : 1) * sizeof *data);
  if (!data)
    return onnx_node_error (cx, MNV3_ERR_NOMEM, "out of memory");
  if (rank == 4) {              /* [1][C][H][W] -> [H][W][C] */
    int64_t C = d[1], H = d[2], W = d[3];
    for (int64_t c = 0; c < C; c++)
      for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++)
          data[(y * W + x) * C + c] =
              (float) onnx_const_get (v, (c * H + y) * W + x);
  } else {
    for (int64_t k = 0; k < v->numel; k++)
      data[k] = (float) onnx_const_get (v, k);
  }
  slot = v->tid[0] < 0 ? 0 : 1;
  {
    char name[256];
    snprintf (name, sizeof name, slot ? "%s#%d" : "%s", v->name, rank);
    t = mnv3_graph_add_tensor (cx->g, name, v->rank, n4[0], n4[1], n4[2],
        n4[3], data);
  }
  if (t < 0)
    return MNV3_ERR_NOMEM;
  v->tid[slot] = t;
  v->tid_rank[slot] = rank;
  *tid = t;
  return MNV3_OK;
}
