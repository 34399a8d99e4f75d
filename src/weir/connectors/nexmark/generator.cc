#include "weir/connectors/nexmark/generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace weir::connectors::nexmark {
namespace {

constexpr std::array<const char*, 11> kFirstNames = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                                     "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::array<const char*, 9> kLastNames = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                                   "Walton", "Smith",  "Jones",   "Noris"};
constexpr std::array<const char*, 10> kCities = {"Phoenix",  "Los Angeles", "San Francisco", "Boise",
                                                 "Portland", "Bend",        "Redmond",       "Seattle",
                                                 "Kent",     "Cheyenne"};
constexpr std::array<const char*, 6> kStates = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::array<const char*, 4> kHotChannels = {"Google", "Facebook", "Baidu", "Apple"};

constexpr int64_t kLetterPoolSize = 16384;
constexpr uint64_t kJitterSalt = 0x6a09e667f3bcc908ULL;
constexpr uint64_t kUrlSalt = 0xbb67ae8584caa73bULL;
constexpr uint64_t kPoolSalt = 0x3c6ef372fe94f82bULL;
// Events between an auction and the auction kInFlightAuctions later: an auction's expected lifetime.
constexpr int64_t kAuctionHorizonEvents = kInFlightAuctions * kProportionDenominator / kAuctionProportion;

int64_t next_price(EventRandom& r) {
  return std::llround(std::pow(10.0, r.next_double() * 6.0) * 100.0);
}

uint32_t reverse_bits(uint32_t v) {
  v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
  v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
  v = ((v >> 4) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4);
  v = ((v >> 8) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8);
  return (v >> 16) | (v << 16);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_digits4(std::string& out, int64_t v) {
  char buf[4] = {static_cast<char>('0' + v / 1000), static_cast<char>('0' + v / 100 % 10),
                 static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
  out.append(buf, 4);
}

}  // namespace

NexmarkGenerator::NexmarkGenerator(GeneratorConfig config) : config_(config) {
  config_.validate();
  url_salt_ = mix64(config_.seed ^ kUrlSalt);
  letters_.resize(kLetterPoolSize);
  EventRandom r(config_.seed ^ kPoolSalt, -1);
  for (auto& c : letters_) c = static_cast<char>('a' + r.uniform(26));
}

int64_t NexmarkGenerator::last_base0_person_id(int64_t n) {
  int64_t epoch = n / kProportionDenominator;
  int64_t offset = std::min(n % kProportionDenominator, kPersonProportion - 1);
  return epoch * kPersonProportion + offset;
}

int64_t NexmarkGenerator::last_base0_auction_id(int64_t n) {
  int64_t epoch = n / kProportionDenominator;
  int64_t offset = n % kProportionDenominator;
  if (offset < kPersonProportion) {
    // A person: the newest auction is the last of the previous epoch.
    --epoch;
    offset = kAuctionProportion - 1;
  } else if (offset >= kPersonProportion + kAuctionProportion) {
    // A bid: the newest auction is the last of this epoch.
    offset = kAuctionProportion - 1;
  } else {
    offset -= kPersonProportion;
  }
  return epoch * kAuctionProportion + offset;
}

int64_t NexmarkGenerator::next_base0_person_id(int64_t n, EventRandom& r) {
  // Someone among the active people, or slightly ahead of the newest (a person not created yet).
  int64_t num_people = last_base0_person_id(n) + 1;
  int64_t active = std::min(num_people, kActivePeople);
  return num_people - active + r.uniform(active + kPersonIdLead);
}

int64_t NexmarkGenerator::next_base0_auction_id(int64_t n, EventRandom& r) {
  // An auction likely still in flight, or slightly ahead of the newest.
  int64_t max_auction = last_base0_auction_id(n);
  int64_t min_auction = std::max<int64_t>(max_auction - kInFlightAuctions, 0);
  return min_auction + r.uniform(max_auction - min_auction + 1 + kAuctionIdLead);
}

int64_t NexmarkGenerator::byte_size(const Person& p) {
  return 8 * 2 + static_cast<int64_t>(p.name.size() + p.emailAddress.size() + p.creditCard.size() +
                                      p.city.size() + p.state.size() + p.extra.size());
}
int64_t NexmarkGenerator::byte_size(const Auction& a) {
  return 8 * 7 + static_cast<int64_t>(a.itemName.size() + a.description.size() + a.extra.size());
}
int64_t NexmarkGenerator::byte_size(const Bid& b) {
  return 8 * 4 + static_cast<int64_t>(b.extra.size());
}

void NexmarkGenerator::random_letters(EventRandom& r, int64_t len, std::string& out) const {
  out.assign(letters_.data() + r.uniform(kLetterPoolSize - len + 1), static_cast<size_t>(len));
}
void NexmarkGenerator::append_random_letters(EventRandom& r, int64_t len, std::string& out) const {
  out.append(letters_.data() + r.uniform(kLetterPoolSize - len + 1), static_cast<size_t>(len));
}

void NexmarkGenerator::pad_extra(EventRandom& r, int64_t current, int64_t avg, std::string& extra) const {
  if (current >= avg) {
    extra.clear();
    return;
  }
  int64_t desired = avg - current;
  int64_t delta = std::llround(static_cast<double>(desired) * 0.2);
  int64_t size = desired - delta + (delta == 0 ? 0 : r.uniform(2 * delta));
  random_letters(r, std::min(size, kLetterPoolSize), extra);
}

void NexmarkGenerator::generate(int64_t n, Event& e) const {
  EventRandom r(config_.seed, n);
  Timestamp ts = nominal_time(n);
  if (config_.out_of_orderness_ms > 0) {
    // A separate stream, so that the option moves times without changing any other field.
    EventRandom jitter(config_.seed ^ kJitterSalt, n);
    ts -= jitter.uniform(config_.out_of_orderness_ms + 1);
  }
  e.kind = kind_of(n);
  switch (e.kind) {
    case EventKind::kPerson:
      make_person(n, r, ts, e.person);
      break;
    case EventKind::kAuction:
      make_auction(n, r, ts, e.auction);
      break;
    case EventKind::kBid:
      make_bid(n, r, ts, e.bid);
      break;
  }
}

void NexmarkGenerator::make_person(int64_t n, EventRandom& r, Timestamp ts, Person& p) const {
  p.id = kFirstPersonId + last_base0_person_id(n);
  p.name.assign(kFirstNames[r.uniform(kFirstNames.size())]);
  p.name += ' ';
  p.name += kLastNames[r.uniform(kLastNames.size())];
  random_letters(r, 7, p.emailAddress);
  p.emailAddress += '@';
  append_random_letters(r, 5, p.emailAddress);
  p.emailAddress += ".com";
  p.creditCard.clear();
  for (int i = 0; i < 4; ++i) {
    if (i) p.creditCard += ' ';
    append_digits4(p.creditCard, r.uniform(10000));
  }
  p.city.assign(kCities[r.uniform(kCities.size())]);
  p.state.assign(kStates[r.uniform(kStates.size())]);
  p.dateTime = ts;
  p.extra.clear();
  pad_extra(r, byte_size(p), kAvgPersonBytes, p.extra);
}

void NexmarkGenerator::make_auction(int64_t n, EventRandom& r, Timestamp ts, Auction& a) const {
  a.id = kFirstAuctionId + last_base0_auction_id(n);
  // 3 in 4 auctions come from a hot seller: the newest person id rounded down to 100.
  int64_t seller = r.uniform(4) > 0 ? last_base0_person_id(n) / kHotIdRounding * kHotIdRounding
                                    : next_base0_person_id(n, r);
  a.seller = kFirstPersonId + seller;
  a.category = kFirstCategoryId + r.uniform(kNumCategories);
  a.initialBid = next_price(r);
  a.reserve = a.initialBid + next_price(r);
  // Lifetime: on average the event time needed to open kInFlightAuctions more auctions.
  int64_t horizon_ms = nominal_time(n + kAuctionHorizonEvents) - nominal_time(n);
  a.dateTime = ts;
  a.expires = ts + 1 + r.uniform(std::max<int64_t>(2 * horizon_ms, 1));
  random_letters(r, 3 + r.uniform(18), a.itemName);
  random_letters(r, 3 + r.uniform(98), a.description);
  a.extra.clear();
  pad_extra(r, byte_size(a), kAvgAuctionBytes, a.extra);
}

void NexmarkGenerator::make_bid(int64_t n, EventRandom& r, Timestamp ts, Bid& b) const {
  // Half the bids go to the hot auction: the newest auction id rounded down to 100.
  int64_t auction = r.uniform(2) > 0 ? last_base0_auction_id(n) / kHotIdRounding * kHotIdRounding
                                     : next_base0_auction_id(n, r);
  b.auction = kFirstAuctionId + auction;
  // 3 in 4 come from the hot bidder: the newest person id rounded down to 100, plus 1 (not the hot seller).
  int64_t bidder = r.uniform(4) > 0 ? last_base0_person_id(n) / kHotIdRounding * kHotIdRounding + 1
                                    : next_base0_person_id(n, r);
  b.bidder = kFirstPersonId + bidder;
  b.price = next_price(r);
  int64_t channel_number;
  if (r.uniform(2) > 0) {
    int64_t i = r.uniform(kHotChannels.size());
    b.channel.assign(kHotChannels[i]);
    channel_number = kNumChannels + i;  // hot channels are numbered after the channel-N ones
  } else {
    channel_number = r.uniform(kNumChannels);
    b.channel.assign("channel-");
    append_int(b.channel, channel_number);
  }
  make_url(r, channel_number, b.url);
  b.dateTime = ts;
  b.extra.clear();
  pad_extra(r, byte_size(b), kAvgBidBytes, b.extra);
}

void NexmarkGenerator::make_url(EventRandom& r, int64_t channel_number, std::string& url) const {
  // A fixed base url per channel (a function of seed and channel), carrying channel_id= in 9 bids of 10.
  url.assign("https://www.nexmark.com/");
  uint64_t bits[2] = {mix64(url_salt_ + static_cast<uint64_t>(channel_number)),
                      mix64(url_salt_ ^ (static_cast<uint64_t>(channel_number) << 20))};
  for (int part = 0; part < 3; ++part) {
    for (int i = 0; i < 5; ++i) {
      int k = part * 5 + i;
      url += static_cast<char>('a' + ((bits[k / 8] >> (8 * (k % 8))) & 0xff) % 26);
    }
    url += '/';
  }
  url += "item.htm?query=1";
  if (r.uniform(10) > 0) {
    url += "&channel_id=";
    append_int(url, reverse_bits(static_cast<uint32_t>(channel_number)) >> 1);
  }
}

}  // namespace weir::connectors::nexmark
