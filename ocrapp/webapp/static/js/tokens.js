// API tokens: make one (its secret shown once, with a copy button), list them, revoke them.
import { api } from "./api.js";
import { copyText } from "./copy.js";
import { element } from "./taskview.js";

const $ = (id) => document.getElementById(id);
const when = (iso) => (iso ? new Date(iso).toLocaleDateString() : "—");

function tokenRow(token) {
  const state = token.current ? "this session" : token.revokedAt ? "revoked" : token.live ? "" : "expired";
  const name = element("td", { text: token.name });
  if (state) name.append(" ", element("span", { class: "status", text: state }));
  const actions = element("td", { class: "row-actions" });
  if (token.live && !token.current) {
    const revoke = element("button", { type: "button", text: "Revoke", "aria-label": `Revoke ${token.name}` });
    revoke.addEventListener("click", () => revokeToken(token, revoke));
    actions.append(revoke);
  }
  return element("tr", { "data-token-id": token.id, class: token.live ? "" : "dim" }, name,
    element("td", {}, element("code", { text: `${token.prefix}…` })),
    element("td", { text: when(token.createdAt) }), element("td", { text: when(token.lastUsedAt) }),
    element("td", { text: token.expiresAt ? when(token.expiresAt) : "never" }), actions);
}

async function load() {
  const { tokens } = await api("/api/tokens");
  $("token-rows").replaceChildren(...tokens.map(tokenRow));
}

async function revokeToken(token, button) {
  if (!window.confirm(`Revoke “${token.name}”? Programs using it will be refused.`)) return;
  button.disabled = true;
  $("token-error").hidden = true;
  try {
    await api(`/api/tokens/${token.id}`, { method: "DELETE" });
    await load();
  } catch (problem) {
    button.disabled = false;
    $("token-error").textContent = `Could not revoke “${token.name}”: ${problem.message}`;
    $("token-error").hidden = false;
  }
}

$("new-token").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { name: $("token-name").value.trim() };
  if ($("token-days").value) body.expiresInDays = Number($("token-days").value);
  $("token-error").hidden = true;
  try {
    const made = await api("/api/tokens", { method: "POST", body: JSON.stringify(body), json: true });
    $("secret-value").textContent = made.token;
    $("new-secret").hidden = false;
    event.target.reset();
    await load();
  } catch (problem) {
    $("token-error").textContent = problem.message;
    $("token-error").hidden = false;
  }
});

$("copy-secret").addEventListener("click", () =>
  copyText($("secret-value").textContent, $("secret-value"), $("copy-note")));

load();
