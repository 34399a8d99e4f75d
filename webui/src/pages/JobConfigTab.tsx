// The configuration a job was submitted with (#/job/<running|completed>/<id>/configuration): its
// parallelism and every key set for it (checkpointing, state backend, restart strategy, ...).
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { usePoll } from "../hooks/usePoll";

export function JobConfigTab({ id }: { id: string }) {
  const conf = usePoll(() => api.jobConfig(id), 60_000, `job-config-${id}`);
  const c = conf.data?.["execution-config"];
  const entries = Object.entries(c?.["user-config"] ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div>
      <ErrorBanner error={conf.error} />
      {c && (
        <table class="table kv job-config-table">
          <tbody>
            <tr>
              <th>Parallelism</th>
              <td>{c["job-parallelism"]}</td>
            </tr>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <th class="mono">{key}</th>
                <td class="mono">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {c && entries.length === 0 && <p class="empty">No key was set for this job: every key has its default.</p>}
    </div>
  );
}
