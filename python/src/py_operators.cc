#include "py_operators.h"

#include "py_call.h"

namespace weir::python {

namespace {
py::object optional_attr(const py::object& o, const char* name) {
  py::object v = py::getattr(o, name, py::none());
  return v.is_none() ? py::object() : v;
}
}  // namespace

// ---------------------------------------------------------------- PyBatchingOperator

void PyBatchingOperator::call_timer(PyOperatorSupport& support, PyContext& ctx, const py::object& ctx_obj,
                                    const py::object& fn, const runtime::Timer& t, bool event_time) {
  // Results of event-time timers carry the timer's time; processing-time results carry none.
  Timestamp ts = event_time ? t.ts : kNoTimestamp;
  gil_.acquire();
  try {
    call_python(rt_.name, [&] {
      ctx.set_record(ts);
      ctx.set_timer_domain(event_time);
      py::object r = call2(fn, py::int_(t.ts), ctx_obj);
      support.emit_results(r, ts, true);
    });
  } catch (...) {
    support.drop_pending();
    gil_.release();
    throw;
  }
}

// ---------------------------------------------------------------- PyChainOperator

void PyChainOperator::open() {
  support_.bind_outputs(rt_);
  if (key_spec_) keyed_out_ = static_cast<runtime::Output<PyKeyed>*>(rt_.output);
  start_batching();
  TaskGil gil;
  support_.open_python(this);
  call_python(rt_.name, [&] {
    ctx_ = std::make_unique<PyContext>(this);
    ctx_obj_ = py::cast(ctx_.get(), py::return_value_policy::reference);
    for (auto st : support_.impl().attr("stages")) {
      auto t = st.cast<py::tuple>();
      TypeSpecPtr out = TypeSpec::from_python(t[2]);
      if (!needs_normalize(out.get())) out = nullptr;
      stages_.push_back(
          {static_cast<StageKind>(t[0].cast<int>()), py::reinterpret_borrow<py::object>(t[1]), out});
    }
    if (key_spec_) key_fn_ = support_.impl().attr("key_fn");
  });
}

void PyChainOperator::run_from(size_t i, py::handle value) {
  if (i == stages_.size()) {
    if (key_spec_) {
      py::object key = call1(key_fn_, value);
      PyKeyed r{encode_to_string(scratch_, key, key_spec_->get()),
                encode_to_string(scratch_, value, support_.main_spec())};
      keyed_pending_.emplace_back(std::move(r), ts_);
    } else {
      support_.emit_one(value, ts_);
    }
    return;
  }
  auto& [kind, fn, out] = stages_[i];
  // Between two functions of the chain a value reads as if it had crossed a serializer of the stage's
  // declared type (PyFlink's behaviour): only types where that changes something are normalized.
  bool last = i + 1 == stages_.size();
  auto next = [&](py::handle v) {
    if (out && !last)
      run_from(i + 1, normalize(v, out.get()));
    else
      run_from(i + 1, v);
  };
  switch (kind) {
    case StageKind::kMap:
      next(call1(fn, value));
      return;
    case StageKind::kFilter: {
      py::object keep = call1(fn, value);
      int t = PyObject_IsTrue(keep.ptr());
      if (t < 0) throw py::error_already_set();
      if (t) next(value);
      return;
    }
    case StageKind::kFlatMap: {
      py::object r = call1(fn, value);
      if (r.is_none()) return;
      for (auto x : py::iter(r)) next(x);
      return;
    }
    case StageKind::kProcess: {
      ctx_->set_record(ts_);
      py::object r = call2(fn, value, ctx_obj_);
      if (r.is_none()) return;
      for (auto x : py::iter(r)) {
        // Side outputs leave the chain here: (OutputTag, value).
        if (PyTuple_CheckExact(x.ptr()) && PyTuple_GET_SIZE(x.ptr()) == 2 &&
            PyObject_HasAttrString(PyTuple_GET_ITEM(x.ptr(), 0), "_weir_tag_id")) {
          support_.emit_one(x, ts_);
        } else {
          next(x);
        }
      }
      return;
    }
  }
}

void PyChainOperator::process_element(const PyValue& v, Timestamp ts) {
  gil_.acquire();
  ts_ = ts;
  try {
    call_python(rt_.name, [&] { run_from(0, decode_string(v.bytes)); });
  } catch (...) {
    support_.drop_pending();
    keyed_pending_.clear();
    gil_.release();
    throw;
  }
}

void PyChainOperator::release_and_flush() {
  gil_.release();
  support_.flush();
  for (auto& [r, t] : keyed_pending_) keyed_out_->collect(r, t);
  keyed_pending_.clear();
}

void PyChainOperator::close() {
  stop_batching();
  TaskGil gil;
  support_.close_python();
  stages_.clear();
  key_fn_ = py::object();
  ctx_obj_ = py::object();
}

// ---------------------------------------------------------------- PyKeyedOperator

void PyKeyedOperator::open() {
  support_.bind_outputs(rt_);
  start_batching();
  timers_ = create_timer_service(this);
  TaskGil gil;
  support_.open_python(this);
  call_python(rt_.name, [&] {
    ctx_ = std::make_unique<PyContext>(this);
    ctx_->set_keyed(true);
    ctx_->set_timers(timers_);
    ctx_obj_ = py::cast(ctx_.get(), py::return_value_policy::reference);
    const auto& impl = support_.impl();
    if (mode_ == Mode::kReduce) {
      reduce_fn_ = impl.attr("reduce");
      reduce_state_ = state::value_state(*keyed_backend(), ValueStateDescriptor<std::string>("_reduce"));
    } else {
      process_fn_ = impl.attr("process_element");
      timer_fn_ = optional_attr(impl, "on_timer");
    }
  });
}

void PyKeyedOperator::process_element(const PyKeyed& v, Timestamp ts) {
  keys_.set_key(this, v.key);
  if (mode_ == Mode::kReduce) {
    auto cur = reduce_state_->value();
    std::string next;
    if (!cur) {
      next = v.value;
    } else {
      gil_.acquire();
      try {
        call_python(rt_.name, [&] {
          py::object r = call2(reduce_fn_, decode_string(*cur), decode_string(v.value));
          next = encode_to_string(scratch_, r, support_.main_spec());
        });
      } catch (...) {
        support_.drop_pending();
        gil_.release();
        throw;
      }
    }
    reduce_state_->update(next);
    support_.emit_encoded(std::move(next), ts);
    return;
  }
  gil_.acquire();
  try {
    call_python(rt_.name, [&] {
      ctx_->set_record(ts);
      py::object r = call2(process_fn_, decode_string(v.value), ctx_obj_);
      support_.emit_results(r, ts, true);
    });
  } catch (...) {
    support_.drop_pending();
    gil_.release();
    throw;
  }
}

void PyKeyedOperator::fire(const runtime::Timer& t, bool event_time) {
  if (timer_fn_) call_timer(support_, *ctx_, ctx_obj_, timer_fn_, t, event_time);
}

void PyKeyedOperator::close() {
  stop_batching();
  TaskGil gil;
  support_.close_python();
  process_fn_ = timer_fn_ = reduce_fn_ = ctx_obj_ = py::object();
}

// ---------------------------------------------------------------- PyTwoInputOperator

template <typename IN1, typename IN2>
void PyTwoInputOperator<IN1, IN2>::open() {
  support_.bind_outputs(rt_);
  start_batching();
  if (is_keyed()) timers_ = create_timer_service(this);
  TaskGil gil;
  support_.open_python(this);
  call_python(rt_.name, [&] {
    ctx_ = std::make_unique<PyContext>(this);
    ctx_->set_keyed(is_keyed());
    ctx_->set_timers(timers_);
    ctx_obj_ = py::cast(ctx_.get(), py::return_value_policy::reference);
    fn1_ = support_.impl().attr("process1");
    fn2_ = support_.impl().attr("process2");
    timer_fn_ = optional_attr(support_.impl(), "on_timer");
  });
}

template <typename IN1, typename IN2>
template <typename IN>
void PyTwoInputOperator<IN1, IN2>::process(const IN& v, Timestamp ts, bool second) {
  const std::string* value;
  if constexpr (std::is_same_v<IN, PyKeyed>) {
    keys_.set_key(this, v.key);
    value = &v.value;
  } else {
    value = &v.bytes;
  }
  gil_.acquire();
  try {
    call_python(rt_.name, [&] {
      ctx_->set_record(ts);
      ctx_->set_broadcast_writable(second && broadcast_input2_);
      py::object r = call2(second ? fn2_ : fn1_, decode_string(*value), ctx_obj_);
      support_.emit_results(r, ts, true);
    });
  } catch (...) {
    support_.drop_pending();
    gil_.release();
    throw;
  }
}

template <typename IN1, typename IN2>
void PyTwoInputOperator<IN1, IN2>::fire(const runtime::Timer& t, bool event_time) {
  ctx_->set_broadcast_writable(false);
  if (timer_fn_) call_timer(support_, *ctx_, ctx_obj_, timer_fn_, t, event_time);
}

template <typename IN1, typename IN2>
void PyTwoInputOperator<IN1, IN2>::close() {
  stop_batching();
  TaskGil gil;
  support_.close_python();
  fn1_ = fn2_ = timer_fn_ = ctx_obj_ = py::object();
}

template class PyTwoInputOperator<PyValue, PyValue>;
template class PyTwoInputOperator<PyKeyed, PyKeyed>;
template class PyTwoInputOperator<PyKeyed, PyValue>;
template void PyTwoInputOperator<PyValue, PyValue>::process<PyValue>(const PyValue&, Timestamp, bool);
template void PyTwoInputOperator<PyKeyed, PyKeyed>::process<PyKeyed>(const PyKeyed&, Timestamp, bool);
template void PyTwoInputOperator<PyKeyed, PyValue>::process<PyKeyed>(const PyKeyed&, Timestamp, bool);
template void PyTwoInputOperator<PyKeyed, PyValue>::process<PyValue>(const PyValue&, Timestamp, bool);

// ---------------------------------------------------------------- PySinkOperator

void PySinkOperator::open() {
  support_.bind_outputs(rt_);
  runtime::add_batch_end_hook(this, rt_.chain_position, [this] { gil_.release(); });
  TaskGil gil;
  support_.open_python(this);
  call_python(rt_.name, [&] {
    ctx_ = std::make_unique<PyContext>(this);
    ctx_obj_ = py::cast(ctx_.get(), py::return_value_policy::reference);
    invoke_ = support_.impl().attr("invoke");
  });
}

void PySinkOperator::process_element(const PyValue& v, Timestamp ts) {
  gil_.acquire();
  try {
    call_python(rt_.name, [&] {
      ctx_->set_record(ts);
      call2(invoke_, decode_string(v.bytes), ctx_obj_);
    });
  } catch (...) {
    gil_.release();
    throw;
  }
}

void PySinkOperator::finish() {
  gil_.release();
  TaskGil gil;
  call_python(rt_.name, [&] {
    if (py::hasattr(support_.impl(), "finish")) support_.impl().attr("finish")();
  });
}

void PySinkOperator::close() {
  runtime::remove_batch_end_hook(this);
  gil_.release();
  TaskGil gil;
  support_.close_python();
  invoke_ = ctx_obj_ = py::object();
}

}  // namespace weir::python
