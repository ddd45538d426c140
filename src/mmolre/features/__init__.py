"""Feature extraction: encoders that turn transcripts, audio and per-clip vision files into sequences.

- `mmolre.features.text`: Hugging Face text encoders (`TextEncoder`, `build_text_encoder`), also the
  module fine-tuned end to end when ``features.finetune_text`` is on.
- `mmolre.features.audio`: 16 kHz mono audio reading, the long-clip policy, openSMILE eGeMAPS and
  Hugging Face speech encoders (`build_audio_encoder`).
- `mmolre.features.vision`: per-clip CSV/NPY readers (e.g. OpenFace output).
- `mmolre.features.extract`: the resumable ``mmolre features extract`` pipeline into a feature store.

Submodules are imported on use: transformers and openSMILE are slow to import and not needed to train
on a cached store.
"""

from mmolre.data.dataset import DataError


class ClipError(DataError):
    """One clip's input is missing, unreadable or unusable; extraction records it by id and goes on."""


__all__ = ["ClipError"]
