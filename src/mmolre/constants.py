"""Names declared once for the whole project."""

# Column order of CMU_MOSEI_Labels.csd after its sentiment column; every emotion array in mmolre uses it.
EMOTIONS: tuple[str, ...] = ("happy", "sad", "anger", "surprise", "disgust", "fear")

# SA: sentiment analysis (regression in [-3, 3]); ER: emotion recognition (six-way multi-label).
TASKS: tuple[str, ...] = ("SA", "ER")

MODALITIES: tuple[str, ...] = ("text", "audio", "vision")

SPLITS: tuple[str, ...] = ("train", "valid", "test")

SENTIMENT_RANGE: tuple[float, float] = (-3.0, 3.0)
EMOTION_RANGE: tuple[float, float] = (0.0, 3.0)
