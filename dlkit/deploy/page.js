"use strict";
const $ = (id) => document.getElementById(id);
const canvas = $("canvas"), pad = drawingPad(canvas, () => predictDrawing());  // drawing-pad.js

function predictDrawing() {
  if (!pad.drawn) { showError("draw a digit first"); return; }
  canvas.toBlob((blob) => send(blob, "drawing.png"), "image/png");
}

async function send(blob, name) {
  const form = new FormData();
  form.append("file", blob, name);
  $("error").textContent = ""; $("answer").dataset.label = "";
  try {
    const response = await fetch("predict", { method: "POST", body: form });
    const answer = await response.json();
    if (!response.ok) { showError(answer.error || ("error " + response.status)); return; }
    show(answer);
  } catch (problem) {
    showError("the service did not answer (" + problem + ")");
  }
}

function show(answer) {
  const best = answer.predictions[0];
  $("answer").textContent = best.label + " (" + (100 * best.probability).toFixed(1) + " %)";
  $("answer").dataset.label = best.label;
  const bars = $("bars"); bars.textContent = "";
  for (const row of answer.predictions) {
    const line = document.createElement("div"); line.className = "bar";
    const label = document.createElement("span"); label.className = "label"; label.textContent = row.label;
    const track = document.createElement("span"); track.className = "track";
    const fill = document.createElement("span"); fill.className = "fill";
    fill.style.display = "block"; fill.style.width = (100 * row.probability).toFixed(1) + "%";
    const value = document.createElement("span"); value.className = "value";
    value.textContent = (100 * row.probability).toFixed(1) + " %";
    track.append(fill); line.append(label, track, value); bars.append(line);
  }
  $("latency").textContent = "model latency " + answer.latency_ms.toFixed(2) + " ms (" + answer.format + ", " + answer.quantization + ")";
  $("changes").textContent = answer.input_changes.length ? "picture: " + answer.input_changes.join("; ") : "";
}

function showError(text) {
  $("error").textContent = text;
  $("answer").textContent = ""; $("answer").dataset.label = ""; $("bars").textContent = "";
}

function sendFile(file) {
  if (!file) return;
  const preview = $("preview");
  preview.src = URL.createObjectURL(file); preview.style.display = "block";
  send(file, file.name);
}
$("file").addEventListener("change", (event) => sendFile(event.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault(); drop.classList.remove("over");
  sendFile(event.dataTransfer.files[0]);
});
$("clear").addEventListener("click", () => {
  pad.clear();
  $("answer").textContent = ""; $("answer").dataset.label = ""; $("bars").textContent = ""; $("error").textContent = "";
});
$("predict-drawing").addEventListener("click", predictDrawing);

async function loadInfo() {
  const info = await (await fetch("info")).json();
  document.title = "dlkit serve: " + info.name;
  $("title").textContent = info.name;
  const accuracy = info.test_accuracy == null ? "" : ", test accuracy " + (100 * info.test_accuracy).toFixed(1) + " %";
  $("model").textContent = info.format_name + " " + info.quantization + " · " + info.classes.length + " classes" + accuracy;
  if (info.input_kind === "digit") {
    $("pad").style.display = "block";
  }
  document.body.dataset.ready = "yes";
}
loadInfo().catch((problem) => showError("could not read /info (" + problem + ")"));
