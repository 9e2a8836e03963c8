// Copy buttons: the clipboard where the browser offers it, else the text selected for Ctrl+C.
export async function copyText(text, source, note) {
  try {
    // navigator.clipboard is missing outside a secure context (plain http off localhost).
    await navigator.clipboard.writeText(text);
    note.textContent = "Copied";
  } catch {
    window.getSelection().selectAllChildren(source);
    note.textContent = "Press Ctrl+C to copy";
  }
}
