"""The classroom's side of "learn from us": one retrain at a time, in the background while the
wall stays live, then the class answered by the new model, with the first one a click away.

``Learning`` is what a classroom holds: whether a retrain is running, the last one's error, and
which model answers. The routes (``learning_api``) call ``start``, ``use`` and ``status``; the
engine is ``dlkit.classroom.retrain``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from dlkit.classroom.retrain import (
    RetrainSettings,
    digit_test_set,
    require_trainable,
    retrain,
    split_by_device,
)
from dlkit.errors import DlkitError

__all__ = ["Learning"]


@dataclass
class Learning:
    """One classroom's retrains: at most one running; ``first`` is the model it was started with."""

    first: object  # the Predictor the classroom was started with
    settings: RetrainSettings = field(default_factory=RetrainSettings)
    running: bool = False
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_can_start(self, classroom, left_out: list[str]) -> None:
        """Raise DlkitError (said to the instructor as a 409) when a retrain cannot start now."""
        require_trainable(self.first.path)
        devices = {drawing.device for drawing in classroom.session.drawings(include_hidden=False)}
        split_by_device(devices, self.settings.held_out_fraction, self.settings.seed, left_out)

    def start(self, classroom, left_out: list[str]) -> None:
        """Start a retrain in the background; when it ends the class is answered by the new model
        and the projectors hear of it ("learned"), or of why it failed ("learn-failed").

        Raises:
            DlkitError: one is already running, the model cannot be trained, or too few devices.
        """
        with self._lock:
            if self.running:
                raise DlkitError("a retrain is already running: wait for its answer")
            self.check_can_start(classroom, left_out)
            self.running, self.error = True, None
        threading.Thread(target=self._run, args=(classroom, left_out), daemon=True,
                         name="dlkit-classroom-retrain").start()

    def _run(self, classroom, left_out: list[str]) -> None:
        try:
            first = self.first
            record = retrain(first.path, classroom.session, first.card, digit_test_set(first.card),
                             self.settings, left_out=left_out)
            self.use(classroom, record["id"])
            classroom.broadcast.send("learned", {"id": record["id"]})
        except Exception as error:  # the instructor sees why; the classroom goes on with its model
            self.error = str(error) if isinstance(error, DlkitError) else f"{type(error).__name__}: {error}"
            classroom.broadcast.send("learn-failed", {"error": self.error})
        finally:
            self.running = False

    def use(self, classroom, number: int) -> None:
        """Answer the class with retrain ``number`` (0: the first model), and remember it.

        Raises:
            DlkitError: there is no such retrain in this session.
        """
        from dlkit.deploy.predictors import load_predictor

        if number == 0:
            predictor = self.first
        else:
            kept = {record["id"]: record for record in classroom.session.retrains()}
            if number not in kept:
                raise DlkitError(f"no retrain {number} in this session")
            predictor = load_predictor(classroom.session.folder / kept[number]["model"])
        classroom.predictor = predictor
        classroom.session.set_active_retrain(number)
        classroom.broadcast.send("model", {"active": number, "name": predictor.card.name})

    def status(self, classroom) -> dict:
        """What the projector shows: running or not, the last error, every retrain, which answers."""
        return {"running": self.running, "error": self.error, "active": classroom.session.active_retrain,
                "first_model": self.first.card.name, "retrains": classroom.session.retrains()}
