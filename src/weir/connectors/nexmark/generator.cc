#include "weir/connectors/nexmark/generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

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

// price()'s table: 100 * 10^(i / 2^kPow10StepBits) for i in 0 ... 6 * 2^kPow10StepBits (12 KB).
constexpr int kPow10StepBits = 8;
constexpr double kLn10 = 2.302585092994045684;
// The relative error price() allows between its estimate and pow's result. Both are within ~5e-15 of
// 100 * 10^(6u): the estimate's table entries and arithmetic within a few ulps and its series' remainder
// below 1e-15, pow within 1 ulp and its argument 6u rounded to a double (a relative 1e-15 in 10^(6u)).
// So this bound holds with two orders of magnitude to spare.
constexpr double kPriceRelativeError = 1e-12;

uint32_t reverse_bits(uint32_t v) {
  v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
  v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
  v = ((v >> 4) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4);
  v = ((v >> 8) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8);
  return (v >> 16) | (v << 16);
}

//! The price for u = m * 2^-53 as the model defines it. Out of line: price() needs it about once in 10^5.
[[gnu::noinline]] int64_t price_by_pow(uint64_t m) {
  return std::llround(std::pow(10.0, static_cast<double>(m) * 0x1.0p-53 * 6.0) * 100.0);
}

//! Copies n bytes, C <= n <= 4C, as four fixed-size copies of C bytes (overlapping where n < 4C): no
//! call and no branch on n, where memcpy would dispatch on the size.
template <size_t C>
[[gnu::always_inline]] inline void copy_in_four(char* dst, const char* src, size_t n) {
  const size_t second = std::min(C, n - C);
  const size_t third = std::min(2 * C, n - C);
  std::memcpy(dst, src, C);
  std::memcpy(dst + second, src + second, C);
  std::memcpy(dst + third, src + third, C);
  std::memcpy(dst + n - C, src + n - C, C);
}

//! s = the n bytes at src, which do not overlap s. The sizes the generator makes most (names of 4-16
//! bytes, urls and padding of 32-128) are copied inline.
[[gnu::always_inline]] inline void set_bytes(std::string& s, const char* src, size_t n) {
  if (n > s.size()) {
    s.assign(src, n);
    return;
  }
  s.resize(n);
  char* dst = s.data();
  if (n >= 32 && n <= 128)
    copy_in_four<32>(dst, src, n);
  else if (n >= 4 && n <= 16)
    copy_in_four<4>(dst, src, n);
  else
    std::memcpy(dst, src, n);
}

//! a if take_a, else b, without a branch: the choices made with it are random bits, which a branch
//! would mispredict half the time.
inline int64_t select(bool take_a, int64_t a, int64_t b) {
  return b + ((a - b) & -static_cast<int64_t>(take_a));
}

void append_digits4(std::string& out, int64_t v) {
  char buf[4] = {static_cast<char>('0' + v / 1000), static_cast<char>('0' + v / 100 % 10),
                 static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
  out.append(buf, 4);
}

}  // namespace

NexmarkGenerator::NexmarkGenerator(GeneratorConfig config) : config_(config) {
  config_.validate();
  rate_inverse_ = ~uint64_t{0} / static_cast<uint64_t>(config_.rate);
  url_salt_ = mix64(config_.seed ^ kUrlSalt);
  premixed_seed_ = EventRandom::premix(config_.seed);
  premixed_jitter_seed_ = EventRandom::premix(config_.seed ^ kJitterSalt);
  letters_.resize(kLetterPoolSize);
  EventRandom r(config_.seed ^ kPoolSalt, -1);
  for (auto& c : letters_) c = static_cast<char>('a' + r.uniform(26));

  // Channels 0 ... kNumChannels - 1 are channel-N; the hot channels are numbered after them. A url's
  // directories are a fixed function of (seed, channel number), its channel_id the number's bits reversed.
  channels_.resize(kNumChannels + kHotChannels.size());
  for (int64_t number = 0; number < static_cast<int64_t>(channels_.size()); ++number) {
    Channel& c = channels_[number];
    std::string name = number < kNumChannels ? "channel-" + std::to_string(number)
                                             : std::string(kHotChannels[number - kNumChannels]);
    std::memcpy(c.name, name.data(), name.size());
    c.name_size = static_cast<uint8_t>(name.size());
    uint64_t bits[2] = {mix64(url_salt_ + static_cast<uint64_t>(number)),
                        mix64(url_salt_ ^ (static_cast<uint64_t>(number) << 20))};
    for (int part = 0; part < 3; ++part) {
      for (int i = 0; i < 5; ++i) {
        int k = part * 5 + i;
        c.path[part * 6 + i] = static_cast<char>('a' + ((bits[k / 8] >> (8 * (k % 8))) & 0xff) % 26);
      }
      c.path[part * 6 + 5] = '/';
    }
    char id[sizeof c.id];
    auto [end, ec] = std::to_chars(id, id + sizeof id, reverse_bits(static_cast<uint32_t>(number)) >> 1);
    c.id_size = static_cast<uint8_t>(end - id);
    std::memset(c.id, '0', sizeof c.id);
    std::memcpy(c.id + sizeof c.id - c.id_size, id, c.id_size);  // right-aligned
  }

  const int steps = 1 << kPow10StepBits;
  pow10_.resize(6 * steps + 1);
  for (int i = 0; i <= 6 * steps; ++i) pow10_[i] = std::pow(10.0, static_cast<double>(i) / steps) * 100.0;
}

int64_t NexmarkGenerator::price(uint64_t draw) const {
  return price_inline(draw);
}

[[gnu::always_inline]] inline int64_t NexmarkGenerator::price_inline(uint64_t draw) const {
  // The price is llround(pow(10, x) * 100) for x = 6u, u = (draw >> 11) * 2^-53 (EventRandom::next_double).
  // pow is slow, so estimate 100 * 10^(6u) from a table and a short series, and use the estimate when it
  // decides the rounding: when it is further from the nearest half-integer than its error and pow's
  // together can reach, pow's result rounds to the same integer. Otherwise (about once in 10^5 prices)
  // compute it as pow does. Integer arithmetic up to the series keeps the dependency chain short.
  const uint64_t m = draw >> 11;                  // u = m * 2^-53
  const uint64_t y = m * 6;                       // 6u = y * 2^-53, y < 2^56
  const uint64_t i = y >> (53 - kPow10StepBits);  // 6u = i / 2^kPow10StepBits + f
  const uint64_t rest = y & ((uint64_t{1} << (53 - kPow10StepBits)) - 1);
  const double t = static_cast<double>(rest) * (kLn10 * 0x1.0p-53);  // f ln 10 < 0.009
  // e^t to degree 5 (remainder below t^6 / 720 < 1e-15), in Estrin's form for a shorter chain.
  const double t2 = t * t;
  const double e = (1.0 + t) + t2 * ((0.5 + t * (1.0 / 6)) + t2 * ((1.0 / 24) + t * (1.0 / 120)));
  const double estimate = pow10_[i] * e;  // in [100, 1e8]
  const auto whole = static_cast<int64_t>(estimate);
  const double fraction = estimate - static_cast<double>(whole);
  if (std::abs(fraction - 0.5) <= estimate * kPriceRelativeError) [[unlikely]]
    return price_by_pow(m);
  return whole + (fraction > 0.5 ? 1 : 0);
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

[[gnu::always_inline]] inline int64_t NexmarkGenerator::base0_person_id_from(int64_t n, uint64_t draw) {
  // Someone among the active people, or slightly ahead of the newest (a person not created yet).
  int64_t num_people = last_base0_person_id(n) + 1;
  int64_t active = std::min(num_people, kActivePeople);
  return num_people - active + EventRandom::scale(draw, active + kPersonIdLead);
}

[[gnu::always_inline]] inline int64_t NexmarkGenerator::base0_auction_id_from(int64_t n, uint64_t draw) {
  // An auction likely still in flight, or slightly ahead of the newest.
  int64_t max_auction = last_base0_auction_id(n);
  int64_t min_auction = std::max<int64_t>(max_auction - kInFlightAuctions, 0);
  return min_auction + EventRandom::scale(draw, max_auction - min_auction + 1 + kAuctionIdLead);
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

[[gnu::always_inline]] inline void NexmarkGenerator::random_letters(EventRandom& r, int64_t len,
                                                                    std::string& out) const {
  set_bytes(out, letters_.data() + r.uniform(kLetterPoolSize - len + 1), static_cast<size_t>(len));
}
void NexmarkGenerator::append_random_letters(EventRandom& r, int64_t len, std::string& out) const {
  out.append(letters_.data() + r.uniform(kLetterPoolSize - len + 1), static_cast<size_t>(len));
}

[[gnu::always_inline]] inline void NexmarkGenerator::pad_extra(EventRandom& r, int64_t current, int64_t avg,
                                                               std::string& extra) const {
  if (current >= avg) {
    extra.clear();
    return;
  }
  int64_t desired = avg - current;
  // round(desired * 0.2), half away from zero: desired / 5 is never within 0.1 of a half-integer, so
  // this equals llround(desired * 0.2) computed in doubles.
  int64_t delta = (2 * desired + 5) / 10;
  int64_t size = desired - delta + (delta == 0 ? 0 : r.uniform(2 * delta));
  random_letters(r, std::min(size, kLetterPoolSize), extra);
}

void NexmarkGenerator::generate(int64_t n, Event& e, BidColumns columns) const {
  EventRandom r(premixed_seed_, n, EventRandom::Premixed{});
  Timestamp ts =
      n >= 0 ? config_.base_time + static_cast<Timestamp>(divide_by_rate(static_cast<uint64_t>(n) * 1000))
             : nominal_time(n);
  if (config_.out_of_orderness_ms > 0) {
    // A separate stream, so that the option moves times without changing any other field.
    EventRandom jitter(premixed_jitter_seed_, n, EventRandom::Premixed{});
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
      make_bid(n, r, ts, e.bid, columns);
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
  a.initialBid = price_inline(r.next_u64());
  a.reserve = a.initialBid + price_inline(r.next_u64());
  // Lifetime: on average the event time needed to open kInFlightAuctions more auctions.
  int64_t horizon_ms = nominal_time(n + kAuctionHorizonEvents) - nominal_time(n);
  a.dateTime = ts;
  a.expires = ts + 1 + r.uniform(std::max<int64_t>(2 * horizon_ms, 1));
  random_letters(r, 3 + r.uniform(18), a.itemName);
  random_letters(r, 3 + r.uniform(98), a.description);
  a.extra.clear();
  pad_extra(r, byte_size(a), kAvgAuctionBytes, a.extra);
}

void NexmarkGenerator::make_bid(int64_t n, EventRandom& r, Timestamp ts, Bid& b, BidColumns columns) const {
  // Where a draw is taken only on one side of an earlier draw's choice, it is computed either way and
  // skipped when not taken (EventRandom::skip): a branch on a random bit is mispredicted half the time.
  // Half the bids go to the hot auction: the newest auction id rounded down to 100.
  const bool hot_auction = r.uniform(2) > 0;
  const int64_t other_auction = base0_auction_id_from(n, r.peek_u64());
  r.skip(!hot_auction);
  b.auction = kFirstAuctionId +
              select(hot_auction, last_base0_auction_id(n) / kHotIdRounding * kHotIdRounding, other_auction);
  // 3 in 4 come from the hot bidder: the newest person id rounded down to 100, plus 1 (not the hot seller).
  const bool hot_bidder = r.uniform(4) > 0;
  const int64_t other_bidder = base0_person_id_from(n, r.peek_u64());
  r.skip(!hot_bidder);
  b.bidder = kFirstPersonId +
             select(hot_bidder, last_base0_person_id(n) / kHotIdRounding * kHotIdRounding + 1, other_bidder);
  b.price = price_inline(r.next_u64());
  b.dateTime = ts;
  b.extra.clear();
  // Half the bids come from a hot channel (numbered after the channel-N ones); either way one more draw.
  const bool hot_channel = r.uniform(2) > 0;
  const uint64_t channel_draw = r.next_u64();
  const int64_t channel_number =
      select(hot_channel, kNumChannels + EventRandom::scale(channel_draw, kHotChannels.size()),
             EventRandom::scale(channel_draw, kNumChannels));
  // A skipped string's draws are still taken where a later column depends on them (the url's for extra).
  if (has_columns(columns, BidColumns::kChannel)) {
    const Channel& c = channels_[channel_number];
    set_bytes(b.channel, c.name, c.name_size);
  } else {
    b.channel.clear();
  }
  if (has_columns(columns, BidColumns::kUrl)) {
    make_url(r, channel_number, b.url);
  } else {
    r.skip(1);  // make_url's one draw (with or without channel_id)
    b.url.clear();
  }
  if (has_columns(columns, BidColumns::kExtra)) pad_extra(r, byte_size(b), kAvgBidBytes, b.extra);
}

[[gnu::always_inline]] inline void NexmarkGenerator::make_url(EventRandom& r, int64_t channel_number,
                                                              std::string& url) const {
  // A fixed base url per channel (a function of seed and channel), carrying channel_id= in 9 bids of 10:
  // https://www.nexmark.com/ + the channel's path + item.htm?query=1 [+ &channel_id= + the id's digits].
  static constexpr std::string_view kHost = "https://www.nexmark.com/";
  static constexpr std::string_view kItem = "item.htm?query=1";
  static constexpr std::string_view kChannelId = "&channel_id=";
  static constexpr size_t kBase = kHost.size() + sizeof(Channel::path) + kItem.size();
  const Channel& c = channels_[channel_number];
  const bool with_id = r.uniform(10) > 0;
  const size_t size = kBase + (with_id ? kChannelId.size() + c.id_size : 0);
  if (size <= url.size()) {
    // Written in place with fixed-size copies (the compiler inlines them). The id is right-aligned in
    // its field: its whole field is copied to end at the url's end, then kChannelId over what precedes it.
    url.resize(size);
    char* p = url.data();
    std::memcpy(p, kHost.data(), kHost.size());
    std::memcpy(p + kHost.size(), c.path, sizeof c.path);
    std::memcpy(p + kHost.size() + sizeof c.path, kItem.data(), kItem.size());
    if (with_id) {
      std::memcpy(p + size - sizeof c.id, c.id, sizeof c.id);
      std::memcpy(p + kBase, kChannelId.data(), kChannelId.size());
    }
    return;
  }
  char buf[kBase + kChannelId.size() + sizeof c.id];
  char* p = buf;
  p = std::copy(kHost.begin(), kHost.end(), p);
  p = std::copy(c.path, c.path + sizeof c.path, p);
  p = std::copy(kItem.begin(), kItem.end(), p);
  if (with_id) {
    p = std::copy(kChannelId.begin(), kChannelId.end(), p);
    p = std::copy(c.id + sizeof c.id - c.id_size, c.id + sizeof c.id, p);
  }
  url.assign(buf, static_cast<size_t>(p - buf));
}

}  // namespace weir::connectors::nexmark
