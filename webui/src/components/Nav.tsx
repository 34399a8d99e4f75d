// The side bar: one link per top-level page; the current one is highlighted.
import type { Route } from "../router";

const links: { href: string; label: string; active: (r: Route) => boolean }[] = [
  { href: "#/overview", label: "Overview", active: (r) => r.page === "overview" },
  {
    href: "#/job/running",
    label: "Running Jobs",
    active: (r) => (r.page === "jobs" || r.page === "job") && r.which === "running",
  },
  {
    href: "#/job/completed",
    label: "Completed Jobs",
    active: (r) => (r.page === "jobs" || r.page === "job") && r.which === "completed",
  },
  { href: "#/task-manager", label: "Task Managers", active: (r) => r.page === "task-managers" || r.page === "task-manager" },
  { href: "#/job-manager/config", label: "Job Manager", active: (r) => r.page === "job-manager-config" },
  { href: "#/submit", label: "Submit New Job", active: (r) => r.page === "submit" },
];

export function Nav({ route, version }: { route: Route; version: string | undefined }) {
  return (
    <nav class="nav">
      <div class="brand">
        Weir<span class="version">{version ? ` ${version}` : ""}</span>
      </div>
      {links.map((l) => (
        <a key={l.href} href={l.href} class={l.active(route) ? "active" : ""}>
          {l.label}
        </a>
      ))}
    </nav>
  );
}
