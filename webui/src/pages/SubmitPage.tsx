// Submit a job from the browser (#/submit), as Flink's "Submit New Job": a C++ job library (.so) or a
// Python job (.py), its arguments, parallelism and configuration. It does what `weir run --jobmanager`
// does: the file goes to the JobManager's blob store (/jars/upload; a Python script inside a zip, as
// `weir run --python` sends it), then the job's spec (POST /jobs). What can be checked here is checked
// before anything is sent (the file's kind and size, the parallelism, the configuration lines); the
// JobManager's refusals (not a library, a job that cannot be planned from these arguments) show as sent.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { formatBytes } from "../format";
import { usePoll } from "../hooks/usePoll";
import { jobLink } from "../router";
import { zipOneFile } from "../zip";

//! Splits like a shell: whitespace separates, single or double quotes keep a word together.
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`the arguments have an unclosed ${quote} quote`);
  if (inWord) out.push(cur);
  return out;
}

//! "key=value" lines (blank lines and # comments skipped) -> configuration.
function parseConfig(text: string): Record<string, string> {
  const conf: Record<string, string> = {};
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`configuration line ${i + 1} ('${line}') is not key=value`);
    conf[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return conf;
}

type Outcome = { kind: "error"; message: string } | { kind: "busy"; message: string } | undefined;

export function SubmitPage() {
  const config = usePoll(api.webConfig, 60_000, "web-config");
  const [file, setFile] = useState<File | undefined>(undefined);
  const [args, setArgs] = useState("");
  const [parallelism, setParallelism] = useState("");
  const [conf, setConf] = useState("");
  const [outcome, setOutcome] = useState<Outcome>(undefined);
  const maxBytes = config.data?.["upload-max-bytes"];

  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      if (!file) throw new Error("choose a job library (.so) or a Python job (.py) first");
      const python = file.name.endsWith(".py");
      if (!python && !file.name.endsWith(".so"))
        throw new Error(`'${file.name}' is neither a job library (.so) nor a Python job (.py)`);
      if (maxBytes !== undefined && file.size > maxBytes)
        throw new Error(
          `'${file.name}' is ${formatBytes(file.size)}, more than the JobManager accepts (${formatBytes(maxBytes)}, rest.server.max-content-length)`,
        );
      const settings = parseConfig(conf);
      const p = parallelism.trim();
      if (p !== "") {
        if (!/^[0-9]+$/.test(p) || Number(p) < 1 || Number(p) > 32768)
          throw new Error(`parallelism must be a whole number from 1 to 32768, not '${p}'`);
        settings["parallelism.default"] = p;
      }
      const jobArgs = splitArgs(args);
      setOutcome({ kind: "busy", message: `Uploading ${file.name}…` });
      const bytes = new Uint8Array(await file.arrayBuffer());
      const uploaded = python
        ? await api.upload(`${file.name}.zip`, zipOneFile(file.name, bytes))
        : await api.upload(file.name, bytes);
      setOutcome({ kind: "busy", message: `Submitting ${file.name}…` });
      const { jobid } = await api.submit({
        kind: python ? "python" : "library",
        name: file.name,
        "blob-key": uploaded["blob-key"],
        args: jobArgs,
        config: settings,
      });
      setOutcome(undefined);
      window.location.hash = jobLink(jobid, true);
    } catch (err) {
      setOutcome({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <div class="page">
      <h1>Submit New Job</h1>
      <ErrorBanner error={config.error} />
      {config.data && !config.data.features["web-submit"] && (
        <p class="empty">This JobManager does not take jobs from the web UI.</p>
      )}
      <form class="submit-form" onSubmit={submit}>
        <label>
          Job library (.so) or Python job (.py)
          <input
            type="file"
            name="job-file"
            accept=".so,.py"
            onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0])}
          />
        </label>
        {file && (
          <p class="muted" data-chosen-file>
            {file.name}, {formatBytes(file.size)}
            {maxBytes !== undefined ? ` (at most ${formatBytes(maxBytes)})` : ""}
          </p>
        )}
        <label>
          Arguments
          <input type="text" name="args" placeholder="e.g. input=/data/in.txt output=/tmp/out" value={args}
            onInput={(e) => setArgs((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Parallelism
          <input type="text" name="parallelism" placeholder="the configuration's default" value={parallelism}
            onInput={(e) => setParallelism((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Configuration (key=value, one per line)
          <textarea name="config" rows={4} placeholder="execution.checkpointing.interval=1s" value={conf}
            onInput={(e) => setConf((e.currentTarget as HTMLTextAreaElement).value)} />
        </label>
        <div class="actions">
          <button type="submit" data-action="submit" disabled={outcome?.kind === "busy"}>
            Submit
          </button>
        </div>
        {outcome && (
          <div class={outcome.kind === "error" ? "error-banner submit-error" : "muted submit-status"} role={outcome.kind === "error" ? "alert" : "status"}>
            {outcome.message}
          </div>
        )}
      </form>
    </div>
  );
}
