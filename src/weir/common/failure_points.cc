#include "weir/common/failure_points.h"

#include <map>
#include <mutex>

namespace weir {
namespace {

struct Point {
  bool armed = false;
  int64_t fire_at = 0;    // the hit number that throws first
  int64_t fire_last = 0;  // the last hit number that throws
  int64_t hits = 0;
  int64_t fired = 0;
};

struct Registry {
  std::mutex mu;
  std::map<std::string, Point, std::less<>> points;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

std::atomic<int> FailurePoints::armed_{0};

void FailurePoints::arm(std::string_view name, int64_t nth, int64_t times) {
  if (nth < 1 || times < 1)
    throw WeirError("failure point '" + std::string(name) + "': nth and times must be >= 1");
  auto& r = registry();
  std::lock_guard lock(r.mu);
  Point& p = r.points[std::string(name)];
  if (!p.armed) armed_.fetch_add(1);
  p.armed = true;
  p.fire_at = p.hits + nth;
  p.fire_last = p.fire_at + times - 1;
}

void FailurePoints::disarm(std::string_view name) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.points.find(name);
  if (it == r.points.end() || !it->second.armed) return;
  it->second.armed = false;
  armed_.fetch_sub(1);
}

void FailurePoints::disarm_all() {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  r.points.clear();
  armed_.store(0);
}

int64_t FailurePoints::hits(std::string_view name) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.points.find(name);
  return it == r.points.end() ? 0 : it->second.hits;
}

int64_t FailurePoints::fired(std::string_view name) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.points.find(name);
  return it == r.points.end() ? 0 : it->second.fired;
}

void FailurePoints::check_armed(std::string_view name) {
  auto& r = registry();
  {
    std::lock_guard lock(r.mu);
    auto it = r.points.find(name);
    if (it == r.points.end() || !it->second.armed) return;
    Point& p = it->second;
    int64_t hit = ++p.hits;
    if (hit < p.fire_at) return;
    ++p.fired;
    if (hit >= p.fire_last) {
      p.armed = false;
      armed_.fetch_sub(1);
    }
  }
  throw InjectedFailure(std::string(name));
}

}  // namespace weir
