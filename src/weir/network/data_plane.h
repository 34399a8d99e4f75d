#pragma once
// A TaskManager's data plane: moves the buffers of channels whose producer and consumer run in
// different TaskManagers over TCP. It listens on one port (taskmanager.data.port) and keeps one
// connection per peer TaskManager, which carries every channel between the two in both directions,
// with credit-based flow control per channel (data_connection.h, README.md).
//
// Producer side: nothing to do for a task. It writes into the PartitionRegistry's LocalChannel as for
// a local consumer; when a remote consumer subscribes, the data plane reads that channel and sends it.
// Consumer side: remote_input() returns a LocalChannel that the task's InputGate reads like a local
// one; the data plane fills it with the buffers the producer's TaskManager sends.
//
// Threading: one I/O thread owns sockets, connections and streams; the methods below may be called
// from any thread but that one.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "weir/network/local_channel.h"
#include "weir/network/partition_registry.h"

namespace weir::network {

struct DataPlaneOptions {
  std::string host = "127.0.0.1";  //!< interface to listen on, and the host in address() (taskmanager.host)
  int port = 0;                    //!< taskmanager.data.port; 0 = any free port
  //! How long connecting to a peer may take, retries included (its TaskManager may not listen yet);
  //! then the channels waiting for it fail.
  std::chrono::milliseconds connect_timeout{10000};
  //! The most streams a peer may subscribe to on one connection at a time; one more is a protocol error
  //! that closes the connection. Each is a record and, until a task claims its channel, a registry channel:
  //! a peer cannot grow them without bound. A consumer TaskManager subscribes one stream per remote input
  //! channel it reads from this one, so even 256 subtasks reading 256 each stay far below.
  size_t max_streams_per_connection = 1u << 16;
};

//! The receive side of one remote channel.
struct RemoteInputOptions {
  //! Exclusive receive buffers, the channel's credit: the most buffers in flight to it
  //! (taskmanager.network.memory.buffers-per-channel).
  uint32_t credits = 2;
  //! Size of each receive buffer; must hold the producer's largest buffer (taskmanager.memory.segment-size).
  uint32_t segment_size = 32 * 1024;
  //! The most bytes the producer may have sent without credit (events, and the data an unaligned
  //! checkpoint's barrier brings along) that this channel's consumer has not taken yet: a producer that
  //! sends more is a protocol error, which closes its connection, so a peer cannot make this TaskManager
  //! queue events without bound. Twice the largest message (wire::kMaxBody); a producer's whole pool
  //! of default size is a few MiB.
  uint64_t max_unread_event_bytes = 128u << 20;
};

class DataPlane {
 public:
  //! Binds host:port and starts the I/O thread. Throws WeirError naming the address and
  //! taskmanager.data.port when the port cannot be bound.
  explicit DataPlane(std::shared_ptr<PartitionRegistry> registry, DataPlaneOptions options = {});
  //! Closes every connection (their channels fail) and joins the I/O thread.
  ~DataPlane();
  DataPlane(const DataPlane&) = delete;
  DataPlane& operator=(const DataPlane&) = delete;

  //! "host:port" where other data planes connect.
  const std::string& address() const;
  //! A consumer's channel `id` whose producer runs in the TaskManager whose data plane listens at
  //! `producer_address`; the registry's own channel when that is this data plane. Connection failures
  //! are not thrown here: they fail the channel, whose reader then gets a WeirError naming the peer
  //! and the channel.
  std::shared_ptr<LocalChannel> remote_input(const ChannelId& id, const std::string& producer_address,
                                             const RemoteInputOptions& options = {});
  //! Drops the remote streams of every job whose key starts with `prefix`, on both sides (the peers
  //! are told); the registry's channels are released by its owner. Returns when done.
  void release_job(const std::string& prefix);
  //! Open connections (tests, metrics).
  size_t num_connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::network
