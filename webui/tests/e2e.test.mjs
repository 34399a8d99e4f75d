// End-to-end test of the web UI in a real browser: Playwright (playwright-core) drives Debian's
// chromium (headless) against a real cluster that tests/webui/webui_test.sh started with the `weir`
// binary. It reads, from the environment: WEIR_REST (HOST:PORT of the JobManager), RUNNING_JOB and
// STOPPING_JOB (endless jobs with checkpoints every second), FAILED_JOB (a job that fails at once), SAVEPOINT_DIR,
// CHROMIUM (the browser's path) and, optionally, SCREENSHOTS (a directory for one PNG per page) and
// HISTORY_FOR_SCREENSHOTS (samples of metric history to wait for before the job's picture), WORD_COUNT_LIB (a
// job library to submit from the browser) and WORK_DIR (a directory for the submitted jobs' files).
// Every wait is a condition with a deadline; nothing sleeps for a fixed time.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

const rest = `http://${process.env.WEIR_REST}`;
const running = process.env.RUNNING_JOB;
const stopping = process.env.STOPPING_JOB;
const failed = process.env.FAILED_JOB;
const screenshots = process.env.SCREENSHOTS;
const timeout = 15_000;

let browser;
let page;
const pageErrors = [];

async function restJson(path) {
  const res = await fetch(`${rest}${path}`);
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function shoot(name) {
  if (screenshots) await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
}

// Polls `probe` until it returns a truthy value or `ms` passes; fails with `what` and the last value.
async function eventually(what, probe, ms = timeout) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (e) => pageErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
});

test("the JobManager serves the app at / and the overview counts TaskManagers, slots and jobs", async () => {
  await page.goto(`${rest}/`);
  const overview = await restJson("/overview");
  await page.locator('[data-card="Task Managers"] .card-value').filter({ hasText: String(overview.taskmanagers) }).waitFor();
  await page.locator('[data-card="Task Slots"] .card-value').filter({ hasText: String(overview["slots-total"]) }).waitFor();
  await page.locator('[data-card="Running Jobs"] .card-value').filter({ hasText: "2" }).waitFor();
  // Available slots are those no job holds: q5 (parallelism 2) and q1 (1) hold 3 of the 4.
  await eventually("3 slots held", async () => {
    const o = await restJson("/overview");
    return o["slots-available"] === o["slots-total"] - 3;
  });
  await page.locator('[data-card="Available Slots"] .card-value').filter({ hasText: /^1$/ }).waitFor();
  await page.locator(`.jobs-table tr[data-job-id="${running}"]`).waitFor();
  await shoot("overview");
});

test("the running jobs list links to the job's page, which has its own URL", async () => {
  await page.goto(`${rest}/#/job/running`);
  const row = page.locator(`.jobs-table tr[data-job-id="${running}"]`);
  await row.waitFor();
  await shoot("jobs");
  await row.locator("a").first().click();
  await page.waitForURL(`**/#/job/running/${running}/overview`);
});

test("the job graph shows the job's vertices with parallelism", async () => {
  const job = await restJson(`/jobs/${running}`);
  const vertices = page.locator("svg.job-graph g.vertex");
  await eventually(`${job.vertices.length} vertices in the graph`, async () => (await vertices.count()) === job.vertices.length);
  for (const v of job.vertices) {
    const box = page.locator(`svg.job-graph g.vertex[data-vertex-id="${v.id}"]`);
    assert.equal(await box.locator("title").textContent(), v.name);
    assert.match(await box.textContent(), new RegExp(`Parallelism: ${v.parallelism}`));
  }
  assert.ok((await page.locator("svg.job-graph g.edge").count()) >= job.vertices.length - 1, "edges between vertices");
});

test("numbers move while the job runs: records out and records per second", async () => {
  const cell = page.locator('.vertices-table tr[data-vertex-id="0"] td[data-metric="write-records"]');
  const first = await eventually("a record count for the source", async () => {
    const t = (await cell.textContent()) ?? "";
    return t !== "–" && t !== "0" ? t : undefined;
  });
  await eventually("the source's record count to change", async () => ((await cell.textContent()) !== first ? true : undefined));
  const out = page.locator('svg.job-graph g.vertex[data-vertex-id="0"] [data-metric="records-out"]');
  await eventually("a non-zero output rate on the source's box", async () => {
    const t = (await out.textContent()) ?? "";
    return /Out: [0-9.]+ ?[kMG]?\/s/.test(t) && !/Out: 0\/s/.test(t);
  });
  await page.locator(".chart .u-over").waitFor();
  // Busy, idle and backpressured time per second, in the table and on the graph's boxes.
  for (const metric of ["busy", "idle", "backpressured"]) {
    const td = page.locator(`.vertices-table tr[data-vertex-id="0"] td[data-metric="${metric}"]`);
    await eventually(`a ${metric} share for the source`, async () => /^[0-9]+%$/.test((await td.textContent()) ?? ""));
  }
  const busy = page.locator('svg.job-graph g.vertex[data-vertex-id="0"] [data-metric="busy"]');
  await eventually("busy time on the source's box", async () => /Busy: [0-9]+% · Backpressured: [0-9]+%/.test((await busy.textContent()) ?? ""));
});

test("a vertex's page lists its subtasks", async () => {
  const job = await restJson(`/jobs/${running}`);
  const last = job.vertices[job.vertices.length - 1];
  await page.locator(`svg.job-graph g.vertex[data-vertex-id="${last.id}"]`).click();
  await page.waitForURL(`**/#/job/running/${running}/overview/${last.id}`);
  const rows = page.locator(".subtasks-table tbody tr");
  await eventually(`${last.parallelism} subtask rows`, async () => (await rows.count()) === last.parallelism);
  await eventually("subtasks RUNNING on a TaskManager", async () => (await rows.first().textContent())?.includes("RUNNING"));
  // For the documentation's pictures (WEIR_SCREENSHOTS), a chart with some history.
  const samples = Number(process.env.HISTORY_FOR_SCREENSHOTS || 0);
  if (samples > 0)
    await eventually(`${samples} samples of history`, async () => (await restJson(`/jobs/${running}/metrics/history`)).samples.length >= samples, 60_000);
  await shoot("job-graph");
});

test("a completed checkpoint appears in the history", async () => {
  await page.goto(`${rest}/#/job/running/${running}/checkpoints`);
  await page.locator(".checkpoint-history tr[data-checkpoint-id]").first().waitFor();
  const stats = await restJson(`/jobs/${running}/checkpoints`);
  assert.ok(stats.counts.completed >= 1, "the REST API counts it too");
  await shoot("checkpoints");
});

test("the job's configuration tab lists the keys it was submitted with", async () => {
  const conf = await restJson(`/jobs/${running}/config`);
  await page.goto(`${rest}/#/job/running/${running}/configuration`);
  const table = page.locator(".job-config-table");
  const parallelism = conf["execution-config"]["job-parallelism"];
  await table.getByRole("row", { name: `Parallelism ${parallelism}`, exact: true }).waitFor();
  const keys = Object.keys(conf["execution-config"]["user-config"]);
  for (const key of keys) await table.locator("th", { hasText: key }).first().waitFor();
  await shoot("job-config");
});

test("a savepoint is taken with a click", async () => {
  await page.goto(`${rest}/#/job/running/${running}/overview`);
  await page.getByLabel("savepoint directory").fill(process.env.SAVEPOINT_DIR);
  await page.locator('button[data-action="savepoint"]').click();
  const status = page.locator(".actions .outcome");
  await status.filter({ hasText: "Savepoint written to" }).waitFor({ timeout: 30_000 });
  assert.match(await status.textContent(), new RegExp(`${process.env.SAVEPOINT_DIR}/savepoint-`));
});

test("the TaskManagers and JobManager pages list what the REST API has", async () => {
  const tms = (await restJson("/taskmanagers")).taskmanagers;
  await page.goto(`${rest}/#/task-manager`);
  for (const tm of tms) await page.locator(`.taskmanagers-table tr[data-taskmanager-id="${tm.id}"]`).waitFor();
  await shoot("taskmanagers");
  // A TaskManager's page lists the subtasks it runs.
  const job = await restJson(`/jobs/${running}`);
  const sub = job.vertices[0].subtasks[0];
  await page.locator(`.taskmanagers-table tr[data-taskmanager-id="${sub["taskmanager-id"]}"] a`).click();
  await page.waitForURL(`**/#/task-manager/${sub["taskmanager-id"]}`);
  await page.locator(".tm-tasks-table tbody tr", { hasText: job.vertices[0].name }).first().waitFor();
  // Its slots, memory and log.
  await page.locator('[data-metric="slots"]', { hasText: /2 total, [12] used, [01] free/ }).waitFor();
  await page.locator('.tm-memory-table [data-metric="rss"]', { hasText: /[0-9.]+ MiB/ }).waitFor();
  await page.locator('.tm-memory-table [data-metric="managed"]', { hasText: "reserved by slots in use" }).waitFor();
  await page.locator("pre.log", { hasText: `TASKMANAGER id=${sub["taskmanager-id"]}` }).waitFor();
  await shoot("taskmanager");
  await page.goto(`${rest}/#/job-manager/config`);
  await page.locator(".config-table td", { hasText: "rest.port" }).first().waitFor();
  await shoot("jobmanager-config");
});

test("stop with savepoint from the UI ends the job FINISHED with a savepoint", async () => {
  await eventually("the second job RUNNING", async () => (await restJson(`/jobs/${stopping}`)).state === "RUNNING");
  await page.goto(`${rest}/#/job/running/${stopping}/overview`);
  await page.getByLabel("savepoint directory").fill(process.env.SAVEPOINT_DIR);
  await page.locator('button[data-action="stop"]').click();
  const status = page.locator(".actions .outcome");
  await page.locator(".job-facts .badge", { hasText: "FINISHED" }).waitFor({ timeout: 30_000 });
  assert.equal((await restJson(`/jobs/${stopping}`)).state, "FINISHED");
  const stats = await restJson(`/jobs/${stopping}/checkpoints`);
  assert.ok(stats.latest.savepoint, "the checkpoint statistics name the savepoint");
  assert.ok(stats.latest.savepoint.external_path.startsWith(`${process.env.SAVEPOINT_DIR}/savepoint-`));
  await status.filter({ hasText: "Stopped; savepoint at" }).waitFor();
  assert.ok((await status.textContent()).includes(stats.latest.savepoint.external_path));
});

test("cancel from the UI cancels the job", async () => {
  await page.goto(`${rest}/#/job/running/${running}/overview`);
  page.once("dialog", (d) => void d.accept());
  await page.locator('button[data-action="cancel"]').click();
  await page.locator(".job-facts .badge", { hasText: "CANCELED" }).waitFor({ timeout: 30_000 });
  assert.equal((await restJson(`/jobs/${running}`)).state, "CANCELED");
});

// Picks `file` ({name, buffer} or a path), fills the form and submits; returns the error shown, if any.
async function submitForm(file, { args = "", parallelism = "" } = {}) {
  await page.goto(`${rest}/#/submit`);
  await page.locator('input[type="file"]').setInputFiles(file);
  await page.locator('input[name="args"]').fill(args);
  await page.locator('input[name="parallelism"]').fill(parallelism);
  await page.locator('button[data-action="submit"]').click();
}

async function submitError(file, options) {
  await submitForm(file, options);
  return (await page.locator(".submit-error").textContent()) ?? "";
}

test("submitting from the browser refuses bad input, naming the problem", async () => {
  const notes = { name: "notes.so", mimeType: "application/octet-stream", buffer: Buffer.from("not a library\n") };
  assert.match(await submitError(notes), /'notes.so' is neither a job library/);
  const text = { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello\n") };
  assert.match(await submitError(text), /'notes.txt' is neither a job library \(.so\) nor a Python job \(.py\)/);
  const lib = process.env.WORD_COUNT_LIB;
  assert.match(await submitError(lib, { parallelism: "0" }), /parallelism must be a whole number from 1 to 32768, not '0'/);
  assert.match(await submitError(lib, { args: "--bogus" }), /job refused: .*unknown argument '--bogus'/);
  await shoot("submit");
});

test("a job library and a Python job submitted from the browser run", async () => {
  const dir = process.env.WORK_DIR;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/words.txt`, "to be or not to be\n");
  await submitForm(process.env.WORD_COUNT_LIB, { args: `--input ${dir}/words.txt --output "${dir}/wc out"`, parallelism: "1" });
  await page.waitForURL(/#\/job\/running\/[0-9a-f]{32}\/overview$/);
  const id = page.url().match(/job\/running\/([0-9a-f]{32})/)[1];
  await eventually("the word count FINISHED", async () => (await restJson(`/jobs/${id}`)).state === "FINISHED", 30_000);
  assert.equal((await restJson(`/jobs/${id}/config`))["execution-config"]["job-parallelism"], 1);
  const counted = readdirSync(`${dir}/wc out`, { recursive: true })
    .filter((f) => f.includes("part-"))
    .map((f) => readFileSync(`${dir}/wc out/${f}`, "utf8"))
    .join("");
  for (const w of ["to", "be", "or", "not"]) assert.match(counted, new RegExp(`\\b${w}\\b`), `'${w}' counted: ${counted}`);

  const script = `${dir}/browser_job.py`;
  writeFileSync(
    script,
    [
      "import sys",
      "from weir.common import Types",
      "from weir.datastream import StreamExecutionEnvironment",
      "env = StreamExecutionEnvironment.get_execution_environment()",
      `env.from_collection(["a", "b", sys.argv[1]], type_info=Types.STRING()).map(lambda s: s.upper(), output_type=Types.STRING()).print()`,
      'env.execute("browser python job")',
      "",
    ].join("\n"),
  );
  await submitForm(script, { args: "from-the-browser" });
  await page.waitForURL(/#\/job\/running\/[0-9a-f]{32}\/overview$/);
  const py = page.url().match(/job\/running\/([0-9a-f]{32})/)[1];
  const job = await eventually("the Python job to end", async () => {
    const j = await restJson(`/jobs/${py}`);
    return ["FINISHED", "FAILED", "CANCELED"].includes(j.state) ? j : undefined;
  }, 60_000);
  assert.equal(job.state, "FINISHED", `the Python job: ${job.failure}`);
  assert.equal(job.name, "browser python job");
});

test("a failing job's exception shows", async () => {
  await page.goto(`${rest}/#/job/completed/${failed}/exceptions`);
  const job = await eventually("the failing job to fail", async () => {
    const j = await restJson(`/jobs/${failed}`);
    return j.state === "FAILED" ? j : undefined;
  }, 30_000);
  const root = page.locator(".root-exception");
  await root.waitFor();
  assert.ok(job.failure.length > 0);
  assert.ok((await root.textContent()).includes(job.failure.slice(0, 40)), "the root exception is the job's failure");
  await page.locator(".exceptions-table tbody tr").first().waitFor();
  await page.locator(".job-facts .badge", { hasText: "FAILED" }).waitFor();
  await shoot("exceptions");
});

test("unknown pages and jobs say so instead of showing nothing", async () => {
  await page.goto(`${rest}/#/no/such/page`);
  await page.locator("h1", { hasText: "Not found" }).waitFor();
  await page.goto(`${rest}/#/job/running/0123456789abcdef0123456789abcdef/overview`);
  await page.locator(".error-banner", { hasText: "job 0123456789abcdef0123456789abcdef not found" }).waitFor();
  assert.deepEqual(pageErrors, [], "no script errors in the page");
});
