// One vertex's subtasks: state, attempt, TaskManager and their own counters, rates and time split.
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { MetricsTable } from "../components/MetricsTable";
import { StateBadge } from "../components/StateBadge";
import { usePoll } from "../hooks/usePoll";

export function VertexPanel({ jobId, vertex, source }: { jobId: string; vertex: string; source: boolean }) {
  const details = usePoll(() => api.vertex(jobId, vertex), 1000, `vertex-${jobId}-${vertex}`);
  const d = details.data;
  return (
    <section class="vertex-panel">
      <h2>Subtasks of {d?.name ?? `vertex ${vertex}`}</h2>
      <ErrorBanner error={details.error} />
      {d && (
        <MetricsTable
          class="subtasks-table"
          leading={["Subtask", "Status", "Attempt", "Task Manager"]}
          rows={d.subtasks.map((s) => ({
            key: String(s.subtask),
            cells: [
              s.subtask,
              <StateBadge state={s.status} />,
              s.attempt,
              s["taskmanager-id"] ? <a href={`#/task-manager/${s["taskmanager-id"]}`}>{s["taskmanager-id"]}</a> : "–",
            ],
            metrics: s.metrics,
            source,
            data: { subtask: String(s.subtask) },
          }))}
        />
      )}
    </section>
  );
}
