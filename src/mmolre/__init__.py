"""mmolre: Multimodal Mixture of Low-Rank Experts for joint sentiment analysis and emotion recognition."""

from mmolre.constants import EMOTIONS, MODALITIES, TASKS

__version__ = "0.1.0"
__all__ = ["EMOTIONS", "MODALITIES", "TASKS", "__version__"]
