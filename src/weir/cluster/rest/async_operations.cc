#include "weir/cluster/rest/async_operations.h"

#include <chrono>
#include <exception>

#include <fmt/format.h>

#include "weir/cluster/rest/rest_request.h"
#include "weir/common/ids.h"
#include "weir/common/thread_name.h"
#include "weir/common/time.h"

namespace weir::cluster::rest {

AsyncOperations::AsyncOperations(std::chrono::milliseconds store_duration, std::function<int64_t()> now_ms)
    : store_duration_(store_duration), now_ms_(std::move(now_ms)) {}

int64_t AsyncOperations::now_ms() const {
  return now_ms_ ? now_ms_() : SystemClock::shared()->now_ms();
}

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
                              set_thread_name("rest-operation");
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
  op.done_ms = now_ms();
  try {
    op.status.result = op.result.get();
  } catch (const std::exception& e) {
    op.status.failure = e.what();
  } catch (...) {
    op.status.failure = "unknown error";
  }
}

// REQUIRES: mu_ held. Drops finished operations older than the store duration, then the oldest finished
// ones beyond the bound.
void AsyncOperations::evict_locked() {
  const int64_t now = now_ms();
  for (auto it = ops_.begin(); it != ops_.end();) {
    settle(it->second);
    if (it->second.status.done && now - it->second.done_ms >= store_duration_.count())
      it = ops_.erase(it);
    else
      ++it;
  }
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
  std::lock_guard lock(mu_);
  return add_locked(kind, job_id, std::move(result));
}

// REQUIRES: mu_ held.
std::string AsyncOperations::add_locked(OperationKind kind, const std::string& job_id,
                                        std::future<std::string> result) {
  std::string id = JobId::generate().to_string();
  ops_[id] = Operation{OperationStatus{kind, job_id, false, {}, {}}, result.share(), next_seq_++};
  evict_locked();
  return id;
}

std::string AsyncOperations::run(OperationKind kind, const std::string& job_id,
                                 std::function<std::string(const std::atomic<bool>& closing)> work) {
  // Counted and started under one lock: two triggers checked apart could both pass the bound.
  std::lock_guard lock(mu_);
  size_t running = 0;
  for (const auto& w : waiters_) running += w.done->load() ? 0 : 1;
  if (running >= kMaxWaiters)
    throw RestError(429, fmt::format("{} triggered operations are in progress (at most {}): try again once "
                                     "one has finished",
                                     running, kMaxWaiters));
  auto promise = std::make_shared<std::promise<std::string>>();
  std::string id = add_locked(kind, job_id, promise->get_future());
  spawn_locked([this, promise, work = std::move(work)] {
    try {
      promise->set_value(work(closing_));
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  return id;
}

size_t AsyncOperations::size() {
  std::lock_guard lock(mu_);
  evict_locked();
  return ops_.size();
}

std::optional<OperationStatus> AsyncOperations::status(const std::string& trigger_id) {
  std::lock_guard lock(mu_);
  evict_locked();
  auto it = ops_.find(trigger_id);
  if (it == ops_.end()) return std::nullopt;
  settle(it->second);
  return it->second.status;
}

}  // namespace weir::cluster::rest
