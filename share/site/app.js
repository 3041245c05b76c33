// sam dashboard: sorting and filtering on top of pages that work without
// this script.  No inline code (the pages' CSP allows this file only).
"use strict";

function cellValue(row, index) {
	const cell = row.cells[index];
	if (!cell) return "";
	if (cell.dataset.sort !== undefined) return Number(cell.dataset.sort);
	const text = cell.textContent.trim();
	const n = Number(text.replace(/,/g, "").replace(/\s.*$/, ""));
	return text !== "" && !Number.isNaN(n) ? n : text.toLowerCase();
}

function sortBy(table, th, index) {
	const body = table.tBodies[0];
	const desc = !th.classList.contains("desc");
	for (const h of th.parentNode.cells) h.classList.remove("asc", "desc");
	th.classList.add(desc ? "desc" : "asc");
	th.setAttribute("aria-sort", desc ? "descending" : "ascending");
	const rows = Array.from(body.rows);
	rows.sort((a, b) => {
		const x = cellValue(a, index), y = cellValue(b, index);
		const c = x < y ? -1 : x > y ? 1 : 0;
		return desc ? -c : c;
	});
	for (const r of rows) body.appendChild(r);
}

function makeSortable(table) {
	const head = table.tHead && table.tHead.rows[0];
	if (!head) return;
	Array.from(head.cells).forEach((th, index) => {
		th.classList.add("sort");
		th.tabIndex = 0;
		th.addEventListener("click", () => sortBy(table, th, index));
		th.addEventListener("keydown", (e) => {
			if (e.key === "Enter" || e.key === " ") {
				e.preventDefault();
				sortBy(table, th, index);
			}
		});
	});
}

function filterRows(text) {
	const want = text.trim().toUpperCase();
	for (const row of document.querySelectorAll("tr[data-ticker]")) {
		row.hidden = want !== "" && !row.dataset.ticker.includes(want);
	}
}

document.addEventListener("DOMContentLoaded", () => {
	document.querySelectorAll("table.sortable").forEach(makeSortable);
	const box = document.getElementById("filter");
	if (box) {
		box.closest(".filter").hidden = false;
		box.addEventListener("input", () => filterRows(box.value));
		document.documentElement.classList.add("js");
	}
});
