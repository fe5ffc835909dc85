/* gen-onnx-seeds.c — writes the ONNX seed corpus (tests/fuzz/seeds/onnx):
 * small models, built here with protobuf-c, that together use every
 * operator the importer translates or folds (what torchvision's
 * MobileNetV3 / LR-ASPP exports contain, without needing torch).
 *
 *   gen-onnx-seeds OUTDIR
 *
 * Weights are a fixed pseudo-random sequence, so the files are the same on
 * every run; they are committed, and this program documents how.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx-subset.pb-c.h"

#define MAXN 24

typedef struct {
  const char *op, *in, *out, *attrs;   /* lists: "a,b"; attrs "k=i:1,2;..." */
} node_spec;

typedef struct {
  const char *name;
  int rank;
  int64_t dims[4];
  int is_int;   /* 1: int64 data from `ints`; 2: floats > 0; 3: `ints` as
                 * floats */
  int64_t ints[8];
} init_spec;

typedef struct {
  const char *file;
  int opset;
  int64_t in_dims[4];
  const char *outputs;
  node_spec nodes[MAXN];
  init_spec inits[MAXN];
} model_spec;

static void *
xcalloc (size_t n, size_t s)
{
  void *p = calloc (n ? n : 1, s);
  if (!p)
    abort ();
  return p;
}

/* Split "a,b,c" into a NULL-terminated array (copies). */
static char **
split (const char *s, char sep, size_t *n)
{
  char **v = xcalloc (MAXN, sizeof *v);
  const char *p = s;

  *n = 0;
  if (!s || !*s)
    return v;
  for (;;) {
    const char *e = strchr (p, sep);
    size_t l = e ? (size_t) (e - p) : strlen (p);
    v[*n] = xcalloc (l + 1, 1);
    memcpy (v[*n], p, l);
    (*n)++;
    if (!e)
      break;
    p = e + 1;
  }
  return v;
}

static Onnx__AttributeProto *
make_attr (const char *spec)
{
  Onnx__AttributeProto *a = xcalloc (1, sizeof *a);
  const char *eq = strchr (spec, '='), *val = eq + 3;
  char kind[3] = { eq[1], eq[2] == ':' ? 0 : eq[2], 0 };
  size_t n;
  char **parts;

  onnx__attribute_proto__init (a);
  a->name = xcalloc ((size_t) (eq - spec) + 1, 1);
  memcpy (a->name, spec, (size_t) (eq - spec));
  if (kind[1])
    val++;
  a->has_type = 1;
  if (!strcmp (kind, "i")) {
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1;
    a->i = strtoll (val, NULL, 10);
  } else if (!strcmp (kind, "f")) {
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    a->has_f = 1;
    a->f = strtof (val, NULL);
  } else if (!strcmp (kind, "s")) {
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    a->has_s = 1;
    a->s.len = strlen (val);
    a->s.data = (uint8_t *) strdup (val);
  } else if (!strcmp (kind, "is")) {
    parts = split (val, ',', &n);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    a->n_ints = n;
    a->ints = xcalloc (n, sizeof *a->ints);
    for (size_t k = 0; k < n; k++)
      a->ints[k] = strtoll (parts[k], NULL, 10);
  } else if (!strcmp (kind, "fs")) {
    parts = split (val, ',', &n);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    a->n_floats = n;
    a->floats = xcalloc (n, sizeof *a->floats);
    for (size_t k = 0; k < n; k++)
      a->floats[k] = strtof (parts[k], NULL);
  } else {
    fprintf (stderr, "bad attribute '%s'\n", spec);
    exit (1);
  }
  return a;
}

static uint32_t rng = 12345;

static float
weight (void)
{
  rng = rng * 1664525u + 1013904223u;
  return ((int) (rng >> 9) % 2001 - 1000) / 4000.f;
}

static Onnx__TensorProto *
make_init (const init_spec *s)
{
  Onnx__TensorProto *t = xcalloc (1, sizeof *t);
  size_t n = 1;

  onnx__tensor_proto__init (t);
  t->name = (char *) s->name;
  t->n_dims = (size_t) s->rank;
  t->dims = xcalloc (4, sizeof *t->dims);
  for (int k = 0; k < s->rank; k++) {
    t->dims[k] = s->dims[k];
    n *= (size_t) s->dims[k];
  }
  t->has_data_type = 1;
  if (s->is_int == 1) {
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    t->n_int64_data = n;
    t->int64_data = xcalloc (n, sizeof *t->int64_data);
    memcpy (t->int64_data, s->ints, n * sizeof *t->int64_data);
  } else {
    /* raw little-endian floats, as torch writes them */
    float *f = xcalloc (n, sizeof *f);
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    for (size_t k = 0; k < n; k++)
      f[k] = s->is_int == 3 ? (float) s->ints[k] : s->is_int == 2
          ? 0.5f + weight () * weight () : weight ();
    t->has_raw_data = 1;
    t->raw_data.len = n * sizeof *f;
    t->raw_data.data = (uint8_t *) f;
  }
  return t;
}

static Onnx__ValueInfoProto *
make_value (const char *name, const int64_t *dims, int rank)
{
  Onnx__ValueInfoProto *v = xcalloc (1, sizeof *v);
  Onnx__TypeProto *tp = xcalloc (1, sizeof *tp);
  Onnx__TypeProto__Tensor *tt = xcalloc (1, sizeof *tt);

  onnx__value_info_proto__init (v);
  onnx__type_proto__init (tp);
  onnx__type_proto__tensor__init (tt);
  v->name = (char *) name;
  v->type = tp;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  tt->has_elem_type = 1;
  tt->elem_type = 1;
  if (dims) {
    Onnx__TensorShapeProto *sh = xcalloc (1, sizeof *sh);
    onnx__tensor_shape_proto__init (sh);
    sh->n_dim = (size_t) rank;
    sh->dim = xcalloc ((size_t) rank, sizeof *sh->dim);
    for (int k = 0; k < rank; k++) {
      Onnx__TensorShapeProto__Dimension *d = xcalloc (1, sizeof *d);
      onnx__tensor_shape_proto__dimension__init (d);
      d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      d->dim_value = dims[k];
      sh->dim[k] = d;
    }
    tt->shape = sh;
  }
  return v;
}

static void
write_model (const model_spec *s, const char *dir)
{
  Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
  Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
  Onnx__OperatorSetIdProto op = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  Onnx__OperatorSetIdProto *ops[1] = { &op };
  Onnx__StringStringEntryProto meta = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
  Onnx__StringStringEntryProto *metas[1] = { &meta };
  char path[1024], **outs;
  size_t nouts, len;
  uint8_t *buf;
  FILE *f;

  g.name = "seed";
  g.node = xcalloc (MAXN, sizeof *g.node);
  for (int i = 0; i < MAXN && s->nodes[i].op; i++) {
    const node_spec *ns = &s->nodes[i];
    Onnx__NodeProto *n = xcalloc (1, sizeof *n);
    size_t na;
    char **attrs;
    onnx__node_proto__init (n);
    n->op_type = (char *) ns->op;
    n->name = xcalloc (32, 1);
    snprintf (n->name, 32, "%s_%d", ns->op, i);
    n->input = split (ns->in, ',', &n->n_input);
    /* "" names an omitted optional input */
    for (size_t k = 0; k < n->n_input; k++)
      if (!strcmp (n->input[k], "-"))
        n->input[k][0] = '\0';
    n->output = split (ns->out, ',', &n->n_output);
    attrs = split (ns->attrs, ';', &na);
    n->n_attribute = na;
    n->attribute = xcalloc (na, sizeof *n->attribute);
    for (size_t k = 0; k < na; k++)
      n->attribute[k] = make_attr (attrs[k]);
    g.node[g.n_node++] = n;
  }
  g.initializer = xcalloc (MAXN, sizeof *g.initializer);
  for (int i = 0; i < MAXN && s->inits[i].name; i++)
    g.initializer[g.n_initializer++] = make_init (&s->inits[i]);
  g.n_input = 1;
  g.input = xcalloc (1, sizeof *g.input);
  g.input[0] = make_value ("x", s->in_dims, 4);
  outs = split (s->outputs, ',', &nouts);
  g.n_output = nouts;
  g.output = xcalloc (nouts, sizeof *g.output);
  for (size_t k = 0; k < nouts; k++)
    g.output[k] = make_value (outs[k], NULL, 0);
  op.has_version = 1;
  op.version = s->opset;
  m.has_ir_version = 1;
  m.ir_version = s->opset >= 13 ? 7 : 6;
  m.n_opset_import = 1;
  m.opset_import = ops;
  m.graph = &g;
  meta.key = "labels";
  meta.value = "zero\none\ntwo\nthree\nfour";
  m.n_metadata_props = 1;
  m.metadata_props = metas;
  len = onnx__model_proto__get_packed_size (&m);
  buf = xcalloc (len, 1);
  onnx__model_proto__pack (&m, buf);
  snprintf (path, sizeof path, "%s/%s", dir, s->file);
  f = fopen (path, "wb");
  if (!f || fwrite (buf, 1, len, f) != len || fclose (f)) {
    fprintf (stderr, "cannot write %s\n", path);
    exit (1);
  }
  printf ("%s: %zu bytes\n", path, len);
  free (buf);
}

static const model_spec models[] = {
  /* classifier: stem conv, hardswish, GAP, flatten, gemm, softmax */
  { "classifier-14.onnx", 14, { 1, 3, 16, 16 }, "prob", {
      { "Conv", "x,w1,b1", "c1", "kernel_shape=is:3,3;pads=is:1,1,1,1;"
            "strides=is:2,2" },
      { "HardSwish", "c1", "h1", NULL },
      { "GlobalAveragePool", "h1", "g1", NULL },
      { "Flatten", "g1", "f1", "axis=i:1" },
      { "Gemm", "f1,w2,b2", "logits", "transB=i:1;alpha=f:1.0" },
      { "Softmax", "logits", "prob", "axis=i:1" } }, {
      { "w1", 4, { 8, 3, 3, 3 } }, { "b1", 1, { 8 } },
      { "w2", 2, { 5, 8 } }, { "b2", 1, { 5 } } } },
  /* inverted residual with squeeze-excite (opset 13: hardsigmoid + mul) */
  { "se-block-13.onnx", 13, { 1, 8, 12, 12 }, "y", {
      { "Conv", "x,we,be", "e", "kernel_shape=is:1,1" },
      { "Relu", "e", "er", NULL },
      { "Conv", "er,wd,bd", "d", "kernel_shape=is:3,3;pads=is:1,1,1,1;"
            "group=i:16" },
      { "HardSigmoid", "d", "hs", "alpha=f:0.1666667;beta=f:0.5" },
      { "Mul", "d,hs", "dh", NULL },
      { "GlobalAveragePool", "dh", "sq", NULL },
      { "Conv", "sq,ws1,bs1", "s1", "kernel_shape=is:1,1" },
      { "Relu", "s1", "s1r", NULL },
      { "Conv", "s1r,ws2,bs2", "s2", "kernel_shape=is:1,1" },
      { "HardSigmoid", "s2", "gate", "alpha=f:0.1666667;beta=f:0.5" },
      { "Mul", "dh,gate", "sc", NULL },
      { "Conv", "sc,wp,bp", "p", "kernel_shape=is:1,1" },
      { "Add", "p,x", "y", NULL } }, {
      { "we", 4, { 16, 8, 1, 1 } }, { "be", 1, { 16 } },
      { "wd", 4, { 16, 1, 3, 3 } }, { "bd", 1, { 16 } },
      { "ws1", 4, { 4, 16, 1, 1 } }, { "bs1", 1, { 4 } },
      { "ws2", 4, { 16, 4, 1, 1 } }, { "bs2", 1, { 16 } },
      { "wp", 4, { 8, 16, 1, 1 } }, { "bp", 1, { 8 } } } },
  /* segmentation head: BN, Clip (opset 11 inputs), pools, Resize by
   * scales, Sigmoid, Concat, ArgMax */
  { "seg-head-11.onnx", 11, { 1, 3, 16, 16 }, "am,up", {
      { "Conv", "x,w1", "c1", "kernel_shape=is:3,3;pads=is:1,1,1,1;"
            "dilations=is:1,1" },
      { "BatchNormalization", "c1,bn_s,bn_b,bn_m,bn_v", "bn",
            "epsilon=f:0.001" },
      { "Clip", "bn,cmin,cmax", "cl", NULL },
      { "AveragePool", "cl", "ap", "kernel_shape=is:2,2;strides=is:2,2" },
      { "MaxPool", "ap", "mp", "kernel_shape=is:3,3;strides=is:1,1;"
            "pads=is:1,1,1,1" },
      { "Resize", "mp,roi,scales", "up", "mode=s:linear;"
            "coordinate_transformation_mode=s:half_pixel" },
      { "Sigmoid", "up", "sg", NULL },
      { "Concat", "sg,cl", "cat", "axis=i:1" },
      { "Conv", "cat,w2,b2", "logit", "kernel_shape=is:1,1" },
      { "ArgMax", "logit", "am", "axis=i:1;keepdims=i:1" } }, {
      { "w1", 4, { 4, 3, 3, 3 } }, { "bn_s", 1, { 4 } }, { "bn_b", 1, { 4 } },
      { "bn_m", 1, { 4 } }, { "bn_v", 1, { 4 }, 2 },
      { "cmin", 0, { 0 } }, { "cmax", 0, { 0 } },
      { "roi", 1, { 0 } }, { "scales", 1, { 4 }, 3, { 1, 1, 2, 2 } },
      { "w2", 4, { 3, 8, 1, 1 } }, { "b2", 1, { 3 } } } },
  /* torch's dynamic-size pattern: Shape -> Gather -> Concat -> Resize by
   * sizes; ConvTranspose; Sub/Div by constants; Reshape; MatMul */
  { "dynamic-13.onnx", 13, { 1, 4, 8, 10 }, "mm,rs", {
      { "Shape", "x", "shp", NULL },
      { "Gather", "shp,idx", "hw", "axis=i:0" },
      { "Concat", "nc,hw", "sizes", "axis=i:0" },
      { "ConvTranspose", "x,wt,bt", "dc", "kernel_shape=is:2,2;"
            "strides=is:2,2" },
      { "Resize", "dc,-,-,sizes", "rs", "mode=s:nearest;"
            "coordinate_transformation_mode=s:asymmetric;"
            "nearest_mode=s:floor" },
      { "Sub", "rs,k1", "sb", NULL },
      { "Div", "sb,k2", "dv", NULL },
      { "Max", "dv,k1", "mx", NULL },
      { "Min", "mx,k2", "mn", NULL },
      { "ReduceMean", "mn", "rm", "axes=is:2,3;keepdims=i:1" },
      { "Reshape", "rm,rshape", "flat", NULL },
      { "MatMul", "flat,wm", "mm", NULL } }, {
      { "idx", 1, { 2 }, 1, { 2, 3 } },
      { "nc", 1, { 2 }, 1, { 1, 4 } },
      { "wt", 4, { 4, 4, 2, 2 } }, { "bt", 1, { 4 } },
      { "k1", 0, { 0 } }, { "k2", 0, { 0 } },
      { "rshape", 1, { 2 }, 1, { 1, -1 } },
      { "wm", 2, { 4, 6 } } } },
  /* old opsets: Upsample with a scales attribute (7), Dropout, Identity,
   * Unsqueeze/Squeeze with axes attributes, Transpose of a constant */
  { "legacy-7.onnx", 7, { 1, 2, 6, 6 }, "y", {
      { "Upsample", "x", "u", "mode=s:nearest;scales=fs:1,1,2,2" },
      { "Dropout", "u", "d", NULL },
      { "Identity", "d", "i", NULL },
      { "GlobalMaxPool", "i", "g", NULL },
      { "Squeeze", "g", "s", "axes=is:2,3" },
      { "Unsqueeze", "s", "us", "axes=is:2,3" },
      { "Transpose", "wt", "wtt", "perm=is:1,0,2,3" },
      { "Conv", "us,wtt", "y", "kernel_shape=is:1,1" } }, {
      { "wt", 4, { 2, 3, 1, 1 } } } },
};

int
main (int argc, char **argv)
{
  if (argc != 2) {
    fprintf (stderr, "usage: gen-onnx-seeds OUTDIR\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
    write_model (&models[i], argv[1]);
  return 0;
}
