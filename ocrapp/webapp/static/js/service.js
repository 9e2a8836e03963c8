// For admins: the service at a glance, from GET /api/stats, read again every 10 seconds.
import { api } from "./api.js";
import { element } from "./taskview.js";

const $ = (id) => document.getElementById(id);

function figure(label, value) {
  return element("div", { class: "card figure" }, element("span", { class: "hint", text: label }),
    element("strong", { text: String(value) }));
}

function render(stats) {
  const hour = stats.lastHour;
  const failed = hour.tasksFinished.failed ?? 0;
  $("figures").replaceChildren(
    figure("Tasks started, last hour", hour.tasksStarted),
    figure("Pages read, last hour", hour.pagesCompleted),
    figure("Pages per minute", hour.pagesPerMinute.toFixed(1)),
    figure("Failed, last hour", failed),
  );
  const queues = Object.entries(stats.queues ?? {});
  $("queues").replaceChildren(...(queues.length ? queues.map(([name, depth]) =>
    element("tr", {}, element("td", {}, element("code", { text: name })), element("td", { text: String(depth) })))
    : [element("tr", {}, element("td", { colspan: "2", class: "hint", text: "No queue figures (not Redis, or Redis away)" }))]));
  $("workers").replaceChildren(...(stats.workers.length ? stats.workers.map((worker) =>
    element("li", {}, element("strong", { text: worker.name }), ` · ${worker.queues.join(", ")}`))
    : [element("li", { class: "hint", text: "No worker answered" })]));
  const engines = Object.entries(stats.engines ?? {});
  $("engines").replaceChildren(...(engines.length ? engines.map(([name, offer]) =>
    element("li", {}, element("strong", { text: name }), ` · ${offer.languages.join(", ")} · ${offer.devices.join(", ")}`))
    : [element("li", { class: "hint", text: "None reported yet" })]));
  const failures = Object.entries(hour.failuresByCode).sort(([, a], [, b]) => b - a);
  $("failures").replaceChildren(...(failures.length ? failures.map(([code, count]) =>
    element("tr", {}, element("td", {}, element("code", { text: code })), element("td", { text: String(count) })))
    : [element("tr", {}, element("td", { colspan: "2", class: "hint", text: "No task failed" }))]));
  $("statuses").replaceChildren(...Object.entries(stats.tasks).map(([status, count]) =>
    element("span", { class: `status ${status}`, text: `${status} ${count}` })));
}

async function refresh() {
  render(await api("/api/stats"));
}

refresh();
setInterval(refresh, 10000);
