// The metric columns a vertex and a subtask share (records in and out, their rates, busy, idle and
// backpressured time per second, watermark) after columns of the caller's own: the job's vertices table
// and a vertex's subtasks table are both this table. A source has no input, so its input columns read "–".
import type { ComponentChildren } from "preact";
import type { VertexMetrics } from "../api/types";
import { formatCount, formatMsPerSecond, formatRate, formatWatermark } from "../format";

export interface MetricsRow {
  key: string;
  //! The caller's own cells, in the order of `leading`.
  cells: ComponentChildren[];
  metrics: VertexMetrics | undefined;
  source: boolean;
  selected?: boolean;
  //! data-* attributes of the row (the tests find rows by them).
  data?: Record<string, string>;
}

const metricColumns = ["Records In", "Records Out", "In/s", "Out/s", "Busy", "Idle", "Backpressured", "Watermark"];

export function MetricsTable({ class: cls, leading, rows }: { class: string; leading: string[]; rows: MetricsRow[] }) {
  return (
    <table class={`table ${cls}`}>
      <thead>
        <tr>
          {[...leading, ...metricColumns].map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const m = r.metrics;
          const attrs = Object.fromEntries(Object.entries(r.data ?? {}).map(([k, v]) => [`data-${k}`, v]));
          return (
            <tr key={r.key} class={r.selected ? "selected" : ""} {...attrs}>
              {r.cells.map((c, i) => (
                <td key={`c${i}`}>{c}</td>
              ))}
              <td data-metric="read-records">{r.source ? "–" : formatCount(m?.["read-records"])}</td>
              <td data-metric="write-records">{formatCount(m?.["write-records"])}</td>
              <td data-metric="read-records-per-second">{r.source ? "–" : formatRate(m?.["read-records-per-second"])}</td>
              <td data-metric="write-records-per-second">{formatRate(m?.["write-records-per-second"])}</td>
              <td data-metric="busy">{formatMsPerSecond(m?.["busy-time-ms-per-second"])}</td>
              <td data-metric="idle">{formatMsPerSecond(m?.["idle-time-ms-per-second"])}</td>
              <td data-metric="backpressured" class={`bp-text-${m?.["backpressure-level"] ?? "none"}`}>
                {formatMsPerSecond(m?.["backpressured-time-ms-per-second"])}
              </td>
              <td data-metric="watermark">{r.source ? "–" : formatWatermark(m?.watermark)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
