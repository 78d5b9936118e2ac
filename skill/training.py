"""`kindwell train`: fit every shipped classifier with scikit-learn and write its weights to skill/weights/.

Each weight file is named by the content hash of what its model learns from (skill.model_cache), so a
file that is present is current; training skips those unless forced and removes every other .npz.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import UserInputError
from .model_cache import WEIGHTS_DIR, LazyModel, can_train


def shipped_models(root: Path | None = None) -> list[LazyModel]:
    """Every model KindWell ships weights for, looked up for root's content (default: prompts_dir()) but not loaded."""
    from .nlu import Matcher
    from .prompts import default_prompts, load_prompts
    from .safety import load_safety
    from .safety_model import CrisisClassifier

    prompts = (load_prompts(root) if root is not None else default_prompts()).check_all()
    matcher = Matcher(prompts, load_safety(prompts, use_classifier=False))
    assert matcher.classifier_weights is not None and matcher.head_weights is not None  # built with the classifier
    care = CrisisClassifier.load(prompts)
    assert care.head is not None  # built with embeddings on
    slots = [prompts.practice_classifier, prompts.theme_classifier]
    return [
        care.weights,
        care.head,
        matcher.classifier_weights,
        matcher.head_weights,
        *(lazy for model in slots for lazy in (model.weights, model.head) if lazy is not None),
    ]


@dataclass(frozen=True)
class Trained:
    """What `train_all` did for one model."""

    name: str
    path: Path
    fresh: bool
    """False when the file was already current and training was skipped."""
    classes: int = 0
    features: int = 0


def train_all(
    root: Path | None = None,
    folder: Path = WEIGHTS_DIR,
    *,
    force: bool = False,
    progress: Callable[[str], None] = lambda name: None,
) -> tuple[list[Trained], list[Path]]:
    """Train every stale model (every model with force) into folder; (what was trained, stale files removed)."""
    if not can_train():
        raise UserInputError("Training needs scikit-learn: run `pip install 'kindwell[train]'` and try again.")
    folder.mkdir(parents=True, exist_ok=True)
    done: list[Trained] = []
    for lazy in shipped_models(root):
        path = folder / lazy.file_name
        if path.is_file() and not force:
            done.append(Trained(lazy.name, path, fresh=False))
            continue
        progress(lazy.name)
        model = lazy.train_now()
        model.save(path)
        done.append(Trained(lazy.name, path, fresh=True, classes=len(model.classes), features=model.feature_count))
    keep = {trained.path.name for trained in done}
    removed = sorted(path for path in folder.glob("*.npz") if path.name not in keep)
    for path in removed:
        path.unlink()
    return done, removed
