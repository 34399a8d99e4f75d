// One vertex's subtasks: state, attempt, TaskManager and their own counters and rates.
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { StateBadge } from "../components/StateBadge";
import { formatCount, formatRate, formatRatio, formatWatermark } from "../format";
import { usePoll } from "../hooks/usePoll";

export function VertexPanel({ jobId, vertex, source }: { jobId: string; vertex: string; source: boolean }) {
  const details = usePoll(() => api.vertex(jobId, vertex), 1000, `vertex-${jobId}-${vertex}`);
  const d = details.data;
  return (
    <section class="vertex-panel">
      <h2>Subtasks of {d?.name ?? `vertex ${vertex}`}</h2>
      <ErrorBanner error={details.error} />
      {d && (
        <table class="table subtasks-table">
          <thead>
            <tr>
              <th>Subtask</th>
              <th>Status</th>
              <th>Attempt</th>
              <th>Task Manager</th>
              <th>Records In</th>
              <th>Records Out</th>
              <th>In/s</th>
              <th>Out/s</th>
              <th>Backpressured</th>
              <th>Watermark</th>
            </tr>
          </thead>
          <tbody>
            {d.subtasks.map((s) => (
              <tr key={s.subtask}>
                <td>{s.subtask}</td>
                <td>
                  <StateBadge state={s.status} />
                </td>
                <td>{s.attempt}</td>
                <td>{s["taskmanager-id"] ? <a href={`#/task-manager/${s["taskmanager-id"]}`}>{s["taskmanager-id"]}</a> : "–"}</td>
                <td>{source ? "–" : formatCount(s.metrics?.["read-records"])}</td>
                <td>{formatCount(s.metrics?.["write-records"])}</td>
                <td>{source ? "–" : formatRate(s.metrics?.["read-records-per-second"])}</td>
                <td>{formatRate(s.metrics?.["write-records-per-second"])}</td>
                <td>{formatRatio(s.metrics?.["backpressured-ratio"])}</td>
                <td>{source ? "–" : formatWatermark(s.metrics?.watermark)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
