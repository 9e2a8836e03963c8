// The user's task updates over /ws: reconnects with backoff, resumes with ?since=.
import { api } from "./api.js";

const MAX_DELAY = 10000;

export class LiveUpdates {
  constructor({ onUpdate, onState, onResync, onQueueMove = () => {} }) {
    Object.assign(this, { onUpdate, onState, onResync, onQueueMove });
    this.statuses = new Map(); // taskId -> the status of its last update
    this.since = null;
    this.delay = 500;
    this.socket = null;
    this.timer = null;
    window.addEventListener("offline", () => this.drop());
    window.addEventListener("online", () => this.reconnectNow());
  }

  async connect() {
    clearTimeout(this.timer);
    const placeholder = {};
    this.socket = placeholder; // connecting: no second attempt meanwhile
    let ticket;
    try {
      // A single-use ticket in the URL, never the session: it opens this one socket.
      ({ ticket } = await api("/api/ws-ticket", { method: "POST" }));
    } catch (problem) {
      if (this.socket !== placeholder) return;
      // Signed out, or signed in again elsewhere: no retry can succeed from this page.
      if (problem.status === 401 || problem.status === 403) this.end();
      else this.retry();
      return;
    }
    if (this.socket !== placeholder) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const since = this.since ? `&since=${encodeURIComponent(this.since)}` : "";
    const socket = new WebSocket(`${scheme}://${location.host}/ws?ticket=${encodeURIComponent(ticket)}${since}`);
    this.socket = socket;
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      if (this.socket === socket) this.retry();
    });
  }

  receive(message) {
    if (message.type === "connected") {
      this.delay = 500;
      this.since = this.since ?? message.data.seq;
      this.onState("live");
      // Whatever the history no longer holds, the list as the API shows it now does.
      this.onResync();
    } else if (message.type === "task_update") {
      if (message.seq) this.since = message.seq;
      this.onUpdate(message.data);
      this.noticeQueueMove(message.data);
    }
  }

  noticeQueueMove(task) {
    // The server does not resend places in line: a task that starts or ends moves the queue.
    const before = this.statuses.get(task.taskId);
    this.statuses.set(task.taskId, task.status);
    if (before !== task.status && task.status !== "queued") this.onQueueMove();
  }

  end() {
    this.socket = null;
    this.ended = true;
    clearTimeout(this.timer);
    this.onState("ended");
  }

  drop() {
    if (this.ended) return;
    const socket = this.socket;
    this.socket = null;
    socket?.close?.();
    this.onState("reconnecting");
    if (navigator.onLine) this.retry();
  }

  retry() {
    this.socket = null;
    this.onState("reconnecting");
    clearTimeout(this.timer);
    const jitter = Math.random() * this.delay * 0.3;
    this.timer = setTimeout(() => this.connect(), this.delay + jitter);
    this.delay = Math.min(this.delay * 2, MAX_DELAY);
  }

  reconnectNow() {
    if (this.socket || this.ended) return;
    this.delay = 500;
    this.connect();
  }
}
