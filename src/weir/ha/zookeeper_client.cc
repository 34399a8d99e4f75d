#include "weir/ha/zookeeper_client.h"

#include <zookeeper/zookeeper.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include <fmt/format.h>

#include "weir/common/log.h"
#include "weir/common/thread_name.h"

namespace weir::ha {

namespace {

using Clock = std::chrono::steady_clock;

// Where the client is with its current handle. Guarded by Impl::mu.
enum class Phase { kConnecting, kConnected, kSuspended, kClosed };

int create_flags(CreateMode m) {
  switch (m) {
    case CreateMode::kPersistent:
      return ZOO_PERSISTENT;
    case CreateMode::kEphemeral:
      return ZOO_EPHEMERAL;
    case CreateMode::kPersistentSequential:
      return ZOO_PERSISTENT_SEQUENTIAL;
    case CreateMode::kEphemeralSequential:
      return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

NodeStat to_stat(const Stat& s) {
  NodeStat n;
  n.version = s.version;
  n.cversion = s.cversion;
  n.ephemeral_owner = s.ephemeralOwner;
  n.num_children = s.numChildren;
  n.data_length = s.dataLength;
  return n;
}

bool retriable(int rc) {
  return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT;
}

void quiet_c_client_log() {
  static std::once_flag once;
  // The C client logs every reconnect attempt at INFO to stderr; warnings and errors are what matter.
  std::call_once(once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
}

// The C client's log lines, at most kLogLinesPerSecond a second. While no server answers it retries every
// few tens of milliseconds and logs each refused connection and each round over the quorum (~100 lines a
// second per process when the quorum is lost); the connection states Weir logs itself say what happens, so
// the rest is counted and the count logged with the next line of a later second.
void rate_limited_c_client_log(const char* message) {
  constexpr int kLogLinesPerSecond = 5;
  static std::mutex mu;
  static std::chrono::steady_clock::time_point window;
  static int lines = 0;
  static int64_t suppressed = 0;
  std::lock_guard lock(mu);
  auto now = std::chrono::steady_clock::now();
  if (now - window >= std::chrono::seconds(1)) {
    if (suppressed > 0)
      log::get("ha").warn("(the ZooKeeper client logged {} more line(s) like these)", suppressed);
    window = now;
    lines = 0;
    suppressed = 0;
  }
  if (++lines > kLogLinesPerSecond) {
    ++suppressed;
    return;
  }
  std::string_view line(message);
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  log::get("ha").warn("zookeeper client: {}", line);
}

}  // namespace

// The context of one zhandle_t (zookeeper_init's context, read back with zoo_get_context): which client
// and which generation of its handle, so events of a replaced handle are dropped.
struct HandleContext {
  ZooKeeperClient::Impl* impl;
  uint64_t generation;
};

struct ZooKeeperClient::Impl {
  ZooKeeperClientSettings settings;

  // The handle: operations hold it shared while they run; the event thread replaces it exclusively.
  std::shared_mutex handle_mu;
  zhandle_t* zh = nullptr;                               // guarded by handle_mu
  std::vector<std::unique_ptr<HandleContext>> contexts;  // event thread (and constructor/destructor)

  std::mutex mu;  // guards everything below
  std::condition_variable cv;
  uint64_t generation = 0;
  Phase phase = Phase::kConnecting;
  int64_t session = 0;
  std::chrono::milliseconds negotiated{0};
  std::optional<Clock::time_point> lost_deadline;  // while kSuspended
  std::deque<std::function<void()>> tasks;
  bool stopping = false;
  uint64_t next_id = 1;
  std::map<uint64_t, Watcher> watches;
  std::map<uint64_t, ConnectionListener> listeners;
  std::thread event_thread;
  std::thread::id event_thread_id;

  explicit Impl(ZooKeeperClientSettings s) : settings(std::move(s)) {}

  // ---- handle lifecycle (constructor, then event thread only) ----

  static void session_watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx) {
    auto* hc = static_cast<HandleContext*>(ctx);
    if (type != ZOO_SESSION_EVENT) return;  // node events arrive through node_watcher
    Impl* self = hc->impl;
    uint64_t gen = hc->generation;
    self->post([self, gen, state] { self->on_session_state(gen, state); });
  }

  static void node_watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx) {
    if (type == ZOO_SESSION_EVENT) return;  // the C client copies session events to every watcher
    auto* hc = static_cast<const HandleContext*>(zoo_get_context(zh));
    Impl* self = hc->impl;
    uint64_t gen = hc->generation;
    auto id = reinterpret_cast<uintptr_t>(ctx);
    WatchEvent ev{WatchEventType::kChanged, path ? path : ""};
    if (type == ZOO_CREATED_EVENT) ev.type = WatchEventType::kCreated;
    if (type == ZOO_DELETED_EVENT) ev.type = WatchEventType::kDeleted;
    if (type == ZOO_CHILD_EVENT) ev.type = WatchEventType::kChildren;
    self->post([self, gen, id, ev] { self->fire_watch(gen, id, ev); });
  }

  // Opens a new handle (a new session). REQUIRES: handle_mu held exclusively, or no other thread yet.
  void open_handle() {
    uint64_t gen;
    {
      std::lock_guard l(mu);
      gen = ++generation;
      phase = Phase::kConnecting;
      session = 0;
      lost_deadline.reset();
    }
    contexts.push_back(std::make_unique<HandleContext>(HandleContext{this, gen}));
    zh = zookeeper_init2(settings.quorum.c_str(), &Impl::session_watcher,
                         static_cast<int>(settings.session_timeout.count()), nullptr, contexts.back().get(),
                         0, &rate_limited_c_client_log);
    if (!zh)
      throw ZooKeeperError(
          ZSYSTEMERROR, "connect", "",
          fmt::format("zookeeper_init for quorum '{}' failed (errno {})", settings.quorum, errno));
  }

  void on_session_state(uint64_t gen, int state) {
    std::vector<ConnectionState> emit;
    bool lost = false;
    {
      std::lock_guard l(mu);
      if (gen != generation || phase == Phase::kClosed) return;
      if (state == ZOO_CONNECTED_STATE) {
        if (phase == Phase::kConnecting) {
          // zh changes only on this (the event) thread, so reading it needs no handle_mu here.
          const clientid_t* id = zoo_client_id(zh);
          session = id ? id->client_id : 0;
          negotiated = std::chrono::milliseconds(zoo_recv_timeout(zh));
          phase = Phase::kConnected;
          emit.push_back(ConnectionState::kConnected);
        } else if (phase == Phase::kSuspended) {
          phase = Phase::kConnected;
          lost_deadline.reset();
          emit.push_back(ConnectionState::kReconnected);
        }
      } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE ||
                 state == ZOO_NOTCONNECTED_STATE) {
        if (phase == Phase::kConnected) {
          phase = Phase::kSuspended;
          lost_deadline = Clock::now() + (negotiated.count() > 0 ? negotiated : settings.session_timeout);
          emit.push_back(ConnectionState::kSuspended);
        }
      } else if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
        lost = true;
      }
      cv.notify_all();
    }
    for (ConnectionState s : emit) dispatch(s);
    if (lost) declare_lost();
  }

  // The session is gone: tell the listeners, drop the watches, and start a new session. Event thread.
  void declare_lost() {
    {
      std::lock_guard l(mu);
      if (phase == Phase::kClosed) return;
      watches.clear();
      lost_deadline.reset();
      phase = Phase::kConnecting;
      session = 0;
      ++generation;  // events of the old handle are stale from here on
    }
    {
      std::unique_lock hl(handle_mu);
      if (zh) zookeeper_close(zh);
      zh = nullptr;
      try {
        open_handle();
      } catch (const ZooKeeperError& e) {
        log::get("ha").warn("{}", e.what());
      }
    }
    dispatch(ConnectionState::kLost);
  }

  void fire_watch(uint64_t gen, uint64_t id, const WatchEvent& ev) {
    Watcher w;
    {
      std::lock_guard l(mu);
      if (gen != generation) return;
      auto it = watches.find(id);
      if (it == watches.end()) return;
      w = std::move(it->second);
      watches.erase(it);
    }
    w(ev);
  }

  void dispatch(ConnectionState s) {
    std::vector<std::pair<uint64_t, ConnectionListener>> copy;
    {
      std::lock_guard l(mu);
      copy.assign(listeners.begin(), listeners.end());
    }
    for (auto& [id, fn] : copy) {
      {
        std::lock_guard l(mu);
        if (!listeners.count(id)) continue;  // removed by an earlier listener
      }
      fn(s);
    }
  }

  // ---- the event thread ----

  void post(std::function<void()> task) {
    std::lock_guard l(mu);
    tasks.push_back(std::move(task));
    cv.notify_all();
  }

  void run_events() {
    std::unique_lock l(mu);
    while (true) {
      auto ready = [&] {
        return stopping || !tasks.empty() || (lost_deadline && Clock::now() >= *lost_deadline);
      };
      if (lost_deadline)
        cv.wait_until(l, *lost_deadline, ready);
      else
        cv.wait(l, ready);
      if (!tasks.empty()) {
        auto task = std::move(tasks.front());
        tasks.pop_front();
        l.unlock();
        // A watch or a listener that throws loses its own event, not the client: logged, and the thread goes
        // on (ending it would end the process and stop every later watch and state change).
        try {
          task();
        } catch (const std::exception& e) {
          log::get("ha").error("a ZooKeeper watch or connection listener threw: {}", e.what());
        }
        l.lock();
        continue;
      }
      if (stopping) return;
      if (lost_deadline && Clock::now() >= *lost_deadline && phase == Phase::kSuspended) {
        lost_deadline.reset();
        l.unlock();
        try {
          declare_lost();  // disconnected for a whole session timeout: the server expires it
        } catch (const std::exception& e) {
          log::get("ha").error("a ZooKeeper connection listener threw on the lost session: {}", e.what());
        }
        l.lock();
      }
    }
  }

  bool on_event_thread() const { return std::this_thread::get_id() == event_thread_id; }

  // ---- operations ----

  // Waits (off the event thread) up to retry_wait for a connected session; throws when there is none.
  void await_connection(const char* op, const std::string& path) {
    std::unique_lock l(mu);
    if (phase != Phase::kConnected && !on_event_thread())
      cv.wait_for(l, settings.retry_wait,
                  [&] { return phase == Phase::kConnected || phase == Phase::kClosed; });
    if (phase != Phase::kConnected)
      throw ZooKeeperError(ZCONNECTIONLOSS, op, path,
                           fmt::format("not connected to ZooKeeper ({})", settings.quorum));
  }

  // Runs `call` (which returns a ZooKeeper code) against the current handle. Codes in `accept` are
  // returned; idempotent calls are retried after a connection loss; anything else throws.
  template <typename F>
  int run(const char* op, const std::string& path, bool idempotent, std::initializer_list<int> accept,
          F&& call) {
    for (int attempt = 0;; ++attempt) {
      await_connection(op, path);
      int rc;
      {
        std::shared_lock hl(handle_mu);
        rc = zh ? call(zh) : ZINVALIDSTATE;
      }
      for (int a : accept)
        if (rc == a) return rc;
      if (idempotent && retriable(rc) && attempt < settings.max_retry_attempts) continue;
      throw ZooKeeperError(rc, op, path);
    }
  }

  uint64_t add_watch(Watcher w) {
    std::lock_guard l(mu);
    uint64_t id = next_id++;
    watches.emplace(id, std::move(w));
    return id;
  }
  void drop_watch(uint64_t id) {
    std::lock_guard l(mu);
    watches.erase(id);
  }
};

ZooKeeperClient::ZooKeeperClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<ZooKeeperClient> ZooKeeperClient::connect(const ZooKeeperClientSettings& settings) {
  quiet_c_client_log();
  auto impl = std::make_unique<Impl>(settings);
  Impl* i = impl.get();
  i->open_handle();
  i->event_thread = std::thread([i] {
    set_thread_name("zk-events");
    i->run_events();
  });
  i->event_thread_id = i->event_thread.get_id();
  std::unique_ptr<ZooKeeperClient> client(new ZooKeeperClient(std::move(impl)));
  std::unique_lock l(i->mu);
  if (!i->cv.wait_for(l, settings.connection_timeout, [&] { return i->phase == Phase::kConnected; })) {
    l.unlock();
    throw ZooKeeperError(ZCONNECTIONLOSS, "connect", "",
                         fmt::format("no session with ZooKeeper at '{}' within {} ms "
                                     "(high-availability.zookeeper.client.connection-timeout)",
                                     settings.quorum, settings.connection_timeout.count()));
  }
  l.unlock();
  // The first kConnected is dispatched by the task that set kConnected: let it end, so that a listener
  // added after connect() returns never sees it.
  client->run_on_event_thread([] {});
  return client;
}

ZooKeeperClient::~ZooKeeperClient() {
  {
    std::lock_guard l(impl_->mu);
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  if (impl_->event_thread.joinable()) impl_->event_thread.join();
  {
    std::lock_guard l(impl_->mu);
    impl_->phase = Phase::kClosed;
    impl_->watches.clear();
    impl_->cv.notify_all();
  }
  std::unique_lock hl(impl_->handle_mu);
  if (impl_->zh) zookeeper_close(impl_->zh);
  impl_->zh = nullptr;
}

std::string ZooKeeperClient::create(const std::string& path, const std::string& data, CreateMode mode) {
  std::string created(path.size() + 32, '\0');
  impl_->run("create", path, false, {ZOK}, [&](zhandle_t* zh) {
    return zoo_create(zh, path.c_str(), data.data(), static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE,
                      create_flags(mode), created.data(), static_cast<int>(created.size()));
  });
  created.resize(std::strlen(created.c_str()));
  return created;
}

void ZooKeeperClient::create_parents(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    impl_->run("create", prefix, true, {ZOK, ZNODEEXISTS}, [&](zhandle_t* zh) {
      return zoo_create(zh, prefix.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0);
    });
  }
}

std::optional<std::pair<std::string, NodeStat>> ZooKeeperClient::get(const std::string& path,
                                                                     Watcher watcher) {
  uint64_t id = watcher ? impl_->add_watch(std::move(watcher)) : 0;
  std::string buf(4096, '\0');
  Stat st{};
  while (true) {
    int len = static_cast<int>(buf.size());
    int rc;
    try {
      rc = impl_->run("get", path, true, {ZOK, ZNONODE}, [&](zhandle_t* zh) {
        len = static_cast<int>(buf.size());
        return id ? zoo_wget(zh, path.c_str(), &Impl::node_watcher, reinterpret_cast<void*>(id), buf.data(),
                             &len, &st)
                  : zoo_get(zh, path.c_str(), 0, buf.data(), &len, &st);
      });
    } catch (...) {
      if (id) impl_->drop_watch(id);
      throw;
    }
    if (rc == ZNONODE) {
      if (id) impl_->drop_watch(id);  // zoo_wget sets no watch on a missing node
      return std::nullopt;
    }
    if (st.dataLength > static_cast<int>(buf.size())) {  // larger than the buffer: read again
      buf.assign(static_cast<size_t>(st.dataLength), '\0');
      continue;
    }
    buf.resize(len < 0 ? 0 : static_cast<size_t>(len));
    return std::make_pair(std::move(buf), to_stat(st));
  }
}

std::optional<NodeStat> ZooKeeperClient::exists(const std::string& path, Watcher watcher) {
  uint64_t id = watcher ? impl_->add_watch(std::move(watcher)) : 0;
  Stat st{};
  int rc;
  try {
    rc = impl_->run("exists", path, true, {ZOK, ZNONODE}, [&](zhandle_t* zh) {
      return id ? zoo_wexists(zh, path.c_str(), &Impl::node_watcher, reinterpret_cast<void*>(id), &st)
                : zoo_exists(zh, path.c_str(), 0, &st);
    });
  } catch (...) {
    if (id) impl_->drop_watch(id);
    throw;
  }
  if (rc == ZNONODE) return std::nullopt;
  return to_stat(st);
}

std::vector<std::string> ZooKeeperClient::children(const std::string& path, Watcher watcher) {
  uint64_t id = watcher ? impl_->add_watch(std::move(watcher)) : 0;
  String_vector names{};
  try {
    impl_->run("get children", path, true, {ZOK}, [&](zhandle_t* zh) {
      return id ? zoo_wget_children(zh, path.c_str(), &Impl::node_watcher, reinterpret_cast<void*>(id),
                                    &names)
                : zoo_get_children(zh, path.c_str(), 0, &names);
    });
  } catch (...) {
    if (id) impl_->drop_watch(id);
    throw;
  }
  std::vector<std::string> out;
  for (int i = 0; i < names.count; ++i) out.emplace_back(names.data[i]);
  deallocate_String_vector(&names);
  return out;
}

NodeStat ZooKeeperClient::set(const std::string& path, const std::string& data, int32_t version) {
  Stat st{};
  impl_->run("set", path, false, {ZOK}, [&](zhandle_t* zh) {
    return zoo_set2(zh, path.c_str(), data.data(), static_cast<int>(data.size()), version, &st);
  });
  return to_stat(st);
}

void ZooKeeperClient::remove(const std::string& path, int32_t version) {
  impl_->run("delete", path, false, {ZOK},
             [&](zhandle_t* zh) { return zoo_delete(zh, path.c_str(), version); });
}

void ZooKeeperClient::remove_recursive(const std::string& path) {
  std::vector<std::string> kids;
  try {
    kids = children(path);
  } catch (const ZooKeeperError& e) {
    if (e.no_node()) return;
    throw;
  }
  for (const auto& k : kids) remove_recursive(path + "/" + k);
  impl_->run("delete", path, true, {ZOK, ZNONODE},
             [&](zhandle_t* zh) { return zoo_delete(zh, path.c_str(), -1); });
}

std::vector<std::string> ZooKeeperClient::multi(const std::vector<ZooKeeperOp>& ops) {
  if (ops.empty()) return {};
  std::vector<zoo_op_t> zops(ops.size());
  std::vector<zoo_op_result_t> results(ops.size());
  std::vector<std::string> created(ops.size());
  std::vector<Stat> stats(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const ZooKeeperOp& op = ops[i];
    switch (op.kind) {
      case ZooKeeperOp::Kind::kCreate:
        created[i].assign(op.path.size() + 32, '\0');
        zoo_create_op_init(&zops[i], op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()),
                           &ZOO_OPEN_ACL_UNSAFE, create_flags(op.mode), created[i].data(),
                           static_cast<int>(created[i].size()));
        break;
      case ZooKeeperOp::Kind::kSet:
        zoo_set_op_init(&zops[i], op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()),
                        op.version, &stats[i]);
        break;
      case ZooKeeperOp::Kind::kDelete:
        zoo_delete_op_init(&zops[i], op.path.c_str(), op.version);
        break;
      case ZooKeeperOp::Kind::kCheck:
        zoo_check_op_init(&zops[i], op.path.c_str(), op.version);
        break;
    }
  }
  int rc = impl_->run(
      "multi-op", ops.front().path, false,
      {ZOK, ZNONODE, ZNODEEXISTS, ZBADVERSION, ZNOTEMPTY, ZNOCHILDRENFOREPHEMERALS, ZRUNTIMEINCONSISTENCY},
      [&](zhandle_t* zh) {
        return zoo_multi(zh, static_cast<int>(zops.size()), zops.data(), results.data());
      });
  if (rc != ZOK) {
    for (size_t i = 0; i < ops.size(); ++i) {
      int r = results[i].err;
      if (r != ZOK && r != ZRUNTIMEINCONSISTENCY) {
        static constexpr const char* kKinds[] = {"create", "set", "delete", "check"};
        throw MultiOpError(r, i, ops[i].path,
                           fmt::format("operation {} of {} ({}) failed, so none was applied", i + 1,
                                       ops.size(), kKinds[static_cast<int>(ops[i].kind)]));
      }
    }
    throw MultiOpError(rc, 0, ops.front().path, "no operation was applied");
  }
  std::vector<std::string> out(ops.size());
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i].kind == ZooKeeperOp::Kind::kCreate) out[i] = created[i].c_str();
  return out;
}

uint64_t ZooKeeperClient::add_connection_listener(ConnectionListener listener) {
  std::lock_guard l(impl_->mu);
  uint64_t id = impl_->next_id++;
  impl_->listeners.emplace(id, std::move(listener));
  return id;
}

void ZooKeeperClient::remove_connection_listener(uint64_t id) {
  {
    std::lock_guard l(impl_->mu);
    impl_->listeners.erase(id);
  }
  if (!in_event_thread()) run_on_event_thread([] {});  // a dispatch in progress has ended
}

bool ZooKeeperClient::connected() const {
  std::lock_guard l(impl_->mu);
  return impl_->phase == Phase::kConnected;
}

int64_t ZooKeeperClient::session_id() const {
  std::lock_guard l(impl_->mu);
  return impl_->session;
}

std::chrono::milliseconds ZooKeeperClient::negotiated_session_timeout() const {
  std::lock_guard l(impl_->mu);
  return impl_->negotiated;
}

const ZooKeeperClientSettings& ZooKeeperClient::settings() const {
  return impl_->settings;
}

void ZooKeeperClient::post(std::function<void()> task) {
  impl_->post(std::move(task));
}

void ZooKeeperClient::run_on_event_thread(const std::function<void()>& task) {
  if (in_event_thread()) {
    task();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  impl_->post([&] {
    try {
      task();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  fut.get();
}

bool ZooKeeperClient::in_event_thread() const {
  return impl_->on_event_thread();
}

void ZooKeeperClient::expire_session_for_testing() {
  // zookeeper_close() ends the session on the server (its ephemeral nodes go before it returns); the client
  // then goes through what an expiry causes: kLost, a new handle, kConnected. Joining the session from a
  // second handle and closing that one (the classic trick) races with this handle reconnecting, which
  // moves the session back and makes the close a no-op.
  run_on_event_thread([this] { impl_->declare_lost(); });
}

}  // namespace weir::ha
