// Every TaskManager the JobManager knows, lost ones included (#/task-manager), and one of them
// (#/task-manager/<id>): its slots, its memory as it knows it, the tasks it runs with their counters,
// and its log.
import { api } from "../api/client";
import { useEffect, useRef, useState } from "preact/hooks";
import type { JobDetails, TaskManagerMemory } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { StateBadge } from "../components/StateBadge";
import { formatBytes, formatCount, formatDuration } from "../format";
import { jobLink } from "../router";
import { isEnded } from "./OverviewPage";
import { usePoll } from "../hooks/usePoll";

export function TaskManagersPage() {
  const tms = usePoll(api.taskManagers, 2000, "taskmanagers");
  const list = tms.data ?? [];
  return (
    <div class="page">
      <h1>Task Managers</h1>
      <ErrorBanner error={tms.error} />
      {list.length === 0 && tms.data && <p class="empty">No TaskManager has registered.</p>}
      {list.length > 0 && (
        <table class="table taskmanagers-table">
          <thead>
            <tr>
              <th>ID</th>
              <th>Address</th>
              <th>Data Port</th>
              <th>Slots</th>
              <th>Free Slots</th>
              <th>Last Heartbeat</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr key={t.id} data-taskmanager-id={t.id}>
                <td>
                  <a href={`#/task-manager/${t.id}`}>{t.id}</a>
                </td>
                <td class="mono">{t.address}</td>
                <td>{t.dataPort}</td>
                <td>{t.slotsNumber}</td>
                <td>{t.freeSlots}</td>
                <td>{formatDuration(t.timeSinceLastHeartbeat)} ago</td>
                <td>
                  <StateBadge state={t.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

// The details of every job that has not ended (to name the jobs and vertices a TaskManager's tasks
// belong to).
async function runningJobDetails(): Promise<JobDetails[]> {
  const jobs = (await api.jobs()).filter((j) => !isEnded(j.state));
  return Promise.all(jobs.map((j) => api.job(j.jid)));
}

function Memory({ m }: { m: TaskManagerMemory }) {
  const segment = m.networkSegmentSize;
  return (
    <table class="table kv tm-memory-table">
      <tbody>
        <tr>
          <th>Process (resident)</th>
          <td data-metric="rss">
            {formatBytes(m.rssBytes)} <span class="muted">(peak {formatBytes(m.peakRssBytes)})</span>
          </td>
        </tr>
        <tr>
          <th>Network buffers</th>
          <td data-metric="network">
            {formatBytes(m.networkBuffersInUse * segment)} in use of {formatBytes(m.networkBuffersTotal * segment)}{" "}
            <span class="muted">
              ({m.networkBuffersInUse} / {m.networkBuffersTotal} buffers of {formatBytes(segment)}; peak {m.networkBuffersPeak})
            </span>
          </td>
        </tr>
        <tr>
          <th>Managed memory</th>
          <td data-metric="managed">
            {formatBytes(m.managedMemoryReservedBytes)} reserved by slots in use of {formatBytes(m.managedMemoryBytes)}{" "}
            <span class="muted">({formatBytes(m.managedMemoryPerSlotBytes)} per slot, the state backends' budget)</span>
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function Log({ id, logs }: { id: string; logs: { name: string; size: number }[] }) {
  const [name, setName] = useState<string | undefined>(undefined);
  const chosen = name ?? logs[0]?.name;
  const log = usePoll(() => (chosen ? api.taskManagerLog(id, chosen) : Promise.resolve("")), 3000, `tm-log-${id}-${chosen}`);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log.data]);
  if (logs.length === 0) return <p class="empty">This TaskManager logs to a terminal or a pipe, not to a file.</p>;
  return (
    <div class="tm-log">
      <div class="actions">
        {logs.map((l) => (
          <button key={l.name} class={l.name === chosen ? "active" : ""} onClick={() => setName(l.name)} data-log={l.name}>
            {l.name} ({formatBytes(l.size)})
          </button>
        ))}
        <button onClick={log.refresh}>Refresh</button>
      </div>
      <ErrorBanner error={log.error} />
      <pre class="log mono" ref={pre} data-log-content={chosen}>
        {log.data ?? ""}
      </pre>
    </div>
  );
}

export function TaskManagerPage({ id }: { id: string }) {
  const tm = usePoll(() => api.taskManager(id), 2000, `tm-${id}`);
  const jobs = usePoll(runningJobDetails, 2000, `tm-jobs-${id}`);
  const t = tm.data;
  const jobById = new Map((jobs.data ?? []).map((j) => [j.jid, j]));
  const tasks = (t?.tasks ?? []).filter((x) => x.status === "RUNNING" || x.status === "DEPLOYING" || x.status === "INITIALIZING");
  return (
    <div class="page">
      <h1>Task Manager {id}</h1>
      <ErrorBanner error={tm.error ?? t?.error} />
      {t && (
        <table class="table kv tm-facts">
          <tbody>
            <tr><th>Status</th><td><StateBadge state={t.status} /></td></tr>
            <tr><th>RPC address</th><td class="mono">{t.address}</td></tr>
            <tr><th>Data port</th><td>{t.dataPort}</td></tr>
            <tr>
              <th>Slots</th>
              <td data-metric="slots">
                {t.slotsNumber} total, {t.usedSlots} used, {t.freeSlots} free
              </td>
            </tr>
            <tr><th>Last heartbeat</th><td>{formatDuration(t.timeSinceLastHeartbeat)} ago</td></tr>
            {t.uptime !== undefined && <tr><th>Up for</th><td>{formatDuration(t.uptime)}</td></tr>}
          </tbody>
        </table>
      )}
      {t?.metrics && (
        <section>
          <h2>Memory</h2>
          <Memory m={t.metrics} />
        </section>
      )}
      <h2>Tasks running here</h2>
      {t && tasks.length === 0 && <p class="empty">None.</p>}
      {tasks.length > 0 && (
        <table class="table tm-tasks-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Vertex</th>
              <th>Subtask</th>
              <th>Attempt</th>
              <th>Status</th>
              <th>Records In</th>
              <th>Records Out</th>
              <th>Idle</th>
              <th>Backpressured</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((x) => {
              const job = jobById.get(x.jobId);
              const vertex = job?.vertices.find((v) => v.name === x.vertex);
              return (
                <tr key={`${x.jobId}-${x.vertex}-${x.subtask}-${x.attempt}`}>
                  <td>{job ? <a href={jobLink(job.jid, true)}>{job.name}</a> : <span class="mono">{x.jobId}</span>}</td>
                  <td>{job && vertex ? <a href={jobLink(job.jid, true, "overview", vertex.id)}>{x.vertex}</a> : x.vertex}</td>
                  <td>
                    {x.subtask + 1}
                    {vertex ? ` / ${vertex.parallelism}` : ""}
                  </td>
                  <td>{x.attempt}</td>
                  <td>
                    <StateBadge state={x.status} />
                  </td>
                  <td>{formatCount(x["read-records"])}</td>
                  <td>{formatCount(x["write-records"])}</td>
                  <td>{formatDuration(x["idle-ms"])}</td>
                  <td>{formatDuration(x["backpressured-ms"])}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {t?.logs && (
        <section>
          <h2>Log</h2>
          <Log id={id} logs={t.logs} />
        </section>
      )}
    </div>
  );
}
