#include "job_progress.h"

#include <fmt/format.h>

namespace weir::cli {

namespace {

std::string human_count(double v) {
  if (v >= 1e9) return fmt::format("{:.1f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string human_bytes(int64_t b) {
  if (b >= (int64_t{1} << 30)) return fmt::format("{:.1f} GB", static_cast<double>(b) / (1 << 30));
  if (b >= (int64_t{1} << 20)) return fmt::format("{:.1f} MB", static_cast<double>(b) / (1 << 20));
  if (b >= 1024) return fmt::format("{:.1f} KB", static_cast<double>(b) / 1024);
  return fmt::format("{} B", b);
}

std::string human_age(int64_t ms) {
  if (ms < 60'000) return fmt::format("{:.1f} s ago", static_cast<double>(ms) / 1000);
  return fmt::format("{} min ago", ms / 60'000);
}

}  // namespace

JobProgress job_progress(const nlohmann::json& job, const nlohmann::json& checkpoints,
                         const std::set<std::string>& sources, int64_t now_ms) {
  JobProgress p;
  p.state = job.value("state", std::string("?"));
  p.restarts = job.value("restarts", 0);
  if (job.contains("vertices") && job["vertices"].is_array()) {
    double rate = 0;
    bool any = false;
    for (const auto& v : job["vertices"]) {
      if (!sources.count(v.value("id", std::string()))) continue;
      const auto& m = v.contains("metrics") ? v["metrics"] : nlohmann::json();
      if (!m.is_object() || !m.contains("write-records-per-second") ||
          !m["write-records-per-second"].is_number())
        continue;
      if (m.value("write-records", int64_t{0}) == 0) continue;  // chained to the end: nothing to count
      rate += m["write-records-per-second"].get<double>();
      any = true;
    }
    if (any) p.records_per_second = rate;
  }
  if (checkpoints.is_object()) {
    if (checkpoints.contains("counts"))
      p.checkpoints_failed = checkpoints["counts"].value("failed", int64_t{0});
    const auto& latest = checkpoints.contains("latest") ? checkpoints["latest"] : nlohmann::json();
    if (latest.is_object() && latest.contains("completed") && latest["completed"].is_object()) {
      const auto& c = latest["completed"];
      p.checkpoint_id = c.value("id", int64_t{0});
      p.checkpoint_size = c.value("state_size", int64_t{0});
      int64_t at = c.value("latest_ack_timestamp", int64_t{0});
      p.checkpoint_age_ms = at > 0 ? std::max<int64_t>(0, now_ms - at) : 0;
    }
  }
  return p;
}

std::string format_progress(const JobProgress& p) {
  std::string s = p.state;
  if (p.records_per_second) s += fmt::format("  {} records/s", human_count(*p.records_per_second));
  if (p.checkpoint_id)
    s += fmt::format("  checkpoint {} ({}, {})", *p.checkpoint_id, human_age(p.checkpoint_age_ms),
                     human_bytes(p.checkpoint_size));
  if (p.checkpoints_failed > 0) s += fmt::format("  failed checkpoints {}", p.checkpoints_failed);
  if (p.restarts > 0) s += fmt::format("  restarts {}", p.restarts);
  return s;
}

void ProgressLine::show(const JobProgress& p) {
  std::string text = format_progress(p);
  auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    // Carriage return and erase-to-end-of-line: the line is rewritten in place.
    std::fprintf(out_, "\r\033[K%s", text.c_str());
    std::fflush(out_);
    shown_ = true;
    return;
  }
  bool news = p.state != last_state_ || p.checkpoint_id != last_checkpoint_ ||
              now - last_line_ >= std::chrono::seconds(10);
  last_state_ = p.state;
  last_checkpoint_ = p.checkpoint_id;
  if (!news) return;
  last_line_ = now;
  std::fprintf(out_, "progress: %s\n", text.c_str());
  std::fflush(out_);
}

void ProgressLine::end() {
  if (terminal_ && shown_) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
  }
  shown_ = false;
}

}  // namespace weir::cli
