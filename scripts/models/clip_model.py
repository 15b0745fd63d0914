"""CLIP with the real architecture's shape, at any size (Radford et al. 2021).

Image tower: patch convolution, class token, learned positions, pre-norm,
pre-LN transformer, post-norm on the class token, linear projection.
Text tower: token + position embeddings, causal pre-LN transformer, final
norm, pooling at the first end-of-text token, linear projection.
A learnable temperature (log logit scale), clamped at ln 100 as in the paper.
Activations are quick_gelu, as in OpenAI's release.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

NEG = -1e4  # additive mask value; large enough to zero a softmax, small enough for fp16


@dataclass
class ClipDims:
    image_size: int
    patch_size: int
    vision_width: int
    vision_layers: int
    vision_heads: int
    text_width: int
    text_layers: int
    text_heads: int
    context_length: int
    vocab_size: int
    embed_dim: int
    # 'patch': one patchify convolution, as in CLIP's ViTs. 'conv': a stack of stride-2 3x3
    # convolutions to the same patch grid (Xiao et al. 2021, "Early convolutions help transformers
    # see better"), which a small ViT trained from scratch on two CPU cores needs to learn shape.
    stem: str = "patch"

    def to_dict(self) -> dict:
        return asdict(self)


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.proj = nn.Linear(4 * width, width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, n, d = x.shape
        h = self.ln_1(x)
        qkv = self.qkv(h).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.heads))
        if mask is not None:
            att = att + mask
        att = att.softmax(dim=-1)
        h = (att @ v).transpose(1, 2).reshape(b, n, d)
        x = x + self.out(h)
        return x + self.proj(quick_gelu(self.fc(self.ln_2(x))))


def patch_stem(dims: ClipDims) -> nn.Module:
    w, p = dims.vision_width, dims.patch_size
    if dims.stem == "patch":
        return nn.Conv2d(3, w, kernel_size=p, stride=p, bias=False)
    if dims.stem != "conv" or p & (p - 1):
        raise ValueError(f"stem {dims.stem!r} needs a power-of-two patch size, got {p}")
    layers: list[nn.Module] = []
    channels = 3
    steps = p.bit_length() - 1
    for i in range(steps):
        out = w if i == steps - 1 else max(w // 2 ** (steps - 1 - i), 16)
        layers.append(nn.Conv2d(channels, out, kernel_size=3, stride=2, padding=1))
        if i < steps - 1:
            layers.append(nn.GELU())
        channels = out
    return nn.Sequential(*layers)


class VisionTower(nn.Module):
    def __init__(self, dims: ClipDims):
        super().__init__()
        w = dims.vision_width
        grid = dims.image_size // dims.patch_size
        self.patch = patch_stem(dims)
        self.cls = nn.Parameter(torch.randn(w) * w**-0.5)
        self.pos = nn.Parameter(torch.randn(grid * grid + 1, w) * w**-0.5)
        self.ln_pre = nn.LayerNorm(w)
        self.blocks = nn.ModuleList([Block(w, dims.vision_heads) for _ in range(dims.vision_layers)])
        self.ln_post = nn.LayerNorm(w)
        self.projection = nn.Linear(w, dims.embed_dim, bias=False)

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.patch(pixels).flatten(2).transpose(1, 2)
        cls = self.cls.reshape(1, 1, -1).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos
        x = self.ln_pre(x)
        for blk in self.blocks:
            x = blk(x)
        return self.projection(self.ln_post(x[:, 0])), x


class TextTower(nn.Module):
    def __init__(self, dims: ClipDims, eos_id: int):
        super().__init__()
        w = dims.text_width
        self.eos_id = eos_id
        self.token = nn.Embedding(dims.vocab_size, w)
        self.pos = nn.Parameter(torch.randn(dims.context_length, w) * 0.01)
        nn.init.normal_(self.token.weight, std=0.02)
        self.blocks = nn.ModuleList([Block(w, dims.text_heads) for _ in range(dims.text_layers)])
        self.ln_final = nn.LayerNorm(w)
        self.projection = nn.Linear(w, dims.embed_dim, bias=False)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        n = input_ids.shape[1]
        x = self.token(input_ids) + self.pos[:n]
        # Built from the actual length so the exported graph keeps a dynamic sequence axis.
        idx = torch.arange(n, device=input_ids.device)
        mask = (idx[None, :] > idx[:, None]).to(x.dtype) * NEG
        mask = mask[None, None, :, :]
        if attention_mask is not None:
            mask = mask + (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * NEG
        for blk in self.blocks:
            x = blk(x, mask)
        x = self.ln_final(x)
        # Pool at the first end-of-text token: with the causal mask, anything after it cannot matter.
        eos_pos = (input_ids == self.eos_id).to(torch.int32).argmax(dim=-1)
        pooled = x[torch.arange(x.shape[0], device=x.device), eos_pos]
        return self.projection(pooled), x


class Clip(nn.Module):
    def __init__(self, dims: ClipDims, eos_id: int, logit_scale_init: float = 1 / 0.07):
        super().__init__()
        self.dims = dims
        self.visual = VisionTower(dims)
        self.text = TextTower(dims, eos_id)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(logit_scale_init)))

    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.visual(pixels)[0], dim=-1)

    def encode_text(self, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return F.normalize(self.text(ids, mask)[0], dim=-1)

    def contrastive_loss(self, pixels: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor, targets: torch.Tensor | None = None) -> torch.Tensor:
        """The paper's symmetric cross-entropy over the batch's N x N similarities; targets (N x N, rows
        summing to 1, symmetric) replace its one-hot labels where captions repeat in a batch."""
        img = self.encode_image(pixels)
        txt = self.encode_text(ids, mask)
        logits = self.logit_scale.clamp(max=math.log(100)).exp() * img @ txt.t()
        labels = torch.arange(len(img), device=img.device) if targets is None else targets
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


class VisionExport(nn.Module):
    """What onnx/vision_model.onnx computes: pixel_values -> image_embeds (unnormalised), last_hidden_state."""

    def __init__(self, clip: Clip):
        super().__init__()
        self.visual = clip.visual

    def forward(self, pixel_values: torch.Tensor):
        return self.visual(pixel_values)


class TextExport(nn.Module):
    """What onnx/text_model.onnx computes: input_ids, attention_mask -> text_embeds (unnormalised), last_hidden_state."""

    def __init__(self, clip: Clip):
        super().__init__()
        self.text = clip.text

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        return self.text(input_ids, attention_mask)
