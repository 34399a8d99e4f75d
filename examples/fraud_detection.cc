// Fraud detection (after Flink's tutorial): flag an account when a small transaction (< 1.00) is
// followed within one minute by a large one (> 500.00). Keyed state remembers the small transaction;
// an event-time timer clears that memory after a minute.
#include "examples.h"

namespace weir::examples {

struct Transaction {
  int64_t account_id = 0;
  int64_t timestamp = 0;
  double amount = 0;
};
WEIR_STRUCT(Transaction, account_id, timestamp, amount)

struct Alert {
  int64_t account_id = 0;
  int64_t timestamp = 0;
  double amount = 0;
};
WEIR_STRUCT(Alert, account_id, timestamp, amount)

namespace {

class FraudDetector : public KeyedProcessFunction<int64_t, Transaction, Alert> {
 public:
  static constexpr double kSmall = 1.00;
  static constexpr double kLarge = 500.00;
  static constexpr int64_t kOneMinute = 60'000;

  void open(RuntimeContext& ctx) override {
    flag_ = &ctx.get_state(ValueStateDescriptor<bool>("flag"));
    timer_ = &ctx.get_state(ValueStateDescriptor<int64_t>("timer"));
  }
  void process_element(const Transaction& t, Context& ctx, Collector<Alert>& out) override {
    if (flag_->value().value_or(false)) {
      if (t.amount > kLarge) out.collect({t.account_id, t.timestamp, t.amount});
      clear(ctx);
    }
    if (t.amount < kSmall) {
      flag_->update(true);
      int64_t at = t.timestamp + kOneMinute;
      ctx.timer_service().register_event_time_timer(at);
      timer_->update(at);
    }
  }
  void on_timer(Timestamp, OnTimerContext&, Collector<Alert>&) override {
    timer_->clear();
    flag_->clear();
  }

 private:
  void clear(Context& ctx) {
    if (auto t = timer_->value()) ctx.timer_service().delete_event_time_timer(*t);
    timer_->clear();
    flag_->clear();
  }
  ValueState<bool>* flag_ = nullptr;
  ValueState<int64_t>* timer_ = nullptr;
};

// Deterministic transactions: mostly ordinary amounts, with a small-then-large pattern on some accounts.
Transaction make_transaction(int64_t i) {
  Transaction t;
  t.account_id = 1 + i % 5;
  t.timestamp = 1'700'000'000'000 + i * 6'000;  // one transaction every 6 s
  uint64_t h = mix64(static_cast<uint64_t>(i) + 42);
  t.amount = static_cast<double>(h % 20000) / 100.0 + 1.0;
  if (i % 97 == 3) t.amount = 0.42;   // small...
  if (i % 97 == 8) t.amount = 742.0;  // ...then large on the same account within a minute
  return t;
}

}  // namespace

void build_fraud_detection(StreamExecutionEnvironment& env, const ExampleOptions& opts) {
  int64_t n = opts.events > 0 ? opts.events : 2000;
  // One source subtask keeps each account's transactions in order; detection runs in parallel.
  auto transactions = env.from_generator<Transaction>(make_transaction, n, 0, "Transactions");
  transactions.set_parallelism(1);
  auto timestamped = transactions.assign_timestamps_and_watermarks(
      WatermarkStrategy<Transaction>::for_monotonous_timestamps().with_timestamp_assigner(
          [](const Transaction& t, Timestamp) { return t.timestamp; }));
  timestamped.set_parallelism(1);
  auto alerts = timestamped.key_by([](const Transaction& t) { return t.account_id; })
                    .process(FraudDetector(), "Fraud Detector");
  if (opts.output.empty())
    alerts.print("alert");
  else
    alerts.write_as_text(opts.output);
}

}  // namespace weir::examples
