"""One classroom's shared state: the model, the session, the limits and the projectors' feed, and
what every route does with them (the wall, the class's numbers, answering and storing a drawing).
The routes (``student_api``, ``projector_api``, ``moderation_api``) reach it through ``access``."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from dlkit.classroom.session import Drawing, Session
from dlkit.deploy.card import ServingCard
from dlkit.deploy.inputs import prepare_picture, scale_for_model
from dlkit.deploy.predictors import Predictor
from dlkit.web.answers import top_classes
from dlkit.web.limits import GUESSES_AT_ONCE, GUESSES_PER_MINUTE, RateLimit

__all__ = ["MISTAKES_SHOWN", "TOP_K", "WALL_SIZE", "Broadcast", "Classroom", "what_is_kept"]

WALL_SIZE = 24  # drawings on the projector's wall
MISTAKES_SHOWN = 5
TOP_K = 3


def _png(pixels: np.ndarray, input_shape: tuple[int, ...]) -> bytes:
    """The picture as the model saw it, as PNG: grey for a digit or one-channel input, else RGB."""
    if pixels.ndim == 1 or (pixels.ndim == 3 and pixels.shape[-1] == 1):
        side = int(round(np.sqrt(pixels.size)))
        image = Image.fromarray(pixels.reshape(side, side).astype(np.uint8), "L")
    else:
        image = Image.fromarray(pixels.astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def what_is_kept(card) -> str:
    """What the student page says is kept of what a student sends, for how long and who sees it."""
    height, width = card.input_shape[:2] if len(card.input_shape) > 1 else (28, 28)
    kind = "drawing" if card.input_kind == "digit" else "photo"
    picture = f"the {kind} as the model saw it ({width}x{height} pixels)"
    return (f"What is kept: {picture}, the class you chose, the model's answer and an anonymous code for "
            "your device (never your name or address). It is kept in a folder on the instructor's computer, "
            "not on the internet, until the instructor deletes the session. The projector shows the newest "
            "pictures to the class; the instructor can hide any of them. \"Learn from us\" may train a "
            "copy of the model on them. \"Take back my drawings\" deletes all you sent from this browser.")


class Broadcast:
    """The projectors listening to the feed: each has a queue of events, filled on the event loop
    (an event sent from another thread, such as a retrain's, is handed to the loop first: asyncio's
    queues are not thread-safe)."""

    def __init__(self) -> None:
        self.listeners: set[asyncio.Queue] = set()
        self.stopping = threading.Event()  # set when the service stops: feeds end so it can
        self.loop: asyncio.AbstractEventLoop | None = None

    def listen(self, queue: asyncio.Queue) -> None:
        """Add a projector's queue (on the event loop, which events from other threads go through)."""
        self.loop = asyncio.get_running_loop()
        self.listeners.add(queue)

    def send(self, kind: str, data: dict) -> None:
        event = f"event: {kind}\ndata: {json.dumps(data)}\n\n"
        try:
            on_loop = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            on_loop = False
        if self.loop is not None and not on_loop:
            try:
                self.loop.call_soon_threadsafe(self._put, event)
            except RuntimeError:  # the loop has closed: the service stopped, nobody is listening
                pass
            return
        self._put(event)

    def _put(self, event: str) -> None:
        for queue in list(self.listeners):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a projector that stopped reading: drop it, it reconnects
                self.listeners.discard(queue)


@dataclass
class Classroom:
    """What every route of one classroom shares: the model, the session, the limits, the feed."""

    predictor: Predictor
    session: Session
    join_url: str
    rate_limit: RateLimit
    max_upload_bytes: int
    broadcast: Broadcast = field(default_factory=lambda: Broadcast())
    guesses: RateLimit = field(default_factory=lambda: RateLimit(GUESSES_PER_MINUTE, GUESSES_AT_ONCE))
    learning: object = None  # dlkit.classroom.learning.Learning: "learn from us", and which model answers

    @property
    def card(self) -> ServingCard:
        return self.predictor.card

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.card.classes)

    def wall(self) -> dict:
        """Everything the projector shows."""
        card, session = self.card, self.session
        return {
            "model": card.name, "classes": list(self.classes), "input_kind": card.input_kind,
            "test_accuracy": card.test_accuracy, "join_code": session.join_code, "student_url": self.join_url,
            "drawings": [d.as_json() for d in session.wall(WALL_SIZE)],
            "muted": session.muted_devices(),
            **self.summary(),
        }

    def summary(self) -> dict:
        """The class's numbers, sent to the projector after each change."""
        return {"stats": self.session.stats().as_json(), "by_pointer": self.session.accuracy_by_pointer(),
                "devices": self.session.devices(),
                "mistakes": [d.as_json() for d in self.session.confident_mistakes(MISTAKES_SHOWN)]}

    def answer_and_store(self, data: bytes, name: str, label: str, client: str, pointer: str = "",
                         owner: str = "") -> Drawing:
        """The picture prepared as the model sees it, the model's answer, and both stored."""
        pixels, _ = prepare_picture(data, name, self.card)
        probabilities = self.predictor.predict(scale_for_model(pixels, self.card))[0]
        top = top_classes(probabilities, self.classes, TOP_K)
        return self.session.add(label, top[0]["label"], top[0]["probability"], top,
                                _png(pixels, self.card.input_shape), client, pointer, owner)
