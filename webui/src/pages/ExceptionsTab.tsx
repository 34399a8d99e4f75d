// Why the job failed (the root exception) and every failure before it, newest first.
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { formatTime } from "../format";
import { usePoll } from "../hooks/usePoll";

export function ExceptionsTab({ id }: { id: string }) {
  const ex = usePoll(() => api.exceptions(id), 2000, `exceptions-${id}`);
  const e = ex.data;
  return (
    <div>
      <ErrorBanner error={ex.error} />
      <h2>Root Exception</h2>
      {e && (e["root-exception"] ? (
        <pre class="exception root-exception">{e["root-exception"]}</pre>
      ) : (
        <p class="empty">No exception: the job has not failed.</p>
      ))}
      {e && e.timestamp ? <p class="muted">at {formatTime(e.timestamp)}</p> : null}
      <h2>Exception History</h2>
      {e && e.exceptionHistory.entries.length === 0 && <p class="empty">No failures.</p>}
      {e && e.exceptionHistory.entries.length > 0 && (
        <table class="table exceptions-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Task</th>
              <th>Attempt</th>
              <th>Exception</th>
            </tr>
          </thead>
          <tbody>
            {e.exceptionHistory.entries.map((x, i) => (
              <tr key={`${x.timestamp}-${i}`}>
                <td>{formatTime(x.timestamp)}</td>
                <td>{x.taskName}</td>
                <td>{x.attempt}</td>
                <td>
                  <pre class="exception">{x.stacktrace}</pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {e?.exceptionHistory.truncated && <p class="muted">Older failures are not shown.</p>}
    </div>
  );
}
