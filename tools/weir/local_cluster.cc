#include "local_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "weir/cluster/rest/rest_client.h"
#include "weir/common/error.h"

namespace weir::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path cluster_dir(const LocalClusterCommand& c) {
  return c.dir.empty() ? fs::temp_directory_path() / "weir-cluster" : fs::path(c.dir);
}

// Starts this binary with `args` as a background process in its own session, stdout and stderr to `log`.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  std::string self = fs::read_symlink("/proc/self/exe").string();
  argv.push_back(self.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw WeirError(fmt::format("cannot start a process: {}", std::strerror(errno)));
  if (pid == 0) {
    ::setsid();
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || null < 0) ::_exit(127);
    ::dup2(null, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(self.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

bool alive(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid) return false;  // our child, and it exited
  return ::kill(pid, 0) == 0;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value after `prefix` on the first line of `log` that starts with it, or "".
std::string find_line_value(const fs::path& log, const std::string& prefix) {
  std::istringstream in(read_all(log));
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0)
      return line.substr(prefix.size(), line.find(' ', prefix.size()) - prefix.size());
  return "";
}

// Waits for `ready` up to `limit`; fails naming the process and quoting its log when it exits first.
template <typename Ready>
void wait_ready(const char* what, pid_t pid, const fs::path& log, std::chrono::seconds limit, Ready ready) {
  auto deadline = Clock::now() + limit;
  while (!ready()) {
    if (!alive(pid))
      throw WeirError(
          fmt::format("the {} exited while starting; its log ({}):\n{}", what, log.string(), read_all(log)));
    if (Clock::now() > deadline)
      throw WeirError(
          fmt::format("the {} did not become ready within {} s; see {}", what, limit.count(), log.string()));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling another process's log
  }
}

std::vector<std::string> common_args(const LocalClusterCommand& c) {
  std::vector<std::string> args;
  if (!c.conf_file.empty()) args.insert(args.end(), {"-c", fs::absolute(c.conf_file).string()});
  for (const auto& d : c.defines) args.insert(args.end(), {"-D", d});
  return args;
}

struct State {
  std::vector<pid_t> pids;
  std::string rest;
  std::string rpc;
};

State read_state(const fs::path& file) {
  State s;
  std::istringstream in(read_all(file));
  for (std::string key, value; in >> key >> value;) {
    if (key == "pid") s.pids.push_back(static_cast<pid_t>(std::stol(value)));
    if (key == "rest") s.rest = value;
    if (key == "rpc") s.rpc = value;
  }
  return s;
}

void stop_pids(const std::vector<pid_t>& pids) {
  for (pid_t p : pids) ::kill(p, SIGTERM);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  for (pid_t p : pids) {
    while (alive(p) && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (alive(p)) ::kill(p, SIGKILL);
  }
}

int start(const LocalClusterCommand& c) {
  fs::path dir = cluster_dir(c);
  fs::path state_file = dir / "cluster.state";
  if (fs::exists(state_file)) {
    State old = read_state(state_file);
    for (pid_t p : old.pids)
      if (alive(p))
        throw WeirError(fmt::format("a cluster from {} is running (REST {}); `weir cluster stop` it first",
                                    dir.string(), old.rest));
  }
  fs::create_directories(dir);
  // Logs of an earlier cluster must not be mistaken for this one's (a child truncates its log only once it
  // runs).
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".log") fs::remove(e.path());
  std::vector<pid_t> pids;
  try {
    auto jm_args = common_args(c);
    jm_args.insert(jm_args.begin(), "jobmanager");
    fs::path jm_log = dir / "jobmanager.log";
    pid_t jm = spawn(jm_args, jm_log);
    pids.push_back(jm);
    wait_ready("JobManager", jm, jm_log, std::chrono::seconds(30),
               [&] { return !find_line_value(jm_log, "REST http=").empty(); });
    std::string rpc = find_line_value(jm_log, "JOBMANAGER rpc=");
    std::string rest = find_line_value(jm_log, "REST http=");
    std::string rpc_host = rpc.substr(0, rpc.rfind(':')), rpc_port = rpc.substr(rpc.rfind(':') + 1);
    for (int i = 0; i < c.task_managers; ++i) {
      auto tm_args = common_args(c);
      tm_args.insert(tm_args.begin(), "taskmanager");
      tm_args.insert(tm_args.end(),
                     {"-D", "jobmanager.rpc.address=" + rpc_host, "-D", "jobmanager.rpc.port=" + rpc_port});
      pids.push_back(spawn(tm_args, dir / fmt::format("taskmanager-{}.log", i)));
    }
    cluster::rest::RestClient client(rest);
    for (size_t i = 1; i < pids.size(); ++i) {
      fs::path log = dir / fmt::format("taskmanager-{}.log", i - 1);
      wait_ready("TaskManager", pids[i], log, std::chrono::seconds(30),
                 [&] { return !find_line_value(log, "TASKMANAGER id=").empty(); });
    }
    wait_ready("cluster", jm, jm_log, std::chrono::seconds(30), [&] {
      try {
        auto r = client.get("/overview");
        return r.status == 200 && r.body.value("taskmanagers", 0) >= c.task_managers;
      } catch (const WeirError&) {
        return false;  // not listening yet
      }
    });
    std::ofstream out(state_file);
    for (pid_t p : pids) out << "pid " << p << "\n";
    out << "rest " << rest << "\nrpc " << rpc << "\n";
    out.close();
    std::cout << fmt::format("CLUSTER rest={} rpc={} taskmanagers={} dir={}", rest, rpc, c.task_managers,
                             dir.string())
              << std::endl;
    return 0;
  } catch (...) {
    stop_pids(pids);
    throw;
  }
}

int stop(const LocalClusterCommand& c) {
  fs::path dir = cluster_dir(c);
  fs::path state_file = dir / "cluster.state";
  if (!fs::exists(state_file)) {
    std::fprintf(stderr, "error: no cluster to stop in %s\n", dir.string().c_str());
    return 1;
  }
  State s = read_state(state_file);
  // TaskManagers first (they leave the JobManager cleanly), then the JobManager.
  std::vector<pid_t> tms(s.pids.begin() + (s.pids.empty() ? 0 : 1), s.pids.end());
  stop_pids(tms);
  if (!s.pids.empty()) stop_pids({s.pids.front()});
  fs::remove(state_file);
  std::cout << "STOPPED rest=" << s.rest << " processes=" << s.pids.size() << std::endl;
  return 0;
}

}  // namespace

void add_local_cluster_command(CLI::App& app, LocalClusterCommand& c) {
  c.cmd = app.add_subcommand("cluster", "Start or stop a local cluster: a JobManager and N TaskManagers");
  c.cmd->require_subcommand(1);
  c.start_cmd =
      c.cmd->add_subcommand("start", "Start the processes in the background; prints CLUSTER rest=...");
  c.start_cmd->add_option("-n,--taskmanagers", c.task_managers, "Number of TaskManagers")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  c.start_cmd->add_option("-c,--conf", c.conf_file, "A weir.yaml configuration file for every process")
      ->check(CLI::ExistingFile);
  c.start_cmd->add_option("-D", c.defines, "Configuration key=value for every process (repeatable)");
  c.stop_cmd = c.cmd->add_subcommand("stop", "Stop the processes `weir cluster start` started");
  for (auto* sub : {c.start_cmd, c.stop_cmd})
    sub->add_option("--dir", c.dir, "Where logs and the process list live (default: <temp>/weir-cluster)");
}

bool run_local_cluster_command(const LocalClusterCommand& c, int& exit_code) {
  if (!c.cmd || !*c.cmd) return false;
  exit_code = *c.start_cmd ? start(c) : stop(c);
  return true;
}

}  // namespace weir::cli
