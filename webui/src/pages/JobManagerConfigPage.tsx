// The configuration keys set on the JobManager (#/job-manager/config).
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { usePoll } from "../hooks/usePoll";

export function JobManagerConfigPage() {
  const conf = usePoll(api.jobManagerConfig, 10_000, "jm-config");
  const entries = [...(conf.data ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <div class="page">
      <h1>Job Manager Configuration</h1>
      <ErrorBanner error={conf.error} />
      <table class="table config-table">
        <thead>
          <tr>
            <th>Key</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.key}>
              <td class="mono">{e.key}</td>
              <td class="mono">{e.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {conf.data && entries.length === 0 && <p class="empty">No key was set explicitly: every key has its default.</p>}
    </div>
  );
}
