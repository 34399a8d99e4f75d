// A job's graph with live numbers, its throughput over the last minutes, and its vertices; the
// selected vertex's subtasks below.
import { api } from "../api/client";
import type { JobDetails } from "../api/types";
import { JobGraph } from "../components/JobGraph";
import { StateBadge } from "../components/StateBadge";
import { ThroughputChart } from "../components/ThroughputChart";
import { formatCount, formatRate, formatRatio, formatWatermark } from "../format";
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
      <table class="table vertices-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Parallelism</th>
            <th>Records In</th>
            <th>Records Out</th>
            <th>In/s</th>
            <th>Out/s</th>
            <th>Backpressured</th>
            <th>Watermark</th>
          </tr>
        </thead>
        <tbody>
          {job.vertices.map((v) => {
            const m = v.metrics;
            const source = sources.has(v.id);
            return (
              <tr key={v.id} data-vertex-id={v.id} class={v.id === selected ? "selected" : ""}>
                <td>
                  <a href={jobLink(job.jid, running, "overview", v.id)}>{v.name}</a>
                </td>
                <td>
                  <StateBadge state={v.status} />
                </td>
                <td>{v.parallelism}</td>
                <td data-metric="read-records">{source ? "–" : formatCount(m?.["read-records"])}</td>
                <td data-metric="write-records">{formatCount(m?.["write-records"])}</td>
                <td>{source ? "–" : formatRate(m?.["read-records-per-second"])}</td>
                <td>{formatRate(m?.["write-records-per-second"])}</td>
                <td class={`bp-text-${m?.["backpressure-level"] ?? "none"}`}>{formatRatio(m?.["backpressured-ratio"])}</td>
                <td>{source ? "–" : formatWatermark(m?.watermark)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {selected !== undefined && <VertexPanel jobId={job.jid} vertex={selected} source={sources.has(selected)} />}
    </div>
  );
}
