/* onnx-fold.c — constant folding: ONNX nodes evaluated at import time.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * torch.onnx.export leaves small shape computations in the graph (Shape,
 * Gather, Slice, Unsqueeze, Concat, Cast, ConstantOfShape, arithmetic).  With
 * the static input shape known they all evaluate at import time; this file
 * does that on plain row-major arrays (the constants of onnx-const.c).
 * Every allocation size is checked against ONNX_MAX_CONST_NUMEL first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx-internal.h"

/* ---- element movement helpers ----------------------------------------- */

static void
onnx_strides (int rank, const int64_t *dims, int64_t *st)
{
  int64_t s = 1;

  for (int d = rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= dims[d];
  }
}

static void
onnx_copy_elem (onnx_val *dst, int64_t k, const onnx_val *src, int64_t j)
{
  if (dst->dtype == ONNX_F32) {
    dst->f[k] = (float) onnx_const_get (src, j);
  } else {
    dst->i[k] = onnx_const_geti (src, j);
    dst->sym[k] = src->dtype == ONNX_I64 ? src->sym[j] : -1;
  }
}

/* Output value for output 0 of the node being folded. */
static mnv3_status
onnx_fold_out (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_dtype dt,
    int rank, const int64_t *dims, onnx_val **out)
{
  mnv3_status s = onnx_val_define (cx, n->output[0], out);
  if (s != MNV3_OK)
    return s;
  return onnx_const_alloc (cx, *out, dt, rank, dims);
}

static int
onnx_norm_axis (int64_t axis, int rank, int *out)
{
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= (rank > 0 ? rank : 1))
    return 0;
  *out = (int) axis;
  return 1;
}

/* Axes from an attribute (older opsets) or from input `idx` (newer). */
static mnv3_status
onnx_axes (onnx_ctx *cx, const Onnx__NodeProto *n, int idx, int64_t *axes,
    int *count)
{
  const int64_t *a;
  size_t na = onnx_attr_ints (n, "axes", &a);
  onnx_val *v;
  mnv3_status s;

  *count = -1;                  /* absent */
  if (na) {
    if (na > ONNX_MAX_RANK)
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "too many axes");
    memcpy (axes, a, na * sizeof *a);
    *count = (int) na;
    return MNV3_OK;
  }
  if ((s = onnx_input (cx, n, idx, &v)) != MNV3_OK || !v)
    return s;
  if (v->kind != ONNX_VAL_CONST || v->numel > ONNX_MAX_RANK)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "axes must be a small constant");
  for (int64_t k = 0; k < v->numel; k++)
    axes[k] = onnx_const_geti (v, k);
  *count = (int) v->numel;
  return MNV3_OK;
}

/* ---- folders ---------------------------------------------------------- */

static mnv3_status
onnx_fold_constant (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  const Onnx__AttributeProto *a;
  onnx_val *v;
  mnv3_status s;
  int64_t dim;

  if ((s = onnx_val_define (cx, n->output[0], &v)) != MNV3_OK)
    return s;
  if ((a = onnx_attr (n, "value")) && a->t)
    return onnx_tensor_decode (cx, a->t, "Constant", v);
  if ((a = onnx_attr (n, "value_float")) && a->has_f) {
    if ((s = onnx_const_alloc (cx, v, ONNX_F32, 0, NULL)) == MNV3_OK)
      v->f[0] = a->f;
    return s;
  }
  if ((a = onnx_attr (n, "value_int")) && a->has_i) {
    if ((s = onnx_const_alloc (cx, v, ONNX_I64, 0, NULL)) == MNV3_OK)
      v->i[0] = a->i;
    return s;
  }
  if ((a = onnx_attr (n, "value_floats"))) {
    dim = (int64_t) a->n_floats;
    if ((s = onnx_const_alloc (cx, v, ONNX_F32, 1, &dim)) == MNV3_OK
        && a->n_floats)
      memcpy (v->f, a->floats, a->n_floats * sizeof *a->floats);
    return s;
  }
  if ((a = onnx_attr (n, "value_ints"))) {
    dim = (int64_t) a->n_ints;
    if ((s = onnx_const_alloc (cx, v, ONNX_I64, 1, &dim)) == MNV3_OK
        && a->n_ints)
      memcpy (v->i, a->ints, a->n_ints * sizeof *a->ints);
    return s;
  }
  return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
      "Constant without a supported value attribute");
}

static mnv3_status
onnx_fold_identity (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x)
{
  onnx_val *o;
  mnv3_status s = onnx_fold_out (cx, n, x->dtype, x->rank, x->dims, &o);

  for (int64_t k = 0; s == MNV3_OK && k < x->numel; k++)
    onnx_copy_elem (o, k, x, k);
  return s;
}

/* Shape of any value; elements of a dynamic tensor's shape carry symbols. */
static mnv3_status
onnx_fold_shape (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x)
{
  int64_t start = onnx_attr_int (n, "start", 0);
  int64_t end = onnx_attr_int (n, "end", x->rank);
  int64_t len;
  onnx_val *o;
  mnv3_status s;

  start = start < 0 ? start + x->rank : start;
  end = end < 0 ? end + x->rank : end;
  start = start < 0 ? 0 : (start > x->rank ? x->rank : start);
  end = end < start ? start : (end > x->rank ? x->rank : end);
  len = end - start;
  if ((s = onnx_fold_out (cx, n, ONNX_I64, 1, &len, &o)) != MNV3_OK)
    return s;
  for (int64_t k = 0; k < len; k++) {
    o->i[k] = x->dims[start + k];
    if (x->kind == ONNX_VAL_DYN && !x->nhw)
      o->sym[k] = ONNX_SYM (x->tensor, (int) (start + k));
  }
  return MNV3_OK;
}

static mnv3_status
onnx_fold_gather (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x,
    onnx_val *idx)
{
  int axis, rank;
  int64_t dims[ONNX_MAX_RANK], st[ONNX_MAX_RANK], inner = 1, outer = 1;
  onnx_val *o;
  mnv3_status s;

  if (!idx || !onnx_norm_axis (onnx_attr_int (n, "axis", 0), x->rank, &axis)
      || x->rank == 0)
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Gather axis or input");
  rank = x->rank - 1 + idx->rank;
  if (rank > ONNX_MAX_RANK)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "Gather rank too big");
  memcpy (dims, x->dims, (size_t) axis * sizeof *dims);
  memcpy (dims + axis, idx->dims, (size_t) idx->rank * sizeof *dims);
  memcpy (dims + axis + idx->rank, x->dims + axis + 1,
      (size_t) (x->rank - axis - 1) * sizeof *dims);
  if ((s = onnx_fold_out (cx, n, x->dtype, rank, dims, &o)) != MNV3_OK)
    return s;
  onnx_strides (x->rank, x->dims, st);
  inner = st[axis];
  for (int d = 0; d < axis; d++)
    outer *= x->dims[d];
  for (int64_t a = 0; a < outer; a++)
    for (int64_t q = 0; q < idx->numel; q++) {
      int64_t j = onnx_const_geti (idx, q);
      if (j < 0)
        j += x->dims[axis];
      if (j < 0 || j >= x->dims[axis])
        return onnx_node_error (cx, MNV3_ERR_FORMAT,
            "Gather index %lld out of range", (long long) j);
      for (int64_t b = 0; b < inner; b++)
        onnx_copy_elem (o, (a * idx->numel + q) * inner + b, x,
            (a * x->dims[axis] + j) * inner + b);
    }
  return MNV3_OK;
}

static int64_t
onnx_clamp64 (int64_t x, int64_t lo, int64_t hi)
{
  return x < lo ? lo : (x > hi ? hi : x);
}

static mnv3_status
onnx_fold_slice (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x)
{
  int64_t start[ONNX_MAX_RANK], step[ONNX_MAX_RANK], dims[ONNX_MAX_RANK];
  int64_t st[ONNX_MAX_RANK], ost[ONNX_MAX_RANK];
  int64_t sv[ONNX_MAX_RANK], ev[ONNX_MAX_RANK], av[ONNX_MAX_RANK],
      pv[ONNX_MAX_RANK];
  int count = 0;
  onnx_val *in[5] = {NULL};
  onnx_val *o;
  mnv3_status s;

  if (cx->opset < 10) {
    const int64_t *a;
    count = (int) onnx_attr_ints (n, "starts", &a);
    if (count > ONNX_MAX_RANK || (int) onnx_attr_ints (n, "ends", &a) != count)
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Slice attributes");
    for (int k = 0; k < count; k++) {
      onnx_attr_ints (n, "starts", &a);
      sv[k] = a[k];
      onnx_attr_ints (n, "ends", &a);
      ev[k] = a[k];
      av[k] = (int) onnx_attr_ints (n, "axes", &a) == count ? a[k] : k;
      pv[k] = 1;
    }
  } else {
    for (int k = 1; k < 5; k++)
      if ((s = onnx_input (cx, n, k, &in[k])) != MNV3_OK)
        return s;
    if (!in[1] || !in[2] || in[1]->numel != in[2]->numel
        || in[1]->numel > ONNX_MAX_RANK
        || (in[3] && in[3]->numel != in[1]->numel)
        || (in[4] && in[4]->numel != in[1]->numel))
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Slice inputs");
    count = (int) in[1]->numel;
    for (int k = 0; k < count; k++) {
      sv[k] = onnx_const_geti (in[1], k);
      ev[k] = onnx_const_geti (in[2], k);
      av[k] = in[3] ? onnx_const_geti (in[3], k) : k;
      pv[k] = in[4] ? onnx_const_geti (in[4], k) : 1;
    }
  }
  for (int d = 0; d < x->rank; d++) {
    start[d] = 0;
    step[d] = 1;
    dims[d] = x->dims[d];
  }
  for (int k = 0; k < count; k++) {
    int a;
    int64_t dim, b, e;
    if (!onnx_norm_axis (av[k], x->rank, &a) || pv[k] == 0
        || pv[k] > ONNX_MAX_CONST_NUMEL || pv[k] < -ONNX_MAX_CONST_NUMEL)
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Slice axis/step");
    dim = x->dims[a];
    b = sv[k] < 0 ? sv[k] + dim : sv[k];
    e = ev[k] < 0 ? ev[k] + dim : ev[k];
    if (pv[k] > 0) {
      b = onnx_clamp64 (b, 0, dim);
      e = onnx_clamp64 (e, 0, dim);
      dims[a] = e > b ? (e - b + pv[k] - 1) / pv[k] : 0;
    } else {
      b = onnx_clamp64 (b, 0, dim - 1);
      e = onnx_clamp64 (e, -1, dim - 1);
      dims[a] = b > e ? (b - e - pv[k] - 1) / -pv[k] : 0;
    }
    start[a] = b;
    step[a] = pv[k];
  }
  if ((s = onnx_fold_out (cx, n, x->dtype, x->rank, dims, &o)) != MNV3_OK)
    return s;
  onnx_strides (x->rank, x->dims, st);
  onnx_strides (x->rank, dims, ost);
  for (int64_t k = 0; k < o->numel; k++) {
    int64_t j = 0, r = k;
    for (int d = 0; d < x->rank; d++) {
      int64_t c = r / ost[d];
      r %= ost[d];
      j += (start[d] + c * step[d]) * st[d];
    }
    onnx_copy_elem (o, k, x, j);
  }
  return MNV3_OK;
}

static mnv3_status
onnx_fold_concat (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *first = NULL, *o, *x;
  int64_t dims[ONNX_MAX_RANK], outer = 1, off = 0;
  onnx_dtype dt = ONNX_I64;
  int axis;
  mnv3_status s;

  for (size_t k = 0; k < n->n_input; k++) {
    if ((s = onnx_input (cx, n, (int) k, &x)) != MNV3_OK || !x)
      return s ? s : onnx_node_error (cx, MNV3_ERR_FORMAT, "empty input");
    if (!first) {
      first = x;
      if (!onnx_norm_axis (onnx_attr_int (n, "axis", 0), x->rank, &axis))
        return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Concat axis");
      memcpy (dims, x->dims, sizeof dims);
      dims[axis] = 0;
    }
    if (x->rank != first->rank)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "Concat rank mismatch");
    for (int d = 0; d < x->rank; d++)
      if (d != axis && x->dims[d] != first->dims[d])
        return onnx_node_error (cx, MNV3_ERR_SHAPE, "Concat dim mismatch");
    dims[axis] += x->dims[axis];
    if (x->dtype == ONNX_F32)
      dt = ONNX_F32;
  }
  if (!first)
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "Concat without inputs");
  if ((s = onnx_fold_out (cx, n, dt, first->rank, dims, &o)) != MNV3_OK)
    return s;
  for (int d = 0; d < axis; d++)
    outer *= dims[d];
  for (size_t k = 0; k < n->n_input; k++) {
    int64_t inner;
    x = onnx_val_find (cx, n->input[k]);
    inner = outer ? x->numel / outer : 0;
    for (int64_t a = 0; a < outer; a++)
      for (int64_t b = 0; b < inner; b++)
        onnx_copy_elem (o, a * (o->numel / outer) + off + b, x, a * inner + b);
    off += inner;
  }
  return MNV3_OK;
}

/* Reshape-like folds: same data, new dims. */
static mnv3_status
onnx_fold_redim (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x,
    int rank, const int64_t *dims)
{
  onnx_val *o;
  mnv3_status s;

  if (onnx_numel (rank, dims) != x->numel)
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "cannot reshape %lld elements", (long long) x->numel);
  if ((s = onnx_fold_out (cx, n, x->dtype, rank, dims, &o)) != MNV3_OK)
    return s;
  for (int64_t k = 0; k < x->numel; k++)
    onnx_copy_elem (o, k, x, k);
  return MNV3_OK;
}

/* Output shape of Unsqueeze/Squeeze (shared with the dynamic versions). */

mnv3_status
onnx_squeeze_shape (onnx_ctx *cx, const Onnx__NodeProto *n,
    const onnx_val *x, int unsqueeze, int *rank, int64_t *dims)
{
  int64_t axes[ONNX_MAX_RANK];
  unsigned char mark[ONNX_MAX_RANK] = {0};
  int count, r = 0;
  mnv3_status s;

  if ((s = onnx_axes (cx, n, 1, axes, &count)) != MNV3_OK)
    return s;
  if (unsqueeze) {
    int out_rank = x->rank + (count > 0 ? count : 0), a, j = 0;
    if (count <= 0 || out_rank > ONNX_MAX_RANK)
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Unsqueeze axes");
    for (int k = 0; k < count; k++) {
      if (!onnx_norm_axis (axes[k], out_rank, &a) || mark[a])
        return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Unsqueeze axis");
      mark[a] = 1;
    }
    for (int d = 0; d < out_rank; d++)
      dims[d] = mark[d] ? 1 : x->dims[j++];
    *rank = out_rank;
    return MNV3_OK;
  }
  for (int k = 0; k < count; k++) {
    int a;
    if (!onnx_norm_axis (axes[k], x->rank, &a) || x->dims[a] != 1)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "bad Squeeze axis");
    mark[a] = 1;
  }
  for (int d = 0; d < x->rank; d++)
    if (!(count < 0 ? x->dims[d] == 1 : mark[d]))
      dims[r++] = x->dims[d];
  *rank = r;
  return MNV3_OK;
}

/* Target shape of Reshape / Flatten (shared with the dynamic versions). */

mnv3_status
onnx_reshape_shape (onnx_ctx *cx, const Onnx__NodeProto *n,
    const onnx_val *x, int *rank, int64_t *dims)
{
  int64_t known = 1, total = 1;
  int infer = -1;
  onnx_val *shp;
  mnv3_status s;

  for (int d = 0; d < x->rank; d++)
    total *= x->dims[d];
  if (strcmp (n->op_type, "Flatten") == 0) {
    int axis;
    int64_t a = 1;
    if (!onnx_norm_axis (onnx_attr_int (n, "axis", 1), x->rank + 1, &axis))
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Flatten axis");
    for (int d = 0; d < axis; d++)
      a *= x->dims[d];
    dims[0] = a;
    dims[1] = a ? total / a : 0;
    *rank = 2;
    return MNV3_OK;
  }
  if ((s = onnx_input (cx, n, 1, &shp)) != MNV3_OK)
    return s;
  if (!shp || shp->kind != ONNX_VAL_CONST || shp->rank != 1
      || shp->numel > ONNX_MAX_RANK)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "Reshape needs a constant 1-D shape of rank <= %d", ONNX_MAX_RANK);
  *rank = (int) shp->numel;
  for (int d = 0; d < *rank; d++) {
    int64_t v = onnx_const_geti (shp, d);
    if (v == 0 && !onnx_attr_int (n, "allowzero", 0))
      v = d < x->rank ? x->dims[d] : -2;
    if (v == -1 && infer < 0)
      infer = d;
    else if (v < 0 || v > ONNX_MAX_CONST_NUMEL * 4)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "bad Reshape dim %lld",
          (long long) v);
    else
      known *= v;
    if (known > ONNX_MAX_CONST_NUMEL * 4)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "absurd Reshape shape");
    dims[d] = v;
  }
  if (infer >= 0) {
    if (known == 0 || total % known)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "cannot infer Reshape dim");
    dims[infer] = total / known;
  } else if (known != total) {
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "Reshape of %lld elements to %lld", (long long) total,
        (long long) known);
  }
  return MNV3_OK;
}

static mnv3_status
onnx_fold_cast (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x)
{
  int64_t to = onnx_attr_int (n, "to", 0);
  onnx_dtype dt;
  onnx_val *o;
  mnv3_status s;

  if (to == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
      || to == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE
      || to == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16)
    dt = ONNX_F32;
  else if (to == ONNX__TENSOR_PROTO__DATA_TYPE__INT64
      || to == ONNX__TENSOR_PROTO__DATA_TYPE__INT32
      || to == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL)
    dt = ONNX_I64;
  else
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "Cast to type %lld",
        (long long) to);
  if ((s = onnx_fold_out (cx, n, dt, x->rank, x->dims, &o)) != MNV3_OK)
    return s;
  for (int64_t k = 0; k < x->numel; k++) {
    onnx_copy_elem (o, k, x, k);
    if (to == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL)
      o->i[k] = onnx_const_get (x, k) != 0.0;
  }
  return MNV3_OK;
}

static mnv3_status
onnx_fold_constant_of_shape (onnx_ctx *cx, const Onnx__NodeProto *n,
    onnx_val *shp)
{
  const Onnx__AttributeProto *a = onnx_attr (n, "value");
  int64_t dims[ONNX_MAX_RANK];
  onnx_val fill, *o;
  mnv3_status s;

  memset (&fill, 0, sizeof fill);
  fill.name = n->output[0];
  if (shp->rank != 1 || shp->numel > ONNX_MAX_RANK)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "bad shape input");
  for (int d = 0; d < shp->numel; d++)
    dims[d] = onnx_const_geti (shp, d);
  if (a && a->t) {
    if ((s = onnx_tensor_decode (cx, a->t, "value", &fill)) != MNV3_OK
        || fill.numel != 1) {
      onnx_val_clear (&fill);
      return s ? s : onnx_node_error (cx, MNV3_ERR_FORMAT, "bad value");
    }
  } else if ((s = onnx_const_alloc (cx, &fill, ONNX_F32, 0, NULL)) != MNV3_OK) {
    return s;
  }
  s = onnx_fold_out (cx, n, fill.dtype, (int) shp->numel, dims, &o);
  for (int64_t k = 0; s == MNV3_OK && k < o->numel; k++)
    onnx_copy_elem (o, k, &fill, 0);
  onnx_val_clear (&fill);
  return s;
}

static mnv3_status
onnx_fold_transpose (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x)
{
  const int64_t *perm;
  size_t np = onnx_attr_ints (n, "perm", &perm);
  int64_t p[ONNX_MAX_RANK], dims[ONNX_MAX_RANK], st[ONNX_MAX_RANK],
      ost[ONNX_MAX_RANK];
  unsigned char seen[ONNX_MAX_RANK] = {0};
  onnx_val *o;
  mnv3_status s;

  for (int d = 0; d < x->rank; d++) {
    p[d] = np ? (d < (int) np ? perm[d] : -1) : x->rank - 1 - d;
    if ((np && np != (size_t) x->rank) || p[d] < 0 || p[d] >= x->rank
        || seen[p[d]]++)
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad Transpose perm");
    dims[d] = x->dims[p[d]];
  }
  if ((s = onnx_fold_out (cx, n, x->dtype, x->rank, dims, &o)) != MNV3_OK)
    return s;
  onnx_strides (x->rank, x->dims, st);
  onnx_strides (x->rank, dims, ost);
  for (int64_t k = 0; k < o->numel; k++) {
    int64_t j = 0, r = k;
    for (int d = 0; d < x->rank; d++) {
      j += (r / ost[d]) * st[p[d]];
      r %= ost[d];
    }
    onnx_copy_elem (o, k, x, j);
  }
  return MNV3_OK;
}

/* Broadcast shape of two ONNX shapes (NumPy rules). */

int
onnx_broadcast (int ra, const int64_t *a, int rb, const int64_t *b,
    int *rank, int64_t *dims)
{
  int r = ra > rb ? ra : rb;

  for (int d = 0; d < r; d++) {
    int64_t x = d - (r - ra) >= 0 ? a[d - (r - ra)] : 1;
    int64_t y = d - (r - rb) >= 0 ? b[d - (r - rb)] : 1;
    if (x != y && x != 1 && y != 1)
      return 0;
    dims[d] = x == 1 ? y : x;
  }
  *rank = r;
  return 1;
}

static double
onnx_arith (const char *op, double a, double b, int integer, int *ok)
{
  *ok = 1;
  switch (op[0]) {
    case 'A': return a + b;
    case 'S': return strcmp (op, "Sub") == 0 ? a - b : sqrt (a);
    case 'M':
      if (op[1] == 'u')
        return a * b;
      if (op[1] == 'a')
        return a > b ? a : b;
      return a < b ? a : b;
    case 'D':
      if (integer) {
        if (b == 0.0) {
          *ok = 0;
          return 0.0;
        }
        return trunc (a / b);
      }
      return a / b;
    case 'P': return pow (a, b);
    case 'F': return floor (a);
    case 'C': return ceil (a);
    case 'N': return -a;
    default: *ok = 0; return 0.0;
  }
}

/* Element-wise ops on constants (binary with broadcasting, or unary). */
static mnv3_status
onnx_fold_arith (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *a,
    onnx_val *b)
{
  int64_t dims[ONNX_MAX_RANK], ost[ONNX_MAX_RANK], ast[ONNX_MAX_RANK],
      bst[ONNX_MAX_RANK];
  int rank, integer;
  onnx_val *o;
  mnv3_status s;

  if (!b)
    b = a;
  if (!onnx_broadcast (a->rank, a->dims, b->rank, b->dims, &rank, dims))
    return onnx_node_error (cx, MNV3_ERR_SHAPE, "shapes do not broadcast");
  integer = a->dtype == ONNX_I64 && b->dtype == ONNX_I64;
  s = onnx_fold_out (cx, n, integer ? ONNX_I64 : ONNX_F32, rank, dims, &o);
  if (s != MNV3_OK)
    return s;
  onnx_strides (rank, dims, ost);
  /* broadcast strides: 0 where the operand's dim is 1 */
  {
    int64_t sa = 1, sb = 1;
    for (int d = rank - 1; d >= 0; d--) {
      int da = d - (rank - a->rank), db = d - (rank - b->rank);
      int64_t xa = da >= 0 ? a->dims[da] : 1, xb = db >= 0 ? b->dims[db] : 1;
      ast[d] = xa == 1 ? 0 : sa;
      bst[d] = xb == 1 ? 0 : sb;
      sa *= xa;
      sb *= xb;
    }
  }
  for (int64_t k = 0; k < o->numel; k++) {
    int64_t ja = 0, jb = 0, r = k;
    int ok;
    double v;
    for (int d = 0; d < rank; d++) {
      int64_t c = r / ost[d];
      r %= ost[d];
      ja += c * ast[d];
      jb += c * bst[d];
    }
    v = onnx_arith (n->op_type, onnx_const_get (a, ja), onnx_const_get (b, jb),
        integer, &ok);
    if (!ok)
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "integer division by 0");
    if (integer && !(fabs (v) < 9.0e18))
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "integer overflow");
    if (integer)
      o->i[k] = (int64_t) v;
    else
      o->f[k] = (float) v;
  }
  return MNV3_OK;
}

static const char *const onnx_arith_ops[] = {
  "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Floor", "Ceil", "Neg",
  "Sqrt", NULL
};

static int
onnx_in_list (const char *op, const char *const *list)
{
  for (; *list; list++)
    if (strcmp (op, *list) == 0)
      return 1;
  return 0;
}

mnv3_status
onnx_fold (onnx_ctx *cx, const Onnx__NodeProto *n, int *folded)
{
  const char *op = n->op_type;
  onnx_val *in[3] = {NULL, NULL, NULL};
  int all_const = 1;
  mnv3_status s;

  *folded = 0;
  if (strcmp (op, "Constant") == 0) {
    *folded = 1;
    return onnx_fold_constant (cx, n);
  }
  for (size_t k = 0; k < n->n_input; k++) {
    onnx_val *v;
    if ((s = onnx_input (cx, n, (int) k, &v)) != MNV3_OK)
      return s;
    if (v && v->kind != ONNX_VAL_CONST)
      all_const = 0;
    if (k < 3)
      in[k] = v;
  }
  if (strcmp (op, "Shape") == 0 && in[0]) {
    *folded = 1;
    return onnx_fold_shape (cx, n, in[0]);
  }
  if (!all_const || !in[0])
    return MNV3_OK;
  *folded = 1;
  if (strcmp (op, "Identity") == 0 || strcmp (op, "Dropout") == 0)
    return onnx_fold_identity (cx, n, in[0]);
  if (strcmp (op, "DequantizeLinear") == 0)
    return onnx_fold_dequantize (cx, n);
  if (strcmp (op, "Gather") == 0)
    return onnx_fold_gather (cx, n, in[0], in[1]);
  if (strcmp (op, "Slice") == 0)
    return onnx_fold_slice (cx, n, in[0]);
  if (strcmp (op, "Concat") == 0)
    return onnx_fold_concat (cx, n);
  if (strcmp (op, "Cast") == 0)
    return onnx_fold_cast (cx, n, in[0]);
  if (strcmp (op, "ConstantOfShape") == 0)
    return onnx_fold_constant_of_shape (cx, n, in[0]);
  if (strcmp (op, "Transpose") == 0)
    return onnx_fold_transpose (cx, n, in[0]);
  if (strcmp (op, "Unsqueeze") == 0 || strcmp (op, "Squeeze") == 0
      || strcmp (op, "Reshape") == 0 || strcmp (op, "Flatten") == 0) {
    int64_t dims[ONNX_MAX_RANK];
    int rank;
    if (op[0] == 'R' || op[0] == 'F')
      s = onnx_reshape_shape (cx, n, in[0], &rank, dims);
    else
      s = onnx_squeeze_shape (cx, n, in[0], op[0] == 'U', &rank, dims);
    return s ? s : onnx_fold_redim (cx, n, in[0], rank, dims);
  }
  if (onnx_in_list (op, onnx_arith_ops))
    return onnx_fold_arith (cx, n, in[0], in[1]);
  *folded = 0;                  /* a compute op on constants: not folded */
  return MNV3_OK;
}
