// The actions on a running job: cancel, trigger a savepoint, stop with a savepoint. A savepoint needs a
// directory on the JobManager's file system; the answer (its location or why it failed) shows beside.
import { useState } from "preact/hooks";
import { api } from "../api/client";

type Outcome = { kind: "info" | "error"; text: string } | undefined;

async function waitForOperation(id: string, trigger: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const s = await api.savepointStatus(id, trigger);
    if (s.status.id === "COMPLETED") {
      const failure = s.operation?.["failure-cause"]?.["stack-trace"];
      if (failure) throw new Error(failure);
      return s.operation?.location ?? "";
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the savepoint did not complete within 2 minutes");
}

//! `running`: whether the buttons show; the outcome of the last action stays after the job ended (a stop
//! ends it).
export function JobActions({ id, running, onDone }: { id: string; running: boolean; onDone: () => void }) {
  const [dir, setDir] = useState(() => localStorage.getItem("weir.savepointDir") ?? "");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(undefined);

  const run = async (what: string, action: () => Promise<string>) => {
    setBusy(true);
    setOutcome({ kind: "info", text: `${what}…` });
    try {
      setOutcome({ kind: "info", text: await action() });
    } catch (e) {
      setOutcome({ kind: "error", text: `${what} failed: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      setBusy(false);
      onDone();
    }
  };
  const rememberDir = () => localStorage.setItem("weir.savepointDir", dir);

  const cancel = () => {
    if (!window.confirm("Cancel this job?")) return;
    void run("Cancel", async () => {
      await api.cancel(id);
      return "Cancel requested.";
    });
  };
  const savepoint = () => {
    rememberDir();
    void run("Savepoint", async () => {
      const t = await api.triggerSavepoint(id, dir);
      return `Savepoint written to ${await waitForOperation(id, t["request-id"])}`;
    });
  };
  const stop = () => {
    rememberDir();
    void run("Stop with savepoint", async () => {
      const t = await api.stopWithSavepoint(id, dir, false);
      return `Stopped; savepoint at ${await waitForOperation(id, t["request-id"])}`;
    });
  };

  return (
    <div class="actions">
      {running && (
        <>
          <input
            type="text"
            placeholder="savepoint directory, e.g. /tmp/savepoints"
            value={dir}
            onInput={(e) => setDir((e.target as HTMLInputElement).value)}
            aria-label="savepoint directory"
          />
          <button disabled={busy} onClick={savepoint} data-action="savepoint">
            Trigger Savepoint
          </button>
          <button disabled={busy} onClick={stop} data-action="stop">
            Stop with Savepoint
          </button>
          <button disabled={busy} class="danger" onClick={cancel} data-action="cancel">
            Cancel Job
          </button>
        </>
      )}
      {outcome && (
        <div class={`outcome ${outcome.kind}`} role="status">
          {outcome.text}
        </div>
      )}
    </div>
  );
}
