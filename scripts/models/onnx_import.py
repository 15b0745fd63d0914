"""Load a shapes-clip ONNX export back into the PyTorch model, so that training can continue from it.

Only the committed model's weights exist (no PyTorch checkpoint is kept), so continuing training starts
by reading the fp32 ONNX towers. torch.onnx's constant folding renames the Linear weights
(`onnx::MatMul_N`, stored transposed) and the class token (`onnx::Expand_N`); they are found through the
graph: a MatMul's weight belongs to the Linear whose bias its output is added to, and the one MatMul
without a bias is the tower's projection.
"""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import torch
from onnx import numpy_helper

from clip_model import Clip


def _tower_state(path: Path, prefix: str) -> dict[str, torch.Tensor]:
    graph = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = {name: torch.from_numpy(arr.copy()) for name, arr in inits.items() if name.startswith(prefix + ".")}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits and not node.input[1].startswith(prefix + "."):
            weight = torch.from_numpy(inits[node.input[1]].T.copy())
            bias = [i for n in consumers.get(node.output[0], []) if n.op_type == "Add" for i in n.input if i.endswith(".bias") and i in inits]
            state[bias[0][: -len(".bias")] + ".weight" if bias else f"{prefix}.projection.weight"] = weight
        if node.op_type == "Expand" and node.input[0] in inits and prefix == "visual":
            state["visual.cls"] = torch.from_numpy(inits[node.input[0]].reshape(-1).copy())
    return state


def load_onnx_weights(model: Clip, folder: Path) -> None:
    """Copy the fp32 towers' weights and the logit scale from an exported model folder into `model`."""
    state = {**_tower_state(folder / "onnx" / "vision_model.onnx", "visual"), **_tower_state(folder / "onnx" / "text_model.onnx", "text")}
    scale = json.loads((folder / "config.json").read_text())["logit_scale"]
    state["logit_scale"] = torch.tensor(float(scale))
    expected = set(model.state_dict().keys())
    if set(state) != expected:
        raise SystemExit(f"{folder}: weights do not match the model (missing {sorted(expected - set(state))}, extra {sorted(set(state) - expected)})")
    model.load_state_dict(state)
