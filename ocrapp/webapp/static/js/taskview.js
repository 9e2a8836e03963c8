// How a task reads to a person: its status word, its bar and the line under it.
export const FINISHED = new Set(["completed", "failed", "cancelled"]);

export function describe(task) {
  if (task.status === "queued") {
    const ahead = task.queuePosition;
    const parts = [ahead === 0 ? "Next in line" : ahead ? `${ahead} ahead in the queue` : "Waiting for a worker"];
    if (task.estimatedStartAt) parts.push(`starts about ${clock(task.estimatedStartAt)}`);
    return parts.join(" · ");
  }
  if (task.status === "processing") {
    const page = task.page && task.pageCount ? `Page ${task.page} of ${task.pageCount}` : "Starting";
    return task.cancelRequested ? `${page} · cancelling…` : page;
  }
  if (task.status === "completed" && task.result) {
    const { wordCount, pageCount, confidence } = task.result;
    const sure = confidence == null ? "" : ` · ${Math.round(confidence * 100)}% confidence`;
    return `${plural(pageCount, "page")} · ${plural(wordCount, "word")}${sure}`;
  }
  if (task.status === "failed") return task.error?.message ?? "Failed";
  if (task.status === "cancelled") return "Cancelled";
  return task.message ?? "";
}

export function progressOf(task) {
  return task.status === "completed" ? 100 : Math.max(0, Math.min(100, task.progress ?? 0));
}

export function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// `action` at once, then at most once per `wait` ms; calls in between make one more run.
export function throttle(action, wait) {
  let timer = null;
  let again = false;
  const run = () => {
    if (timer) {
      again = true;
      return;
    }
    action();
    timer = setTimeout(() => {
      timer = null;
      if (again) {
        again = false;
        run();
      }
    }, wait);
  };
  return run;
}
