// One job (#/job/<running|completed>/<id>/<tab>[/<vertex>]): its header with state, times and actions,
// and tabs for the graph with live metrics, the exceptions and the checkpoints.
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { StateBadge } from "../components/StateBadge";
import { formatDuration, formatTime } from "../format";
import { usePoll } from "../hooks/usePoll";
import { jobLink, type JobTab } from "../router";
import { CheckpointsTab } from "./CheckpointsTab";
import { ExceptionsTab } from "./ExceptionsTab";
import { JobActions } from "./JobActions";
import { JobConfigTab } from "./JobConfigTab";
import { JobOverviewTab } from "./JobOverviewTab";
import { isEnded } from "./OverviewPage";

const tabLabels: [JobTab, string][] = [
  ["overview", "Overview"],
  ["exceptions", "Exceptions"],
  ["checkpoints", "Checkpoints"],
  ["configuration", "Configuration"],
];

export function JobPage({ id, tab, vertex }: { id: string; tab: JobTab; vertex: string | undefined }) {
  const job = usePoll(() => api.job(id), 1000, `job-${id}`);
  const j = job.data;
  const running = j ? !isEnded(j.state) : true;
  return (
    <div class="page">
      <div class="job-header">
        <div>
          <h1 class="job-name">{j?.name ?? id}</h1>
          <div class="muted mono">{id}</div>
        </div>
        {j && (
          <div class="job-facts">
            <StateBadge state={j.state} />
            <span>Started {formatTime(j["start-time"])}</span>
            <span>Duration {formatDuration(j.duration)}</span>
            {j["end-time"] > 0 && <span>Ended {formatTime(j["end-time"])}</span>}
            <span>Restarts {j.restarts}</span>
          </div>
        )}
        {j && <JobActions id={id} running={running} onDone={job.refresh} />}
      </div>
      <ErrorBanner error={job.error} />
      <div class="tabs">
        {tabLabels.map(([t, label]) => (
          <a key={t} href={jobLink(id, running, t)} class={t === tab ? "active" : ""}>
            {label}
          </a>
        ))}
      </div>
      {j && tab === "overview" && <JobOverviewTab job={j} selected={vertex} />}
      {tab === "exceptions" && <ExceptionsTab id={id} />}
      {tab === "checkpoints" && <CheckpointsTab id={id} />}
      {tab === "configuration" && <JobConfigTab id={id} />}
    </div>
  );
}
