// The REST client: one function per endpoint the UI uses. Paths are relative so the app works behind
// any prefix the JobManager is reached under. A non-2xx answer throws RestError with the server's
// message (Flink's `{"errors": [...]}`).
import type {
  CheckpointStatistics,
  ClusterOverview,
  ConfigEntry,
  JobDetails,
  JobConfig,
  JobExceptions,
  JobOverview,
  JobPlan,
  MetricHistory,
  OperationStatus,
  TaskManager,
  TaskManagerDetails,
  VertexDetails,
  WebConfig,
} from "./types";

export class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function send(method: string, path: string, body?: unknown): Promise<{ res: Response; text: string }> {
  const init: RequestInit = { method, headers: {} };
  if (body instanceof Uint8Array) {
    init.body = new Blob([body as Uint8Array<ArrayBuffer>]);
    init.headers = { "Content-Type": "application/octet-stream" };
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "Content-Type": "application/json" };
  }
  const res = await fetch(path.replace(/^\//, ""), init);
  return { res, text: await res.text() };
}

function errorOf(method: string, path: string, res: Response, text: string): RestError {
  let errors: string[] | undefined;
  try {
    errors = (JSON.parse(text) as { errors?: string[] }).errors;
  } catch {
    // not JSON
  }
  return new RestError(res.status, errors?.join("; ") ?? `${method} ${path}: HTTP ${res.status}`);
}

// A text answer (logs).
async function requestText(path: string): Promise<string> {
  const { res, text } = await send("GET", path);
  if (!res.ok) throw errorOf("GET", path, res, text);
  return text;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const { res, text } = await send(method, path, body);
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: reported below when the status is an error
  }
  if (!res.ok) throw errorOf(method, path, res, text);
  return json as T;
}

const get = <T>(path: string) => request<T>("GET", path);
const job = (id: string) => `/jobs/${encodeURIComponent(id)}`;

export const api = {
  overview: () => get<ClusterOverview>("/overview"),
  jobs: () => get<{ jobs: JobOverview[] }>("/jobs/overview").then((r) => r.jobs),
  job: (id: string) => get<JobDetails>(job(id)),
  plan: (id: string) => get<JobPlan>(`${job(id)}/plan`),
  vertex: (id: string, vertex: string) => get<VertexDetails>(`${job(id)}/vertices/${encodeURIComponent(vertex)}`),
  exceptions: (id: string) => get<JobExceptions>(`${job(id)}/exceptions?maxExceptions=50`),
  checkpoints: (id: string) => get<CheckpointStatistics>(`${job(id)}/checkpoints`),
  jobConfig: (id: string) => get<JobConfig>(`${job(id)}/config`),
  history: (id: string) => get<MetricHistory>(`${job(id)}/metrics/history`),
  taskManagers: () => get<{ taskmanagers: TaskManager[] }>("/taskmanagers").then((r) => r.taskmanagers),
  taskManager: (id: string) => get<TaskManagerDetails>(`/taskmanagers/${encodeURIComponent(id)}`),
  taskManagerLog: (id: string, name: string) =>
    requestText(`/taskmanagers/${encodeURIComponent(id)}/logs/${encodeURIComponent(name)}?max-bytes=262144`),
  webConfig: () => get<WebConfig>("/config"),
  jobManagerConfig: () => get<ConfigEntry[]>("/jobmanager/config"),

  cancel: (id: string) => request<object>("PATCH", `${job(id)}?mode=cancel`, {}),
  triggerSavepoint: (id: string, targetDirectory: string) =>
    request<{ "request-id": string }>("POST", `${job(id)}/savepoints`, {
      "target-directory": targetDirectory,
      "cancel-job": false,
    }),
  stopWithSavepoint: (id: string, targetDirectory: string, drain: boolean) =>
    request<{ "request-id": string }>("POST", `${job(id)}/stop`, { targetDirectory, drain }),
  triggerCheckpoint: (id: string) => request<{ "request-id": string }>("POST", `${job(id)}/checkpoints`, {}),
  savepointStatus: (id: string, trigger: string) => get<OperationStatus>(`${job(id)}/savepoints/${trigger}`),
  checkpointStatus: (id: string, trigger: string) => get<OperationStatus>(`${job(id)}/checkpoints/${trigger}`),
  // Job submission, as `weir run --jobmanager` does it: the artifact into the blob store, then the spec.
  upload: (name: string, bytes: Uint8Array) =>
    request<{ "blob-key": string }>("POST", `/jars/upload?name=${encodeURIComponent(name)}`, bytes),
  submit: (spec: { kind: "library" | "python"; name: string; "blob-key": string; args: string[]; config: Record<string, string> }) =>
    request<{ jobid: string }>("POST", "/jobs", spec),
};
