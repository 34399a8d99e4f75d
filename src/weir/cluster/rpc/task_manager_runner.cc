#include "weir/cluster/rpc/task_manager_runner.h"

#include <random>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "weir/cluster/rpc/cluster.grpc.pb.h"
#include "weir/cluster/rpc/process_log_files.h"
#include "weir/cluster/rpc/proto_convert.h"
#include "weir/cluster/rpc/rpc_log.h"
#include "weir/cluster/taskmanager/task_manager_memory.h"
#include "weir/common/config_options.h"
#include "weir/common/error.h"
#include "weir/common/failure_points.h"
#include "weir/common/thread_name.h"

namespace weir::cluster::rpc {

namespace {

constexpr const char* kRole = "taskmanager";
using Clock = std::chrono::steady_clock;

std::unique_ptr<weir::rpc::JobManagerService::Stub> job_manager_stub(const std::string& address,
                                                                     std::chrono::milliseconds interval) {
  // gRPC's default reconnect backoff grows to two minutes; a TaskManager must find a restarted
  // JobManager within a few heartbeats, so cap it near the heartbeat interval.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(interval.count()));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(interval.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(std::max<int64_t>(interval.count(), 1000)));
  return weir::rpc::JobManagerService::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

}  // namespace

class TaskManagerRunner::Service final : public weir::rpc::TaskManagerService::Service {
 public:
  explicit Service(TaskManagerRunner& tm) : tm_(tm) {}

  // A malformed message (e.g. a bad job id) is the caller's error, not a crash.
  template <typename Fn>
  static grpc::Status guarded(Fn&& fn) {
    try {
      fn();
      return grpc::Status::OK;
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }
  }

  grpc::Status Heartbeat(grpc::ServerContext*, const weir::rpc::HeartbeatRequest* req,
                         weir::rpc::HeartbeatResponse* resp) override {
    bool known = false;
    {
      std::lock_guard lock(tm_.mu_);
      known = !tm_.job_manager_id_.empty() && req->sender_id() == tm_.job_manager_id_;
      if (known) tm_.last_job_manager_contact_ = Clock::now();
    }
    resp->set_known(known);
    // The payload (Flink's ExecutionDeploymentReport), for our JobManager only: what runs here.
    if (known) {
      for (const auto& id : tm_.host_->task_attempts()) to_proto(id, resp->add_attempts());
      // What the JobManager runs: a job kept here it has not run for heartbeat.timeout lost its ReleaseJob.
      if (req->lists_jobs())
        tm_.host_->release_jobs_not_running({req->running_jobs().begin(), req->running_jobs().end()},
                                            tm_.heartbeat_.timeout);
    }
    return grpc::Status::OK;
  }

  grpc::Status SubmitTask(grpc::ServerContext*, const weir::rpc::SubmitTaskRequest* req,
                          weir::rpc::SubmitTaskResponse* resp) override {
    std::string error = tm_.host_->submit(*req);
    resp->set_accepted(error.empty());
    resp->set_reason(error);
    if (error.empty())
      log_line(kRole, fmt::format("deployed task {}/{} of job {} (attempt {})", req->task().vertex(),
                                  req->task().subtask(), req->task().job_id(), req->task().attempt()));
    else
      log_line(kRole, fmt::format("refused task {}/{} of job {}: {}", req->task().vertex(),
                                  req->task().subtask(), req->task().job_id(), error));
    return grpc::Status::OK;
  }

  // Fencing: a leader-issued request runs only when it comes from the JobManager (leader session) this
  // TaskManager serves; a deposed leader gets FAILED_PRECONDITION saying so.
  template <typename Fn>
  grpc::Status fenced(const char* what, const std::string& sender, Fn&& fn) {
    if (std::string refused = tm_.host_->refuse_sender(sender); !refused.empty()) {
      log_line(kRole, fmt::format("refused {}: {}", what, refused));
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, refused);
    }
    return guarded(std::forward<Fn>(fn));
  }

  grpc::Status CancelTask(grpc::ServerContext*, const weir::rpc::TaskRequest* req,
                          weir::rpc::Empty*) override {
    return fenced("cancel", req->job_manager_id(), [&] { tm_.host_->cancel(req->task()); });
  }

  grpc::Status TriggerCheckpoint(grpc::ServerContext*, const weir::rpc::TriggerCheckpointRequest* req,
                                 weir::rpc::Empty*) override {
    return fenced("checkpoint trigger", req->job_manager_id(), [&] { tm_.host_->trigger_checkpoint(*req); });
  }

  grpc::Status NotifyCheckpoint(grpc::ServerContext*, const weir::rpc::NotifyCheckpointRequest* req,
                                weir::rpc::Empty*) override {
    return fenced("checkpoint notification", req->job_manager_id(),
                  [&] { tm_.host_->notify_checkpoint(*req); });
  }

  grpc::Status StopSource(grpc::ServerContext*, const weir::rpc::TaskRequest* req,
                          weir::rpc::Empty*) override {
    return fenced("stop source", req->job_manager_id(), [&] { tm_.host_->stop_source(req->task()); });
  }

  grpc::Status OutputWait(grpc::ServerContext*, const weir::rpc::TaskRequest* req,
                          weir::rpc::OutputWaitResponse* resp) override {
    return guarded([&] {
      auto counters = tm_.host_->task_counters(req->task());
      resp->set_known(counters.has_value());
      if (!counters) return;
      resp->set_wait_ns(counters->output_wait_ns);
      resp->set_records_in(counters->records_in);
      resp->set_records_out(counters->records_out);
      resp->set_input_watermark(counters->input_watermark);
      resp->set_idle_ns(counters->idle_ns);
    });
  }

  // Read-only views for the web UI: not fenced (any JobManager that knows this TaskManager may ask).
  grpc::Status Details(grpc::ServerContext*, const weir::rpc::TaskManagerDetailsRequest*,
                       weir::rpc::TaskManagerDetailsResponse* resp) override {
    return guarded([&] {
      resp->set_num_slots(tm_.num_slots_);
      resp->set_running_tasks(static_cast<int32_t>(tm_.host_->num_running_tasks()));
      resp->set_uptime_ms(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count());
      TaskManagerMemory m = task_manager_memory(tm_.conf_);
      resp->set_rss_bytes(m.rss_bytes);
      resp->set_peak_rss_bytes(m.peak_rss_bytes);
      resp->set_network_segment_size(m.network_segment_size);
      resp->set_network_buffers_in_use(m.network_buffers_in_use);
      resp->set_network_buffers_peak(m.network_buffers_peak);
      resp->set_network_buffers_capacity(m.network_buffers_capacity);
      resp->set_managed_memory_bytes(m.managed_memory_bytes);
      for (const auto& t : tm_.host_->task_metrics()) {
        auto* e = resp->add_tasks();
        e->set_job_id(t.job);
        e->set_vertex(t.vertex);
        e->set_subtask(t.subtask);
        e->set_attempt(t.attempt);
        e->set_state(to_string(t.state));
        e->set_records_in(t.records_in);
        e->set_records_out(t.records_out);
        e->set_backpressured_ns(t.output_wait_ns);
        e->set_idle_ns(t.idle_ns);
      }
      for (const auto& f : process_log_files(kRole)) {
        auto* l = resp->add_logs();
        l->set_name(f.name);
        l->set_size(f.size);
      }
    });
  }

  grpc::Status ReadLog(grpc::ServerContext*, const weir::rpc::ReadLogRequest* req,
                       weir::rpc::ReadLogResponse* resp) override {
    return guarded([&] {
      int64_t size = 0;
      auto text = read_log_tail(kRole, req->name(), req->max_bytes(), &size);
      resp->set_found(text.has_value());
      if (text) {
        resp->set_content(std::move(*text));
        resp->set_size(size);
      } else {
        std::string names;
        for (const auto& f : process_log_files(kRole)) names += (names.empty() ? "" : ", ") + f.name;
        resp->set_reason(
            fmt::format("this TaskManager has no log file '{}' (it has: {})", req->name(),
                        names.empty() ? "none: its output goes to a terminal or a pipe" : names));
      }
    });
  }

  grpc::Status ReleaseJob(grpc::ServerContext*, const weir::rpc::ReleaseJobRequest* req,
                          weir::rpc::Empty*) override {
    return fenced("release job", req->job_manager_id(), [&] { tm_.host_->release_job(req->job_id()); });
  }

 private:
  TaskManagerRunner& tm_;
  const Clock::time_point started_ = Clock::now();
};

TaskManagerRunner::TaskManagerRunner(const Configuration& conf, bool follow_leader)
    : conf_(conf),
      heartbeat_(HeartbeatSettings::from(conf)),
      follow_leader_(follow_leader),
      num_slots_(static_cast<int>(conf.get_int(options::kSlotsPerTaskManager))),
      registration_timeout_(conf.get_duration(options::kTaskManagerRegistrationTimeout)) {
  if (!follow_leader_)
    job_manager_address_ = fmt::format("{}:{}", conf.get_string(options::kJobManagerRpcAddress),
                                       conf.get_int(options::kJobManagerRpcPort));
  if (!follow_leader_ && conf.get_int(options::kJobManagerRpcPort) == 0)
    throw ConfigError(
        "configuration key 'jobmanager.rpc.port' must name the JobManager's port (1-65535) "
        "for a TaskManager; 0 means 'any free port' only for the JobManager itself");
  std::string host = conf.get_string(options::kTaskManagerHost);
  network::DataPlaneOptions data;
  data.host = host;
  data.port = static_cast<int>(conf.get_int(options::kTaskManagerDataPort));
  data.connect_timeout = conf.get_duration(options::kNetworkConnectTimeout);
  host_ = std::make_unique<TaskHost>(num_slots_, data, heartbeat_.timeout, conf_);
  data_port_ = std::stoi(host_->data_address().substr(host_->data_address().rfind(':') + 1));
  std::string requested = fmt::format("{}:{}", host, conf.get_int(options::kTaskManagerRpcPort));
  service_ = std::make_unique<Service>(*this);
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int bound = 0;
  builder.AddListeningPort(requested, grpc::InsecureServerCredentials(), &bound);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || bound == 0) {
    throw WeirError(
        fmt::format("cannot bind the TaskManager's RPC server to {} (taskmanager.host, "
                    "taskmanager.rpc.port): the address is in use or not local",
                    requested));
  }
  rpc_address_ = fmt::format("{}:{}", host, bound);
  std::random_device rd;
  id_ = fmt::format("tm-{}-{:06x}", bound, rd() & 0xffffff);
}

TaskManagerRunner::~TaskManagerRunner() {
  shutdown("TaskManager destroyed");
}

std::string TaskManagerRunner::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

void TaskManagerRunner::start() {
  log_line(kRole,
           fmt::format("TaskManager {} rpc={} data_port={} slots={}; registering at the JobManager at {}",
                       id_, rpc_address_, data_port_, num_slots_,
                       follow_leader_ ? std::string("the leader (ZooKeeper)") : job_manager_address_));
  connection_ = std::thread([this] {
    set_thread_name("tm-connection");
    // What the loop throws fails the TaskManager as a registration timeout does (failed(): the process exits
    // with the message), instead of ending the process from this thread.
    auto fail = [this](const std::string& what) {
      {
        std::lock_guard lock(mu_);
        failure_ = fmt::format("the connection to the JobManager failed: {}", what);
      }
      log::get("taskmanager").error("the connection to the JobManager failed: {}", what);
      failed_ = true;
    };
    try {
      connection_loop();
    } catch (const std::exception& e) {
      fail(e.what());
    } catch (...) {
      fail("an exception that is not a std::exception");
    }
  });
}

bool TaskManagerRunner::wait_or_stop(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_ || leader_changed_; });  // a new leader: act now
  return stopping_;
}

void TaskManagerRunner::follow_leader(const std::string& rpc_address, const std::string& session) {
  {
    std::lock_guard lock(mu_);
    if (session == leader_session_ && rpc_address == job_manager_address_) return;
    if (rpc_address.empty()) return;  // no leader now: keep the last one until a new one is elected
    job_manager_address_ = rpc_address;
    leader_session_ = session;
    leader_changed_ = true;
  }
  log_line(kRole, fmt::format("leader JobManager: {} (session {})", rpc_address, session));
  cv_.notify_all();
}

std::string TaskManagerRunner::try_register() {
  std::string address, session;
  {
    std::lock_guard lock(mu_);
    address = job_manager_address_;
    session = leader_session_;
    leader_changed_ = false;
  }
  if (address.empty()) return "no leader JobManager is known yet (ZooKeeper names none)";
  auto stub = job_manager_stub(address, heartbeat_.interval);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + heartbeat_.timeout);
  weir::rpc::RegisterTaskManagerRequest req;
  req.set_task_manager_id(id_);
  req.set_rpc_address(rpc_address_);
  req.set_data_port(data_port_);
  req.set_num_slots(num_slots_);
  weir::rpc::RegisterTaskManagerResponse resp;
  grpc::Status st = stub->RegisterTaskManager(&ctx, req, &resp);
  if (!st.ok()) return st.error_message();
  if (!resp.accepted()) return "refused: " + resp.reason();
  if (follow_leader_ && resp.job_manager_id() != session)
    return fmt::format("the JobManager at {} is in leader session '{}', not the published '{}'", address,
                       resp.job_manager_id(), session);
  // Serve this JobManager before offering slots: it deploys to a slot the moment it accepts it, which
  // may be before OfferSlots returns here.
  host_->connect(resp.job_manager_id(), address);

  grpc::ClientContext offer_ctx;
  offer_ctx.set_deadline(std::chrono::system_clock::now() + heartbeat_.timeout);
  weir::rpc::OfferSlotsRequest offer;
  offer.set_task_manager_id(id_);
  for (int i = 0; i < num_slots_; ++i) offer.add_slots()->set_slot_index(i);
  weir::rpc::OfferSlotsResponse offered;
  st = stub->OfferSlots(&offer_ctx, offer, &offered);
  if (!st.ok()) return "slot offer failed: " + st.error_message();
  {
    std::lock_guard lock(mu_);
    job_manager_id_ = resp.job_manager_id();
    last_job_manager_contact_ = Clock::now();
  }
  log_line(kRole, fmt::format("registered at JobManager {} ({}); {} of {} slot(s) accepted", address,
                              resp.job_manager_id(), offered.accepted_size(), num_slots_));
  return "";
}

void TaskManagerRunner::connection_loop() {
  for (;;) {
    // Registration: retry every heartbeat interval until it works or registration.timeout runs out.
    auto started = Clock::now();
    for (;;) {
      std::string error = try_register();
      if (error.empty()) break;
      if (Clock::now() - started >= registration_timeout_) {
        std::lock_guard lock(mu_);
        failure_ = fmt::format(
            "could not register at the JobManager at {} within {} ms "
            "(taskmanager.registration.timeout): {}",
            job_manager_address_.empty() ? "(no leader)" : job_manager_address_,
            registration_timeout_.count(), error);
        failed_ = true;
        return;
      }
      if (wait_or_stop(heartbeat_.interval)) return;
    }
    std::string address;
    {
      std::lock_guard lock(mu_);
      address = job_manager_address_;
    }
    auto stub = job_manager_stub(address, heartbeat_.interval);
    // Heartbeats until the JobManager is lost or forgets us, or another leader is elected.
    std::string last_error;
    for (;;) {
      if (wait_or_stop(heartbeat_.interval)) return;
      {
        std::unique_lock lock(mu_);
        if (leader_changed_) {
          job_manager_id_.clear();
          lock.unlock();
          host_->disconnect("a new leader JobManager was elected");
          log_line(kRole, fmt::format("a new leader JobManager was elected; leaving {} and registering there",
                                      address));
          break;
        }
      }
      WEIR_FAILURE_POINT("taskmanager.connection.heartbeat");
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + heartbeat_.interval);
      weir::rpc::HeartbeatRequest req;
      req.set_sender_id(id_);
      weir::rpc::HeartbeatResponse resp;
      grpc::Status st = stub->Heartbeat(&ctx, req, &resp);
      std::unique_lock lock(mu_);
      if (st.ok() && !resp.known()) {
        job_manager_id_.clear();
        lock.unlock();
        host_->disconnect("the JobManager no longer knows this TaskManager");
        log_line(kRole, fmt::format("the JobManager at {} no longer knows TaskManager {}; registering again",
                                    address, id_));
        break;
      }
      if (st.ok()) {
        last_job_manager_contact_ = Clock::now();
        continue;
      }
      last_error = st.error_message();
      auto silent = Clock::now() - last_job_manager_contact_;
      if (silent > heartbeat_.timeout) {
        job_manager_id_.clear();
        lock.unlock();
        host_->disconnect("the JobManager is lost");
        log_line(kRole,
                 fmt::format("JobManager at {} lost: no heartbeat for {} ms (heartbeat.timeout={} ms): {}; "
                             "registering again",
                             address, std::chrono::duration_cast<std::chrono::milliseconds>(silent).count(),
                             heartbeat_.timeout.count(), last_error));
        break;
      }
    }
  }
}

void TaskManagerRunner::shutdown(const std::string& reason) {
  std::string jm_id;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    jm_id = job_manager_id_;
  }
  cv_.notify_all();
  if (connection_.joinable()) connection_.join();
  {
    std::lock_guard lock(mu_);
    jm_id = job_manager_id_;
  }
  if (!jm_id.empty()) {
    // Best effort: the JobManager frees our slots at once instead of after heartbeat.timeout.
    std::string address;
    {
      std::lock_guard lock(mu_);
      address = job_manager_address_;
    }
    auto stub = job_manager_stub(address, heartbeat_.interval);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + heartbeat_.interval);
    weir::rpc::DisconnectTaskManagerRequest req;
    req.set_task_manager_id(id_);
    req.set_reason(failed_ ? failure() : reason);
    weir::rpc::DisconnectTaskManagerResponse resp;
    stub->DisconnectTaskManager(&ctx, req, &resp);
  }
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  host_->shutdown();
  log_line(kRole, fmt::format("TaskManager {} stopped: {}", id_, reason));
}

}  // namespace weir::cluster::rpc
