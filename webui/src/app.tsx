// The shell: side bar and the page the hash route names.
import { api } from "./api/client";
import { Nav } from "./components/Nav";
import { usePoll } from "./hooks/usePoll";
import { JobManagerConfigPage } from "./pages/JobManagerConfigPage";
import { JobPage } from "./pages/JobPage";
import { JobsPage } from "./pages/JobsPage";
import { OverviewPage } from "./pages/OverviewPage";
import { SubmitPage } from "./pages/SubmitPage";
import { TaskManagerPage, TaskManagersPage } from "./pages/TaskManagersPage";
import { useRoute, type Route } from "./router";

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "overview":
      return <OverviewPage />;
    case "jobs":
      return <JobsPage which={route.which} />;
    case "job":
      return <JobPage id={route.id} tab={route.tab} vertex={route.vertex} />;
    case "task-managers":
      return <TaskManagersPage />;
    case "task-manager":
      return <TaskManagerPage id={route.id} />;
    case "job-manager-config":
      return <JobManagerConfigPage />;
    case "submit":
      return <SubmitPage />;
    case "not-found":
      return (
        <div class="page">
          <h1>Not found</h1>
          <p>
            No page at <code>#{route.path}</code>. <a href="#/overview">Overview</a>
          </p>
        </div>
      );
  }
}

export function App() {
  const route = useRoute();
  const overview = usePoll(api.overview, 30_000, "version");
  return (
    <div class="shell">
      <Nav route={route} version={overview.data?.["weir-version"]} />
      <main class="main">
        <Page route={route} />
      </main>
    </div>
  );
}
