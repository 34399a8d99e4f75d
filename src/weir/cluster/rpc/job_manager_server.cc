#include "weir/cluster/rpc/job_manager_server.h"

#include <algorithm>
#include <list>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "weir/cluster/blob/blob_options.h"
#include "weir/cluster/blob/blob_service.h"
#include "weir/cluster/rpc/cluster.grpc.pb.h"
#include "weir/cluster/rpc/job_planner.h"
#include "weir/cluster/rpc/proto_convert.h"
#include "weir/cluster/rpc/rpc_log.h"
#include "weir/common/error.h"
#include "weir/common/failure_points.h"
#include "weir/common/thread_name.h"

namespace weir::cluster::rpc {

namespace {

constexpr const char* kRole = "jobmanager";

// What is wrong with a TaskManager's registration (empty: nothing). A peer's fields are bounded before they
// are kept: the id and address are logged and shown by REST, the slots are offered one by one.
constexpr int kMaxSlotsPerTaskManager = 4096;  // taskmanager.numberOfTaskSlots' bound
constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxAddressLength = 255;

std::string registration_problem(const weir::rpc::RegisterTaskManagerRequest& req) {
  if (req.task_manager_id().empty() || req.rpc_address().empty() || req.num_slots() <= 0)
    return "registration needs an id, an RPC address and at least one slot";
  if (req.num_slots() > kMaxSlotsPerTaskManager)
    return fmt::format("a TaskManager has at most {} slots (taskmanager.numberOfTaskSlots), not {}",
                       kMaxSlotsPerTaskManager, req.num_slots());
  if (req.task_manager_id().size() > kMaxIdLength)
    return fmt::format("a TaskManager id has at most {} characters, not {}", kMaxIdLength,
                       req.task_manager_id().size());
  if (req.rpc_address().size() > kMaxAddressLength)
    return fmt::format("an RPC address has at most {} characters, not {}", kMaxAddressLength,
                       req.rpc_address().size());
  if (req.data_port() < 0 || req.data_port() > 65535)
    return fmt::format("data port {} is not a TCP port (0 to 65535)", req.data_port());
  return {};
}

std::string random_suffix() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

}  // namespace

class JobManagerServer::Service final : public weir::rpc::JobManagerService::Service {
 public:
  explicit Service(JobManagerServer& jm) : jm_(jm) {}

  grpc::Status RegisterTaskManager(grpc::ServerContext*, const weir::rpc::RegisterTaskManagerRequest* req,
                                   weir::rpc::RegisterTaskManagerResponse* resp) override {
    if (std::string bad = registration_problem(*req); !bad.empty()) {
      resp->set_accepted(false);
      resp->set_reason(bad);
      log_line(kRole, fmt::format("refused a TaskManager's registration: {}", bad));
      return grpc::Status::OK;
    }
    // A TaskManager that registers while we hold its slots has lost us and canceled its tasks.
    jm_.remove_task_executor(req->task_manager_id(), "it registered again (it had lost the JobManager)");
    bool fresh =
        jm_.registry_.register_task_manager(req->task_manager_id(), req->rpc_address(), req->data_port(),
                                            req->num_slots(), TaskManagerRegistry::Clock::now());
    log_line(kRole, fmt::format("TaskManager {} {}: rpc={} data_port={} slots={}", req->task_manager_id(),
                                fresh ? "registered" : "registered again", req->rpc_address(),
                                req->data_port(), req->num_slots()));
    resp->set_accepted(true);
    resp->set_job_manager_id(jm_.id_);
    resp->set_heartbeat_interval_ms(jm_.heartbeat_.interval.count());
    resp->set_heartbeat_timeout_ms(jm_.heartbeat_.timeout.count());
    return grpc::Status::OK;
  }

  grpc::Status OfferSlots(grpc::ServerContext*, const weir::rpc::OfferSlotsRequest* req,
                          weir::rpc::OfferSlotsResponse* resp) override {
    std::vector<int> offered;
    for (const auto& s : req->slots()) offered.push_back(s.slot_index());
    auto accepted = jm_.registry_.offer_slots(req->task_manager_id(), offered);
    for (int s : accepted) resp->add_accepted()->set_slot_index(s);
    if (!accepted.empty()) jm_.add_task_executor(req->task_manager_id());
    log_line(kRole, fmt::format("TaskManager {} offered {} slot(s), {} accepted", req->task_manager_id(),
                                offered.size(), accepted.size()));
    return grpc::Status::OK;
  }

  grpc::Status Heartbeat(grpc::ServerContext*, const weir::rpc::HeartbeatRequest* req,
                         weir::rpc::HeartbeatResponse* resp) override {
    resp->set_known(jm_.registry_.heartbeat(req->sender_id(), TaskManagerRegistry::Clock::now()));
    return grpc::Status::OK;
  }

  grpc::Status DisconnectTaskManager(grpc::ServerContext*, const weir::rpc::DisconnectTaskManagerRequest* req,
                                     weir::rpc::DisconnectTaskManagerResponse*) override {
    if (jm_.registry_.disconnect(req->task_manager_id()))
      log_line(kRole, fmt::format("TaskManager {} disconnected: {}", req->task_manager_id(), req->reason()));
    jm_.remove_task_executor(req->task_manager_id(), "it disconnected: " + req->reason());
    return grpc::Status::OK;
  }

  grpc::Status ListTaskManagers(grpc::ServerContext*, const weir::rpc::ListTaskManagersRequest*,
                                weir::rpc::ListTaskManagersResponse* resp) override {
    auto now = TaskManagerRegistry::Clock::now();
    for (const auto& r : jm_.registry_.all()) {
      auto* info = resp->add_task_managers();
      info->set_task_manager_id(r.id);
      info->set_rpc_address(r.rpc_address);
      info->set_data_port(r.data_port);
      info->set_num_slots(r.num_slots);
      info->set_offered_slots(static_cast<int>(r.offered_slots.size()));
      info->set_status(to_string(r.status));
      info->set_millis_since_heartbeat(
          std::chrono::duration_cast<std::chrono::milliseconds>(now - r.last_heartbeat).count());
    }
    return grpc::Status::OK;
  }

  grpc::Status UpdateTaskState(grpc::ServerContext*, const weir::rpc::TaskStateUpdate* req,
                               weir::rpc::Empty*) override {
    auto status = with_job(req->task(), [&](JobMaster& job, const ExecutionAttemptId& id) {
      job.update_task_execution_state({id, parse_execution_state(req->state()), req->error()});
    });
    if (req->state() == "FAILED") jm_.probe_task_managers();
    return status;
  }

  grpc::Status AcknowledgeCheckpoint(grpc::ServerContext*, const weir::rpc::CheckpointAck* req,
                                     weir::rpc::Empty*) override {
    return with_job(req->task(), [&](JobMaster& job, const ExecutionAttemptId&) {
      job.acknowledge_checkpoint(from_proto(*req));
    });
  }

  grpc::Status DeclineCheckpoint(grpc::ServerContext*, const weir::rpc::DeclineCheckpointRequest* req,
                                 weir::rpc::Empty*) override {
    return with_job(req->task(), [&](JobMaster& job, const ExecutionAttemptId& id) {
      job.decline_checkpoint(id, req->checkpoint_id(), req->reason());
    });
  }

  grpc::Status NotifyEndOfData(grpc::ServerContext*, const weir::rpc::TaskRequest* req,
                               weir::rpc::Empty*) override {
    return with_job(req->task(),
                    [&](JobMaster& job, const ExecutionAttemptId& id) { job.notify_end_of_data(id); });
  }

 private:
  // Runs `fn` on the job the task belongs to; a malformed message or an unknown job is the caller's error.
  template <typename Fn>
  grpc::Status with_job(const weir::rpc::TaskAttempt& task, Fn&& fn) {
    try {
      ExecutionAttemptId id = from_proto(task);
      auto job = jm_.dispatcher_->job(id.job);
      if (!job) return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown job " + task.job_id());
      fn(*job, id);
      return grpc::Status::OK;
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }
  }

  JobManagerServer& jm_;
};

void JobManagerServer::add_task_executor(const std::string& tm_id) {
  std::shared_ptr<RemoteTaskExecutor> te;
  {
    std::lock_guard lock(executors_mu_);
    if (executors_.count(tm_id)) return;
    for (const auto& r : registry_.alive()) {
      if (r.id != tm_id) continue;
      std::string host = r.rpc_address.substr(0, r.rpc_address.rfind(':'));
      te = std::make_shared<RemoteTaskExecutor>(
          NodeId(next_node_++), r.id, r.rpc_address, fmt::format("{}:{}", host, r.data_port),
          static_cast<int>(r.offered_slots.size()), id_, [hook = probe_hook_] {
            std::lock_guard lock(hook->mu);
            if (hook->server) hook->server->probe_task_managers();
          });
    }
    if (!te) return;
    executors_[tm_id] = te;
  }
  rm_->register_task_executor(te);
}

std::shared_ptr<RemoteTaskExecutor> JobManagerServer::task_executor(const std::string& tm_id) {
  std::lock_guard lock(executors_mu_);
  auto it = executors_.find(tm_id);
  return it == executors_.end() ? nullptr : it->second;
}

void JobManagerServer::remove_task_executor(const std::string& tm_id, const std::string& why) {
  std::shared_ptr<RemoteTaskExecutor> te;
  {
    std::lock_guard lock(executors_mu_);
    auto it = executors_.find(tm_id);
    if (it == executors_.end()) return;
    te = std::move(it->second);
    executors_.erase(it);
  }
  rm_->unregister_task_executor(te->id());
  log_line(kRole, fmt::format("TaskManager {} removed ({}); its jobs fail over", tm_id, why));
  std::string message = fmt::format("TaskManager {} ({}) is gone: {}", tm_id, te->data_address(), why);
  for (const auto& j : dispatcher_->list_jobs())
    if (auto job = dispatcher_->job(j.id)) job->on_task_manager_lost(te->id(), message);
}

void JobManagerServer::probe_task_managers() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
  }
  if (probe_pending_.exchange(true)) return;  // one probe round at a time covers every failure before it
  probes_->submit([this] {
    probe_pending_ = false;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;  // queued before the shutdown
    }
    std::vector<std::pair<std::string, std::shared_ptr<RemoteTaskExecutor>>> all;
    {
      std::lock_guard lock(executors_mu_);
      all.assign(executors_.begin(), executors_.end());
    }
    for (auto& [id, te] : all)
      if (!te->reachable(heartbeat_.interval))
        remove_task_executor(id,
                             fmt::format("it did not answer a heartbeat within {} ms after a task failure",
                                         heartbeat_.interval.count()));
  });
}

JobId JobManagerServer::submit_job(const weir::rpc::JobSpec& spec) {
  JobId id = JobId::generate();
  // Planned first (a bad spec is refused without a trace), persisted before it runs.
  return run_job(id, spec, /*persist=*/true);
}

JobId JobManagerServer::recover_job(const JobId& id, weir::rpc::JobSpec spec,
                                    const std::string& restore_path) {
  if (!restore_path.empty()) (*spec.mutable_config())["execution.savepoint.path"] = restore_path;
  log_line(kRole, fmt::format("recovering job {} '{}' from {}", id.to_string(), spec.name(),
                              restore_path.empty() ? "its start (no completed checkpoint)" : restore_path));
  run_job(id, spec, /*persist=*/false);
  return id;
}

JobId JobManagerServer::run_job(const JobId& id, const weir::rpc::JobSpec& spec, bool persist) {
  std::string library;
  if (spec.kind() == "library" || spec.kind() == "python") {
    blob::BlobKey key = blob::BlobKey::parse(spec.blob_key());
    if (!blob_server_->contains(key))
      throw WeirError(
          fmt::format("job library '{}': the blob store has no blob {} (upload it first: POST /jars/upload)",
                      spec.name(), spec.blob_key()));
    library = blob_server_->local_file(key).string();
  }
  auto jg = plan_job(spec, library);
  std::shared_ptr<JobMaster> job;
  if (ha_.checkpoint_hooks) {
    if (persist && ha_.persist_job) ha_.persist_job(id, spec);
    job = dispatcher_->submit_job(jg, SystemClock::shared(), id, ha_.checkpoint_hooks(id));
  } else {
    job = dispatcher_->submit_job(jg, SystemClock::shared());
  }
  log_line(kRole, fmt::format("job {} '{}' submitted: {} vertices, {} slot(s) needed", job->id().to_string(),
                              jg->name, jg->vertices.size(), jg->max_vertex_parallelism()));
  return job->id();
}

JobManagerServer::JobManagerServer(const Configuration& conf, std::string id, JobManagerHaHooks ha)
    : heartbeat_(HeartbeatSettings::from(conf)),
      id_(id.empty() ? "jm-" + random_suffix() : std::move(id)),
      rm_(std::make_shared<ResourceManager>(/*elastic=*/true)),
      probes_(std::make_unique<SerialExecutor>()),
      ha_(std::move(ha)),
      ha_calls_(std::make_unique<SerialExecutor>()),
      reconciler_(std::make_unique<SerialExecutor>()) {
  probe_hook_->server = this;
  auto on_job_terminal = [this](const JobId& job, const std::shared_ptr<JobMaster>& ended) {
    // Called on the JobManager's I/O pool (no lock held); ZooKeeper is written on ha_calls_, in order. The
    // JobMaster comes along: the Dispatcher may have let go of it by then (jobstore.expiration-time).
    if (ha_.job_ended)
      ha_calls_->submit([this, job, jm = ended] {
        if (!jm || jm->suspended()) return;
        try {
          ha_.job_ended(job, jm->status(), jm->failure());
        } catch (const std::exception& e) {
          log_line(kRole, fmt::format("job {}: recording its end in ZooKeeper failed (the next leader "
                                      "finishes it): {}",
                                      job.to_string(), e.what()));
        }
      });
    std::vector<std::shared_ptr<RemoteTaskExecutor>> all;
    {
      std::lock_guard lock(executors_mu_);
      for (auto& [id, te] : executors_) all.push_back(te);
    }
    for (auto& te : all) te->release_job(job);
  };
  dispatcher_ = std::make_unique<Dispatcher>(rm_, std::move(on_job_terminal), JobStoreOptions::from(conf));
  std::string host = conf.get_string(options::kJobManagerRpcAddress);
  auto port = conf.get_int(options::kJobManagerRpcPort);
  std::string requested = fmt::format("{}:{}", host, port);
  service_ = std::make_unique<Service>(*this);
  grpc::ServerBuilder builder;
  // Without this, gRPC sets SO_REUSEPORT and a second JobManager on the same port would start silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int bound = 0;
  builder.AddListeningPort(requested, grpc::InsecureServerCredentials(), &bound);
  builder.RegisterService(service_.get());
  blob_server_ = ha_.blob_dir.empty() ? std::make_unique<blob::BlobServer>(conf)
                                      : std::make_unique<blob::BlobServer>(ha_.blob_dir);
  blob_service_ = blob::register_blob_service(
      builder, *blob_server_, static_cast<uint64_t>(conf.get_memory(options::kBlobMaxUploadSize, true)));
  server_ = builder.BuildAndStart();
  if (!server_ || bound == 0)
    throw WeirError(
        fmt::format("cannot bind the JobManager's RPC server to {} (jobmanager.rpc.address, "
                    "jobmanager.rpc.port): the address is in use or not local",
                    requested));
  address_ = fmt::format("{}:{}", host, bound);
  log_line(kRole,
           fmt::format("JobManager {} listening on {} (heartbeat.interval={} ms, heartbeat.timeout={} ms)",
                       id_, address_, heartbeat_.interval.count(), heartbeat_.timeout.count()));
  monitor_ = std::thread([this] {
    set_thread_name("jm-heartbeats");
    monitor_loop();
  });
}

JobManagerServer::~JobManagerServer() {
  shutdown();
  {
    std::lock_guard lock(probe_hook_->mu);  // no executor's callback reaches this server from now on
    probe_hook_->server = nullptr;
  }
  probes_.reset();      // a probe round calls the Dispatcher (remove_task_executor): it ends before it goes
  reconciler_.reset();  // its reconciliations call the JobMasters: before the Dispatcher goes
  // The Dispatcher's I/O pool runs the end-of-job callbacks still queued, which use executors_ and ha_calls_:
  // it goes before them.
  dispatcher_.reset();
}

void JobManagerServer::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

// Sends heartbeats every heartbeat.interval and checks for silent TaskManagers more often, so that a
// lost one is reported at most ~100 ms after its timeout ran out.
//
// Lifetimes (gRPC's callback API aborts when a call's context or channel goes away under it): the monitor
// thread owns every call and every channel; a callback only marks its call done under mu_; the monitor
// thread destroys done calls, and channels of lost TaskManagers once no call on them is pending.
void JobManagerServer::monitor_loop() {
  using Clock = TaskManagerRegistry::Clock;
  struct Peer {
    std::string address;
    std::unique_ptr<weir::rpc::TaskManagerService::Stub> stub;
  };
  struct Call {
    grpc::ClientContext ctx;
    weir::rpc::HeartbeatRequest req;
    weir::rpc::HeartbeatResponse resp;
    const weir::rpc::TaskManagerService::Stub* stub = nullptr;
    bool done = false;  // REQUIRES: mu_ held
  };
  std::map<std::string, Peer> peers;       // monitor thread only
  std::vector<Peer> retired;               // monitor thread only
  std::list<std::unique_ptr<Call>> calls;  // the list: monitor thread only; Call::done: mu_
  auto tick = std::min<std::chrono::milliseconds>(heartbeat_.interval, std::chrono::milliseconds(100));
  auto next_heartbeat = Clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    calls.remove_if([](const std::unique_ptr<Call>& c) { return c->done; });
    std::erase_if(retired, [&calls](const Peer& p) {
      return std::none_of(calls.begin(), calls.end(),
                          [&p](const auto& c) { return c->stub == p.stub.get(); });
    });
    lock.unlock();
    // A round that throws (a JobMaster's heartbeat token, a gRPC stub) is logged and the next one comes: the
    // thread that detects lost TaskManagers must not end, nor end the process.
    try {
      WEIR_FAILURE_POINT("jobmanager.heartbeat-round");
      auto now = Clock::now();
      if (now >= next_heartbeat) {
        next_heartbeat = now + heartbeat_.interval;
        // Tokens before the heartbeats: an attempt a JobMaster saw RUNNING before its token is in an answer
        // to this round unless it is gone from the TaskManager (JobMaster::reconcile_task_manager).
        auto tokens = std::make_shared<HeartbeatTokens>();
        // The jobs that run, listed after the tokens: a TaskManager lets go of a job that none of its
        // heartbeats lists for heartbeat.timeout (a lost ReleaseJob).
        std::vector<std::string> running;
        for (auto& jm : dispatcher_->jobs()) {
          tokens->emplace_back(jm, jm->heartbeat_token());
          if (!is_terminal(jm->status())) running.push_back(jm->id().to_string());
        }
        std::shared_ptr<const HeartbeatTokens> round = std::move(tokens);
        for (const auto& r : registry_.alive()) {
          Peer& p = peers[r.id];
          if (!p.stub || p.address != r.rpc_address) {
            if (p.stub) retired.push_back(std::move(p));
            p = Peer{r.rpc_address, weir::rpc::TaskManagerService::NewStub(grpc::CreateChannel(
                                        r.rpc_address, grpc::InsecureChannelCredentials()))};
          }
          auto call = std::make_unique<Call>();
          Call* c = call.get();
          c->ctx.set_deadline(std::chrono::system_clock::now() + heartbeat_.interval);
          c->req.set_sender_id(id_);
          for (const auto& job : running) c->req.add_running_jobs(job);
          c->req.set_lists_jobs(true);
          c->stub = p.stub.get();
          {
            std::lock_guard l(mu_);
            calls.push_back(std::move(call));
          }
          auto te = task_executor(r.id);  // null until its slots are accepted: nothing to reconcile yet
          p.stub->async()->Heartbeat(&c->ctx, &c->req, &c->resp,
                                     [this, c, tm = r.id, te, round](grpc::Status status) {
                                       if (status.ok() && c->resp.known()) {
                                         registry_.heartbeat(tm, Clock::now());
                                         if (te) post_report(tm, {te, round, std::move(c->resp)});
                                       }
                                       std::lock_guard l(mu_);
                                       c->done = true;
                                       cv_.notify_all();
                                     });
        }
      }
      for (const auto& r : registry_.expire(Clock::now(), heartbeat_.timeout)) {
        auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - r.last_heartbeat);
        log_line(kRole,
                 fmt::format("TaskManager {} at {} lost: no heartbeat for {} ms (heartbeat.timeout={} ms); "
                             "its {} slot(s) are gone",
                             r.id, r.rpc_address, silent.count(), heartbeat_.timeout.count(), r.num_slots));
        remove_task_executor(r.id, fmt::format("no heartbeat for {} ms (heartbeat.timeout={} ms)",
                                               silent.count(), heartbeat_.timeout.count()));
        if (auto it = peers.find(r.id); it != peers.end()) {
          retired.push_back(std::move(it->second));
          peers.erase(it);
        }
      }
    } catch (const std::exception& e) {
      log::get("jobmanager")
          .error("the heartbeat monitor's round failed: {}; the next round comes in {} ms", e.what(),
                 tick.count());
    } catch (...) {
      log::get("jobmanager")
          .error(
              "the heartbeat monitor's round failed with an unknown exception; the next round comes in {} ms",
              tick.count());
    }
    lock.lock();
    cv_.wait_for(lock, tick, [this] { return stopping_; });
  }
  // Each pending call ends by its deadline; wait for them before the channels and calls go away.
  cv_.wait(lock, [&calls] {
    return std::all_of(calls.begin(), calls.end(), [](const auto& c) { return c->done; });
  });
}

void JobManagerServer::post_report(const std::string& tm_id, HeartbeatReport report) {
  std::lock_guard lock(reports_mu_);
  reports_[tm_id] = std::move(report);  // a newer answer (a later token) covers an older one not yet used
  if (reconcile_queued_) return;
  reconcile_queued_ = true;
  reconciler_->submit([this] { reconcile_reports(); });
}

void JobManagerServer::reconcile_reports() {
  std::map<std::string, HeartbeatReport> reports;
  {
    std::lock_guard lock(reports_mu_);
    reports.swap(reports_);
    reconcile_queued_ = false;
  }
  for (const auto& [tm_id, report] : reports) reconcile(tm_id, report);
}

void JobManagerServer::reconcile(const std::string& tm_id, const HeartbeatReport& report) {
  if (task_executor(tm_id) != report.te) return;  // it left or registered again since: not its tasks now
  std::vector<ExecutionAttemptId> present;
  try {
    present = attempts_from_heartbeat(report.response);
  } catch (const std::exception& e) {
    // Acting on part of a report could fail a task the bad part was about: nothing is reconciled.
    log::get(kRole).error(
        "TaskManager {} at {}: its heartbeat's task report is refused, nothing reconciled: {}", tm_id,
        report.te->data_address(), e.what());
    return;
  }
  std::map<JobId, std::vector<ExecutionAttemptId>> by_job;
  for (const auto& id : present) by_job[id.job].push_back(id);
  std::set<JobId> asked;
  for (const auto& [weak, token] : *report.tokens) {
    auto jm = weak.lock();
    if (!jm) continue;  // let go of since: its attempts are cancelled below
    asked.insert(jm->id());
    auto it = by_job.find(jm->id());
    jm->reconcile_task_manager(report.te->id(), token,
                               it == by_job.end() ? std::vector<ExecutionAttemptId>{} : it->second);
  }
  for (const auto& [job, ids] : by_job) {
    if (asked.count(job)) continue;
    // Not asked: a job submitted since the tokens (its JobMaster reconciles next round), or one the
    // Dispatcher no longer runs, whose tasks nobody follows: they go.
    auto jm = dispatcher_->job(job);
    if (jm && !is_terminal(jm->status())) continue;
    for (const auto& id : ids) {
      log_line(kRole,
               fmt::format("TaskManager {} runs attempt {} of subtask {} of vertex {} of job {}, which no "
                           "running job follows: cancelling it",
                           tm_id, id.attempt, id.subtask, id.vertex, job.to_string()));
      report.te->cancel_task(id);
    }
  }
}

}  // namespace weir::cluster::rpc
