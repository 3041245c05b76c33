// sam dashboard: sorting and filtering on top of pages that work without
// this script, and the health as of now rather than as of the build.
// No inline code (the pages' CSP allows this file only); text from the
// data goes into the page as text, never as markup.
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

// ---- freshness ----
//
// The page was built with the health of that moment.  health.json is
// read again (at start, every minute, when the page is shown again) and
// the status worked out for now: "stale" once stale_after has passed,
// though the files say "ok".  Now is the server's clock, from the Date
// (and Age) of its answer, so that a reader's wrong clock cannot hide
// or fake a stale site; the reader's clock only where there is no Date.
// A newer build than the page's reloads the page, once.

const STATUSES = ["ok", "degraded", "failing", "stale"];
const CHECK_MS = 60000, TICK_MS = 10000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let clockOffset = 0;	// the server's clock less the reader's, ms
let health = null;	// the health last read: from health.json, else the page's
let problem = "";	// why health.json could not be read
let baseTitle = "";

function parseTime(v) {
	return typeof v === "string" && RFC3339.test(v) ? Date.parse(v) : NaN;
}

function serverNow() {
	return Date.now() + clockOffset;
}

// The health the page was built with, as health.json has it.
function pageHealth(box) {
	const d = box.dataset;
	return {
		status: d.status,
		generated_at: d.generatedAt,
		stale_after: d.staleAfter || null,
		last_run: d.lastRunOk === undefined ? null : { status: d.lastRunOk === "1" ? "ok" : "" },
		last_run_age_s: d.lastRunAgeS === undefined ? null : Number(d.lastRunAgeS),
		dlq_depth: Number(d.dlqDepth),
	};
}

// health.json's fields that are used, checked; null if it is not sam's.
function checkedHealth(h) {
	if (!h || typeof h !== "object" || !STATUSES.includes(h.status) ||
	    Number.isNaN(parseTime(h.generated_at)))
		return null;
	return {
		status: h.status,
		generated_at: h.generated_at,
		stale_after: Number.isNaN(parseTime(h.stale_after)) ? null : h.stale_after,
		last_run: h.last_run && typeof h.last_run === "object" ? h.last_run : null,
		last_run_age_s: Number.isFinite(h.last_run_age_s) ? h.last_run_age_s : null,
		dlq_depth: Number.isFinite(h.dlq_depth) ? h.dlq_depth : 0,
	};
}

// As site_health() in cmd/site/api.c, at the time now (ms).
function statusAt(h, now) {
	const staleAfter = parseTime(h.stale_after);
	if (!Number.isNaN(staleAfter) && Math.floor(now / 1000) > staleAfter / 1000)
		return "stale";
	return h.status;
}

// "2026-11-25 11:00 New York"
function nyTime(ms) {
	try {
		const f = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York",
			year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
			minute: "2-digit", hourCycle: "h23" });
		const p = {};
		for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
		return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} New York`;
	} catch (e) {
		return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
	}
}

// "2 h 5 min", "3 d 4 h", "less than a minute"
function duration(ms) {
	const m = Math.floor(Math.max(ms, 0) / 60000);
	const d = Math.floor(m / 1440), h = Math.floor(m % 1440 / 60);
	if (d) return `${d} d ${h} h`;
	if (h) return `${h} h ${m % 60} min`;
	return m ? `${m} min` : "less than a minute";
}

// The notice's words for the health h at now: [headline, sentence].
function describe(h, status, now) {
	const ran = h.last_run_age_s === null ? NaN :
		parseTime(h.generated_at) - h.last_run_age_s * 1000;
	const since = Number.isNaN(ran) ? "" : `${duration(now - ran)} ago`;
	const due = parseTime(h.stale_after);
	const next = Number.isNaN(due) ? "" : nyTime(due);
	if (!h.last_run)
		return ["STALE", "no run on record: the hourly job has not run, or does not record its runs."];
	if (status === "stale")
		return ["STALE", (since ? `no run for ${duration(now - ran)}` : "no run since the last on record") +
			(next ? `; one was due by ${next}` : "") +
			". The monitor may have stopped: the data here are as of " +
			`${nyTime(parseTime(h.generated_at))}.`];
	const then = next ? `; the next is due by ${next}` : "";
	const last = since ? `the last run, ${since},` : "the last run";
	if (status === "failing")
		return ["FAILING", `${last} failed${then}.`];
	if (status === "degraded")
		return ["DEGRADED", `${last} rejected records, or ` +
			`dead letters wait (${h.dlq_depth})${then}.`];
	return ["OK", (since ? `the last run was ${since}` : "the last run was ok") + then + "."];
}

function render() {
	const box = document.getElementById("freshness");
	if (!box || !health) return;
	const now = serverNow(), status = statusAt(health, now);
	const [headline, sentence] = describe(health, status, now);
	const p = document.createElement("p");
	const strong = document.createElement("strong");
	strong.textContent = headline;
	p.append(strong, ": " + sentence);
	if (problem) p.append(` (${problem}; as of this page.)`);
	box.replaceChildren(p);
	box.className = `freshness live freshness-${status}`;
	const line = document.getElementById("health");
	if (line) {
		line.className = `health health-${status}`;
		const word = line.querySelector("strong");
		if (word) word.textContent = status;
	}
	document.title = status === "stale" || status === "failing" ?
		`${headline} \u00b7 ${baseTitle}` : baseTitle;
}

// Reloads the page for a newer build, once for each build (a page that
// stays older, from a cache, is not reloaded for ever).
function reloadFor(generatedAt) {
	const key = "sam-reloaded:" + location.pathname;
	try {
		if (sessionStorage.getItem(key) === generatedAt) return false;
		sessionStorage.setItem(key, generatedAt);
	} catch (e) {
		return false;
	}
	location.reload();
	return true;
}

async function check(box) {
	let got = null;
	try {
		const res = await fetch(box.dataset.health, { cache: "no-store" });
		const date = Date.parse(res.headers.get("Date"));
		if (!Number.isNaN(date))
			clockOffset = date + (Number(res.headers.get("Age")) || 0) * 1000 - Date.now();
		if (!res.ok) throw new Error(`HTTP ${res.status}`);
		got = checkedHealth(await res.json());
		if (!got) throw new Error("not a health file");
		problem = "";
	} catch (e) {
		problem = `health.json could not be read: ${e.message}`;
	}
	if (got && parseTime(got.generated_at) > parseTime(box.dataset.generatedAt) &&
	    reloadFor(got.generated_at))
		return;
	health = got || pageHealth(box);
	render();
}

function watchFreshness() {
	const box = document.getElementById("freshness");
	if (!box) return;
	document.documentElement.classList.add("js");
	baseTitle = document.title;
	health = pageHealth(box);
	check(box);
	setInterval(() => check(box), CHECK_MS);
	setInterval(render, TICK_MS);
	document.addEventListener("visibilitychange", () => {
		if (document.visibilityState === "visible") check(box);
	});
}

document.addEventListener("DOMContentLoaded", () => {
	watchFreshness();
	document.querySelectorAll("table.sortable").forEach(makeSortable);
	const box = document.getElementById("filter");
	if (box) {
		box.closest(".filter").hidden = false;
		box.addEventListener("input", () => filterRows(box.value));
		document.documentElement.classList.add("js");
	}
});
