// Calls to /api with the session cookie and the page's CSRF token.
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

export class ApiProblem extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = "GET", body, json = false } = {}) {
  const headers = { Accept: "application/json", "X-CSRF-Token": csrfToken };
  if (json) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, body, credentials: "same-origin", headers });
  if (response.status === 401) {
    window.location.assign(`/signin?next=${encodeURIComponent(location.pathname)}`);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiProblem(response.status, error.code ?? "http_error",
      error.message ?? `The server answered ${response.status}.`);
  }
  return data;
}
