/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-model-internal.h: what qdq-model.c (reading, analysis) and
 * qdq-model-write.c (writing the QDQ model) share.  Private to
 * mnv3-quantize.
 */
#ifndef MNV3_TOOLS_QDQ_MODEL_INTERNAL_H
#define MNV3_TOOLS_QDQ_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "qdq-model.h"
#include "onnx/onnx-subset.pb-c.h"

#define DT_FLOAT 1
#define DT_UINT8 2
#define DT_INT8 3
#define DT_INT32 6

struct mnv3_qdq_model {
  Onnx__ModelProto *mp;
  Onnx__OperatorSetIdProto *opset;  /* the default domain's entry */
  mnv3_qdq_act *acts;
  int n_acts;
  int n_outputs;                    /* the model's own graph outputs */
  int n_extra;                      /* outputs added for calibration */
  int written;
};

/* Print fmt into err (when given); returns -1. */
int qdq_fail (char *err, size_t errlen, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Integer attribute `name` of n, dflt when absent. */
int64_t qdq_attr_int (const Onnx__NodeProto *n, const char *name,
    int64_t dflt);
/* The initializer called `name`, or NULL. */
Onnx__TensorProto *qdq_init_find (const Onnx__GraphProto *gp,
    const char *name);
/* How many node inputs read `name`; *first (when given): the first. */
int qdq_readers (const Onnx__GraphProto *gp, const char *name,
    const Onnx__NodeProto **first);
/* Index of graph output `name`, or -1. */
int qdq_is_graph_output (const Onnx__GraphProto *gp, const char *name);

#endif /* MNV3_TOOLS_QDQ_MODEL_INTERNAL_H */
