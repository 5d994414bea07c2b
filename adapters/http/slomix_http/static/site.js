// Slomix pages work without this file; it only adds sorting to tables marked "sortable".
"use strict";

function cellValue(row, index) {
  const cell = row.cells[index];
  if (!cell) return "";
  const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
  const number = Number(raw.replace(/[,%\s]/g, ""));
  return raw !== "" && !Number.isNaN(number) ? number : raw.toLowerCase();
}

function sortBy(table, index, button) {
  const body = table.tBodies[0];
  const descending = button.getAttribute("aria-sort") !== "descending";
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = cellValue(a, index), y = cellValue(b, index);
    const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return descending ? -order : order;
  });
  for (const other of table.querySelectorAll("th button[aria-sort]")) other.removeAttribute("aria-sort");
  button.setAttribute("aria-sort", descending ? "descending" : "ascending");
  body.append(...rows);
}

function makeSortable(table) {
  const headers = table.tHead ? table.tHead.rows[0].cells : [];
  Array.from(headers).forEach((th, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.append(...th.childNodes);
    button.addEventListener("click", () => sortBy(table, index, button));
    th.append(button);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.sortable")) makeSortable(table);
});
