// A list of jobs: name (a link to the job's page), state, start, duration and tasks per state.
import type { JobOverview } from "../api/types";
import { StateBadge } from "../components/StateBadge";
import { formatDuration, formatTime } from "../format";
import { jobLink } from "../router";

function isRunning(state: string): boolean {
  return state !== "FINISHED" && state !== "CANCELED" && state !== "FAILED";
}

export function JobTable({ jobs }: { jobs: JobOverview[] }) {
  if (jobs.length === 0) return <p class="empty">No jobs.</p>;
  const sorted = [...jobs].sort((a, b) => b["start-time"] - a["start-time"]);
  return (
    <table class="table jobs-table">
      <thead>
        <tr>
          <th>Job Name</th>
          <th>Start Time</th>
          <th>Duration</th>
          <th>End Time</th>
          <th>Tasks</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((j) => (
          <tr key={j.jid} data-job-id={j.jid}>
            <td>
              <a href={jobLink(j.jid, isRunning(j.state))}>{j.name}</a>
              <div class="muted mono">{j.jid}</div>
            </td>
            <td>{formatTime(j["start-time"])}</td>
            <td>{formatDuration(j.duration)}</td>
            <td>{j["end-time"] > 0 ? formatTime(j["end-time"]) : "–"}</td>
            <td>
              {j.tasks.running ?? 0} running / {j.tasks.total} total
            </td>
            <td>
              <StateBadge state={j.state} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
