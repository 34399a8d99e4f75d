#include "weir/cluster/taskmanager/task_manager_memory.h"

#include <fstream>
#include <string>

#include "weir/common/config_options.h"
#include "weir/network/buffer_pool.h"
#include "weir/state/state_options.h"

namespace weir::cluster {

namespace {

// "VmRSS:     1234 kB" -> bytes, for the fields named.
void read_proc_status(int64_t& rss, int64_t& peak) {
  std::ifstream in("/proc/self/status");
  std::string line;
  auto kb_of = [](const std::string& l) {
    size_t i = l.find_first_of("0123456789");
    return i == std::string::npos ? int64_t{0} : std::stoll(l.substr(i)) * 1024;
  };
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = kb_of(line);
    if (line.rfind("VmHWM:", 0) == 0) peak = kb_of(line);
  }
}

}  // namespace

TaskManagerMemory task_manager_memory(const Configuration& conf) {
  TaskManagerMemory m;
  read_proc_status(m.rss_bytes, m.peak_rss_bytes);
  auto net = network::BufferPool::global_stats();
  m.network_segment_size = conf.get_memory(options::kSegmentSize, true);
  m.network_buffers_in_use = net.in_use;
  m.network_buffers_peak = net.peak_in_use;
  m.network_buffers_capacity = net.capacity;
  m.managed_memory_bytes = conf.get_memory(options::kManagedMemorySize, true);
  return m;
}

}  // namespace weir::cluster
