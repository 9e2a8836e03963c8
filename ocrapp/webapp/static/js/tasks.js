// The task list: uploads by drop or picker, every task live, cancel, delete, filters and pages.
import { api } from "./api.js";
import { LiveUpdates } from "./live.js";
import { FINISHED, describe, element, progressOf } from "./taskview.js";

const PER_PAGE = 20;
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
  const link = task.status === "completed"
    ? element("a", { href: `/tasks/${task.taskId}`, class: "name", text: task.filename })
    : element("a", { href: `/tasks/${task.taskId}`, class: "name muted-link", text: task.filename });
  const bar = element("div", {
    class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
    "aria-valuenow": String(progressOf(task)), "aria-label": `${task.filename} progress`,
  }, element("span"));
  bar.firstChild.style.width = `${progressOf(task)}%`;
  const actions = element("div", { class: "actions" });
  if (task.status === "completed") {
    actions.append(element("a", { href: `/tasks/${task.taskId}`, class: "button", text: "Open text" }));
  }
  if (!FINISHED.has(task.status) && !task.cancelRequested) {
    const cancel = element("button", { type: "button", text: "Cancel", "aria-label": `Cancel ${task.filename}` });
    cancel.addEventListener("click", () => cancelTask(task.taskId, cancel));
    actions.append(cancel);
  }
  actions.append(deleteButton(task));
  return element("li", { class: "task", "data-task-id": task.taskId, "data-status": task.status },
    element("div", { class: "task-main" }, link,
      element("span", { class: `status ${task.status}`, text: task.status })),
    bar,
    element("div", { class: "task-foot" }, element("span", { class: "detail", text: describe(task) }), actions));
}

function render() {
  const list = $("task-list");
  const visible = [...tasks.values()].filter(shown)
    .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
  list.replaceChildren(...visible.map(taskRow));
  $("empty").hidden = visible.length > 0;
  const pages = Math.max(1, Math.ceil(state.total / PER_PAGE));
  $("page-label").textContent = `Page ${state.page} of ${pages}`;
  $("previous").disabled = state.page <= 1;
  $("next").disabled = state.page >= pages;
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
  const data = await api(`/api/tasks?page=${state.page}&perPage=${PER_PAGE}`);
  const previous = new Map(tasks);
  tasks.clear();
  for (const task of data.tasks) tasks.set(task.taskId, newer(previous.get(task.taskId), task));
  state.total = data.total;
  render();
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
    row.remove();
    if (state.page === 1) update(task);
  } catch (problem) {
    row.classList.add("refused");
    row.lastChild.textContent = `Refused: ${problem.message}`;
    row.append(dismissButton(row));
    announce(`${file.name} was refused: ${problem.message}`);
  }
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
  label.textContent = connection === "live" ? "Live" : "Reconnecting…";
}

setUpUploads();
setUpListControls();
loadEngines().catch(() => {});
loadPage();
new LiveUpdates({ onUpdate: update, onState: showConnection, onResync: loadPage }).connect();
