#pragma once
// Python window functions on the engine's window operator (keyed Python streams: T = PyKeyed, K = the
// encoded key). The window machinery (assigners, triggers, merging, timers, state) stays in C++ and takes
// no GIL; only these functions call Python.
//
// Threading: task thread; each call takes the GIL for the call.
#include <pybind11/pybind11.h>

#include "py_call.h"

#include <string>
#include <vector>

#include "codec.h"
#include "py_context.h"
#include "py_gil.h"
#include "py_operator_base.h"
#include "py_records.h"
#include "weir/api/windowing/global_window.h"
#include "weir/api/windowing/process_window_function.h"
#include "weir/api/windowing/time_window.h"
#include "weir/functions/runtime_context.h"
#include "weir/state/state_descriptor.h"

namespace weir::python {

//! The Python object for a window: weir.datastream.window.TimeWindow / GlobalWindow.
py::object window_to_python(const TimeWindow& w);
py::object window_to_python(const GlobalWindow& w);

//! reduce(f): one encoded value per key and window.
struct PyWindowReduce {
  PyRef fn;
  TypeSpecPtr spec;
  std::string op_name;
  PyKeyed operator()(const PyKeyed& a, const PyKeyed& b) const {
    TaskGil gil;
    return call_python(op_name, [&] {
      py::object r = call2(fn.get(), decode_string(a.value), decode_string(b.value));
      return PyKeyed{a.key, encode_to_string(r, spec.get())};
    });
  }
};

//! aggregate(agg): a Python AggregateFunction; the accumulator is stored encoded.
class PyWindowAggregate final : public AggregateFunction<PyKeyed, std::string, PyValue> {
 public:
  using In = PyKeyed;
  using Acc = std::string;
  using Out = PyValue;
  PyWindowAggregate(PyRef fn, TypeSpecPtr acc_spec, TypeSpecPtr out_spec, std::string op_name)
      : fn_(std::move(fn)),
        acc_spec_(std::move(acc_spec)),
        out_spec_(std::move(out_spec)),
        op_name_(std::move(op_name)) {}
  //! A copy looks its methods up again (copies are made while planning, without the GIL).
  PyWindowAggregate(const PyWindowAggregate& o)
      : fn_(o.fn_), acc_spec_(o.acc_spec_), out_spec_(o.out_spec_), op_name_(o.op_name_) {}
  std::string create_accumulator() override {
    TaskGil gil;
    return call_python(op_name_, [&] {
      bind();
      PyObject* r = PyObject_CallNoArgs(create_.get().ptr());
      if (!r) throw py::error_already_set();
      return encode_to_string(scratch_, py::reinterpret_steal<py::object>(r), acc_spec_.get());
    });
  }
  std::string add(const PyKeyed& v, std::string acc) override {
    TaskGil gil;
    return call_python(op_name_, [&] {
      bind();
      py::object r = call2(add_.get(), decode_string(v.value), decode_string(acc));
      return encode_to_string(scratch_, r, acc_spec_.get());
    });
  }
  PyValue get_result(const std::string& acc) override {
    TaskGil gil;
    return call_python(op_name_, [&] {
      bind();
      return PyValue{encode_to_string(scratch_, call1(result_.get(), decode_string(acc)), out_spec_.get())};
    });
  }
  std::string merge(std::string a, std::string b) override {
    TaskGil gil;
    return call_python(op_name_, [&] {
      bind();
      return encode_to_string(scratch_, call2(merge_.get(), decode_string(a), decode_string(b)),
                              acc_spec_.get());
    });
  }

 private:
  //! The function's methods, looked up once (GIL held; subtasks sharing this object take turns on it).
  void bind() {
    if (add_) return;
    create_ = PyRef(fn_.get().attr("create_accumulator"));
    result_ = PyRef(fn_.get().attr("get_result"));
    merge_ = PyRef(fn_.get().attr("merge"));
    add_ = PyRef(fn_.get().attr("add"));
  }
  PyRef fn_;
  PyRef create_, add_, result_, merge_;
  TypeSpecPtr acc_spec_, out_spec_;
  std::string op_name_;
  DataOutput scratch_;  //!< used under the GIL only
};

//! process(pwf) and the second function of reduce/aggregate: a Python ProcessWindowFunction whose
//! process(key, context, elements) yields results. IN is PyKeyed (elements of the stream) or PyValue (the
//! result of a pre-aggregation).
template <typename IN, typename W>
class PyProcessWindowFunction final : public ProcessWindowFunction<IN, PyValue, std::string, W> {
 public:
  PyProcessWindowFunction(PyRef spec, OutputSpec out) : support_(std::move(spec), std::move(out)) {}
  PyProcessWindowFunction(const PyProcessWindowFunction& o) : support_(o.support_) {}
  ~PyProcessWindowFunction() override {
    if (process_ || ctx_obj_) {
      TaskGil gil;
      process_ = ctx_obj_ = py::object();
    }
  }

  void open(RuntimeContext& rc) override {
    op_name_ = rc.get_operator_name();
    TaskGil gil;
    support_.open_python(rc);
    call_python(op_name_, [&] {
      ctx_ = std::make_unique<PyContext>(nullptr);
      ctx_obj_ = py::cast(ctx_.get(), py::return_value_policy::reference);
      process_ = support_.impl().attr("process");
    });
  }
  void close() override {
    TaskGil gil;
    support_.close_python();
    process_ = ctx_obj_ = py::object();
  }
  void process(const std::string& key, WindowContext<W>& wctx, const std::vector<IN>& elements,
               Collector<PyValue>& out) override {
    std::vector<std::string> results;
    {
      TaskGil gil;
      call_python(op_name_, [&] {
        py::list els(elements.size());
        for (size_t i = 0; i < elements.size(); ++i) {
          const std::string* bytes;
          if constexpr (std::is_same_v<IN, PyKeyed>)
            bytes = &elements[i].value;
          else
            bytes = &elements[i].bytes;
          PyList_SET_ITEM(els.ptr(), i, decode_string(*bytes).release().ptr());
        }
        ctx_->set_record(wctx.timestamp());
        ctx_->set_window(window_to_python(wctx.window()));
        ctx_->set_clocks([&wctx] { return wctx.current_watermark(); },
                         [&wctx] { return wctx.current_processing_time(); });
        py::object r = process_(decode_string(key), ctx_obj_, els);
        if (!r.is_none())
          for (auto x : py::iter(r)) results.push_back(encode_to_string(x, main_spec()));
      });
    }
    for (auto& r : results) out.collect(PyValue{std::move(r)});
  }

 private:
  const TypeSpec* main_spec() const { return support_.main_spec(); }
  PyOperatorSupport support_;
  std::unique_ptr<PyContext> ctx_;
  py::object ctx_obj_, process_;
  std::string op_name_;
};

}  // namespace weir::python
