#include "weir/cluster/jobmanager/io_lane.h"

#include "weir/common/log.h"

namespace weir::cluster {

void IoLane::post(Step step) {
  queue_.push_back(std::move(step));
  if (running_) return;  // the running drain takes it
  running_ = true;
  if (!executor_) {
    run_inline();
    return;
  }
  // The drain reaches the lane only through `locked`, which fails once the owner (and so the lane) is gone.
  executor_->submit([locked = locked_, lane = this] { drain(locked, lane); });
}

namespace {
void run_io(const IoLane::Io& io, std::exception_ptr& error) {
  if (!io) return;
  try {
    io();
  } catch (...) {
    error = std::current_exception();
  }
}
// A step that throws under the lock is a bug; it is reported, and the lane goes on with the next one.
IoLane::Io start(IoLane::Step& step) {
  try {
    return step.prepare ? step.prepare() : nullptr;
  } catch (const std::exception& e) {
    log::get("jobmanager").error("preparing an I/O step failed: {}", e.what());
    return nullptr;
  }
}

void finish(IoLane::Step& step, std::exception_ptr error) {
  try {
    if (step.done) step.done(error);
  } catch (const std::exception& e) {
    log::get("jobmanager").error("finishing an I/O step failed: {}", e.what());
  }
}
}  // namespace

void IoLane::run_inline() {
  while (!queue_.empty()) {
    Step step = std::move(queue_.front());
    queue_.pop_front();
    Io io = start(step);
    std::exception_ptr error;
    run_io(io, error);
    finish(step, error);
  }
  running_ = false;
}

void IoLane::drain(const Locked& locked, IoLane* lane) {
  for (;;) {
    Step step;
    Io io;
    bool have = false;
    const bool alive = locked([&] {
      if (lane->queue_.empty()) {
        lane->running_ = false;
        return;
      }
      step = std::move(lane->queue_.front());
      lane->queue_.pop_front();
      have = true;
      io = start(step);
    });
    if (!alive || !have) return;
    std::exception_ptr error;
    run_io(io, error);
    if (!locked([&] { finish(step, error); })) return;
  }
}

}  // namespace weir::cluster
