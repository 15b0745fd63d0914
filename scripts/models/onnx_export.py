"""Export CLIP towers to ONNX in the Hugging Face / Transformers.js layout,
and derive the fp16 and int8 (dynamically quantised) variants.

onnxruntime's Python tools are not available here (no PyPI), so the two
derivations are written against the `onnx` package (Debian python3-onnx):
- fp16: every float initializer, constant, cast target and graph input/output
  becomes float16, as the Transformers.js fp16 exports are.
- int8: each MatMul with a constant weight becomes the graph that
  onnxruntime's own dynamic quantiser emits (DynamicQuantizeLinear ->
  MatMulInteger -> Cast -> Mul by the product of scales), weights quantised
  symmetric int8 with one scale per output column (zero point 0); onnxruntime fuses it into
  DynamicQuantizeMatMul at load time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from clip_model import Clip, TextExport, VisionExport

OPSET = 17


def export_towers(clip: Clip, onnx_dir: Path, suffix: str = "") -> tuple[Path, Path]:
    onnx_dir.mkdir(parents=True, exist_ok=True)
    clip = clip.eval()
    d = clip.dims
    vision_path = onnx_dir / f"vision_model{suffix}.onnx"
    text_path = onnx_dir / f"text_model{suffix}.onnx"
    pixels = torch.randn(2, 3, d.image_size, d.image_size)
    with torch.no_grad():
        torch.onnx.export(
            VisionExport(clip),
            (pixels,),
            str(vision_path),
            input_names=["pixel_values"],
            output_names=["image_embeds", "last_hidden_state"],
            dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}},
            opset_version=OPSET,
            do_constant_folding=True,
        )
        ids = torch.randint(0, d.vocab_size - 2, (2, 7))
        ids[:, -1] = clip.text.eos_id
        mask = torch.ones_like(ids)
        torch.onnx.export(
            TextExport(clip),
            (ids, mask),
            str(text_path),
            input_names=["input_ids", "attention_mask"],
            output_names=["text_embeds", "last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch_size", 1: "sequence_length"},
                "attention_mask": {0: "batch_size", 1: "sequence_length"},
                "text_embeds": {0: "batch_size"},
                "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
        )
    for p in (vision_path, text_path):
        onnx.checker.check_model(onnx.load(str(p)))
    return vision_path, text_path


def _fp16_tensor(t: TensorProto) -> TensorProto:
    arr = numpy_helper.to_array(t).astype(np.float16)
    return numpy_helper.from_array(arr, t.name)


def convert_fp16(src: Path, dst: Path) -> None:
    model = onnx.load(str(src))
    g = model.graph
    for i, init in enumerate(g.initializer):
        if init.data_type == TensorProto.FLOAT:
            g.initializer[i].CopyFrom(_fp16_tensor(init))
    for node in g.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == TensorProto.FLOAT:
                attr.t.CopyFrom(_fp16_tensor(attr.t))
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
            if node.op_type == "ConstantOfShape" and attr.name == "value" and attr.t.data_type == TensorProto.FLOAT:
                attr.t.CopyFrom(_fp16_tensor(attr.t))
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
            vi.type.tensor_type.elem_type = TensorProto.FLOAT16
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def quantize_dynamic_int8(src: Path, dst: Path) -> int:
    """Returns how many MatMuls were quantised."""
    model = onnx.load(str(src))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes = []
    new_inits = []
    count = 0
    for node in g.node:
        w = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or len(w.dims) != 2 or w.data_type != TensorProto.FLOAT:
            new_nodes.append(node)
            continue
        count += 1
        weights = numpy_helper.to_array(w)
        scale = np.maximum(np.abs(weights).max(axis=0), 1e-8) / 127.0
        q = np.clip(np.round(weights / scale), -127, 127).astype(np.int8)
        base = f"{node.name or w.name}_q"
        new_inits += [
            numpy_helper.from_array(q, f"{base}_w"),
            numpy_helper.from_array(scale.astype(np.float32), f"{base}_w_scale"),
            numpy_helper.from_array(np.array(0, dtype=np.int8), f"{base}_w_zp"),
        ]
        a = node.input[0]
        new_nodes += [
            helper.make_node("DynamicQuantizeLinear", [a], [f"{base}_a", f"{base}_a_scale", f"{base}_a_zp"], name=f"{base}_dql"),
            helper.make_node("MatMulInteger", [f"{base}_a", f"{base}_w", f"{base}_a_zp", f"{base}_w_zp"], [f"{base}_i32"], name=f"{base}_mmi"),
            helper.make_node("Cast", [f"{base}_i32"], [f"{base}_f32"], to=TensorProto.FLOAT, name=f"{base}_cast"),
            helper.make_node("Mul", [f"{base}_a_scale", f"{base}_w_scale"], [f"{base}_scale"], name=f"{base}_scale_mul"),
            helper.make_node("Mul", [f"{base}_f32", f"{base}_scale"], [node.output[0]], name=f"{base}_out_mul"),
        ]
    used = {n for node in new_nodes for n in node.input}
    kept = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(kept + new_inits)
    del g.node[:]
    g.node.extend(new_nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return count
