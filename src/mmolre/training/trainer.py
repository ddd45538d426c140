"""Training one seed: AdamW, early stopping on validation loss, best checkpoint, test metrics.

Protocol (DESIGN section 4): the checkpoint is selected on validation loss alone, ER thresholds are chosen
on validation predictions of that checkpoint, and every reported metric comes from it. With
``train.ema_decay`` the checkpoint candidates are the moving average of the weights, not the weights.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from mmolre.config import ConfigError, RunConfig
from mmolre.data.dataset import MultimodalDataset, make_loader
from mmolre.evaluation.scoring import Predictions, score, tune_thresholds
from mmolre.models import build_model
from mmolre.training.averaging import WeightAverage
from mmolre.training.checkpoint import (
    WEIGHTS,
    load_training_state,
    load_weights,
    save_checkpoint,
    save_training_state,
    write_json,
)
from mmolre.training.losses import joint_loss

log = logging.getLogger(__name__)

Splits = dict[str, MultimodalDataset]


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def feature_dims(dataset: MultimodalDataset) -> dict[str, int]:
    return {m: dataset.feature_dim(m) for m in dataset.modalities}


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def make_optimizer(model: nn.Module, cfg: RunConfig) -> torch.optim.Optimizer:
    """AdamW; a fine-tuned text encoder gets its own (smaller) learning rate."""
    encoder = getattr(model, "text_encoder", None)
    encoder_ids = {id(p) for p in encoder.parameters()} if encoder is not None else set()
    main = [p for p in model.parameters() if id(p) not in encoder_ids and p.requires_grad]
    groups = [{"params": main, "lr": cfg.train.lr}]
    if encoder_ids:
        groups.append(
            {"params": [p for p in encoder.parameters() if p.requires_grad], "lr": cfg.features.text_lr}
        )
    return torch.optim.AdamW(groups, lr=cfg.train.lr, weight_decay=cfg.train.weight_decay)


# names of the matching Hugging Face `get_scheduler` schedules (all with a linear warmup)
_SCHEDULES = {"constant": "constant_with_warmup", "linear": "linear", "cosine": "cosine"}


def make_scheduler(
    optimizer: torch.optim.Optimizer, cfg: RunConfig, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Per-step learning-rate schedule over ``max_epochs`` (every parameter group scaled alike).

    None for a constant rate without warmup. The decay runs to 0 at ``max_epochs``; early stopping may
    end training before that.
    """
    train = cfg.train
    if train.lr_schedule == "constant" and train.warmup_ratio == 0.0:
        return None
    from transformers import get_scheduler  # imported here: transformers takes seconds to import

    total = max(steps_per_epoch * train.max_epochs, 1)
    return get_scheduler(
        _SCHEDULES[train.lr_schedule],
        optimizer,
        num_warmup_steps=round(train.warmup_ratio * total),
        num_training_steps=total,
    )


@torch.no_grad()
def predict(
    model: nn.Module, dataset: MultimodalDataset, batch_size: int, device: str = "cpu"
) -> Predictions:
    model.eval()
    sentiment, probs = [], []
    for batch in make_loader(dataset, batch_size=batch_size, shuffle=False):
        out = model(batch.to(device))
        if out.sentiment is not None:
            sentiment.append(out.sentiment.float().cpu().numpy())
        if out.emotion_logits is not None:
            probs.append(torch.sigmoid(out.emotion_logits).float().cpu().numpy())
    return Predictions(
        ids=list(dataset.ids),
        sources=list(dataset.sources),
        sentiment_true=dataset.sentiment.astype(np.float64),
        emotion_true=dataset.emotions.astype(np.float64),
        sentiment_pred=np.concatenate(sentiment).astype(np.float64) if sentiment else None,
        emotion_prob=np.concatenate(probs).astype(np.float64) if probs else None,
    )


@torch.no_grad()
def validation_loss(model: nn.Module, dataset: MultimodalDataset, cfg: RunConfig) -> dict[str, float]:
    """Sample-weighted mean of each task loss over the whole split, and their weighted sum."""
    model.eval()
    totals = {"sa": 0.0, "er": 0.0, "n_sa": 0, "n_er": 0}
    for batch in make_loader(dataset, batch_size=cfg.train.eval_batch_size, shuffle=False):
        parts = joint_loss(model(batch.to(cfg.train.device)), batch, cfg.train.lambda_er, 0.0)
        totals["sa"] += float(parts.sa) * parts.n_sa
        totals["er"] += float(parts.er) * parts.n_er
        totals["n_sa"] += parts.n_sa
        totals["n_er"] += parts.n_er
    sa = totals["sa"] / max(totals["n_sa"], 1)
    er = totals["er"] / max(totals["n_er"], 1)
    return {"loss": sa + cfg.train.lambda_er * er, "sa_loss": sa, "er_loss": er}


def restore_components(components: dict, saved: dict, folder: Path) -> None:
    """Load each component's (scheduler, weight average) saved state; the run's config must match."""
    for name, part in components.items():
        if name not in saved:
            raise ConfigError(
                f"{folder}: the saved training state has no {name!r}; it was written with another "
                "train.lr_schedule / train.ema_decay, so resuming would not continue the same run"
            )
        part.load_state_dict(saved[name])


@dataclass
class SeedResult:
    seed: int
    folder: Path
    best_epoch: int
    valid: dict[str, float]
    test: dict[str, float]
    thresholds: list[float] | None
    train_seconds: float
    n_parameters: int


class Trainer:
    """Trains one model for one seed and writes its checkpoint folder."""

    def __init__(self, cfg: RunConfig, splits: Splits, seed: int, folder: Path) -> None:
        self.cfg, self.splits, self.seed, self.folder = cfg, splits, seed, Path(folder)
        self.device = cfg.train.device

    def _tensorboard(self):
        if not self.cfg.train.tensorboard:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # tensorboard is a dependency, but a trimmed install still trains
            return None
        return SummaryWriter(log_dir=str(self.folder / "tensorboard"))

    def fit(self, resume: bool = False) -> SeedResult:
        cfg, train = self.cfg, self.splits["train"]
        set_seed(self.seed)
        dims = feature_dims(train)
        model = build_model(cfg, dims).to(self.device)
        model.fit_normalizer(train)
        optimizer = make_optimizer(model, cfg)
        scheduler = make_scheduler(optimizer, cfg, len(self._train_loader(train, epoch=0)))
        average = WeightAverage(model, cfg.train.ema_decay) if cfg.train.ema_decay else None
        components = {"scheduler": scheduler, "ema": average}
        components = {name: part for name, part in components.items() if part is not None}
        state = {
            "epoch": 0,
            "best_loss": math.inf,
            "best_epoch": 0,
            "bad_epochs": 0,
            "history": [],
            "seconds": 0.0,
        }
        last = self.folder / "last"
        if resume:
            restored = load_training_state(last, model, optimizer)
            if restored is not None:
                restore_components(components, restored.pop("components"), last)
                state.update(restored)
                log.info("seed %d: resuming after epoch %d", self.seed, state["epoch"])
        writer = self._tensorboard()
        bar = tqdm(
            total=cfg.train.max_epochs,
            initial=state["epoch"],
            desc=f"seed {self.seed}",
            disable=not cfg.train.progress,
            leave=False,
        )
        while state["epoch"] < cfg.train.max_epochs and state["bad_epochs"] < cfg.train.patience:
            started = time.perf_counter()
            train_loss = self._train_epoch(model, optimizer, train, state["epoch"], scheduler, average)
            with average.applied(model) if average else nullcontext():
                # with an average, validation, selection and the checkpoint all use the averaged weights
                valid = validation_loss(model, self.splits["valid"], cfg)
                improved = valid["loss"] < state["best_loss"]
                if improved:
                    save_checkpoint(self.folder, model, cfg, self.seed, dims)
            state["epoch"] += 1
            state["seconds"] += time.perf_counter() - started
            record = {"epoch": state["epoch"], **train_loss, **{f"valid_{k}": v for k, v in valid.items()}}
            state["history"].append(record)
            if improved:
                state.update(best_loss=valid["loss"], best_epoch=state["epoch"], bad_epochs=0)
            else:
                state["bad_epochs"] += 1
            save_training_state(last, model, optimizer, state, components)
            if writer is not None:
                for key, value in record.items():
                    if key != "epoch":
                        writer.add_scalar(key, value, state["epoch"])
            bar.update(1)
            bar.set_postfix(train=f"{train_loss['train_loss']:.3f}", valid=f"{valid['loss']:.3f}")
        bar.close()
        if writer is not None:
            writer.close()
        write_json(self.folder / "history.json", state["history"])
        return self._finish(model, dims, state)

    def _train_loader(self, train: MultimodalDataset, epoch: int):
        # a fresh, seed- and epoch-determined shuffle, so a resumed run sees the same batches
        return make_loader(
            train,
            self.cfg.train.batch_size,
            shuffle=True,
            seed=self.seed * 100_003 + epoch,
            group_by_length=self.cfg.train.group_by_length,
        )

    def _train_epoch(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        train: MultimodalDataset,
        epoch: int,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
        average: WeightAverage | None = None,
    ) -> dict[str, float]:
        cfg = self.cfg
        model.train()
        loader = self._train_loader(train, epoch)
        sums = {"train_loss": 0.0, "train_sa_loss": 0.0, "train_er_loss": 0.0, "train_balance": 0.0}
        steps = 0
        for batch in loader:
            parts = joint_loss(model(batch.to(self.device)), batch, cfg.train.lambda_er, cfg.train.lambda_bal)
            optimizer.zero_grad(set_to_none=True)
            parts.total.backward()
            nn.utils.clip_grad_norm_(model.parameters(), cfg.train.grad_clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            if average is not None:
                average.update(model)
            sums["train_loss"] += parts.total.item()
            sums["train_sa_loss"] += parts.sa.item()
            sums["train_er_loss"] += parts.er.item()
            sums["train_balance"] += parts.balance.item()
            steps += 1
        return {k: v / max(steps, 1) for k, v in sums.items()}

    def _finish(self, model: nn.Module, dims: dict[str, int], state: dict) -> SeedResult:
        """Reload the best-validation checkpoint and report every metric from it."""
        load_weights(self.folder / WEIGHTS, model)
        valid_preds, test_preds = evaluate_checkpoint(model, self.splits, self.cfg)
        thresholds = tune_thresholds(valid_preds) if self.cfg.train.thresholds == "valid" else None
        valid_metrics = score(valid_preds, thresholds)
        test_metrics = score(test_preds, thresholds)
        save_checkpoint(
            self.folder,
            model,
            self.cfg,
            self.seed,
            dims,
            thresholds,
            extra={"best_epoch": state["best_epoch"], "best_valid_loss": state["best_loss"]},
        )
        test_preds.save_csv(self.folder / "test_predictions.csv")
        result = SeedResult(
            seed=self.seed,
            folder=self.folder,
            best_epoch=state["best_epoch"],
            valid=valid_metrics,
            test=test_metrics,
            thresholds=None if thresholds is None else [float(t) for t in thresholds],
            train_seconds=state["seconds"],
            n_parameters=count_parameters(model),
        )
        write_json(self.folder / "metrics.json", seed_result_dict(result))
        return result


def evaluate_checkpoint(model: nn.Module, splits: Splits, cfg: RunConfig) -> tuple[Predictions, Predictions]:
    batch = cfg.train.eval_batch_size
    return predict(model, splits["valid"], batch, cfg.train.device), predict(
        model, splits["test"], batch, cfg.train.device
    )


def seed_result_dict(result: SeedResult) -> dict:
    return {
        "seed": result.seed,
        "best_epoch": result.best_epoch,
        "train_seconds": result.train_seconds,
        "n_parameters": result.n_parameters,
        "thresholds": result.thresholds,
        "valid": result.valid,
        "test": result.test,
    }


def load_seed_result(folder: Path) -> SeedResult | None:
    """A finished seed's result from its ``metrics.json``, or None if it has not finished."""
    path = Path(folder) / "metrics.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return SeedResult(
        seed=data["seed"],
        folder=Path(folder),
        best_epoch=data["best_epoch"],
        valid=data["valid"],
        test=data["test"],
        thresholds=data["thresholds"],
        train_seconds=data["train_seconds"],
        n_parameters=data["n_parameters"],
    )
