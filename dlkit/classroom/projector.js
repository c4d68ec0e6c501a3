"use strict";
const $ = (id) => document.getElementById(id);
// The key comes in the address once; it is kept for this tab and taken out of the address bar,
// which the whole class can see.
const fromAddress = new URLSearchParams(location.search).get("key");
if (fromAddress) { sessionStorage.setItem("dlkit-instructor-key", fromAddress); history.replaceState(null, "", location.pathname); }
const key = sessionStorage.getItem("dlkit-instructor-key") || "";
const withKey = (path) => path + (path.includes("?") ? "&" : "?") + "key=" + encodeURIComponent(key);
let classes = [], testAccuracy = null;
let thing = "drawing";  // what a student sends: a drawing, or in a photo classroom a photo
const percent = (x) => (100 * x).toFixed(1) + " %";
const share = (x) => x == null ? "–" : percent(x);
const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");

function button(text, label, path) {
  const b = document.createElement("button"); b.type = "button"; b.textContent = text; b.setAttribute("aria-label", label);
  b.addEventListener("click", () => fetch(withKey(path), { method: "POST" }));
  return b;
}

function card(d) {
  const box = document.createElement("div");
  box.className = "card" + (d.correct ? "" : " wrong"); box.dataset.id = d.id; box.dataset.device = d.device;
  const img = document.createElement("img"); img.src = withKey("api/pictures/" + d.id + ".png"); img.alt = thing + " " + d.id + ", meant as " + d.label;
  const what = document.createElement("div"); what.className = "what";
  what.textContent = (d.correct ? "✓ " : "✗ ") + "meant " + d.label + " · model " + d.answer + " (" + percent(d.confidence) + ")";
  const device = "device " + d.device.slice(0, 6);
  const from = document.createElement("div"); from.className = "device"; from.textContent = device;
  const actions = document.createElement("div"); actions.className = "actions";
  actions.append(button("hide", "hide drawing " + d.id, "api/drawings/" + d.id + "/hide"),
                 button("mute device", "mute " + device + ": its drawings leave the wall and the numbers", "api/devices/" + d.device + "/mute"),
                 button("hide all", "hide all drawings from " + device, "api/devices/" + d.device + "/hide"));
  box.append(img, what, from, actions);
  return box;
}

function showMuted(muted) {
  const list = $("muted"); list.textContent = "";
  for (const m of muted) {
    const item = document.createElement("li");
    item.append("device " + m.device.slice(0, 6) + " (" + m.drawings + " drawing" + (m.drawings === 1 ? "" : "s") + ") ",
                button("unmute", "unmute device " + m.device.slice(0, 6), "api/devices/" + m.device + "/unmute"));
    list.append(item);
  }
  $("muted-none").hidden = muted.length > 0;
}

// Fewer drawings than this in a group and the projector says so instead of giving a percentage
// that one student could swing.
const TOO_FEW = 20;
const POINTER_NAMES = { touch: "finger on a screen", mouse: "mouse", pen: "pen", file: "a picture from a file", "": "not said (an older page or a script)" };

function showByPointer(groups) {
  const box = $("by-pointer");
  if (!groups || !groups.length) { box.replaceChildren(Object.assign(document.createElement("p"), { className: "note", textContent: "no drawings yet" })); return; }
  const table = document.createElement("table");
  const caption = table.createCaption(); caption.textContent = "The model on the class's drawings, by how each was drawn";
  const head = table.createTHead().insertRow();
  for (const text of ["drawn with", "drawings", "right"]) { const th = document.createElement("th"); th.scope = "col"; th.textContent = text; head.append(th); }
  const body = table.createTBody();
  for (const g of groups) {
    const row = body.insertRow(); const th = document.createElement("th"); th.scope = "row";
    th.textContent = POINTER_NAMES[g.pointer] || g.pointer; row.append(th);
    row.insertCell().textContent = g.count;
    row.insertCell().textContent = g.count < TOO_FEW ? "too few to say (under " + TOO_FEW + ")" : percent(g.correct / g.count);
  }
  box.replaceChildren(table);
}

const DEVICES_SHOWN = 8;

// The devices, least agreeing first: a device that agrees with the model far less often than the
// class does (and has sent enough to tell) is flagged in words.
function showDevices(devices, classAccuracy) {
  const box = $("devices");
  if (!devices || !devices.length) { box.replaceChildren(Object.assign(document.createElement("p"), { className: "note", textContent: "none yet" })); return; }
  const table = document.createElement("table");
  table.createCaption().textContent = "Devices, the least agreeing with the model first";
  const head = table.createTHead().insertRow();
  for (const text of ["device", "drawings", "the model agreed", ""]) { const th = document.createElement("th"); th.scope = "col"; th.textContent = text; head.append(th); }
  const body = table.createTBody();
  for (const d of devices.slice(0, DEVICES_SHOWN)) {
    const row = body.insertRow(); const name = "device " + d.device.slice(0, 6);
    const th = document.createElement("th"); th.scope = "row"; th.textContent = name + (d.muted ? " (muted)" : ""); row.append(th);
    row.insertCell().textContent = d.drawings;
    const agreed = d.agreed / d.drawings;
    const odd = d.drawings >= 10 && classAccuracy != null && agreed < classAccuracy / 2;
    row.insertCell().textContent = percent(agreed) + (odd ? " ⚠ far below the class: check its labels" : "");
    const cell = row.insertCell();
    if (!d.muted) cell.append(button("mute", "mute " + name + ": its drawings leave the wall, the numbers and learning", "api/devices/" + d.device + "/mute"));
  }
  const more = devices.length - DEVICES_SHOWN;
  box.replaceChildren(table);
  if (more > 0) box.append(Object.assign(document.createElement("p"), { className: "note", textContent: "and " + plural(more, "more device") }));
}

function showSummary(stats, mistakes, byPointer, devices) {
  showByPointer(byPointer);
  showDevices(devices, stats.accuracy);
  const accuracy = $("accuracy");
  accuracy.dataset.count = stats.count;
  accuracy.textContent = stats.count ? percent(stats.accuracy) + " right on " + plural(stats.count, thing) : "no " + thing + "s yet";
  const table = document.createElement("table");
  const head = table.insertRow(); head.append(document.createElement("th"));
  for (const c of classes) { const th = document.createElement("th"); th.textContent = c; head.append(th); }
  for (const meant of classes) {
    const row = table.insertRow(); const th = document.createElement("th"); th.textContent = meant; row.append(th);
    for (const answered of classes) {
      const cell = row.insertCell(); const n = (stats.confusion[meant] || {})[answered] || 0;
      cell.textContent = n ? n : ""; if (n) cell.className = meant === answered ? "diagonal" : "off";
    }
  }
  $("confusion").replaceChildren(table);
  const list = $("mistakes"); list.textContent = "";
  for (const d of mistakes) {
    const item = document.createElement("li");
    item.textContent = "meant " + d.label + ", model said " + d.answer + " at " + percent(d.confidence);
    list.append(item);
  }
}

function showWall(w) {
  classes = w.classes; testAccuracy = w.test_accuracy; thing = w.input_kind === "photo" ? "photo" : "drawing";
  $("title").textContent = w.model; document.title = "dlkit classroom: " + w.model;
  $("code").textContent = w.join_code; $("url").textContent = w.student_url.split("?")[0];
  $("qr").src = withKey("api/qr.svg");
  $("test-accuracy").textContent = testAccuracy == null ? "not on its card" : percent(testAccuracy);
  $("wall").replaceChildren(...w.drawings.map(card));
  showMuted(w.muted);
  showSummary(w.stats, w.mistakes, w.by_pointer, w.devices);
  document.body.dataset.ready = "yes";
}


function modelButton(number, text, active) {
  const b = document.createElement("button"); b.type = "button"; b.textContent = text; b.id = "model-" + number;
  b.setAttribute("aria-pressed", String(number === active));
  b.addEventListener("click", async () => { await fetch(withKey("api/model/" + number), { method: "POST" }); showLearning(); });
  return b;
}

// "Learn from us": the last retrain's before/after table, and which model answers the class.
async function showLearning() {
  const response = await fetch(withKey("api/learn")).catch(() => null);
  if (!response || !response.ok) return;
  const s = await response.json();
  $("learn").disabled = s.running;
  const last = s.retrains[s.retrains.length - 1];
  $("learn-status").textContent = s.running ? "Retraining on the class's " + thing + "s… the wall stays live."
    : s.error ? "Could not retrain: " + s.error
    : last ? "Answering the class with " + (s.active ? "retrain " + s.active : "the first model") + "." : "";
  $("learned").hidden = !last;
  if (!last) return;
  const split = last.split;
  $("before-after-caption").textContent = "Retrain " + last.id + ": learned from " + plural(split.train_drawings, thing) +
    " of " + plural(split.train_devices.length, "device") + " in " + last.seconds.toFixed(0) + " s" +
    (last.trained ? " (trained: " + last.trained + ")" : "");
  const rows = [["students held out (" + plural(split.held_out_drawings, thing) + " from " +
                 plural(split.held_out_devices.length, "device") + " it never saw)", "held_out"]];
  const groups = last.held_out_by_pointer || [];
  if (groups.length > 1 || (groups.length === 1 && groups[0].pointer !== "")) {
    for (const g of groups) rows.push(["… of them drawn with " + (POINTER_NAMES[g.pointer] || g.pointer) + " (" + plural(g.count, thing) + ")", g]);
  }
  if (last.before.test != null) rows.push(["the test set (MNIST digits)", "test"]);
  const body = $("before-after").tBodies[0]; body.textContent = "";
  for (const [what, name] of rows) {
    const row = body.insertRow(); const th = document.createElement("th"); th.scope = "row"; th.textContent = what; row.append(th);
    if (typeof name === "object" && name.count < TOO_FEW) {
      row.insertCell().textContent = "too few to say"; row.insertCell().textContent = "too few to say"; continue;
    }
    const before = typeof name === "object" ? name.before : last.before[name];
    const after = typeof name === "object" ? name.after : last.after[name];
    row.insertCell().textContent = share(before);
    const change = before == null || after == null ? "" : after > before ? " ▲ better" : after < before ? " ▼ worse" : " = same";
    row.insertCell().textContent = share(after) + change;  // up or down in words, not by colour
  }
  $("models").replaceChildren(modelButton(0, "answer with " + s.first_model, s.active),
    ...s.retrains.map((r) => modelButton(r.id, "answer with retrain " + r.id, s.active)));
}

$("learn").addEventListener("click", async () => {
  $("learn").disabled = true;
  const response = await fetch(withKey("api/learn"), { method: "POST" });
  if (!response.ok) { $("learn-status").textContent = "Could not retrain: " + (await response.json()).error; $("learn").disabled = false; }
  else showLearning();
});

function connect() {
  const feed = new EventSource(withKey("api/feed"));
  feed.addEventListener("wall", (event) => { showWall(JSON.parse(event.data)); showLearning(); $("status").textContent = "live"; });
  const reload = async () => {
    const response = await fetch(withKey("api/wall"));
    if (response.ok) showWall(await response.json());
  };
  // The wall is shared fairly between devices (the server says which drawings hold its places):
  // a new drawing reloads it, at most a few times a second however fast drawings come.
  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; reload(); }, 300); };
  for (const kind of ["drawing", "hidden", "shown", "muted", "unmuted"]) feed.addEventListener(kind, soon);
  feed.addEventListener("stats", (event) => { const data = JSON.parse(event.data); showSummary(data.stats, data.mistakes, data.by_pointer, data.devices); });
  for (const kind of ["learned", "learn-failed", "model"]) feed.addEventListener(kind, () => { showLearning(); soon(); });
  feed.onerror = async () => {
    $("status").textContent = "reconnecting…";
    const response = await fetch(withKey("api/wall")).catch(() => null);
    if (response && !response.ok) { feed.close(); $("error").textContent = (await response.json()).error; }
  };
}
if (!key) $("error").textContent = "open the projector URL printed when the classroom started (it holds the instructor key)";
else connect();
