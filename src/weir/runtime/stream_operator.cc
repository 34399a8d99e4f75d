#include "weir/runtime/stream_operator.h"

#include <algorithm>
#include <filesystem>

#include "weir/runtime/operator_failure.h"

namespace weir::runtime {

void StreamOperator::setup(OperatorRuntime rt, std::unique_ptr<state::KeyedStateBackend> backend) {
  rt_ = std::move(rt);
  backend_ = std::move(backend);
  input_wms_.assign(num_inputs(), kMinTimestamp);
  input_idle_.assign(num_inputs(), false);
}

InternalTimerService* StreamOperator::create_timer_service(Triggerable* target) {
  if (!backend_) throw WeirError("timers need a keyed stream (operator '" + rt_.name + "')");
  if (!timers_) {
    timers_ = std::make_unique<InternalTimerService>(backend_.get(), rt_.processing_time, target, rt_.name);
    for (auto& [kg, bytes] : pending_timers_) {
      DataInput in(bytes);
      timers_->restore_key_group(kg, in);
    }
    pending_timers_.clear();
  }
  return timers_.get();
}

// Per key group, out.keyed[kg] = bytes(state) bytes(timers). The heap backend's state is pinned here
// (copy-on-write, O(key groups)) and written into out.keyed by finish_async on the snapshot writer
// thread; other backends' state, and timers (like Flink's heap timers, copied synchronously), are
// written here. The heap backend's incremental checkpoints hold state and timers in their chain
// (NativeSnapshot::holds_timers): no key group entries then.
void StreamOperator::snapshot_state(checkpoint::OperatorSnapshot& out) {
  out.operator_id = rt_.operator_id;
  out.subtask = rt_.subtask_index;
  out.parallelism = rt_.parallelism;
  if (backend_) {
    // A native snapshot (incremental RocksDB checkpoints) holds the registered states; the key groups
    // then carry timers and restored state no state object has claimed yet.
    state::NativeSnapshot native =
        backend_->take_native_snapshot({out.checkpoint_id, out.savepoint, out.target_dir});
    const bool covered = native.covers_states();
    if (!native.handle.empty()) out.keyed[checkpoint::kNativeKeyedState] = std::move(native.handle);
    out.keyed_state_file = std::move(native.keyed_state_file);
    out.finish_async = std::move(native.upload);
    if (native.holds_timers) {
      // The heap backend's incremental chain holds state and timers alike: each key group's entry is
      // empty (no states, no timers), kept for the bytes subclasses append (SlidingAggregateOperator).
      DataOutput none, timers;
      none.write_varint(0);
      timers.write_varint(0);
      timers.write_varint(0);
      DataOutput entry;
      entry.write_bytes(none.view());
      entry.write_bytes(timers.view());
      for (KeyGroup kg = rt_.key_groups.start; kg <= rt_.key_groups.end; ++kg) out.keyed[kg] = entry.str();
      op_state_.snapshot(out);
      return;
    }
    std::unique_ptr<state::KeyedStateSnapshot> pinned;
    if (!covered) pinned = backend_->pin_snapshot();
    auto deferred = pinned ? std::make_shared<DeferredKeyedState>() : nullptr;
    DataOutput part;
    for (KeyGroup kg = rt_.key_groups.start; kg <= rt_.key_groups.end; ++kg) {
      part.clear();
      if (timers_) {
        timers_->snapshot_key_group(kg, part);
      } else if (auto it = pending_timers_.find(kg); it != pending_timers_.end()) {
        part.write_raw(it->second.data(), it->second.size());
      } else {
        part.write_varint(0);
        part.write_varint(0);
      }
      std::string& slot = out.keyed[kg];
      if (deferred) {
        deferred->groups.push_back({kg, &slot, part.str()});
        continue;
      }
      DataOutput state_bytes;
      backend_->snapshot_key_group(kg, state_bytes, covered);
      DataOutput bytes;
      bytes.write_bytes(state_bytes.view());
      bytes.write_bytes(part.view());
      slot = bytes.str();
    }
    if (deferred) {
      deferred->state = std::move(pinned);
      out.finish_async = [deferred, before = std::move(out.finish_async)] {
        if (before) before();
        deferred->write();
      };
    }
  }
  op_state_.snapshot(out);
}

// Runs once, on the snapshot writer thread. Subclasses may already have appended their own bytes to a
// key group's entry (SlidingAggregateOperator): the base bytes go in front of them.
void StreamOperator::DeferredKeyedState::write() {
  DataOutput state_bytes, bytes;
  for (auto& g : groups) {
    state_bytes.clear();
    state->write_key_group(g.key_group, state_bytes);
    bytes.clear();
    bytes.write_bytes(state_bytes.view());
    bytes.write_bytes(g.timers);
    g.entry->insert(0, bytes.view());
  }
  state.reset();  // releases the pinned entries now rather than when the snapshot is dropped
}

void StreamOperator::initialize_state(const checkpoint::OperatorRestore& restore) {
  std::vector<std::string_view> native;
  std::string native_dir;
  for (const auto* part : restore.parts)
    if (auto it = part->keyed.find(checkpoint::kNativeKeyedState); it != part->keyed.end()) {
      native.push_back(it->second);
      native_dir = part->source_dir;
    }
  if (!native.empty()) {
    if (!backend_)
      throw WeirError("operator '" + rt_.name + "' has keyed state in the snapshot but is not keyed now");
    backend_->restore_native(native, native_dir);
  }
  for (const auto* part : restore.parts) {
    if (part->keyed_state_file.empty()) continue;
    if (!backend_)
      throw WeirError("operator '" + rt_.name + "' has keyed state in the snapshot but is not keyed now");
    backend_->restore_keyed_state_file(part->source_dir + "/" + part->keyed_state_file);
  }
  for (const auto* part : restore.parts) {
    for (const auto& [kg, bytes] : part->keyed) {
      if (!rt_.key_groups.contains(kg)) continue;
      if (!backend_)
        throw WeirError("operator '" + rt_.name + "' has keyed state in the snapshot but is not keyed now");
      DataInput in(bytes);
      std::string_view state_bytes = in.read_bytes();
      std::string_view timer_bytes = in.read_bytes();
      DataInput sin(state_bytes);
      backend_->restore_key_group(kg, sin);
      if (timers_) {
        DataInput tin(timer_bytes);
        timers_->restore_key_group(kg, tin);
      } else if (backend_->native_snapshots_hold_timers()) {
        DataInput tin(timer_bytes);  // into the backend's stores, which its checkpoints write
        restore_timers_into(*backend_->create_timer_store("event"),
                            *backend_->create_timer_store("processing"), kg, tin);
      } else {
        pending_timers_[kg] = std::string(timer_bytes);
      }
    }
  }
  op_state_.restore(restore, rt_.subtask_index, rt_.parallelism);
}

void StreamOperator::process_watermark(Timestamp wm, int input) {
  if (wm <= input_wms_[input]) return;
  input_wms_[input] = wm;
  advance_combined();
}

void StreamOperator::process_watermark_status(bool idle, int input) {
  input_idle_[input] = idle;
  bool all_idle = std::all_of(input_idle_.begin(), input_idle_.end(), [](bool b) { return b; });
  if (all_idle != emitted_idle_) {
    emitted_idle_ = all_idle;
    rt_.output->emit_watermark_status(all_idle);
  }
  if (!all_idle) advance_combined();
}

void StreamOperator::advance_combined() {
  Timestamp combined = kMaxTimestamp;
  bool any_active = false;
  for (size_t i = 0; i < input_wms_.size(); ++i) {
    if (input_idle_[i]) continue;
    any_active = true;
    combined = std::min(combined, input_wms_[i]);
  }
  if (!any_active || combined <= current_wm_) return;
  current_wm_ = combined;
  try {
    on_watermark(combined);
  } catch (const OperatorFailure&) {
    throw;
  } catch (const TaskCanceled&) {
    throw;
  } catch (const std::exception& e) {
    // Event-time timers fire here: name this operator, wherever it sits in the chain.
    throw OperatorFailure(rt_.name, e.what());
  } catch (...) {
    throw OperatorFailure(rt_.name, kNotAStdException);
  }
  rt_.output->emit_watermark(combined);
}

}  // namespace weir::runtime
