// Calls to /api with the session cookie and the page's CSRF token.
import { element } from "./taskview.js";

const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const SESSION_ENDED = "Your session has ended: you signed out, or signed in again elsewhere.";

export class ApiProblem extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function showSessionEnded(status) {
  // This page's CSRF token (403) or session (401) is gone: only a fresh page helps.
  if (document.getElementById("session-ended")) return;
  const reload = element("button", { type: "button", class: "primary", text: status === 401 ? "Sign in again" : "Reload the page" });
  reload.addEventListener("click", () => {
    if (status === 401) window.location.assign(`/signin?next=${encodeURIComponent(location.pathname)}`);
    else window.location.reload();
  });
  const notice = element("div", { id: "session-ended", class: "alert session-ended", role: "alert" }, `${SESSION_ENDED} `, reload);
  document.querySelector("main").prepend(notice);
}

export async function api(path, { method = "GET", body, json = false } = {}) {
  const headers = { Accept: "application/json", "X-CSRF-Token": csrfToken };
  if (json) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, body, credentials: "same-origin", headers });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  const error = data?.error ?? {};
  if (response.status === 401 || (response.status === 403 && error.code === "csrf_failed")) {
    showSessionEnded(response.status);
    throw new ApiProblem(response.status, "session_ended", `${SESSION_ENDED} Reload the page.`);
  }
  if (!response.ok) {
    throw new ApiProblem(response.status, error.code ?? "http_error",
      error.message ?? `The server answered ${response.status}.`);
  }
  return data;
}
