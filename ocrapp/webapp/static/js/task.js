// One task: live progress until it ends, then its pages with their words, and its text.
import { api } from "./api.js";
import { LiveUpdates } from "./live.js";
import { copyText } from "./copy.js";
import { FINISHED, describe, element, progressOf, throttle } from "./taskview.js";

const LOW_CONFIDENCE = 0.6;
const SVG = "http://www.w3.org/2000/svg";
const taskId = document.getElementById("task").dataset.taskId;
const $ = (id) => document.getElementById(id);
let current = null;
let text = "";

function show(task) {
  current = task;
  document.title = `${task.filename} · ocrapp`;
  $("filename").textContent = task.filename;
  $("summary").textContent = `${task.engine} · ${task.languages.join("+")} · submitted ${new Date(task.createdAt).toLocaleString()}`;
  const status = $("status");
  status.textContent = task.status;
  status.className = `status ${task.status}`;
  document.querySelector(".task-head").dataset.status = task.status;
  const bar = document.querySelector(".task-head .bar");
  bar.setAttribute("aria-valuenow", String(progressOf(task)));
  bar.firstElementChild.style.width = `${progressOf(task)}%`;
  $("detail").textContent = describe(task);
  if (task.status === "completed" && $("result").hidden) loadResult();
}

function svgNode(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function wordBox(word) {
  const { left, top, right, bottom } = word.box;
  const rect = svgNode("rect", {
    x: left, y: top, width: right - left, height: bottom - top,
    class: word.confidence < LOW_CONFIDENCE ? "word low" : "word",
    tabindex: "0", role: "button",
    "aria-label": `${word.text}, ${Math.round(word.confidence * 100)}% confidence`,
  });
  const choose = () => {
    document.querySelectorAll("rect.word.chosen").forEach((other) => other.classList.remove("chosen"));
    rect.classList.add("chosen");
    $("word-detail").textContent = `“${word.text}”: ${Math.round(word.confidence * 100)}% confidence`;
  };
  rect.addEventListener("click", choose);
  rect.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); }
  });
  return rect;
}

// The upload, turned as the worker turned it to read it (the words' boxes are on the page as
// turned): a quarter turn clockwise with its canvas (`rotation`), then `skew` degrees
// clockwise about its centre on the same canvas. SVG angles are clockwise.
function uploadAsRead(page) {
  const quarter = ((page.rotation ?? 0) % 360 + 360) % 360;
  const sideways = quarter === 90 || quarter === 270;
  const [width, height] = sideways ? [page.height, page.width] : [page.width, page.height];
  const shift = { 0: "0 0", 90: `${height} 0`, 180: `${width} ${height}`, 270: `0 ${width}` }[quarter];
  return svgNode("image", {
    href: `/api/tasks/${taskId}/file`, width, height, class: "upload",
    transform: `rotate(${page.skew ?? 0} ${page.width / 2} ${page.height / 2}) translate(${shift}) rotate(${quarter})`,
  });
}

function pageView(page, isImage) {
  const svg = svgNode("svg", {
    viewBox: `0 0 ${page.width} ${page.height}`, class: "overlay", role: "group",
    "aria-label": `Page ${page.number}${isImage ? " as uploaded" : ""}, its words outlined`,
  });
  if (isImage) svg.append(uploadAsRead(page));
  else {
    // No image of a PDF page in the browser: the words are drawn where they were found.
    for (const line of page.blocks.flatMap((block) => block.lines)) {
      for (const word of line.words) {
        const height = word.box.bottom - word.box.top;
        const label = svgNode("text", { x: word.box.left, y: word.box.bottom - height * 0.2, "font-size": height * 0.8, class: "ink" });
        label.textContent = word.text;
        svg.append(label);
      }
    }
  }
  for (const block of page.blocks) {
    for (const line of block.lines) line.words.forEach((word) => svg.append(wordBox(word)));
  }
  const figure = element("figure", { class: isImage ? "page image" : "page sheet" });
  figure.append(svg, element("figcaption", { text: `Page ${page.number} · ${page.words ?? countWords(page)} words` }));
  return figure;
}

function countWords(page) {
  return page.blocks.reduce((sum, block) => sum + block.lines.reduce((n, line) => n + line.words.length, 0), 0);
}

async function loadResult() {
  $("result").hidden = false;
  $("downloads").hidden = false;
  const result = await api(`/api/tasks/${taskId}/result?format=json`);
  const isImage = !/\.pdf$/i.test(current.filename) && result.pages.length === 1;
  $("pages").replaceChildren(...result.pages.map((page) => pageView(page, isImage)));
  text = result.text ?? result.pages.map((page) => pageText(page)).join("\n\n\f");
  showText("");
}

function pageText(page) {
  return page.blocks.map((block) => block.text).join("\n\n");
}

function showText(query) {
  const pre = $("text");
  if (!query) {
    pre.textContent = text;
    $("find-count").textContent = "";
    return;
  }
  const pieces = text.split(new RegExp(`(${query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})`, "gi"));
  pre.replaceChildren(...pieces.map((piece, index) => (index % 2 ? element("mark", { text: piece }) : piece)));
  const found = (pieces.length - 1) / 2;
  $("find-count").textContent = found ? `${found} found` : "Not found";
  pre.querySelector("mark")?.scrollIntoView({ block: "nearest" });
}

$("find").addEventListener("input", (event) => showText(event.target.value));
$("copy").addEventListener("click", () => copyText(text, $("text"), $("copy-note")));

async function refresh() {
  show(await api(`/api/tasks/${taskId}`));
}

function notFound(problem) {
  $("filename").textContent = problem.status === 404 ? "No such task" : "Could not load the task";
  $("detail").textContent = problem.message;
}

// Its place in line is not sent again as the queue moves: read it when the queue has moved.
const refreshPlace = throttle(() => refresh().catch(() => {}), 2000);

refresh().catch(notFound).then(() => {
  if (!current || FINISHED.has(current.status)) return;
  new LiveUpdates({
    onUpdate: (task) => { if (task.taskId === taskId) show({ ...current, ...task }); },
    onState: (state) => {
      $("detail").classList.toggle("stale", state !== "live");
      $("detail").dataset.connection = state;
    },
    onResync: refresh,
    onQueueMove: () => { if (current.status === "queued") refreshPlace(); },
  }).connect();
});
