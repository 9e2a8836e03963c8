// The task list: uploads by drop or picker, every task live, cancel, delete, filters and pages.
import { api } from "./api.js";
import { LiveUpdates } from "./live.js";
import { FINISHED, describe, element, progressOf, throttle } from "./taskview.js";

const PER_PAGE = 20;
const PLACES_READ = 5; // queued tasks whose place in line is read again at a time
const tasks = new Map(); // taskId -> the newest view of it
const deleted = new Set(); // ids deleted here: a late live update must not bring them back
const state = { page: 1, total: 0, filter: "" };
const $ = (id) => document.getElementById(id);

function newer(current, incoming) {
  if (!current) return incoming;
  if (FINISHED.has(current.status) && !FINISHED.has(incoming.status)) return current;
  if (current.status === incoming.status && (incoming.progress ?? 0) < (current.progress ?? 0)) {
    return { ...incoming, progress: current.progress, page: current.page };
  }
  return { ...current, ...incoming };
}

function shown(task) {
  if (!state.filter) return true;
  if (state.filter === "active") return !FINISHED.has(task.status);
  return task.status === state.filter;
}

function taskRow(task) {
  const link = element("a", { href: `/tasks/${task.taskId}`, class: "name" });
  const bar = element("div", {
    class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
  }, element("span"));
  const actions = element("div", { class: "actions" }, deleteButton(task));
  const row = element("li", { class: "task", "data-task-id": task.taskId },
    element("div", { class: "task-main" }, link, element("span")),
    bar,
    element("div", { class: "task-foot" }, element("span", { class: "detail" }), actions));
  fillRow(row, task);
  return row;
}

// Rows are updated in place, never rebuilt: an armed Delete button and the focus survive.
function fillRow(row, task) {
  const content = JSON.stringify([task.status, task.filename, progressOf(task), describe(task), task.cancelRequested]);
  if (row.dataset.content === content) return;
  row.dataset.content = content;
  row.dataset.status = task.status;
  const link = row.querySelector(".name");
  link.textContent = task.filename;
  link.classList.toggle("muted-link", task.status !== "completed");
  const status = row.querySelector(".task-main > span");
  status.className = `status ${task.status}`;
  status.textContent = task.status;
  const bar = row.querySelector(".bar");
  bar.setAttribute("aria-valuenow", String(progressOf(task)));
  bar.setAttribute("aria-label", `${task.filename} progress`);
  bar.firstChild.style.width = `${progressOf(task)}%`;
  row.querySelector(".detail").textContent = describe(task);
  fillActions(row.querySelector(".actions"), task);
}

function fillActions(actions, task) {
  const open = actions.querySelector("a.button");
  if (task.status === "completed" && !open) {
    actions.prepend(element("a", { href: `/tasks/${task.taskId}`, class: "button", text: "Open text" }));
  }
  const cancel = actions.querySelector(".cancel");
  if (!FINISHED.has(task.status) && !task.cancelRequested) {
    if (!cancel) {
      const button = element("button", { type: "button", class: "cancel", text: "Cancel", "aria-label": `Cancel ${task.filename}` });
      button.addEventListener("click", () => cancelTask(task.taskId, button));
      actions.querySelector(".danger").before(button);
    }
  } else if (cancel) {
    // The Delete button beside it takes the focus rather than leaving it nowhere.
    if (cancel.contains(document.activeElement)) actions.querySelector(".danger").focus();
    cancel.remove();
  }
}

function render() {
  const list = $("task-list");
  const visible = [...tasks.values()].filter(shown)
    .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
  const rows = new Map([...list.children].map((row) => [row.dataset.taskId, row]));
  const kept = new Set(visible.map((task) => task.taskId));
  for (const [taskId, row] of rows) if (!kept.has(taskId)) row.remove();
  visible.forEach((task, index) => {
    const row = rows.get(task.taskId);
    if (row) fillRow(row, task);
    // Rows already in place stay put: moving one would take the focus out of it.
    const wanted = row ?? taskRow(task);
    if (list.children[index] !== wanted) list.insertBefore(wanted, list.children[index] ?? null);
  });
  $("empty").hidden = visible.length > 0;
  $("empty").textContent = emptyMessage();
  const pages = Math.max(1, Math.ceil(state.total / PER_PAGE));
  $("page-label").textContent = `Page ${state.page} of ${pages}`;
  $("previous").disabled = state.page <= 1;
  $("next").disabled = state.page >= pages;
}

function emptyMessage() {
  // Filters apply to the page on screen only: the API has no status filter.
  if (state.filter) return `No ${state.filter} tasks on this page.`;
  if (state.total > 0) return "No tasks on this page.";
  return "No tasks yet. Drop a file above to start.";
}

function announce(text) {
  $("announcer").textContent = text;
}

function update(task) {
  if (deleted.has(task.taskId)) return;
  const before = tasks.get(task.taskId);
  if (!before && state.page !== 1) return; // a task of another page: shown when paged to
  const after = newer(before, task);
  tasks.set(task.taskId, after);
  if (before && before.status !== after.status) announce(`${after.filename}: ${after.status}`);
  render();
}

async function loadPage() {
  const page = state.page;
  const data = await api(`/api/tasks?page=${page}&perPage=${PER_PAGE}`);
  if (page !== state.page) return; // paged on meanwhile: that page's answer is the one to show
  const previous = new Map(tasks);
  tasks.clear();
  for (const task of data.tasks) tasks.set(task.taskId, newer(previous.get(task.taskId), listed(task)));
  state.total = data.total;
  render();
  if ([...tasks.values()].some((task) => task.status === "queued" && task.queuePosition == null)) refreshPlaces();
}

function listed(task) {
  // GET /api/tasks gives no place in line (one task's view does): keep the one known.
  if (task.status !== "queued") return task;
  const { queuePosition, estimatedStartAt, ...rest } = task;
  return rest;
}

async function readPlaces() {
  const queued = [...tasks.values()].filter((task) => task.status === "queued")
    .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))
    .slice(0, PLACES_READ);
  const views = await Promise.all(queued.map((task) => api(`/api/tasks/${task.taskId}`).catch(() => null)));
  views.filter(Boolean).forEach(update);
}

async function cancelTask(taskId, button) {
  button.disabled = true;
  try {
    update(await api(`/api/tasks/${taskId}/cancel`, { method: "POST" }));
  } catch (problem) {
    button.disabled = false;
    announce(problem.message);
  }
}

function deleteButton(task) {
  // A second click confirms: window.confirm would block the page and its live updates.
  const button = element("button", { type: "button", class: "danger", text: "Delete", "aria-label": `Delete ${task.filename}` });
  button.addEventListener("click", () => {
    if (button.dataset.armed) return deleteTask(task, button);
    button.dataset.armed = "true";
    button.textContent = "Really delete?";
    button.setAttribute("aria-label", `Really delete ${task.filename}?`);
  });
  button.addEventListener("blur", () => {
    delete button.dataset.armed;
    button.textContent = "Delete";
    button.setAttribute("aria-label", `Delete ${task.filename}`);
  });
  return button;
}

async function deleteTask(task, button) {
  button.disabled = true;
  try {
    await api(`/api/tasks/${task.taskId}`, { method: "DELETE" });
    deleted.add(task.taskId);
    tasks.delete(task.taskId);
    state.total = Math.max(0, state.total - 1);
    announce(`${task.filename} deleted`);
    render();
  } catch (problem) {
    button.disabled = false;
    announce(problem.message);
  }
}

async function upload(file) {
  const row = element("li", { class: "upload-row" },
    element("span", { class: "name", text: file.name }),
    element("span", { class: "upload-state", text: "Uploading…" }));
  $("uploads").prepend(row);
  const form = new FormData();
  form.append("file", file);
  if ($("engine").value) form.append("engine", $("engine").value);
  form.append("languages", $("languages").value.trim() || "eng");
  try {
    const task = await api("/api/tasks", { method: "POST", body: form });
    announce(`${task.filename}: ${task.status}`);
    if (state.page === 1) {
      row.remove();
      update(task);
    } else {
      uploadedElsewhere(row, task);
    }
  } catch (problem) {
    row.classList.add("refused");
    row.lastChild.textContent = `${problem.code === "session_ended" ? "Not sent" : "Refused"}: ${problem.message}`;
    row.append(dismissButton(row));
    announce(`${file.name} was refused: ${problem.message}`);
  }
}

function uploadedElsewhere(row, task) {
  // The new task is on page 1, not on the page on screen: say so rather than vanish.
  row.classList.add("elsewhere");
  row.lastChild.textContent = "Uploaded: it is on page 1.";
  const show = element("button", { type: "button", class: "link", text: "Go to page 1" });
  show.addEventListener("click", async () => {
    state.page = 1;
    await loadPage();
    document.querySelectorAll(".upload-row.elsewhere").forEach((other) => other.remove());
    $("task-list").querySelector(`[data-task-id="${task.taskId}"] .name`)?.focus();
  });
  row.append(show, dismissButton(row));
}

function dismissButton(row) {
  const button = element("button", { type: "button", class: "link", text: "Dismiss" });
  button.addEventListener("click", () => row.remove());
  return button;
}

async function loadEngines() {
  const { default: fallback, engines } = await api("/api/engines");
  const select = $("engine");
  for (const engine of engines) {
    const label = engine.name === fallback ? `${engine.name} (default)` : engine.name;
    select.append(element("option", { value: engine.name, text: label }));
  }
  const languages = new Set(engines.flatMap((engine) => engine.languages));
  $("language-list").replaceChildren(...[...languages].sort().map((code) => element("option", { value: code })));
}

function setUpUploads() {
  const input = $("file-input");
  const zone = $("dropzone");
  input.addEventListener("change", () => {
    [...input.files].forEach(upload);
    input.value = "";
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    [...event.dataTransfer.files].forEach(upload);
  });
}

function setUpListControls() {
  for (const button of document.querySelectorAll(".filter")) {
    button.addEventListener("click", () => {
      state.filter = button.dataset.filter;
      for (const other of document.querySelectorAll(".filter")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      render();
    });
  }
  $("previous").addEventListener("click", () => { state.page -= 1; loadPage(); });
  $("next").addEventListener("click", () => { state.page += 1; loadPage(); });
}

function showConnection(connection) {
  const label = $("connection");
  label.dataset.state = connection;
  label.textContent = { live: "Live", ended: "Session ended" }[connection] ?? "Reconnecting…";
}

// Places in line are not sent again as the queue moves: read them when it has moved, the
// first few on screen only, and seldom, to stay well inside the API's rate limit.
const refreshPlaces = throttle(readPlaces, 3000);

function queueMoved() {
  if ([...tasks.values()].some((task) => task.status === "queued")) refreshPlaces();
}

setUpUploads();
setUpListControls();
loadEngines().catch(() => {});
loadPage();
new LiveUpdates({ onUpdate: update, onState: showConnection, onResync: loadPage, onQueueMove: queueMoved }).connect();
