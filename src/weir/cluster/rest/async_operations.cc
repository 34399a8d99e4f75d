#include "weir/cluster/rest/async_operations.h"

#include <chrono>
#include <exception>

#include "weir/common/ids.h"

namespace weir::cluster::rest {

AsyncOperations::~AsyncOperations() {
  closing_ = true;
  for (auto& w : waiters_) w.thread.join();
}

void AsyncOperations::spawn_locked(std::function<void()> f) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  waiters_.push_back(Waiter{std::thread([f = std::move(f), done] {
                              f();
                              done->store(true);
                            }),
                            done});
}

// REQUIRES: mu_ held. Records the outcome once the future is ready.
void AsyncOperations::settle(Operation& op) {
  if (op.status.done) return;
  if (op.result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  op.status.done = true;
  try {
    op.status.result = op.result.get();
  } catch (const std::exception& e) {
    op.status.failure = e.what();
  } catch (...) {
    op.status.failure = "unknown error";
  }
}

// REQUIRES: mu_ held. Drops the oldest finished operations beyond the bound.
void AsyncOperations::evict_locked() {
  while (ops_.size() > kMaxOperations) {
    auto oldest = ops_.end();
    for (auto it = ops_.begin(); it != ops_.end(); ++it) {
      settle(it->second);
      if (it->second.status.done && (oldest == ops_.end() || it->second.seq < oldest->second.seq))
        oldest = it;
    }
    if (oldest == ops_.end()) return;  // every one still runs: keep them
    ops_.erase(oldest);
  }
}

std::string AsyncOperations::add(OperationKind kind, const std::string& job_id,
                                 std::future<std::string> result) {
  std::string id = JobId::generate().to_string();
  std::lock_guard lock(mu_);
  ops_[id] = Operation{OperationStatus{kind, job_id, false, {}, {}}, result.share(), next_seq_++};
  evict_locked();
  return id;
}

std::string AsyncOperations::run(OperationKind kind, const std::string& job_id,
                                 std::function<std::string(const std::atomic<bool>& closing)> work) {
  auto promise = std::make_shared<std::promise<std::string>>();
  std::string id = add(kind, job_id, promise->get_future());
  std::lock_guard lock(mu_);
  spawn_locked([this, promise, work = std::move(work)] {
    try {
      promise->set_value(work(closing_));
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  return id;
}

std::optional<OperationStatus> AsyncOperations::status(const std::string& trigger_id) {
  std::lock_guard lock(mu_);
  auto it = ops_.find(trigger_id);
  if (it == ops_.end()) return std::nullopt;
  settle(it->second);
  return it->second.status;
}

}  // namespace weir::cluster::rest
