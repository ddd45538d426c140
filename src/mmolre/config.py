"""Run configuration: a pydantic schema, YAML presets and dotted command-line overrides.

Every architectural choice of MMoLRE is a field here, so an ablation is a config change. Unknown keys
and wrong types are rejected with a `ConfigError` whose message names the dotted key.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mmolre.constants import MODALITIES, TASKS


class ConfigError(ValueError):
    """A bad config file, key or value; the message is one line naming it."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SyntheticConfig(Section):
    """The embedded synthetic benchmark (see `mmolre.data.synthetic`)."""

    seed: int = 0
    n_train: int = Field(1284, ge=1)
    n_valid: int = Field(229, ge=1)
    n_test: int = Field(686, ge=1)
    text_dim: int = Field(32, ge=4)
    audio_dim: int = Field(24, ge=4)
    vision_dim: int = Field(16, ge=4)
    with_vision: bool = False
    noise: float = Field(1.0, ge=0.0, description="scale of the observation noise in every modality")
    n_annotators: int = Field(3, ge=1, description="labels are the mean of this many integer ratings")
    annotator_noise: float = Field(1.0, ge=0.0, description="scale of the annotators' noise: the noise floor")
    utterances_per_speaker: int = Field(24, ge=1, description="speakers are disjoint across splits")


class DataConfig(Section):
    """Where the data comes from. ``kind`` picks the reader; ``paths`` lists one source per dataset."""

    kind: Literal["synthetic", "store", "mmsa", "csd", "table"] = "synthetic"
    paths: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list, description="dataset name per path (mosi, mosei, ...)")
    synthetic: SyntheticConfig = Field(default_factory=SyntheticConfig)
    feature_dirs: dict[str, str] = Field(
        default_factory=dict,
        description="modality -> feature store (table) or .csd (csd); {name} becomes the dataset name",
    )
    emotion_labels: list[str] = Field(
        default_factory=list,
        description="per path: file of emotion labels joined by clip id or (video, segment); '' for none",
    )
    text_from: list[str] = Field(
        default_factory=list,
        description="table: per path, a label table whose transcripts fill empty ones by clip id ('' none)",
    )
    text_field: Literal["text", "text_bert"] = Field("text", description="MMSA pickles: text array to use")
    folds: list[str] = Field(
        default_factory=list, description="csd: per path, a folds JSON; default the SDK's standard folds"
    )


class FeaturesConfig(Section):
    """Encoders that turn raw transcripts and audio into feature sequences."""

    text_encoder: str = "all-MiniLM-L6-v2"
    audio_encoder: str = "egemaps"
    text_max_length: int = Field(64, ge=2)
    audio_sample_rate: int = 16000
    audio_max_seconds: float = Field(30.0, gt=0)
    audio_long_clips: Literal["truncate", "chunk"] = "chunk"
    finetune_text: bool = False
    text_lr: float = Field(2e-5, gt=0)
    text_trainable_layers: int | None = Field(
        None,
        ge=1,
        description="fine-tuning: train only the top N transformer layers; the frozen bottom runs once "
        "per transcript (memoized). None trains all",
    )
    batch_size: int = Field(32, ge=1)


class ModelConfig(Section):
    """MMoLRE and its baselines; defaults are the CPU preset."""

    architecture: Literal["mmolre", "hard_sharing", "mmoe", "ple", "late_fusion"] = "mmolre"
    tasks: list[Literal["SA", "ER"]] = Field(default_factory=lambda: list(TASKS))
    modalities: list[str] = Field(default_factory=lambda: ["text", "audio"])
    d_model: int = Field(64, ge=4)
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    # UniTSE
    n_blocks: Literal[1, 2] = 2
    share_unitse: bool = Field(False, description="one UniTSE for all modalities instead of one each")
    n_experts: int = Field(4, ge=1)
    expert_ranks: list[int] | None = Field(None, description="rank per shared expert; None spreads ranks")
    rank_min: int = Field(16, ge=1)
    rank_max: int = Field(128, ge=1)
    task_rank: int = Field(32, ge=1)
    full_rank_experts: bool = Field(False, description="every expert has rank d_model (ablation)")
    shared_experts: bool = True
    task_expert: bool = True
    expert_activation: Literal["none", "relu", "gelu"] = "none"
    gating: Literal["dense", "topk", "uniform"] = "dense"
    top_k: int = Field(2, ge=1)
    gate_noise: bool = Field(True, description="noisy top-k gating at train time")
    residual: bool = True
    layer_norm: bool = True
    # fusion and heads
    fusion: Literal["gated", "concat"] = "gated"
    fusion_heads: int = Field(4, ge=1)
    er_intensity: bool = Field(False, description="also regress emotion intensities")

    @model_validator(mode="after")
    def _check(self) -> ModelConfig:
        unknown = [m for m in self.modalities if m not in MODALITIES]
        if unknown:
            raise ValueError(f"modalities: unknown {unknown}; choose from {list(MODALITIES)}")
        if not self.modalities:
            raise ValueError("modalities: at least one is needed")
        if not self.tasks:
            raise ValueError("tasks: at least one is needed")
        if self.expert_ranks is not None and len(self.expert_ranks) != self.n_experts:
            raise ValueError(f"expert_ranks: {len(self.expert_ranks)} ranks for n_experts={self.n_experts}")
        if self.gating == "topk" and self.top_k > self.n_experts:
            raise ValueError(f"top_k: {self.top_k} exceeds n_experts={self.n_experts}")
        if self.d_model % self.fusion_heads:
            raise ValueError(f"fusion_heads: {self.fusion_heads} does not divide d_model={self.d_model}")
        return self

    def shared_ranks(self) -> list[int]:
        """Rank of each shared expert: explicit, full (d_model), or spread from rank_min to rank_max."""
        if self.full_rank_experts:
            return [self.d_model] * self.n_experts
        if self.expert_ranks is not None:
            return list(self.expert_ranks)
        lo, hi = min(self.rank_min, self.d_model), min(self.rank_max, self.d_model)
        if self.n_experts == 1:
            return [lo]
        # geometric spread, e.g. 16, 32, 64, 128 for four experts (DESIGN: "default spread 16..128")
        return [max(1, round(lo * (hi / lo) ** (i / (self.n_experts - 1)))) for i in range(self.n_experts)]

    def task_expert_rank(self) -> int:
        return self.d_model if self.full_rank_experts else min(self.task_rank, self.d_model)


class TrainConfig(Section):
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    batch_size: int = Field(32, ge=1)
    max_epochs: int = Field(30, ge=1)
    patience: int = Field(6, ge=1, description="epochs without a better validation loss before stopping")
    seeds: list[int] = Field(default_factory=lambda: [1111])
    lambda_er: float = Field(1.0, ge=0)
    lambda_bal: float = Field(0.01, ge=0)
    grad_clip: float = Field(1.0, gt=0)
    lr_schedule: Literal["constant", "linear", "cosine"] = Field(
        "constant",
        description="learning rate after the warmup: constant, or linear or cosine decay to 0 at max_epochs",
    )
    warmup_ratio: float = Field(0.0, ge=0.0, lt=1.0, description="share of all steps with a linear warmup")
    ema_decay: float | None = Field(
        None,
        gt=0.0,
        lt=1.0,
        description="validate, select and save an exponential moving average of the trained weights "
        "with this decay per step; None uses the weights themselves",
    )
    group_by_length: bool = Field(False, description="training batches of similar length (less padding)")
    thresholds: Literal["fixed", "valid"] = Field("valid", description="ER thresholds: 0.5 or tuned on valid")
    device: str = "cpu"
    num_threads: int = Field(0, ge=0, description="torch threads; 0 leaves the default")
    eval_batch_size: int = Field(256, ge=1)
    tensorboard: bool = True
    progress: bool = True


class RunConfig(Section):
    name: str = "mmolre"
    output_dir: str = "runs"
    data: DataConfig = Field(default_factory=DataConfig)
    features: FeaturesConfig = Field(default_factory=FeaturesConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)


PRESETS = (
    "cpu",
    "paper",
    "mosi-text",
    "mosi-text-ft",
    "mosei-text",
    "mosi+mosei-text",
    "mosei-text-ft",
    "mosi+mosei-text-ft",
)


def _format_error(exc: ValidationError, origin: str) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        parts.append(f"{key}: {msg}")
    return f"{origin}: " + "; ".join(parts)


def preset_dict(name: str) -> dict:
    if name not in PRESETS:
        raise ConfigError(f"preset {name!r} does not exist; choose from {list(PRESETS)}")
    text = resources.files("mmolre.presets").joinpath(f"{name}.yaml").read_text()
    return yaml.safe_load(text) or {}


def read_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, not {type(loaded).__name__}")
    return loaded


def deep_merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"model.n_experts=8"`` -> (["model", "n_experts"], 8); the value is parsed as YAML."""
    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected KEY=VALUE, e.g. model.n_experts=8")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"override {text!r}: empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.split("."), value


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    out = dict(raw)
    for text in overrides:
        path, value = parse_override(text)
        node = out
        for part in path[:-1]:
            child = node.get(part)
            child = dict(child) if isinstance(child, dict) else {}
            node[part] = child
            node = child
        node[path[-1]] = value
    return out


def validate(raw: dict, origin: str = "config") -> RunConfig:
    try:
        return RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, origin)) from None


def load_config(
    path: str | Path | None = None, overrides: list[str] | None = None, preset: str = "cpu"
) -> RunConfig:
    """Preset, then the YAML file (which may name its own ``preset:``), then dotted overrides."""
    file_raw = read_yaml(path) if path else {}
    preset = file_raw.pop("preset", preset)
    raw = deep_merge(preset_dict(preset), file_raw)
    raw = apply_overrides(raw, overrides or [])
    origin = str(path) if path else f"preset {preset}"
    return validate(raw, origin)


def to_yaml(cfg: RunConfig) -> str:
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
