// A job's graph with live numbers, its throughput over the last minutes, and its vertices; the
// selected vertex's subtasks below.
import { api } from "../api/client";
import type { JobDetails } from "../api/types";
import { JobGraph } from "../components/JobGraph";
import { MetricsTable } from "../components/MetricsTable";
import { StateBadge } from "../components/StateBadge";
import { ThroughputChart } from "../components/ThroughputChart";
import { usePoll } from "../hooks/usePoll";
import { jobLink } from "../router";
import { isEnded } from "./OverviewPage";
import { VertexPanel } from "./VertexPanel";

export function JobOverviewTab({ job, selected }: { job: JobDetails; selected: string | undefined }) {
  const plan = usePoll(() => api.plan(job.jid), 60_000, `plan-${job.jid}`);
  const history = usePoll(() => api.history(job.jid), 2000, `history-${job.jid}`);
  const running = !isEnded(job.state);
  const nodes = plan.data?.plan.nodes ?? [];
  const sources = new Set(nodes.filter((n) => (n.inputs ?? []).length === 0).map((n) => n.id));
  const select = (v: string) => {
    window.location.hash = jobLink(job.jid, running, "overview", v === selected ? undefined : v);
  };
  return (
    <div>
      <div class="graph-box">{nodes.length > 0 && <JobGraph plan={nodes} vertices={job.vertices} selected={selected} onSelect={select} />}</div>
      {history.data && history.data.samples.length > 1 && (
        <section>
          <h2>Records per second</h2>
          <ThroughputChart history={history.data} sources={sources} />
        </section>
      )}
      <h2>Vertices</h2>
      <MetricsTable
        class="vertices-table"
        leading={["Name", "Status", "Parallelism"]}
        rows={job.vertices.map((v) => ({
          key: v.id,
          cells: [<a href={jobLink(job.jid, running, "overview", v.id)}>{v.name}</a>, <StateBadge state={v.status} />, v.parallelism],
          metrics: v.metrics,
          source: sources.has(v.id),
          selected: v.id === selected,
          data: { "vertex-id": v.id },
        }))}
      />
      {selected !== undefined && <VertexPanel jobId={job.jid} vertex={selected} source={sources.has(selected)} />}
    </div>
  );
}
