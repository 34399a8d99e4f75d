// The job's checkpoints: counts, the latest completed / savepoint / failed / restored, the summary over
// the retained ones, and the history with duration, size, alignment and the sync/async split.
import { api } from "../api/client";
import type { CompletedCheckpoint } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { formatBytes, formatDuration, formatTime } from "../format";
import { usePoll } from "../hooks/usePoll";

function Latest({ label, c }: { label: string; c: CompletedCheckpoint | null }) {
  return (
    <tr>
      <th>{label}</th>
      <td>
        {c ? (
          <>
            #{c.id} · {formatDuration(c.end_to_end_duration)} · {formatBytes(c.state_size)} ·{" "}
            <span class="mono">{c.external_path}</span>
          </>
        ) : (
          "none"
        )}
      </td>
    </tr>
  );
}

export function CheckpointsTab({ id }: { id: string }) {
  const stats = usePoll(() => api.checkpoints(id), 2000, `checkpoints-${id}`);
  const s = stats.data;
  return (
    <div>
      <ErrorBanner error={stats.error} />
      {s && (
        <>
          <div class="cards small">
            {(
              [
                ["Triggered", s.counts.total],
                ["In Progress", s.counts.in_progress],
                ["Completed", s.counts.completed],
                ["Failed", s.counts.failed],
                ["Restored", s.counts.restored],
              ] as [string, number][]
            ).map(([label, value]) => (
              <div class="card" key={label} data-card={label}>
                <div class="card-value">{value}</div>
                <div class="card-label">{label}</div>
              </div>
            ))}
          </div>
          <h2>Latest</h2>
          <table class="table kv">
            <tbody>
              <Latest label="Completed checkpoint" c={s.latest.completed} />
              <Latest label="Savepoint" c={s.latest.savepoint} />
              <tr>
                <th>Failed</th>
                <td>
                  {s.latest.failed
                    ? `#${s.latest.failed.id} at ${formatTime(s.latest.failed.failure_timestamp)}: ${s.latest.failed.failure_message}`
                    : "none"}
                </td>
              </tr>
              <tr>
                <th>Restored</th>
                <td>
                  {s.latest.restored
                    ? `#${s.latest.restored.id} (${s.latest.restored.is_savepoint ? "savepoint" : "checkpoint"}) at ${formatTime(s.latest.restored.restore_timestamp)} from ${s.latest.restored.external_path}`
                    : "none"}
                </td>
              </tr>
            </tbody>
          </table>
          <h2>Summary</h2>
          <table class="table kv">
            <tbody>
              <tr>
                <th>End to end duration</th>
                <td>
                  min {formatDuration(s.summary.end_to_end_duration.min)} · avg {formatDuration(s.summary.end_to_end_duration.avg)} · max{" "}
                  {formatDuration(s.summary.end_to_end_duration.max)}
                </td>
              </tr>
              <tr>
                <th>State size</th>
                <td>
                  min {formatBytes(s.summary.state_size.min)} · avg {formatBytes(s.summary.state_size.avg)} · max{" "}
                  {formatBytes(s.summary.state_size.max)}
                </td>
              </tr>
              <tr>
                <th>Average over all completed</th>
                <td>
                  sync {formatDuration(s.summary.all_completed.avg_sync_duration)} · async{" "}
                  {formatDuration(s.summary.all_completed.avg_async_duration)} · alignment{" "}
                  {formatDuration(s.summary.all_completed.avg_alignment_duration)}
                </td>
              </tr>
            </tbody>
          </table>
          <h2>History</h2>
          {s.history.length === 0 ? (
            <p class="empty">No completed checkpoint yet.</p>
          ) : (
            <table class="table checkpoint-history">
              <thead>
                <tr>
                  <th>ID</th>
                  <th>Type</th>
                  <th>Status</th>
                  <th>End to End</th>
                  <th>Sync</th>
                  <th>Async</th>
                  <th>Alignment</th>
                  <th>State Size</th>
                  <th>In-flight Data</th>
                  <th>Path</th>
                </tr>
              </thead>
              <tbody>
                {s.history.map((c) => (
                  <tr key={c.id} data-checkpoint-id={c.id}>
                    <td>{c.id}</td>
                    <td>{c.checkpoint_type}</td>
                    <td>{c.status}</td>
                    <td>{formatDuration(c.end_to_end_duration)}</td>
                    <td>{formatDuration(c.sync_duration)}</td>
                    <td>{formatDuration(c.async_duration)}</td>
                    <td>{formatDuration(c.alignment_duration)}</td>
                    <td>{formatBytes(c.state_size)}</td>
                    <td>{formatBytes(c.persisted_data)}</td>
                    <td class="mono">{c.external_path}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
