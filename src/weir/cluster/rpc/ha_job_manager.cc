#include "weir/cluster/rpc/ha_job_manager.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/rpc/rpc_log.h"
#include "weir/common/error.h"

namespace weir::cluster::rpc {

namespace {

constexpr const char* kRole = "jobmanager";

std::string checkpoint_dir_of(const std::string& metadata_path) {
  auto slash = metadata_path.rfind('/');
  return slash == std::string::npos ? metadata_path : metadata_path.substr(0, slash);
}

ha::JobTerminalState terminal_state(JobStatus s) {
  switch (s) {
    case JobStatus::kFinished:
      return ha::JobTerminalState::kFinished;
    case JobStatus::kCanceled:
      return ha::JobTerminalState::kCanceled;
    default:
      return ha::JobTerminalState::kFailed;
  }
}

}  // namespace

HaJobManager::HaJobManager(Configuration conf, const ha::HaSettings& settings, std::string rest_address,
                           TermListener listener)
    : conf_(std::move(conf)),
      rest_address_(std::move(rest_address)),
      blob_dir_(settings.storage_dir + settings.cluster_id + "/blobs"),
      listener_(std::move(listener)),
      ha_(ha::ZooKeeperHaServices::create(settings)) {
  log_line(kRole, fmt::format("high availability: ZooKeeper {} (cluster {}, session timeout {} ms granted)",
                              settings.zookeeper.quorum, settings.cluster_znode(),
                              ha_->client().negotiated_session_timeout().count()));
}

HaJobManager::~HaJobManager() {
  close();
}

void HaJobManager::start() {
  retriever_ = ha_->create_leader_retriever(
      ha::ZooKeeperHaServices::kJobManager, [](const std::optional<ha::LeaderInfo>& leader) {
        if (leader)
          log_line(kRole, fmt::format("leader: rpc={} rest={} session={}", leader->rpc_address,
                                      leader->rest_address, leader->session.str()));
      });
  retriever_->start();
  latch_ = ha_->create_leader_latch(rest_address_, *this);
  latch_->start();
  log_line(kRole, fmt::format("joined the leader election as {} (standby until granted)", rest_address_));
}

void HaJobManager::close() {
  if (latch_) latch_->close();  // revokes a leader: end_term is queued
  if (retriever_) retriever_->close();
  std::promise<void> drained;
  terms_.submit([&drained] { drained.set_value(); });
  drained.get_future().wait();
  end_term("the JobManager stops");  // a term the revoke did not end (the latch never started)
}

std::shared_ptr<JobManagerServer> HaJobManager::term() const {
  std::lock_guard lock(mu_);
  return server_;
}

std::optional<ha::LeaderInfo> HaJobManager::leader() const {
  return retriever_ ? retriever_->current() : std::nullopt;
}

void HaJobManager::grant_leadership(const ha::LeaderSessionId& session) {
  // The moment the latch saw its node lowest (the failover benchmark's end of detection).
  log_line(kRole, fmt::format("leader latch: this JobManager leads from now on (session {}); taking over",
                              session.str()));
  paused_ = false;
  terms_.submit([this, session] { begin_term(session); });
}

void HaJobManager::revoke_leadership() {
  terms_.submit([this] { end_term("leadership revoked (ZooKeeper session lost or the latch closed)"); });
}

void HaJobManager::suspend_leadership() {
  paused_ = true;
  log_line(kRole, "ZooKeeper connection suspended: checkpoints pause until it is back (jobs keep running)");
}

void HaJobManager::resume_leadership() {
  paused_ = false;
  log_line(kRole, "ZooKeeper connection back with the same session: still the leader, checkpoints resume");
}

JobManagerHaHooks HaJobManager::hooks(const ha::LeaderFence& fence) {
  JobManagerHaHooks h;
  h.blob_dir = blob_dir_;
  ha::ZooKeeperHaServices* ha = ha_.get();
  h.persist_job = [ha, fence](const JobId& job, const weir::rpc::JobSpec& spec) {
    ha->job_graph_store().put(job, spec.SerializeAsString(), fence);
  };
  h.checkpoint_hooks = [this, ha, fence](const JobId& job) {
    CheckpointHaHooks c;
    c.next_id = [ha, fence, job] { return ha->checkpoint_id_counter().get_and_increment(job, fence); };
    c.completed = [ha, fence, job](int64_t id, const std::string& metadata,
                                   const std::vector<int64_t>& retained) {
      std::vector<int64_t> subsumed;
      for (const auto& p : ha->completed_checkpoint_store().list(job))
        if (p.checkpoint_id != id &&
            std::find(retained.begin(), retained.end(), p.checkpoint_id) == retained.end())
          subsumed.push_back(p.checkpoint_id);
      try {
        ha->completed_checkpoint_store().add(job, {id, metadata}, fence, subsumed);
      } catch (const ha::FencingError&) {
        throw;  // nothing was written
      } catch (const ha::ZooKeeperError& e) {
        // The multi-op was sent and its answer lost: ZooKeeper may hold the pointer (and no longer the
        // subsumed ones), so the checkpoint's files must stay for whoever restores from it.
        if (e.connection_loss() || e.session_expired())
          throw CheckpointCompletionUnknown(
              fmt::format("its pointer may or may not be in ZooKeeper (files kept): {}", e.what()));
        throw;
      }
    };
    c.paused = [this] { return paused_.load(); };
    // Attempt numbers no former leader's tasks of this job use (see CheckpointHaHooks::first_attempt).
    static thread_local std::mt19937 rng{std::random_device{}()};
    c.first_attempt = std::uniform_int_distribution<int>(1 << 16, 1 << 30)(rng);
    // A recovered job: the retained checkpoints of a former leader whose metadata loads (the newest of them
    // is the one it restores from, see recover_jobs) become the coordinator's own, shared state included.
    // A new job has none.
    for (const auto& p : ha->completed_checkpoint_store().list(job)) {
      try {
        checkpoint::load_checkpoint(p.metadata_path);
        c.recovered.push_back({p.checkpoint_id, checkpoint_dir_of(p.metadata_path)});
      } catch (const std::exception&) {
        // Skipped by recover_jobs as well (and logged there); its pointer goes with the next completion.
      }
    }
    return c;
  };
  h.job_ended = [this, ha, fence](const JobId& job, JobStatus status, const std::string& error) {
    ha::JobResult result{job, terminal_state(status), status == JobStatus::kFailed ? error : std::string(),
                         false};
    const std::string blob = blob_key_of(job);  // read before cleanup_job removes the spec
    try {
      ha->job_result_store().put(result, fence);
    } catch (const ha::FencingError&) {
      throw;
    } catch (const ha::ZooKeeperError& e) {
      if (!e.node_exists()) throw;  // recorded already (a retry): carry on with the cleanup
    }
    ha->cleanup_job(job, fence);
    ha->job_result_store().mark_clean(job, fence);
    log_line(kRole, fmt::format("job {} ended {}: result recorded, its HA data removed", job.to_string(),
                                to_string(status)));
    remove_blob_if_unreferenced(blob, job);
  };
  return h;
}

void HaJobManager::begin_term(const ha::LeaderSessionId& session) {
  auto fence = latch_ ? latch_->fence() : std::nullopt;
  auto current = latch_ ? latch_->leader_session_id() : std::nullopt;
  if (!fence || !current || !(*current == session)) return;  // revoked meanwhile
  std::shared_ptr<JobManagerServer> server;
  try {
    server = std::make_shared<JobManagerServer>(conf_, session.str(), hooks(*fence));
    {
      std::lock_guard lock(mu_);
      server_ = server;
    }
    if (listener_.start) listener_.start(server);
    ha_->publish_leader(ha::ZooKeeperHaServices::kJobManager,
                        {server->address(), "http://" + rest_address_, session}, *fence);
    log_line(kRole, fmt::format("granted leadership (session {}): rpc={} rest={}", session.str(),
                                server->address(), rest_address_));
    auto recovering = std::chrono::steady_clock::now();
    size_t jobs = recover_jobs(*server, *fence);
    log_line(
        kRole,
        fmt::format("recovered {} job(s) in {} ms (stores read, checkpoints loaded, jobs scheduled)", jobs,
                    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                          recovering)
                        .count()));
  } catch (const std::exception& e) {
    // A FencingError: deposed meanwhile (the revoke follows). Anything else (e.g. the RPC port is taken):
    // this process cannot lead; it leaves the election so that a standby takes over.
    log_line(kRole, fmt::format("could not take over as leader: {}", e.what()));
    end_term(std::string("taking over failed: ") + e.what());
    if (!dynamic_cast<const ha::FencingError*>(&e) && latch_) {
      log_line(kRole, "leaving the leader election: a standby takes over");
      latch_->close();
    }
  }
}

void HaJobManager::end_term(const std::string& why) {
  std::shared_ptr<JobManagerServer> server;
  {
    std::lock_guard lock(mu_);
    server = std::move(server_);
  }
  if (!server) return;
  log_line(kRole,
           fmt::format("stepping down: {}; jobs are suspended, their tasks left to the next leader", why));
  server->dispatcher().suspend_all(why);
  if (listener_.stop) listener_.stop();
  server->shutdown();
}

size_t HaJobManager::recover_jobs(JobManagerServer& server, const ha::LeaderFence& fence) {
  size_t recovered = 0;
  // Results whose cleanup a former leader did not finish.
  for (const auto& r : ha_->job_result_store().list()) {
    if (r.clean) continue;
    const std::string blob = blob_key_of(r.job);  // empty when the former leader removed the spec already
    ha_->cleanup_job(r.job, fence);
    ha_->job_result_store().mark_clean(r.job, fence);
    log_line(kRole, fmt::format("job {} ended {} under a former leader: finished its cleanup",
                                r.job.to_string(), ha::to_string(r.state)));
    remove_blob_if_unreferenced(blob, r.job);
  }
  for (const JobId& job : ha_->job_graph_store().job_ids()) {
    if (auto r = ha_->job_result_store().get(job)) {
      log_line(kRole, fmt::format("job {} ended {} already: not run again", job.to_string(),
                                  ha::to_string(r->state)));
      continue;
    }
    try {
      auto bytes = ha_->job_graph_store().get(job);
      if (!bytes) continue;
      weir::rpc::JobSpec spec;
      if (!spec.ParseFromString(*bytes))
        throw WeirError(fmt::format("the stored spec of job {} is not a JobSpec", job.to_string()));
      std::vector<std::string> skipped;
      auto latest = ha_->completed_checkpoint_store().latest_restorable(
          job, [](const ha::CheckpointPointer& p) { checkpoint::load_checkpoint(p.metadata_path); },
          &skipped);
      if (!skipped.empty())
        log_line(kRole, fmt::format("job {}: skipped checkpoints that cannot be restored: {}",
                                    job.to_string(), fmt::join(skipped, "; ")));
      server.recover_job(job, std::move(spec),
                         latest ? checkpoint_dir_of(latest->metadata_path) : std::string());
      ++recovered;
    } catch (const ha::FencingError&) {
      throw;
    } catch (const std::exception& e) {
      log_line(kRole, fmt::format("job {} cannot be recovered: {}", job.to_string(), e.what()));
    }
  }
  return recovered;
}

std::string HaJobManager::blob_key_of(const JobId& job) {
  try {
    auto bytes = ha_->job_graph_store().get(job);
    weir::rpc::JobSpec spec;
    if (bytes && spec.ParseFromString(*bytes)) return spec.blob_key();
  } catch (const std::exception& e) {
    log_line(kRole, fmt::format("job {}: cannot read its stored spec: {}", job.to_string(), e.what()));
  }
  return {};
}

void HaJobManager::remove_blob_if_unreferenced(const std::string& blob_key, const JobId& ended) {
  if (blob_key.empty()) return;
  auto server = term();
  if (!server) return;  // stepped down: the next leader's cleanup is for results not marked clean only
  try {
    // Every job that runs or may run again has its spec in the JobGraphStore (stored before it runs).
    for (const JobId& other : ha_->job_graph_store().job_ids()) {
      if (other == ended) continue;
      if (blob_key_of(other) == blob_key) {
        log_line(kRole, fmt::format("job {}: its library blob {} stays (job {} uses it too)",
                                    ended.to_string(), blob_key, other.to_string()));
        return;
      }
    }
    server->blob_server().remove(blob::BlobKey::parse(blob_key));
    log_line(kRole, fmt::format("job {}: removed its library blob {}", ended.to_string(), blob_key));
  } catch (const std::exception& e) {
    log_line(kRole, fmt::format("job {}: cannot remove its library blob {}: {}", ended.to_string(), blob_key,
                                e.what()));
  }
}

}  // namespace weir::cluster::rpc
