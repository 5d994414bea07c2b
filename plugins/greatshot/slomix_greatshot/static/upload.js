// The demo upload form: multipart with the page's CSRF token as a header (the site's rule for uploads).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("greatshot-upload");
  if (!form) return;
  const out = document.getElementById("greatshot-upload-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = document.querySelector('meta[name="csrf-token"]');
    out.textContent = "Uploading…";
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: token ? {"X-CSRF-Token": token.content} : {},
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      out.textContent = answer.error || `Refused (${response.status})`;
      return;
    }
    out.textContent = answer.demos.map((d) => `${d.filename}: ${d.duplicate ? "already stored as" : "stored as"} demo ${d.id}`).join("; ");
    setTimeout(() => window.location.reload(), 1500);
  });
});
