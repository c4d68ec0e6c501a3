"use strict";
const $ = (id) => document.getElementById(id);
const canvas = $("canvas"), pad = drawingPad(canvas);  // drawing-pad.js
let code = new URLSearchParams(location.search).get("code") || "";
let info = null, chosen = null;
// A random token this browser keeps and sends with each drawing: with it, and only with it, a student
// takes back what they sent (an address may be shared by a whole class).
let owner = localStorage.getItem("dlkit-owner");
if (!/^[0-9a-f]{32}$/.test(owner || "")) {
  owner = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  localStorage.setItem("dlkit-owner", owner);
}


function showError(text) { $("error").textContent = text; }

function chooseLabel(label) {
  chosen = label;
  for (const button of $("labels").querySelectorAll("button")) button.setAttribute("aria-pressed", String(button.dataset.label === label));
}

function buildLabels(classes) {
  const box = $("labels"); box.textContent = "I meant: ";
  if (classes.length <= 12) {
    for (const name of classes) {
      const button = document.createElement("button");
      button.type = "button"; button.textContent = name; button.dataset.label = name; button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => chooseLabel(name));
      box.append(button);
    }
  } else {
    const select = document.createElement("select");
    select.setAttribute("aria-label", "which one did you mean?");
    select.append(new Option("choose…", ""));
    for (const name of classes) select.append(new Option(name, name));
    select.addEventListener("change", () => { chosen = select.value || null; });
    box.append(select);
  }
}

async function join() {
  const response = await fetch("api/class?code=" + encodeURIComponent(code));
  const answer = await response.json();
  if (!response.ok) { $("join").style.display = "block"; $("model").textContent = ""; showError(answer.error); return; }
  info = answer; $("join").style.display = "none"; showError("");
  $("model").textContent = "Model: " + info.model + " · " + info.classes.length + " classes";
  $("kept").textContent = info.kept;
  buildLabels(info.classes);
  for (const id of ["labels", "actions", "mine"]) $(id).style.display = "block";
  $("photo").style.display = "block";  // a picture from a file: the way to send without a pointer
  if (info.input_kind === "digit") {
    $("pad").style.display = "block";
    $("file-label").textContent = "or choose a picture of your digit:";
  }
  document.body.dataset.ready = "yes";
}

async function picture() {
  const file = $("file").files[0];
  if (info.input_kind === "digit" && pad.drawn) {
    return await new Promise((done) => canvas.toBlob((blob) => done([blob, "drawing.png"]), "image/png"));
  }
  return file ? [file, file.name] : null;
}

async function send() {
  showError("");
  if (chosen === null) { showError("first say which one you meant"); return; }
  const what = await picture();
  if (what === null) { showError(info.input_kind === "digit" ? "draw something first, or choose a picture" : "choose a photo first"); return; }
  const form = new FormData(); form.append("file", what[0], what[1]); form.append("label", chosen);
  form.append("pointer", what[1] === "drawing.png" ? pad.pointer : "file");  // how it was made, for the class's numbers
  form.append("owner", owner);
  $("send").disabled = true;
  try {
    const response = await fetch("api/drawings?code=" + encodeURIComponent(code), { method: "POST", body: form });
    const answer = await response.json();
    if (!response.ok) { showError(answer.error || ("error " + response.status)); return; }
    show(answer);
    if (info.input_kind === "digit") pad.clear();
    $("file").value = "";
  } catch (problem) { showError("the classroom did not answer (" + problem + ")"); }
  finally { $("send").disabled = false; }
}

function show(answer) {
  const best = answer.top[0];
  const box = $("answer");
  box.textContent = (answer.correct ? "✓ " : "✗ ") + "The model says " + best.label + " (" + (100 * best.probability).toFixed(1) + " %)" +
                    (answer.correct ? " — right!" : " — you meant " + answer.label);
  box.className = answer.correct ? "right" : "wrong"; box.dataset.answer = best.label;
  const bars = $("bars"); bars.textContent = "";
  for (const row of answer.top) {
    const line = document.createElement("div"); line.className = "bar";
    const label = document.createElement("span"); label.className = "label"; label.textContent = row.label;
    const track = document.createElement("span"); track.className = "track";
    const fill = document.createElement("span"); fill.className = "fill"; fill.style.width = (100 * row.probability).toFixed(1) + "%";
    const value = document.createElement("span"); value.className = "value"; value.textContent = (100 * row.probability).toFixed(1) + " %";
    track.append(fill); line.append(label, track, value); bars.append(line);
  }
}

// Everything this page sent leaves the session (its pictures and rows), the wall and the numbers.
async function takeBack() {
  if (!confirm("Delete every drawing you sent to the class from this browser? This cannot be undone.")) return;
  const response = await fetch("api/my-drawings?code=" + encodeURIComponent(code), { method: "DELETE", headers: { "X-Dlkit-Owner": owner } });
  const answer = await response.json();
  if (!response.ok) { showError(answer.error || ("error " + response.status)); return; }
  $("taken").textContent = answer.deleted === 1 ? "1 drawing deleted." : answer.deleted + " drawings deleted.";
}

$("send").addEventListener("click", send);
$("take-back").addEventListener("click", () => takeBack().catch((problem) => showError("the classroom did not answer (" + problem + ")")));
$("clear").addEventListener("click", () => { pad.clear(); $("answer").textContent = ""; $("bars").textContent = ""; showError(""); });
$("join").addEventListener("submit", (event) => { event.preventDefault(); code = $("code").value.trim().toUpperCase(); join(); });
if (code) join().catch((problem) => showError("could not join (" + problem + ")"));
else { $("join").style.display = "block"; $("model").textContent = "Type the code shown on the projector."; }
