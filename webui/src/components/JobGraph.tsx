// The job graph as boxes and arrows: the plan's vertices laid out left to right by dagre, each box
// with its name, parallelism, records in/out per second, busy and backpressured time (its busiest
// subtask's), watermark and a border coloured by backpressure (ok / low / high, Flink's levels). Edges are labelled with their ship strategy.
// Clicking a vertex selects it (its subtasks show below the graph).
import dagre from "@dagrejs/dagre";
import { useMemo } from "preact/hooks";
import type { JobVertex, PlanNode } from "../api/types";
import { formatMsPerSecond, formatRate, formatWatermark } from "../format";

const NODE_W = 250;
const NODE_H = 104;

interface Layout {
  nodes: { id: string; x: number; y: number }[];
  edges: { from: string; to: string; label: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

function layout(plan: PlanNode[]): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 30, ranksep: 80, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of plan) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const n of plan)
    for (const input of n.inputs ?? []) g.setEdge(input.id, n.id, { label: input.ship_strategy, width: 60, height: 16 });
  dagre.layout(g);
  const nodes = g.nodes().map((id) => {
    const n = g.node(id);
    return { id, x: n.x - NODE_W / 2, y: n.y - NODE_H / 2 };
  });
  const edges = g.edges().map((e) => {
    const edge = g.edge(e) as { points: { x: number; y: number }[]; label?: string };
    return { from: e.v, to: e.w, label: edge.label ?? "", points: edge.points };
  });
  const graph = g.graph();
  return { nodes, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface JobGraphProps {
  plan: PlanNode[];
  vertices: JobVertex[];
  selected: string | undefined;
  onSelect: (vertex: string) => void;
}

export function JobGraph({ plan, vertices, selected, onSelect }: JobGraphProps) {
  const shape = plan.map((n) => `${n.id}<${(n.inputs ?? []).map((i) => i.id).join(",")}`).join(";");
  const l = useMemo(() => layout(plan), [shape]);
  const byId = new Map(vertices.map((v) => [v.id, v]));
  return (
    <svg class="job-graph" width={l.width} height={l.height} viewBox={`0 0 ${l.width} ${l.height}`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" fill="#8a94a6" />
        </marker>
      </defs>
      {l.edges.map((e) => {
        const d = e.points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ");
        const mid = e.points[Math.floor(e.points.length / 2)];
        return (
          <g key={`${e.from}-${e.to}`} class="edge">
            <path d={d} marker-end="url(#arrow)" />
            {mid && (
              <text x={mid.x} y={mid.y - 5} text-anchor="middle">
                {e.label}
              </text>
            )}
          </g>
        );
      })}
      {l.nodes.map((n) => {
        const v = byId.get(n.id);
        const node = plan.find((p) => p.id === n.id);
        const m = v?.metrics;
        const level = m?.["backpressure-level"] ?? "none";
        const isSource = (node?.inputs ?? []).length === 0;
        return (
          <g
            key={n.id}
            class={`vertex bp-${level}${selected === n.id ? " selected" : ""}`}
            data-vertex-id={n.id}
            transform={`translate(${n.x},${n.y})`}
            onClick={() => onSelect(n.id)}
          >
            <rect width={NODE_W} height={NODE_H} rx="6" />
            <title>{v?.name ?? node?.description}</title>
            <text x="10" y="20" class="vertex-name">
              {truncate(v?.name ?? node?.description ?? n.id, 34)}
            </text>
            <text x="10" y="40" class="vertex-line">
              Parallelism: {v?.parallelism ?? node?.parallelism} · {v?.status ?? ""}
            </text>
            <text x="10" y="58" class="vertex-line" data-metric="records-in">
              In: {isSource ? "–" : formatRate(m?.["read-records-per-second"])}
            </text>
            <text x="130" y="58" class="vertex-line" data-metric="records-out">
              Out: {formatRate(m?.["write-records-per-second"])}
            </text>
            <text x="10" y="76" class="vertex-line" data-metric="busy">
              Busy: {formatMsPerSecond(m?.["busy-time-ms-per-second"])} · Backpressured:{" "}
              {formatMsPerSecond(m?.["backpressured-time-ms-per-second"])}
            </text>
            <text x="10" y="94" class="vertex-line">
              Watermark: {isSource ? "–" : formatWatermark(m?.watermark)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
