// Running or completed jobs (#/job/running, #/job/completed).
import { api } from "../api/client";
import { ErrorBanner } from "../components/ErrorBanner";
import { usePoll } from "../hooks/usePoll";
import { JobTable } from "./JobTable";
import { isEnded } from "./OverviewPage";

export function JobsPage({ which }: { which: "running" | "completed" }) {
  const jobs = usePoll(api.jobs, 2000, "jobs");
  const list = (jobs.data ?? []).filter((j) => (which === "completed") === isEnded(j.state));
  return (
    <div class="page">
      <h1>{which === "running" ? "Running Jobs" : "Completed Jobs"}</h1>
      <ErrorBanner error={jobs.error} />
      <JobTable jobs={list} />
    </div>
  );
}
