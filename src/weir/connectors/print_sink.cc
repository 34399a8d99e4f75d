#include "weir/connectors/print_sink.h"

namespace weir::connectors {

std::mutex& print_mutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace weir::connectors
