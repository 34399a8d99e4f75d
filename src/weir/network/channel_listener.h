#pragma once
// The consumer side of a LocalChannel as the channel sees it: told when the channel has data and when
// a priority buffer arrived. An InputGate is one (a task reads the channel); the DataPlane's sender is
// another (it forwards the channel to a consumer in another TaskManager).
//
// Threading: both calls come from the producer's thread (or the data plane's I/O thread) with the
// channel's mutex held, so an implementation must not call back into the channel and must be cheap.
namespace weir::network {

class ChannelListener {
 public:
  virtual ~ChannelListener() = default;
  //! The channel went from empty to non-empty, or holds data when the listener attaches, or failed.
  virtual void notify_available(int channel) = 0;
  //! A priority buffer (an unaligned checkpoint barrier) was queued.
  virtual void notify_priority() = 0;
};

}  // namespace weir::network
