// Records per second of each vertex over the JobManager's metric history (the last few minutes, one
// point a second), drawn with uPlot. A vertex's line is what it reads, or what it writes for a source.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "preact/hooks";
import type { MetricHistory } from "../api/types";
import { formatCount } from "../format";

const COLOURS = ["#2f6fde", "#e8793b", "#2aa876", "#c94a8a", "#8a63d2", "#c9a227", "#3aa6b9", "#6b7a8f"];

export function ThroughputChart({ history, sources }: { history: MetricHistory; sources: Set<string> }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const names = history.vertices.map((v) => v.name).join("\u0000");

  const data: uPlot.AlignedData = [
    history.samples.map((s) => s.time / 1000),
    ...history.vertices.map((v, i) =>
      history.samples.map((s) => {
        const p = s.vertices[i];
        if (!p) return null;
        return sources.has(v.id) ? p["write-records-per-second"] : p["read-records-per-second"];
      }),
    ),
  ];

  useEffect(() => {
    if (!host.current) return;
    const opts: uPlot.Options = {
      width: Math.max(400, host.current.clientWidth),
      height: 220,
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => formatCount(t)), size: 60 }],
      series: [
        {},
        ...history.vertices.map((v, i) => ({
          label: `${v.id}: ${v.name.length > 30 ? `${v.name.slice(0, 29)}…` : v.name}`,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          value: (_u: uPlot, val: number | null) => (val === null ? "–" : `${formatCount(val)}/s`),
        })),
      ],
    };
    chart.current = new uPlot(opts, data, host.current);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [names]);

  useEffect(() => {
    chart.current?.setData(data);
  });

  return <div class="chart" ref={host} />;
}
