#include "weir/common/thread_name.h"

#include <pthread.h>

namespace weir {

void set_thread_name(std::string_view name) {
  char cut[16] = {};  // 15 bytes and the terminator: pthread_setname_np refuses longer names
  name.copy(cut, sizeof cut - 1);
  pthread_setname_np(pthread_self(), cut);
}

std::string thread_name() {
  char name[16] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof name) != 0) return "?";
  return name;
}

}  // namespace weir
