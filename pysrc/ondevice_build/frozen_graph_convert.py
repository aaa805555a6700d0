"""Cut a TensorFlow 1 frozen graph between named tensors and convert it to ONNX; run the cut for checks.

Runs inside the TensorFlow tool environment (see tool_env), not in .venv: the build calls it there
as a subprocess. The cut feeds a uint8 NHWC image placeholder, cast to float, into the graph at
`--cut` (so the graph's own pre-processing loop before that tensor is dropped, while the scaling
after it stays in the graph) and takes the named output tensors, renamed to the given names.

    python frozen_graph_convert.py convert GRAPH.pb OUT.onnx --cut TENSOR --shape 1,300,300,3 \
        --input image --output scores=Postprocessor/convert_scores:0 --output boxes=...
    python frozen_graph_convert.py run GRAPH.pb INPUTS.npz OUTPUTS.npz --cut ... --input ... --output ...

`run` feeds INPUTS.npz[input] (uint8 NHWC) through the original TensorFlow graph at the same cut
and writes the raw outputs under their new names: the reference the ONNX graph is checked against.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

OPSET = 17


def read_graph(path: str):
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    with open(path, "rb") as handle:
        graph_def.ParseFromString(handle.read())
    return graph_def


def cut_graph(args):
    """A tf.Graph: uint8 placeholder -> cast -> original graph from the cut -> identity outputs."""
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        image = tf.compat.v1.placeholder(tf.uint8, shape=args.shape, name=args.input)
        outputs = dict(pair.split("=", 1) for pair in args.output)
        tensors = tf.import_graph_def(
            read_graph(args.graph), input_map={args.cut: tf.cast(image, tf.float32)},
            return_elements=list(outputs.values()), name="")
        for name, tensor in zip(outputs, tensors):
            tf.identity(tensor, name=name)
    return graph, list(outputs)


def convert(args) -> None:
    import tensorflow as tf
    import tf2onnx

    graph, outputs = cut_graph(args)
    graph_def = tf.compat.v1.graph_util.extract_sub_graph(graph.as_graph_def(), outputs)
    tf2onnx.convert.from_graph_def(
        graph_def, input_names=[f"{args.input}:0"], output_names=[f"{name}:0" for name in outputs],
        opset=OPSET, output_path=args.target,
        tensors_to_rename={f"{name}:0": name for name in [args.input, *outputs]})


def run(args) -> None:
    import tensorflow as tf

    graph, outputs = cut_graph(args)
    feed = np.load(args.inputs)[args.input]
    with tf.compat.v1.Session(graph=graph) as session:
        values = session.run([f"{name}:0" for name in outputs], {f"{args.input}:0": feed})
    np.savez(args.target, **dict(zip(outputs, values)))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("convert", "run"))
    parser.add_argument("graph", help="the frozen GraphDef (.pb)")
    parser.add_argument("paths", nargs="+", help="convert: OUT.onnx; run: INPUTS.npz OUTPUTS.npz")
    parser.add_argument("--cut", required=True, help="tensor the image is fed into, e.g. Preprocessor/...:0")
    parser.add_argument("--shape", required=True, type=lambda s: [int(d) for d in s.split(",")])
    parser.add_argument("--input", required=True, help="name of the uint8 NHWC image input")
    parser.add_argument("--output", action="append", required=True, help="NAME=TENSOR, repeated")
    args = parser.parse_args(argv)
    if args.command == "convert":
        (args.target,) = args.paths
        convert(args)
    else:
        args.inputs, args.target = args.paths
        run(args)


if __name__ == "__main__":
    main(sys.argv[1:])
