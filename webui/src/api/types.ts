// The shapes of the JobManager's REST answers the UI reads (docs/rest.md). Only fields the UI uses.

export type JobState = "CREATED" | "RUNNING" | "RESTARTING" | "FAILING" | "FAILED" | "CANCELING" | "CANCELED" | "FINISHED";

export interface ClusterOverview {
  taskmanagers: number;
  "slots-total": number;
  "slots-available": number;
  "jobs-running": number;
  "jobs-finished": number;
  "jobs-cancelled": number;
  "jobs-failed": number;
  "weir-version": string;
}

export interface TaskCounts {
  total: number;
  [state: string]: number;
}

export interface JobOverview {
  jid: string;
  name: string;
  state: JobState;
  "start-time": number;
  "end-time": number;
  duration: number;
  "last-modification": number;
  tasks: TaskCounts;
}

export interface VertexMetrics {
  "read-records": number;
  "write-records": number;
  measured: boolean;
  watermark: number | null;
  "read-records-per-second": number | null;
  "write-records-per-second": number | null;
  "backpressured-ratio": number | null;
  "backpressure-level": "ok" | "low" | "high" | null;
  "busy-time-ms-per-second": number | null;
  "idle-time-ms-per-second": number | null;
  "backpressured-time-ms-per-second": number | null;
}

export interface SubtaskInfo {
  subtask: number;
  status: string;
  attempt: number;
  "taskmanager-id": string;
  metrics?: VertexMetrics;
}

export interface JobVertex {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  status: string;
  tasks: Record<string, number>;
  subtasks: SubtaskInfo[];
  metrics?: VertexMetrics;
}

export interface JobDetails {
  jid: string;
  name: string;
  state: JobState;
  "start-time": number;
  "end-time": number;
  duration: number;
  now: number;
  restarts: number;
  failure: string;
  maxParallelism: number;
  vertices: JobVertex[];
}

export interface VertexDetails {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  status: string;
  now: number;
  metrics: VertexMetrics;
  subtasks: SubtaskInfo[];
}

export interface PlanInput {
  num: number;
  id: string;
  ship_strategy: string;
}

export interface PlanNode {
  id: string;
  parallelism: number;
  description: string;
  inputs?: PlanInput[];
}

export interface JobPlan {
  plan: { jid: string; name: string; nodes: PlanNode[] };
}

export interface ExceptionEntry {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
  taskName: string;
  attempt: number;
}

export interface JobExceptions {
  "root-exception": string | null;
  timestamp: number | null;
  truncated: boolean;
  exceptionHistory: { entries: ExceptionEntry[]; truncated: boolean };
}

export interface CompletedCheckpoint {
  "@class": "completed";
  id: number;
  status: "COMPLETED";
  is_savepoint: boolean;
  checkpoint_type: string;
  external_path: string;
  end_to_end_duration: number;
  sync_duration: number;
  async_duration: number;
  alignment_duration: number;
  state_size: number;
  persisted_data: number;
  unaligned: boolean;
}

export interface FailedCheckpoint {
  "@class": "failed";
  id: number;
  status: "FAILED";
  failure_timestamp: number;
  failure_message: string;
}

export interface MinMaxAvg {
  min: number;
  max: number;
  avg: number;
}

export interface CheckpointStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  summary: {
    end_to_end_duration: MinMaxAvg;
    state_size: MinMaxAvg;
    all_completed: {
      avg_end_to_end_duration: number;
      avg_sync_duration: number;
      avg_async_duration: number;
      avg_alignment_duration: number;
    };
  };
  latest: {
    completed: CompletedCheckpoint | null;
    savepoint: CompletedCheckpoint | null;
    failed: FailedCheckpoint | null;
    restored: { id: number; restore_timestamp: number; is_savepoint: boolean; external_path: string } | null;
  };
  history: CompletedCheckpoint[];
}

export interface TaskManager {
  id: string;
  address: string;
  dataPort: number;
  slotsNumber: number;
  freeSlots: number;
  timeSinceLastHeartbeat: number;
  status: "ALIVE" | "LOST" | "DISCONNECTED";
}

export interface TaskManagerMemory {
  rssBytes: number;
  peakRssBytes: number;
  networkSegmentSize: number;
  networkBuffersInUse: number;
  networkBuffersPeak: number;
  networkBuffersTotal: number;
  managedMemoryBytes: number;
  managedMemoryPerSlotBytes: number;
  managedMemoryReservedBytes: number;
  runningTasks: number;
}

export interface TaskManagerTask {
  jobId: string;
  vertex: string;
  subtask: number;
  attempt: number;
  status: string;
  "read-records": number;
  "write-records": number;
  "backpressured-ms": number;
  "idle-ms": number;
}

export interface TaskManagerDetails extends TaskManager {
  usedSlots: number;
  uptime?: number;
  metrics: TaskManagerMemory | null;
  error?: string;
  tasks?: TaskManagerTask[];
  logs?: { name: string; size: number }[];
}

export interface WebConfig {
  "weir-version": string;
  features: { "web-submit": boolean; "web-cancel": boolean };
  "upload-max-bytes": number;
}

export interface ConfigEntry {
  key: string;
  value: string;
}

export interface HistoryPoint {
  "read-records-per-second": number;
  "write-records-per-second": number;
  "backpressured-ratio": number;
  "busy-time-ms-per-second": number;
}

export interface MetricHistory {
  "interval-ms": number;
  vertices: { id: string; name: string }[];
  samples: { time: number; vertices: (HistoryPoint | null)[] }[];
}

export interface JobConfig {
  jid: string;
  name: string;
  "execution-config": { "job-parallelism": number; "user-config": Record<string, string> };
}

export interface OperationStatus {
  status: { id: "IN_PROGRESS" | "COMPLETED" };
  operation?: { location?: string; "failure-cause"?: { "stack-trace": string } };
}
