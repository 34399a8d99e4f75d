// The cluster at a glance: TaskManagers, slots, jobs by state, and the running jobs.
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { usePoll } from "../hooks/usePoll";
import { JobTable } from "./JobTable";

export function OverviewPage() {
  const overview = usePoll(api.overview, 2000, "overview");
  const jobs = usePoll(api.jobs, 2000, "jobs");
  const o = overview.data;
  const cards: [string, number | undefined, string][] = [
    ["Task Managers", o?.taskmanagers, "#/task-manager"],
    ["Task Slots", o?.["slots-total"], "#/task-manager"],
    ["Available Slots", o?.["slots-available"], "#/task-manager"],
    ["Running Jobs", o?.["jobs-running"], "#/job/running"],
    ["Finished Jobs", o?.["jobs-finished"], "#/job/completed"],
    ["Canceled Jobs", o?.["jobs-cancelled"], "#/job/completed"],
    ["Failed Jobs", o?.["jobs-failed"], "#/job/completed"],
  ];
  const running = (jobs.data ?? []).filter((j) => !isEnded(j.state));
  return (
    <div class="page">
      <h1>Overview</h1>
      <ErrorBanner error={overview.error ?? jobs.error} />
      <div class="cards">
        {cards.map(([label, value, href]) => (
          <a class="card" href={href} key={label} data-card={label}>
            <div class="card-value">{value ?? "–"}</div>
            <div class="card-label">{label}</div>
          </a>
        ))}
      </div>
      <h2>Running Jobs</h2>
      <JobTable jobs={running} />
    </div>
  );
}

export function isEnded(state: string): boolean {
  return state === "FINISHED" || state === "CANCELED" || state === "FAILED";
}
