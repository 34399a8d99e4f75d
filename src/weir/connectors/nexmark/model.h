#pragma once
// The Nexmark event model: people, auctions and bids (fields under their Nexmark names, so rows,
// JSON and the published queries read alike), and Event, one of the three with a kind tag.
//
// Event holds all three kinds side by side rather than in a variant: a generator fills one Event
// in place for each event number, and unused members keep their (heap-free) empty strings, so a
// reused Event costs no allocation per event once its strings have grown.
#include <cstdint>
#include <ostream>
#include <string>

#include "weir/common/formatter.h"
#include "weir/common/serializer.h"
#include "weir/common/struct_fields.h"
#include "weir/common/time.h"

namespace weir::connectors::nexmark {

struct Person {
  int64_t id = 0;
  std::string name;
  std::string emailAddress;
  std::string creditCard;
  std::string city;
  std::string state;
  Timestamp dateTime = 0;
  std::string extra;
  bool operator==(const Person&) const = default;
};
WEIR_STRUCT(Person, id, name, emailAddress, creditCard, city, state, dateTime, extra)

struct Auction {
  int64_t id = 0;
  std::string itemName;
  std::string description;
  int64_t initialBid = 0;
  int64_t reserve = 0;
  Timestamp dateTime = 0;
  Timestamp expires = 0;
  int64_t seller = 0;
  int64_t category = 0;
  std::string extra;
  bool operator==(const Auction&) const = default;
};
WEIR_STRUCT(Auction, id, itemName, description, initialBid, reserve, dateTime, expires, seller, category,
            extra)

struct Bid {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  std::string channel;
  std::string url;
  Timestamp dateTime = 0;
  std::string extra;
  bool operator==(const Bid&) const = default;
};
WEIR_STRUCT(Bid, auction, bidder, price, channel, url, dateTime, extra)

enum class EventKind : uint8_t { kPerson = 0, kAuction = 1, kBid = 2 };

inline const char* kind_name(EventKind k) {
  switch (k) {
    case EventKind::kPerson:
      return "person";
    case EventKind::kAuction:
      return "auction";
    case EventKind::kBid:
      return "bid";
  }
  return "unknown";
}

//! One Nexmark event: `kind` says which member is meaningful; the others are left empty.
struct Event {
  EventKind kind = EventKind::kBid;
  Person person;
  Auction auction;
  Bid bid;

  bool is_person() const { return kind == EventKind::kPerson; }
  bool is_auction() const { return kind == EventKind::kAuction; }
  bool is_bid() const { return kind == EventKind::kBid; }
  Timestamp date_time() const {
    switch (kind) {
      case EventKind::kPerson:
        return person.dateTime;
      case EventKind::kAuction:
        return auction.dateTime;
      case EventKind::kBid:
        return bid.dateTime;
    }
    return kNoTimestamp;
  }
  //! Equal kinds and equal active members (the inactive members do not count).
  friend bool operator==(const Event& a, const Event& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case EventKind::kPerson:
        return a.person == b.person;
      case EventKind::kAuction:
        return a.auction == b.auction;
      case EventKind::kBid:
        return a.bid == b.bid;
    }
    return false;
  }
  friend std::ostream& operator<<(std::ostream& os, const Event& e) {
    switch (e.kind) {
      case EventKind::kPerson:
        return os << to_display_string(e.person);
      case EventKind::kAuction:
        return os << to_display_string(e.auction);
      case EventKind::kBid:
        return os << to_display_string(e.bid);
    }
    return os;
  }
};

}  // namespace weir::connectors::nexmark

namespace weir {

//! Only the active member travels: a bid crosses the network as a kind byte and a Bid.
template <>
struct Serializer<connectors::nexmark::Event> {
  using Event = connectors::nexmark::Event;
  using EventKind = connectors::nexmark::EventKind;
  static void write(DataOutput& out, const Event& e) {
    out.write_u8(static_cast<uint8_t>(e.kind));
    switch (e.kind) {
      case EventKind::kPerson:
        Serializer<connectors::nexmark::Person>::write(out, e.person);
        break;
      case EventKind::kAuction:
        Serializer<connectors::nexmark::Auction>::write(out, e.auction);
        break;
      case EventKind::kBid:
        Serializer<connectors::nexmark::Bid>::write(out, e.bid);
        break;
    }
  }
  static Event read(DataInput& in) {
    Event e;
    uint8_t k = in.read_u8();
    switch (k) {
      case 0:
        e.kind = EventKind::kPerson;
        e.person = Serializer<connectors::nexmark::Person>::read(in);
        break;
      case 1:
        e.kind = EventKind::kAuction;
        e.auction = Serializer<connectors::nexmark::Auction>::read(in);
        break;
      case 2:
        e.kind = EventKind::kBid;
        e.bid = Serializer<connectors::nexmark::Bid>::read(in);
        break;
      default:
        throw SerializationError("bad Nexmark event kind " + std::to_string(k));
    }
    return e;
  }
  //! Reads into the active member only; the others keep what they held (their buffers are reused later).
  static void read_into(DataInput& in, Event& e) {
    uint8_t k = in.read_u8();
    switch (k) {
      case 0:
        e.kind = EventKind::kPerson;
        weir::read_into(in, e.person);
        break;
      case 1:
        e.kind = EventKind::kAuction;
        weir::read_into(in, e.auction);
        break;
      case 2:
        e.kind = EventKind::kBid;
        weir::read_into(in, e.bid);
        break;
      default:
        throw SerializationError("bad Nexmark event kind " + std::to_string(k));
    }
  }
};

}  // namespace weir
