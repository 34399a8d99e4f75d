#include "weir/network/data_plane.h"

#include <future>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/common/thread_name.h"
#include "weir/network/data_connection.h"

namespace weir::network {

using asio::ip::tcp;

// Everything here runs on the I/O thread except the constructor, the destructor and run_sync().
class DataPlane::Impl final : public DataConnection::Owner {
 public:
  Impl(std::shared_ptr<PartitionRegistry> registry, DataPlaneOptions options)
      : registry_(std::move(registry)),
        options_(std::move(options)),
        io_(std::make_shared<asio::io_context>(1)),
        work_(asio::make_work_guard(*io_)),
        acceptor_(*io_) {
    asio::error_code ec;
    auto fail = [&](const std::string& what) {
      throw WeirError(fmt::format("cannot listen on {}:{} (taskmanager.data.port): {}", options_.host,
                                  options_.port, what));
    };
    tcp::resolver resolver(*io_);
    auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || endpoints.empty()) fail(ec ? ec.message() : "no such host");
    const tcp::endpoint endpoint = *endpoints.begin();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail(ec.message());
    const bool v6 = options_.host.find(':') != std::string::npos;  // an IPv6 address goes in brackets
    address_ = (v6 ? "[" + options_.host + "]" : options_.host) + ":" +
               std::to_string(acceptor_.local_endpoint().port());
    accept_next();
    thread_ = std::thread([io = io_] {
      set_thread_name("data-plane-io");
      // A handler that throws unwinds run(); the connection it served is left to its timeouts and the
      // I/O thread runs on for every other one (asio allows run() again after an exception).
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          log::get("network").error("the data plane's I/O thread caught: {}", e.what());
        } catch (...) {
          log::get("network").error("the data plane's I/O thread caught an unknown exception");
        }
      }
    });
  }

  void shutdown() {
    if (!thread_.joinable()) return;
    asio::post(*io_, [this] {
      stopped_ = true;
      asio::error_code ignored;
      acceptor_.close(ignored);
      // close() calls on_closed(), which edits connections_: iterate over a copy.
      auto all = connections_;
      for (auto& c : all) c->close("the data plane of TaskManager " + address_ + " shut down");
      connections_.clear();
      by_peer_.clear();
    });
    work_.reset();
    thread_.join();
  }

  template <typename F>
  void run_sync(F&& f) {
    // What f throws comes back to the caller (a promise never set would leave it waiting for ever).
    std::promise<void> done;
    asio::post(*io_, [&] {
      try {
        f();
        done.set_value();
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
    done.get_future().get();
  }

  std::shared_ptr<LocalChannel> remote_input(const ChannelId& id, const std::string& producer,
                                             const RemoteInputOptions& o) {
    if (producer.empty() || producer == address_) return registry_->channel(id);
    auto channel = std::make_shared<LocalChannel>();
    auto pool = std::make_shared<BufferPool>(o.segment_size, std::max<uint32_t>(o.credits, 1));
    channel->hold_pool(pool);
    asio::post(*io_, [this, id, producer, channel, pool, max_unread = o.max_unread_event_bytes] {
      // A subscription racing with shutdown must not dial out and hold up the I/O thread's exit.
      if (stopped_)
        channel->fail(fmt::format("the data plane of TaskManager {} shut down ({})", address_, describe(id)));
      else
        connection_to(producer)->subscribe(id, channel, pool, max_unread);
    });
    return channel;
  }

  void release_job(const std::string& prefix) {
    run_sync([&] {
      for (auto& c : connections_) c->release_job(prefix);
    });
  }

  size_t num_connections() {
    size_t n = 0;
    run_sync([&] { n = connections_.size(); });
    return n;
  }

  const std::string& address() const { return address_; }

  // ---- DataConnection::Owner ----
  std::shared_ptr<LocalChannel> producer_channel(const ChannelId& id, std::string& refusal) override {
    auto channel = registry_->channel_unless_released(id);
    if (!channel)
      refusal =
          fmt::format("attempt {} ended at TaskManager {} and its channels were released", id.job, address_);
    return channel;
  }

  size_t max_streams_per_connection() const override { return options_.max_streams_per_connection; }
  void subscription_ended(const ChannelId& id, const LocalChannel* channel) override {
    registry_->release_unclaimed(id, channel);
  }

  void on_hello(const std::shared_ptr<DataConnection>& c) override {
    // Both sides may have connected at once; the first connection named for a peer serves later
    // subscriptions, the other still serves the streams it carries.
    auto it = by_peer_.find(c->peer());
    if (it == by_peer_.end() || it->second->closed()) by_peer_[c->peer()] = c;
  }

  void on_closed(DataConnection* c) override {
    std::erase_if(connections_, [&](const auto& p) { return p.get() == c; });
    std::erase_if(by_peer_, [&](const auto& kv) { return kv.second.get() == c; });
  }

 private:
  std::shared_ptr<DataConnection> connection_to(const std::string& peer) {
    auto it = by_peer_.find(peer);
    if (it != by_peer_.end() && !it->second->closed()) return it->second;
    auto c = DataConnection::connect(io_, *this, address_, peer, options_.connect_timeout);
    // A connection that failed at once (a malformed address) is closed already: it still fails the
    // subscription made on it, but is not kept.
    if (!c->closed()) {
      connections_.insert(c);
      by_peer_[peer] = c;
    }
    return c;
  }

  void accept_next() {
    acceptor_.async_accept([this](const asio::error_code& e, tcp::socket socket) {
      if (e == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!e) connections_.insert(DataConnection::accept(io_, *this, std::move(socket)));
      accept_next();
    });
  }

  std::shared_ptr<PartitionRegistry> registry_;
  DataPlaneOptions options_;
  std::shared_ptr<asio::io_context> io_;  // first: destroyed after everything using it
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  std::string address_;
  std::set<std::shared_ptr<DataConnection>> connections_;
  std::map<std::string, std::shared_ptr<DataConnection>> by_peer_;
  bool stopped_ = false;  // shutting down: no new connections
  std::thread thread_;
};

DataPlane::DataPlane(std::shared_ptr<PartitionRegistry> registry, DataPlaneOptions options)
    : impl_(std::make_unique<Impl>(std::move(registry), std::move(options))) {}

DataPlane::~DataPlane() {
  impl_->shutdown();
}

const std::string& DataPlane::address() const {
  return impl_->address();
}

std::shared_ptr<LocalChannel> DataPlane::remote_input(const ChannelId& id,
                                                      const std::string& producer_address,
                                                      const RemoteInputOptions& options) {
  return impl_->remote_input(id, producer_address, options);
}

void DataPlane::release_job(const std::string& prefix) {
  impl_->release_job(prefix);
}

size_t DataPlane::num_connections() const {
  return impl_->num_connections();
}

}  // namespace weir::network
