// The user's task updates over /ws: reconnects with backoff, resumes with ?since=.
import { api } from "./api.js";

const MAX_DELAY = 10000;

export class LiveUpdates {
  constructor({ onUpdate, onState, onResync }) {
    Object.assign(this, { onUpdate, onState, onResync });
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
    } catch {
      if (this.socket === placeholder) this.retry();
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
    }
  }

  drop() {
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
    if (this.socket) return;
    this.delay = 500;
    this.connect();
  }
}
