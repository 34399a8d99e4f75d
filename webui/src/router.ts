// Hash routes, one URL per page as in Flink's dashboard, so a link to a job can be shared:
//   #/overview                         the cluster
//   #/job/running, #/job/completed     job lists
//   #/job/<running|completed>/<id>/<overview|exceptions|checkpoints|configuration>[/<vertex id>]
//   #/task-manager, #/task-manager/<id>
//   #/job-manager/config
//   #/submit                           submit a job library or Python job
import { useEffect, useState } from "preact/hooks";

export type JobTab = "overview" | "exceptions" | "checkpoints" | "configuration";

export type Route =
  | { page: "overview" }
  | { page: "jobs"; which: "running" | "completed" }
  | { page: "job"; which: "running" | "completed"; id: string; tab: JobTab; vertex?: string }
  | { page: "task-managers" }
  | { page: "task-manager"; id: string }
  | { page: "job-manager-config" }
  | { page: "submit" }
  | { page: "not-found"; path: string };

const tabs: JobTab[] = ["overview", "exceptions", "checkpoints", "configuration"];

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/overview";
  const parts = path.split("/").filter((p) => p.length > 0).map(decodeURIComponent);
  const [first, second, third, fourth, fifth] = parts;
  if (parts.length === 0 || (first === "overview" && parts.length === 1)) return { page: "overview" };
  if (first === "job" && (second === "running" || second === "completed")) {
    if (parts.length === 2) return { page: "jobs", which: second };
    const tab = (fourth ?? "overview") as JobTab;
    if (third && tabs.includes(tab) && parts.length <= 5) return { page: "job", which: second, id: third, tab, vertex: fifth };
  }
  if (first === "task-manager" && parts.length === 1) return { page: "task-managers" };
  if (first === "task-manager" && second && parts.length <= 3) return { page: "task-manager", id: second };
  if (first === "job-manager" && parts.length <= 2) return { page: "job-manager-config" };
  if (first === "submit" && parts.length === 1) return { page: "submit" };
  return { page: "not-found", path };
}

export function jobLink(id: string, running: boolean, tab: JobTab = "overview", vertex?: string): string {
  const base = `#/job/${running ? "running" : "completed"}/${id}/${tab}`;
  return vertex === undefined ? base : `${base}/${vertex}`;
}

//! The current route; re-renders on every hash change.
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
