/* fuzz-metadata.c — the parsers of model metadata and labels
 * (models/classify.c, models/detect.c) on fuzzed text.
 *
 * Input: NUL-separated strings.  The whole input (up to the first NUL)
 * goes to mnv3_labels_parse and mnv3_normalization_parse directly; then
 * the strings are taken as key, value, key, value ... and written as the
 * metadata_props of a one-node ONNX model (built here with protobuf-c),
 * which is loaded and read the way the elements read it: labels, mean /
 * std, the detection configuration and its anchors.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "detect.h"
#include "mnv3.h"
#include "onnx/onnx-subset.pb-c.h"

#define MAX_PROPS 16

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* input [1,3,8,8] -> Relu -> output, opset 13, with the given metadata */
static uint8_t *
build_model (char **kv, int nprops, size_t *len)
{
  Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
  Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
  Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  Onnx__OperatorSetIdProto *opsets[1] = { &opset };
  Onnx__NodeProto node = ONNX__NODE_PROTO__INIT;
  Onnx__NodeProto *nodes[1] = { &node };
  char *in_names[1] = { "x" }, *out_names[1] = { "y" };
  Onnx__ValueInfoProto in = ONNX__VALUE_INFO_PROTO__INIT;
  Onnx__ValueInfoProto out = ONNX__VALUE_INFO_PROTO__INIT;
  Onnx__ValueInfoProto *ins[1] = { &in }, *outs[1] = { &out };
  Onnx__TypeProto type = ONNX__TYPE_PROTO__INIT;
  Onnx__TypeProto__Tensor tt = ONNX__TYPE_PROTO__TENSOR__INIT;
  Onnx__TensorShapeProto shape = ONNX__TENSOR_SHAPE_PROTO__INIT;
  Onnx__TensorShapeProto__Dimension dim[4], *dims[4];
  Onnx__StringStringEntryProto props[MAX_PROPS], *pp[MAX_PROPS];
  static const int64_t d[4] = { 1, 3, 8, 8 };
  uint8_t *buf;

  for (int i = 0; i < 4; i++) {
    onnx__tensor_shape_proto__dimension__init (&dim[i]);
    dim[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    dim[i].dim_value = d[i];
    dims[i] = &dim[i];
  }
  shape.n_dim = 4;
  shape.dim = dims;
  tt.has_elem_type = 1;
  tt.elem_type = 1;
  tt.shape = &shape;
  type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type.tensor_type = &tt;
  in.name = "x";
  in.type = &type;
  out.name = "y";
  out.type = &type;
  node.n_input = 1;
  node.input = in_names;
  node.n_output = 1;
  node.output = out_names;
  node.name = "relu";
  node.op_type = "Relu";
  graph.n_node = 1;
  graph.node = nodes;
  graph.name = "g";
  graph.n_input = 1;
  graph.input = ins;
  graph.n_output = 1;
  graph.output = outs;
  opset.has_version = 1;
  opset.version = 13;
  model.has_ir_version = 1;
  model.ir_version = 7;
  model.n_opset_import = 1;
  model.opset_import = opsets;
  model.graph = &graph;
  for (int i = 0; i < nprops; i++) {
    onnx__string_string_entry_proto__init (&props[i]);
    props[i].key = kv[2 * i];
    props[i].value = kv[2 * i + 1];
    pp[i] = &props[i];
  }
  model.n_metadata_props = (size_t) nprops;
  model.metadata_props = pp;
  *len = onnx__model_proto__get_packed_size (&model);
  buf = malloc (*len ? *len : 1);
  if (buf)
    onnx__model_proto__pack (&model, buf);
  return buf;
}

static void
read_metadata (const mnv3_model *m)
{
  mnv3_labels labels;
  mnv3_det_config cfg;
  float mean[3], std[3];
  char name[64];

  if (mnv3_labels_from_model (m, &labels) == 0) {
    for (int i = 0; i < labels.count + 2; i++)
      (void) mnv3_labels_name (&labels, i, labels.count + 1, name,
          sizeof name);
    mnv3_labels_free (&labels);
  }
  mnv3_normalization_from_model (m, mean, std);
  if (mnv3_det_config_from_model (m, &cfg) == MNV3_OK) {
    mnv3_detector *det = NULL;
    if (mnv3_det_config_resize (&cfg, 64, 48) == MNV3_OK
        && mnv3_detector_create (&cfg, &det) == MNV3_OK)
      mnv3_detector_free (det);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1), *kv[2 * MAX_PROPS];
  mnv3_labels labels;
  float v[3];
  int n = 0;
  size_t len;
  uint8_t *file;
  mnv3_model *m = NULL;

  if (!text)
    return 0;
  memcpy (text, data, size);
  text[size] = '\0';
  if (mnv3_labels_parse (text, &labels) == 0)
    mnv3_labels_free (&labels);
  (void) mnv3_normalization_parse (text, v);
  for (char *p = text; p <= text + size && n < 2 * MAX_PROPS;
      p += strlen (p) + 1)
    kv[n++] = p;
  file = build_model (kv, n / 2, &len);
  if (file && mnv3_model_load_memory (file, len, "meta.onnx", &m)
      == MNV3_OK) {
    read_metadata (m);
    mnv3_model_free (m);
  }
  free (file);
  free (text);
  return 0;
}
