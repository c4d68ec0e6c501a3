"use strict";
// The drawing pad dlkit's pages share (`dlkit serve`'s page and the classroom's student page): white
// strokes on black, in the canvas' own pixels whatever its size on screen, with a mouse, a finger or
// a pen. `drawingPad(canvas, onStrokeEnd)` returns the pad: `clear()`, `drawn` (anything yet),
// `pointer` (how the last stroke was made: the browser's pointerType, "touch", "mouse" or "pen").
function drawingPad(canvas, onStrokeEnd) {
  const pen = canvas.getContext("2d");
  const pad = { drawn: false, pointer: "" };
  let drawing = false;
  pad.clear = () => { pen.fillStyle = "#000"; pen.fillRect(0, 0, canvas.width, canvas.height); pad.drawn = false; };
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true; canvas.setPointerCapture(event.pointerId); pad.pointer = event.pointerType || "";
    const [x, y] = point(event); pen.beginPath(); pen.moveTo(x, y); pen.lineTo(x, y); pen.stroke(); pad.drawn = true;
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const [x, y] = point(event); pen.lineTo(x, y); pen.stroke();
  });
  canvas.addEventListener("pointerup", () => { if (drawing) { drawing = false; if (onStrokeEnd) onStrokeEnd(); } });
  pen.lineWidth = 22; pen.lineCap = "round"; pen.lineJoin = "round"; pen.strokeStyle = "#fff";
  pad.clear();
  return pad;
}
