// Every TaskManager the JobManager knows, lost ones included (#/task-manager), and one of them
// (#/task-manager/<id>).
import { api } from "../api/client";
import type { JobDetails } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { StateBadge } from "../components/StateBadge";
import { formatDuration } from "../format";
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

// The details of every job that has not ended (to find the subtasks a TaskManager runs).
async function runningJobDetails(): Promise<JobDetails[]> {
  const jobs = (await api.jobs()).filter((j) => !isEnded(j.state));
  return Promise.all(jobs.map((j) => api.job(j.jid)));
}

export function TaskManagerPage({ id }: { id: string }) {
  const tm = usePoll(() => api.taskManager(id), 2000, `tm-${id}`);
  const jobs = usePoll(runningJobDetails, 2000, `tm-jobs-${id}`);
  const t = tm.data;
  const tasks = (jobs.data ?? []).flatMap((j) =>
    j.vertices.flatMap((v) =>
      v.subtasks.filter((s) => s["taskmanager-id"] === id).map((s) => ({ job: j, vertex: v, subtask: s })),
    ),
  );
  return (
    <div class="page">
      <h1>Task Manager {id}</h1>
      <ErrorBanner error={tm.error} />
      {t && (
        <table class="table kv">
          <tbody>
            <tr><th>Status</th><td><StateBadge state={t.status} /></td></tr>
            <tr><th>RPC address</th><td class="mono">{t.address}</td></tr>
            <tr><th>Data port</th><td>{t.dataPort}</td></tr>
            <tr><th>Slots</th><td>{t.slotsNumber} ({t.freeSlots} free)</td></tr>
            <tr><th>Last heartbeat</th><td>{formatDuration(t.timeSinceLastHeartbeat)} ago</td></tr>
          </tbody>
        </table>
      )}
      <h2>Subtasks running here</h2>
      {jobs.data && tasks.length === 0 && <p class="empty">None.</p>}
      {tasks.length > 0 && (
        <table class="table tm-tasks-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Vertex</th>
              <th>Subtask</th>
              <th>Attempt</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map(({ job, vertex, subtask }) => (
              <tr key={`${job.jid}-${vertex.id}-${subtask.subtask}`}>
                <td>
                  <a href={jobLink(job.jid, true)}>{job.name}</a>
                </td>
                <td>
                  <a href={jobLink(job.jid, true, "overview", vertex.id)}>{vertex.name}</a>
                </td>
                <td>
                  {subtask.subtask + 1} / {vertex.parallelism}
                </td>
                <td>{subtask.attempt}</td>
                <td>
                  <StateBadge state={subtask.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
