#include "local_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli_configuration.h"
#include "weir/client/rest_client.h"
#include "weir/cluster/rest/rest_options.h"
#include "weir/cluster/rpc/rpc_options.h"
#include "weir/common/error.h"
#include "weir/ha/ha_options.h"

namespace weir::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path cluster_dir(const LocalClusterCommand& c) {
  return c.dir.empty() ? fs::temp_directory_path() / "weir-cluster" : fs::path(c.dir);
}

// Starts `program` (a path, or a name looked up in PATH) with `args` as a background process in its own
// session, stdout and stderr to `log`.
pid_t spawn_program(const std::string& program, const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  std::string self = program;
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
    ::execvp(self.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// Starts this binary with `args`.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  return spawn_program(fs::read_symlink("/proc/self/exe").string(), args, log);
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw WeirError(fmt::format("cannot find a free port: {}", std::strerror(errno)));
  ::close(fd);
  return ntohs(a.sin_port);
}

// ZooKeeper's four-letter word `ruok` answered with `imok`.
bool zookeeper_ok(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 && ::write(fd, "ruok", 4) == 4) {
    char buf[8] = {};
    ok = ::read(fd, buf, 4) == 4 && std::string(buf, 4) == "imok";
  }
  ::close(fd);
  return ok;
}

// A standalone ZooKeeper server for the cluster (Debian's zookeeper package), in <dir>/zookeeper. tickTime
// 200 ms: the server expires sessions in steps of its tick, so a short session timeout (down to 400 ms)
// is granted and detected within a tick of it; maxSessionTimeout 60 s keeps longer ones possible (the
// default, 20 ticks, would cap them at 4 s).
pid_t start_zookeeper(const fs::path& dir, int port) {
  if (!fs::exists("/usr/share/java/zookeeper.jar"))
    throw WeirError(
        "--zookeeper: /usr/share/java/zookeeper.jar not found (install Debian's zookeeper package)");
  fs::path zk = dir / "zookeeper";
  fs::create_directories(zk / "data");
  std::ofstream cfg(zk / "zoo.cfg");
  cfg << "tickTime=200\nmaxSessionTimeout=60000\ndataDir=" << (zk / "data").string()
      << "\nclientPort=" << port
      << "\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=ruok,srvr\n"
      << "maxClientCnxns=0\n";
  cfg.close();
  fs::path log = dir / "zookeeper.log";
  pid_t pid = spawn_program(
      "java",
      {"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-Dzookeeper.root.logger=INFO,CONSOLE",
       "-cp", "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar",
       "org.apache.zookeeper.server.ZooKeeperServerMain", (zk / "zoo.cfg").string()},
      log);
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

// What a process started by `weir cluster start` left: what it printed (`log`, its standard output and
// error) and, for a Weir process, the end of its rotated log file beside it (NAME.log for NAME.out).
std::string quote_logs(const fs::path& log) {
  std::string text = fmt::format("its output ({}):\n{}", log.string(), read_all(log));
  fs::path rotated = fs::path(log).replace_extension(".log");
  if (rotated != log && fs::exists(rotated)) {
    std::string tail = read_all(rotated);
    if (tail.size() > 4000) tail = "..." + tail.substr(tail.size() - 4000);
    text += fmt::format("\nthe end of its log ({}):\n{}", rotated.string(), tail);
  }
  return text;
}

// Waits for `ready` up to `limit`; fails naming the process and quoting its output and log when it exits
// first.
template <typename Ready>
void wait_ready(const char* what, pid_t pid, const fs::path& log, std::chrono::seconds limit, Ready ready) {
  auto deadline = Clock::now() + limit;
  while (!ready()) {
    if (!alive(pid)) throw WeirError(fmt::format("the {} exited while starting; {}", what, quote_logs(log)));
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
  std::vector<pid_t> pids;      // the first JobManager, then the TaskManagers
  std::vector<pid_t> standbys;  // further JobManagers
  pid_t zookeeper = -1;
  std::string rest;
  std::string rpc;
};

State read_state(const fs::path& file) {
  State s;
  std::istringstream in(read_all(file));
  for (std::string key, value; in >> key >> value;) {
    if (key == "pid") s.pids.push_back(static_cast<pid_t>(std::stol(value)));
    if (key == "standby") s.standbys.push_back(static_cast<pid_t>(std::stol(value)));
    if (key == "zookeeper") s.zookeeper = static_cast<pid_t>(std::stol(value));
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

// The REST answer of a JobManager that leads and knows at least `task_managers` TaskManagers.
bool leads_with(const std::string& rest, int task_managers) {
  try {
    auto r = client::RestClient(rest).get("/overview");
    return r.status == 200 && r.body.value("taskmanagers", 0) >= task_managers;
  } catch (const WeirError&) {
    return false;  // not listening yet
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
  Configuration conf = load_configuration(c.conf_file, c.defines);
  const bool ha = c.zookeeper || ha::resolve_ha_settings(conf).type == ha::HaType::kZooKeeper;
  if (c.job_managers > 1 && !ha)
    throw ConfigError(
        "--jobmanagers > 1 needs high availability: add --zookeeper (a local ZooKeeper server) or set "
        "high-availability.type: zookeeper with its quorum and storageDir");
  fs::create_directories(dir);
  // Logs of an earlier cluster must not be mistaken for this one's (a child truncates its output only once
  // it runs, and its rotated files are not truncated at all).
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".log" || e.path().extension() == ".out") fs::remove(e.path());
  // A Weir process writes its log to NAME.log, rotated (log.file.max-size, log.file.max-files: NAME.1.log,
  // ...), and nothing of it to standard error; what it prints (its address lines, which this command reads)
  // and what a crash prints go to NAME.out. The user's -D flags come after these and win.
  auto weir_process = [&dir](std::vector<std::string> args, const std::string& name) {
    args.insert(args.begin() + 1,
                {"-D", "log.file=" + (dir / (name + ".log")).string(), "-D", "log.stderr=false"});
    return spawn(args, dir / (name + ".out"));
  };
  std::vector<pid_t> pids;  // every process started, for the cleanup of a failed start
  std::vector<std::string> base = common_args(c);
  pid_t zk = -1;
  std::string quorum;
  try {
    if (c.zookeeper) {
      int port = free_port();
      quorum = fmt::format("127.0.0.1:{}", port);
      zk = start_zookeeper(dir, port);
      pids.push_back(zk);
      wait_ready("ZooKeeper server", zk, dir / "zookeeper.log", std::chrono::seconds(60),
                 [&] { return zookeeper_ok(port); });
      // The user's -D flags come after these and win.
      base.insert(base.begin(), {"-D", "high-availability.type=zookeeper", "-D",
                                 "high-availability.zookeeper.quorum=" + quorum, "-D",
                                 "high-availability.storageDir=" + (dir / "ha").string()});
    }
    // JobManagers: with HA each on its own ports (the configured ones + i; 0 stays "any free port").
    const int64_t rest_port = conf.get_int(options::kRestPort),
                  rpc_port = conf.get_int(options::kJobManagerRpcPort);
    std::vector<pid_t> jms;
    std::vector<fs::path> jm_logs;
    for (int i = 0; i < c.job_managers; ++i) {
      auto args = base;
      args.insert(args.begin(), "jobmanager");
      if (ha && i > 0)
        args.insert(args.end(), {"-D", fmt::format("rest.port={}", rest_port == 0 ? 0 : rest_port + i), "-D",
                                 fmt::format("jobmanager.rpc.port={}", rpc_port == 0 ? 0 : rpc_port + i)});
      const std::string name = i == 0 ? std::string("jobmanager") : fmt::format("jobmanager-{}", i);
      jm_logs.push_back(dir / (name + ".out"));
      jms.push_back(weir_process(args, name));
      pids.push_back(jms.back());
    }
    std::vector<std::string> rests;
    for (size_t i = 0; i < jms.size(); ++i) {
      wait_ready("JobManager", jms[i], jm_logs[i], std::chrono::seconds(30),
                 [&] { return !find_line_value(jm_logs[i], "REST http=").empty(); });
      rests.push_back(find_line_value(jm_logs[i], "REST http="));
    }
    std::string rpc = find_line_value(jm_logs[0], "JOBMANAGER rpc=");
    std::vector<pid_t> tms;
    for (int i = 0; i < c.task_managers; ++i) {
      auto tm_args = base;
      tm_args.insert(tm_args.begin(), "taskmanager");
      if (!ha) {  // with HA they find the leader through ZooKeeper
        std::string rpc_host = rpc.substr(0, rpc.rfind(':')), rpc_port_text = rpc.substr(rpc.rfind(':') + 1);
        tm_args.insert(tm_args.end(), {"-D", "jobmanager.rpc.address=" + rpc_host, "-D",
                                       "jobmanager.rpc.port=" + rpc_port_text});
      }
      tms.push_back(weir_process(tm_args, fmt::format("taskmanager-{}", i)));
      pids.push_back(tms.back());
    }
    for (size_t i = 0; i < tms.size(); ++i) {
      fs::path log = dir / fmt::format("taskmanager-{}.out", i);
      wait_ready("TaskManager", tms[i], log, std::chrono::seconds(30),
                 [&] { return !find_line_value(log, "TASKMANAGER id=").empty(); });
    }
    // Ready once a JobManager leads (without HA: the only one) and knows every TaskManager.
    std::string leader;
    wait_ready("cluster", jms[0], jm_logs[0], std::chrono::seconds(60), [&] {
      for (const auto& r : rests)
        if (leads_with(r, c.task_managers)) leader = r;
      return !leader.empty();
    });
    if (ha) rpc = "zookeeper";
    std::ofstream out(state_file);
    out << "pid " << jms[0] << "\n";
    for (pid_t p : tms) out << "pid " << p << "\n";
    for (size_t i = 1; i < jms.size(); ++i) out << "standby " << jms[i] << "\n";
    if (zk > 0) out << "zookeeper " << zk << "\n";
    out << "rest " << leader << "\nrpc " << rpc << "\n";
    out.close();
    std::string extra;
    if (ha) extra = fmt::format(" jobmanagers={} rests={}", c.job_managers, fmt::join(rests, ","));
    if (!quorum.empty()) extra += " zookeeper=" + quorum;
    std::cout << fmt::format("CLUSTER rest={} rpc={} taskmanagers={} dir={}{}", leader, rpc, c.task_managers,
                             dir.string(), extra)
              << std::endl;
    return 0;
  } catch (...) {
    std::reverse(pids.begin(), pids.end());  // ZooKeeper last
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
  std::vector<pid_t> jms = s.standbys;  // standbys first: the leader's jobs are not handed over
  if (!s.pids.empty()) jms.push_back(s.pids.front());
  stop_pids(jms);
  if (s.zookeeper > 0) stop_pids({s.zookeeper});
  fs::remove(state_file);
  std::cout << "STOPPED rest=" << s.rest
            << " processes=" << s.pids.size() + s.standbys.size() + (s.zookeeper > 0 ? 1 : 0) << std::endl;
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
  c.start_cmd
      ->add_option("--jobmanagers", c.job_managers,
                   "Number of JobManagers (more than one: standbys; needs HA)")
      ->capture_default_str()
      ->check(CLI::Range(1, 9));
  c.start_cmd->add_flag(
      "--zookeeper", c.zookeeper,
      "Start a local ZooKeeper server (Debian's zookeeper package) and configure ZooKeeper HA "
      "(storageDir under --dir)");
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
