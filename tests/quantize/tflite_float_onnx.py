# SPDX-License-Identifier: LGPL-2.1-or-later
"""Float ONNX of a quantized TFLite classifier, from its dequantized weights.

    tflite_float_onnx.py MODEL.tflite OUT.onnx [--labels FILE]

Gives mnv3-quantize a float model with real (trained) weights: the shipped
models/mobilenet_v3_small_224_1.0_uint8.tflite.  Every weight, bias and
constant is dequantized (real = scale * (q - zero_point), per tensor or per
channel); activations stay float, so this is the float network the TFLite
file approximates.  Layout becomes NCHW; SAME padding becomes explicit
pads from the tensors' shapes; fused RELU/RELU6 become Relu/Clip.  The last
SOFTMAX is left out: the output is the logits ("logits", [1, classes]).
Fused activations are NONE in this file: TF's converter leaves a ReLU or
ReLU6 to the output's quantized range, so an output whose range starts at 0
gets a Relu (a Clip to [0, 6] when the range ends at 6).
The input takes real values (TFLite's input dequantized), so the metadata
gives mean = zero point and std = 1 / scale in pixel units.

Operators: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, ADD, MUL,
HARD_SWISH, RELU, RELU6, LOGISTIC, RESHAPE (to [1, C] from 1x1 spatial),
SOFTMAX (last only); anything else is refused.  Runs in tests/reference/venv
(ai-edge-litert's flatbuffer schema, numpy, onnx).
"""
import argparse
import sys

import numpy as np
import onnx
from ai_edge_litert import schema_py_generated as tfl
from onnx import TensorProto, helper, numpy_helper

OPS = {v: k for k, v in vars(tfl.BuiltinOperator).items()
       if not k.startswith("_")}
ACT = {0: None, 1: "Relu", 3: "Relu6"}


class Converter:
    def __init__(self, model):
        self.m = model
        self.g = model.subgraphs[0]
        self.nodes, self.inits = [], []
        self.names = {}
        self.count = 0

    def tensor(self, i):
        return self.g.tensors[i]

    def shape(self, i):
        return [int(d) for d in self.tensor(i).shape]

    def const(self, i):
        """Dequantized float value of a constant tensor, or None."""
        t = self.tensor(i)
        buf = self.m.buffers[t.buffer].data
        if buf is None or len(buf) == 0:
            return None
        dt = {tfl.TensorType.UINT8: np.uint8, tfl.TensorType.INT8: np.int8,
              tfl.TensorType.INT32: np.int32,
              tfl.TensorType.FLOAT32: np.float32}[t.type]
        q = np.frombuffer(bytes(bytearray(buf)), dtype=dt).reshape(
            self.shape(i)).astype(np.float64)
        qp = t.quantization
        if t.type == tfl.TensorType.FLOAT32 or qp is None or qp.scale is None:
            return q.astype(np.float32)
        scale = np.asarray(qp.scale, np.float64)
        zp = np.asarray(qp.zeroPoint if qp.zeroPoint is not None else [0],
                        np.float64)
        if scale.size > 1:
            bshape = [1] * q.ndim
            bshape[qp.quantizedDimension] = scale.size
            scale, zp = scale.reshape(bshape), zp.reshape(bshape)
        return ((q - zp) * scale).astype(np.float32)

    def name(self, i):
        if i not in self.names:
            self.names[i] = "t%d_%s" % (i, self.tensor(i).name.decode()
                                        .replace("/", "_")[-40:])
        return self.names[i]

    def init(self, value, hint):
        self.count += 1
        n = "%s_%d" % (hint, self.count)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(
            value, np.float32), n))
        return n

    def node(self, op, inputs, output, **attrs):
        self.count += 1
        self.nodes.append(helper.make_node(op, inputs, [output],
                                           name="%s_%d" % (op, self.count),
                                           **attrs))
        return output

    def activation(self, x, act, out):
        if act is None:
            return self.node("Identity", [x], out) if x != out else out
        if act == "Relu":
            return self.node("Relu", [x], out)
        lo, hi = self.init(np.array(0, np.float32), "zero"), \
            self.init(np.array(6, np.float32), "six")
        return self.node("Clip", [x, lo, hi], out)

    @staticmethod
    def pads(in_hw, out_hw, k, s, d, same):
        if not same:
            return [0, 0, 0, 0]
        p = []
        for n_in, n_out, kk, ss, dd in zip(in_hw, out_hw, k, s, d):
            total = max((n_out - 1) * ss + (kk - 1) * dd + 1 - n_in, 0)
            p.append((total // 2, total - total // 2))
        return [p[0][0], p[1][0], p[0][1], p[1][1]]

    def operand(self, i):
        """Name of input i: an activation, or a dequantized constant laid
        out for NCHW broadcasting."""
        v = self.const(i)
        if v is None:
            return self.name(i)
        if v.ndim == 4:
            v = v.transpose(0, 3, 1, 2)
        elif v.ndim == 1 and v.size > 1:
            v = v.reshape(-1, 1, 1)
        return self.init(v, "const")

    def convert_op(self, op, last):
        code = self.m.operatorCodes[op.opcodeIndex]
        kind = OPS[max(code.builtinCode, code.deprecatedBuiltinCode)]
        o = op.builtinOptions
        ins, out = list(op.inputs), op.outputs[0]
        y = self.name(out)
        clamp = self.implicit_clamp(out) if kind != "SOFTMAX" else None
        if clamp:
            y = y + "_raw"
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            w = self.const(ins[1])
            ih, iw = self.shape(ins[0])[1:3]
            oh, ow = self.shape(out)[1:3]
            kh, kw = w.shape[1:3]
            if kind == "CONV_2D":
                wo, group = w.transpose(0, 3, 1, 2), 1
            else:
                wo = w.transpose(3, 0, 1, 2)          # [C*M, 1, kh, kw]
                group = self.shape(ins[0])[3]
            d = [o.dilationHFactor, o.dilationWFactor]
            inputs = [self.name(ins[0]), self.init(wo, "w")]
            if len(ins) > 2 and ins[2] >= 0:
                inputs.append(self.init(self.const(ins[2]), "b"))
            act = ACT[o.fusedActivationFunction]
            conv_out = y if act is None else y + "_pre"
            self.node("Conv", inputs, conv_out, kernel_shape=[kh, kw],
                      strides=[o.strideH, o.strideW], dilations=d,
                      group=group, pads=self.pads(
                          (ih, iw), (oh, ow), (kh, kw),
                          (o.strideH, o.strideW), d, o.padding == 0))
            if act:
                self.activation(conv_out, act, y)
        elif kind == "AVERAGE_POOL_2D":
            ih, iw = self.shape(ins[0])[1:3]
            act = ACT[o.fusedActivationFunction]
            pool_out = y if act is None else y + "_pre"
            if (o.filterHeight, o.filterWidth) == (ih, iw) and o.padding == 1:
                self.node("GlobalAveragePool", [self.name(ins[0])], pool_out)
            else:
                if o.padding == 0:
                    raise SystemExit("SAME average pooling is not converted")
                self.node("AveragePool", [self.name(ins[0])], pool_out,
                          kernel_shape=[o.filterHeight, o.filterWidth],
                          strides=[o.strideH, o.strideW])
            if act:
                self.activation(pool_out, act, y)
        elif kind in ("ADD", "MUL"):
            act = ACT[o.fusedActivationFunction]
            z = y if act is None else y + "_pre"
            self.node("Add" if kind == "ADD" else "Mul",
                      [self.operand(ins[0]), self.operand(ins[1])], z)
            if act:
                self.activation(z, act, y)
        elif kind == "HARD_SWISH":
            self.node("HardSwish", [self.name(ins[0])], y)
        elif kind == "RELU":
            self.node("Relu", [self.name(ins[0])], y)
        elif kind == "RELU6":
            self.activation(self.name(ins[0]), "Relu6", y)
        elif kind == "LOGISTIC":
            self.node("Sigmoid", [self.name(ins[0])], y)
        elif kind == "RESHAPE":
            src = self.shape(ins[0])
            if len(src) != 4 or src[1] * src[2] != 1:
                raise SystemExit("RESHAPE of a spatial tensor not converted")
            shape = self.init(np.array(self.shape(out), np.int64), "shape")
            self.inits[-1] = numpy_helper.from_array(
                np.array(self.shape(out), np.int64), shape)
            self.node("Reshape", [self.name(ins[0]), shape], y)
        elif kind == "SOFTMAX" and last:
            return self.name(ins[0])        # logits: the softmax is dropped
        else:
            raise SystemExit("operator %s is not converted" % kind)
        if clamp:
            y = self.activation(y, clamp, self.name(out))
        return y

    def implicit_clamp(self, i):
        """The activation a uint8 output's range stands for: TF's
        converter drops RELU/RELU6 whose clamp the output range already
        does (zero point 0: the range starts at 0; Relu6: it ends at 6)."""
        qp = self.tensor(i).quantization
        if qp is None or qp.scale is None or not len(qp.scale):
            return None
        if int(qp.zeroPoint[0]) != 0:
            return None
        hi = float(qp.scale[0]) * 255
        return "Relu6" if abs(hi - 6) < 0.1 else "Relu"

    def convert(self, labels):
        g = self.g
        x = g.inputs[0]
        t = self.tensor(x)
        qp = t.quantization
        n, h, w, c = self.shape(x)
        ops = list(g.operators)
        out = None
        for k, op in enumerate(ops):
            out = self.convert_op(op, k == len(ops) - 1)
        self.node("Identity", [out], "logits")
        classes = self.shape(g.outputs[0])[-1]
        graph = helper.make_graph(
            self.nodes, "tflite_float",
            [helper.make_tensor_value_info(self.name(x), TensorProto.FLOAT,
                                           [1, c, h, w])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                           [1, classes])],
            self.inits)
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 17)], producer_name="tflite_float_onnx")
        model.ir_version = 8
        scale, zp = float(qp.scale[0]), float(qp.zeroPoint[0])
        meta = {"task": "classification",
                "mean": ",".join(["%.6g" % zp] * 3),
                "std": ",".join(["%.9g" % (1 / scale)] * 3)}
        if labels:
            meta["labels"] = labels
        onnx.helper.set_model_props(model, meta)
        onnx.checker.check_model(model)
        return model


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tflite")
    p.add_argument("output")
    p.add_argument("--labels")
    a = p.parse_args()
    with open(a.tflite, "rb") as f:
        buf = f.read()
    model = tfl.ModelT.InitFromObj(tfl.Model.GetRootAsModel(buf, 0))
    labels = None
    if a.labels:
        with open(a.labels) as f:
            labels = f.read().rstrip("\n")
    onnx.save(Converter(model).convert(labels), a.output)


if __name__ == "__main__":
    sys.exit(main())
