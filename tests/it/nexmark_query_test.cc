// Every Nexmark query against an independent reference: plain C++ over the generated events. Jobs run
// at parallelism 1 and 4 and write JSON lines to memory; rows are compared as parsed JSON, as sets
// for the unordered queries and by each key's final row for the queries that emit updates.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "it_support.h"
#include "weir/connectors/nexmark/generator.h"
#include "weir/nexmark/bid_order.h"
#include "weir/nexmark/queries.h"
#include "weir/weir.h"

namespace weir::nexmark {
namespace {

using connectors::nexmark::Auction;
using connectors::nexmark::Bid;
using connectors::nexmark::Event;
using connectors::nexmark::GeneratorConfig;
using connectors::nexmark::NexmarkGenerator;
using connectors::nexmark::Person;
using json = nlohmann::json;
using testing::TempDir;

constexpr int64_t kEvents = 30000;
constexpr int64_t kWindow = 10000;

GeneratorConfig test_config() {
  GeneratorConfig c;
  c.seed = 20240601;
  c.events = kEvents;
  c.rate = 1000;  // 30 s of event time: several tumbling windows, sessions and auction lifetimes
  return c;
}

struct Events {
  std::vector<Person> persons;
  std::vector<Auction> auctions;
  std::vector<Bid> bids;
};

const Events& events() {
  static const Events ev = [] {
    Events e;
    NexmarkGenerator gen(test_config());
    for (int64_t n = 0; n < kEvents; ++n) {
      Event x = gen.generate(n);
      if (x.is_person())
        e.persons.push_back(x.person);
      else if (x.is_auction())
        e.auctions.push_back(x.auction);
      else
        e.bids.push_back(x.bid);
    }
    return e;
  }();
  return ev;
}

std::vector<json> run_job(const std::string& query, int parallelism, const std::string& side_input = "") {
  auto lines = std::make_shared<CollectedResults<std::string>>();
  QueryOptions o;
  o.generator = test_config();
  o.sink = SinkSpec::memory(lines);
  o.side_input = side_input;
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(parallelism);
  // q12 windows in processing time: a clock that stands still puts every bid in one window, which
  // the end of the input fires.
  if (query == "q12") env->set_clock(std::make_shared<ManualClock>(0));
  build_query(query, *env, o);
  env->execute(query);
  std::vector<json> rows;
  for (const auto& l : lines->values()) rows.push_back(json::parse(l));
  return rows;
}

std::vector<std::string> sorted_dumps(const std::vector<json>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.dump());
  std::sort(out.begin(), out.end());
  return out;
}

//! The last row of each key, in emission order (a key's rows all come from one subtask, in order).
std::vector<json> last_per_key(const std::vector<json>& rows, const std::vector<std::string>& key) {
  std::map<std::string, json> last;
  for (const auto& r : rows) {
    json k = json::array();
    for (const auto& f : key) k.push_back(r.at(f));
    last[k.dump()] = r;
  }
  std::vector<json> out;
  for (auto& [k, r] : last) out.push_back(r);
  return out;
}

json bid_json(const Bid& b) {
  return {{"auction", b.auction}, {"bidder", b.bidder},     {"price", b.price}, {"channel", b.channel},
          {"url", b.url},         {"dateTime", b.dateTime}, {"extra", b.extra}};
}

Timestamp tumble_start(Timestamp t) {
  return t - ((t % kWindow) + kWindow) % kWindow;
}

// ---- references ----

std::vector<json> ref_q0() {
  std::vector<json> r;
  for (const Bid& b : events().bids)
    r.push_back({{"auction", b.auction},
                 {"bidder", b.bidder},
                 {"price", b.price},
                 {"dateTime", b.dateTime},
                 {"extra", b.extra}});
  return r;
}

std::vector<json> ref_q1() {
  std::vector<json> r;
  for (const Bid& b : events().bids)
    r.push_back({{"auction", b.auction},
                 {"bidder", b.bidder},
                 {"price", b.price * 0.908},
                 {"dateTime", b.dateTime},
                 {"extra", b.extra}});
  return r;
}

std::vector<json> ref_q2() {
  std::vector<json> r;
  for (const Bid& b : events().bids)
    if (b.auction % 123 == 0) r.push_back({{"auction", b.auction}, {"price", b.price}});
  return r;
}

std::vector<json> ref_q3() {
  std::map<int64_t, const Person*> sellers;
  for (const Person& p : events().persons)
    if (p.state == "OR" || p.state == "ID" || p.state == "CA") sellers[p.id] = &p;
  std::vector<json> r;
  for (const Auction& a : events().auctions) {
    auto it = sellers.find(a.seller);
    if (a.category == 10 && it != sellers.end())
      r.push_back({{"name", it->second->name},
                   {"city", it->second->city},
                   {"state", it->second->state},
                   {"id", a.id}});
  }
  return r;
}

//! Per auction, the best bid within its lifetime (none when no bid falls inside).
std::vector<std::pair<const Auction*, const Bid*>> winners() {
  std::map<int64_t, std::vector<const Bid*>> by_auction;
  for (const Bid& b : events().bids) by_auction[b.auction].push_back(&b);
  std::vector<std::pair<const Auction*, const Bid*>> out;
  for (const Auction& a : events().auctions) {
    const Bid* best = nullptr;
    for (const Bid* b : by_auction[a.id]) {
      if (b->dateTime < a.dateTime || b->dateTime > a.expires) continue;
      if (!best || ranks_above(rank_of(*b), rank_of(*best))) best = b;
    }
    if (best) out.push_back({&a, best});
  }
  return out;
}

std::vector<json> ref_q9() {
  std::vector<json> r;
  for (auto [a, b] : winners())
    r.push_back({{"id", a->id},
                 {"itemName", a->itemName},
                 {"description", a->description},
                 {"initialBid", a->initialBid},
                 {"reserve", a->reserve},
                 {"dateTime", a->dateTime},
                 {"expires", a->expires},
                 {"seller", a->seller},
                 {"category", a->category},
                 {"extra", a->extra},
                 {"auction", b->auction},
                 {"bidder", b->bidder},
                 {"price", b->price},
                 {"bid_dateTime", b->dateTime},
                 {"bid_extra", b->extra}});
  return r;
}

std::vector<json> ref_q4_final() {
  std::map<int64_t, std::pair<int64_t, int64_t>> sum_count;
  for (auto [a, b] : winners()) {
    sum_count[a->category].first += b->price;
    sum_count[a->category].second += 1;
  }
  std::vector<json> r;
  for (auto [c, sc] : sum_count)
    r.push_back({{"category", c}, {"avg", static_cast<double>(sc.first) / static_cast<double>(sc.second)}});
  return r;
}

std::vector<json> ref_q5() {
  std::map<std::pair<Timestamp, int64_t>, int64_t> counts;  // (window start, auction) -> bids
  for (const Bid& b : events().bids) {
    Timestamp last = b.dateTime - ((b.dateTime % 2000) + 2000) % 2000;
    for (Timestamp s = last; s > b.dateTime - kWindow; s -= 2000) ++counts[{s, b.auction}];
  }
  std::map<Timestamp, int64_t> max;
  for (auto [k, n] : counts) max[k.first] = std::max(max[k.first], n);
  std::vector<json> r;
  for (auto [k, n] : counts)
    if (n == max[k.first])
      r.push_back(
          {{"auction", k.second}, {"num", n}, {"window_start", k.first}, {"window_end", k.first + kWindow}});
  return r;
}

std::vector<json> ref_q7() {
  std::map<Timestamp, int64_t> max;
  for (const Bid& b : events().bids) {
    auto [it, fresh] = max.try_emplace(tumble_start(b.dateTime), b.price);
    it->second = std::max(it->second, b.price);
  }
  std::vector<json> r;
  for (const Bid& b : events().bids) {
    Timestamp s = tumble_start(b.dateTime);
    if (b.price == max[s])
      r.push_back({{"auction", b.auction},
                   {"price", b.price},
                   {"bidder", b.bidder},
                   {"dateTime", b.dateTime},
                   {"extra", b.extra},
                   {"window_start", s},
                   {"window_end", s + kWindow}});
  }
  return r;
}

std::vector<json> ref_q8() {
  std::set<std::pair<int64_t, Timestamp>> sellers;
  for (const Auction& a : events().auctions) sellers.insert({a.seller, tumble_start(a.dateTime)});
  std::vector<json> r;
  for (const Person& p : events().persons) {
    Timestamp s = tumble_start(p.dateTime);
    if (sellers.count({p.id, s}))
      r.push_back({{"id", p.id}, {"name", p.name}, {"window_start", s}, {"window_end", s + kWindow}});
  }
  return r;
}

std::vector<json> ref_q11() {
  std::map<int64_t, std::vector<Timestamp>> times;
  for (const Bid& b : events().bids) times[b.bidder].push_back(b.dateTime);
  std::vector<json> r;
  for (auto& [bidder, ts] : times) {
    std::sort(ts.begin(), ts.end());
    size_t first = 0;
    for (size_t i = 1; i <= ts.size(); ++i) {
      // Sessions [t, t + gap) that overlap or touch merge.
      if (i < ts.size() && ts[i] <= ts[i - 1] + kWindow) continue;
      r.push_back({{"bidder", bidder},
                   {"count", static_cast<int64_t>(i - first)},
                   {"window_start", ts[first]},
                   {"window_end", ts[i - 1] + kWindow}});
      first = i;
    }
  }
  return r;
}

std::vector<json> ref_q12() {
  std::map<int64_t, int64_t> counts;
  for (const Bid& b : events().bids) ++counts[b.bidder];
  std::vector<json> r;
  for (auto [bidder, n] : counts)
    r.push_back({{"bidder", bidder}, {"count", n}, {"window_start", 0}, {"window_end", kWindow}});
  return r;
}

std::vector<json> ref_q17_final() {
  struct Acc {
    int64_t n = 0, min = INT64_MAX, max = INT64_MIN, sum = 0;
  };
  std::map<std::pair<int64_t, int64_t>, Acc> accs;
  for (const Bid& b : events().bids) {
    Acc& a = accs[{b.auction, b.dateTime / 86'400'000}];
    ++a.n;
    a.min = std::min(a.min, b.price);
    a.max = std::max(a.max, b.price);
    a.sum += b.price;
  }
  std::vector<json> r;
  for (auto& [k, a] : accs) {
    time_t secs = static_cast<time_t>(k.second * 86400);
    char day[16];
    std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&secs));
    r.push_back({{"auction", k.first},
                 {"day", day},
                 {"total_bids", a.n},
                 {"min_price", a.min},
                 {"max_price", a.max},
                 {"avg_price", static_cast<double>(a.sum) / static_cast<double>(a.n)},
                 {"sum_price", a.sum}});
  }
  return r;
}

std::vector<json> ref_q18_final() {
  std::map<std::pair<int64_t, int64_t>, const Bid*> latest;
  for (const Bid& b : events().bids) {
    const Bid*& l = latest[{b.bidder, b.auction}];
    if (!l || is_later(rank_of(b), rank_of(*l))) l = &b;
  }
  std::vector<json> r;
  for (auto [k, b] : latest) r.push_back(bid_json(*b));
  return r;
}

//! Per auction, its 10 best bids in rank order.
std::map<int64_t, std::vector<json>> top10(std::map<int64_t, std::vector<const Bid*>> by_auction) {
  std::map<int64_t, std::vector<json>> out;
  for (auto& [a, bids] : by_auction) {
    std::sort(bids.begin(), bids.end(),
              [](const Bid* x, const Bid* y) { return ranks_above(rank_of(*x), rank_of(*y)); });
    bids.erase(std::unique(bids.begin(), bids.end(), [](const Bid* x, const Bid* y) { return *x == *y; }),
               bids.end());
    for (size_t i = 0; i < bids.size() && i < 10; ++i) out[a].push_back(bid_json(*bids[i]));
  }
  return out;
}

std::vector<json> ref_q20() {
  std::map<int64_t, const Auction*> cat10;
  for (const Auction& a : events().auctions)
    if (a.category == 10) cat10[a.id] = &a;
  std::vector<json> r;
  for (const Bid& b : events().bids) {
    auto it = cat10.find(b.auction);
    if (it == cat10.end()) continue;
    const Auction& a = *it->second;
    r.push_back({{"auction", b.auction},
                 {"bidder", b.bidder},
                 {"price", b.price},
                 {"channel", b.channel},
                 {"url", b.url},
                 {"bid_dateTime", b.dateTime},
                 {"bid_extra", b.extra},
                 {"itemName", a.itemName},
                 {"description", a.description},
                 {"initialBid", a.initialBid},
                 {"reserve", a.reserve},
                 {"auction_dateTime", a.dateTime},
                 {"expires", a.expires},
                 {"seller", a.seller},
                 {"category", a.category},
                 {"auction_extra", a.extra}});
  }
  return r;
}

//! strftime of an event time in UTC.
std::string utc(Timestamp ms, const char* format) {
  time_t secs = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::vector<json> ref_q6_final() {
  // Per seller, the winners in (bid time, auction id) order; the last row averages the latest 11
  // (ROWS BETWEEN 10 PRECEDING AND CURRENT ROW), as BIGINT (truncated).
  std::map<int64_t, std::vector<std::tuple<Timestamp, int64_t, int64_t>>> sold;
  for (auto [a, b] : winners()) sold[a->seller].push_back({b->dateTime, a->id, b->price});
  std::vector<json> r;
  for (auto& [seller, items] : sold) {
    std::sort(items.begin(), items.end());
    size_t first = items.size() > 11 ? items.size() - 11 : 0;
    int64_t sum = 0;
    for (size_t i = first; i < items.size(); ++i) sum += std::get<2>(items[i]);
    r.push_back({{"seller", seller}, {"avg_price", sum / static_cast<int64_t>(items.size() - first)}});
  }
  return r;
}

json q10_row(const Bid& b) {
  return {{"auction", b.auction},          {"bidder", b.bidder}, {"price", b.price},
          {"dateTime", b.dateTime},        {"extra", b.extra},   {"dt", utc(b.dateTime, "%Y-%m-%d")},
          {"hm", utc(b.dateTime, "%H:%M")}};
}

std::vector<json> ref_q10() {
  std::vector<json> r;
  for (const Bid& b : events().bids) r.push_back(q10_row(b));
  return r;
}

//! q13 against a side input given as key -> values.
std::vector<json> ref_q13(const std::multimap<int64_t, std::string>& side) {
  std::vector<json> r;
  for (const Bid& b : events().bids) {
    auto [lo, hi] = side.equal_range(b.auction % 10000);
    for (auto it = lo; it != hi; ++it)
      r.push_back({{"auction", b.auction},
                   {"bidder", b.bidder},
                   {"price", b.price},
                   {"dateTime", b.dateTime},
                   {"value", it->second}});
  }
  return r;
}

std::vector<json> ref_q14() {
  std::vector<json> r;
  for (const Bid& b : events().bids) {
    // 0.908 * price, exactly: DECIMAL(23, 3).
    int64_t milli = b.price * 908;
    if (!(milli > 1000000LL * 1000 && milli < 50000000LL * 1000)) continue;
    char price[40];
    std::snprintf(price, sizeof price, "%lld.%03lld", static_cast<long long>(milli / 1000),
                  static_cast<long long>(milli % 1000));
    int hour = std::stoi(utc(b.dateTime, "%H"));
    const char* type = hour >= 8 && hour <= 18   ? "dayTime"
                       : hour <= 6 || hour >= 20 ? "nightTime"
                                                 : "otherTime";
    r.push_back({{"auction", b.auction},
                 {"bidder", b.bidder},
                 {"price", json::parse(price)},
                 {"bidTimeType", type},
                 {"dateTime", b.dateTime},
                 {"extra", b.extra},
                 {"c_counts", std::count(b.extra.begin(), b.extra.end(), 'c')}});
  }
  return r;
}

//! q15 / q16's statistics of a group of bids, computed with sets.
json statistics(const std::vector<const Bid*>& bids) {
  auto rank_of_price = [](int64_t p) { return p < 10000 ? 1 : p < 1000000 ? 2 : 3; };
  json j;
  std::set<int64_t> bidders[4], auctions[4];
  int64_t count[4] = {0, 0, 0, 0};
  for (const Bid* b : bids) {
    for (int r : {0, rank_of_price(b->price)}) {
      ++count[r];
      bidders[r].insert(b->bidder);
      auctions[r].insert(b->auction);
    }
  }
  const char* names[4] = {"total", "rank1", "rank2", "rank3"};
  for (int r = 0; r < 4; ++r) {
    j[std::string(names[r]) + "_bids"] = count[r];
    j[std::string(names[r]) + "_bidders"] = bidders[r].size();
    j[std::string(names[r]) + "_auctions"] = auctions[r].size();
  }
  return j;
}

std::vector<json> ref_q15_final() {
  std::map<std::string, std::vector<const Bid*>> by_day;
  for (const Bid& b : events().bids) by_day[utc(b.dateTime, "%Y-%m-%d")].push_back(&b);
  std::vector<json> r;
  for (auto& [day, bids] : by_day) {
    json j = statistics(bids);
    j["day"] = day;
    r.push_back(j);
  }
  return r;
}

std::vector<json> ref_q16_final() {
  std::map<std::pair<std::string, std::string>, std::vector<const Bid*>> groups;
  for (const Bid& b : events().bids) groups[{b.channel, utc(b.dateTime, "%Y-%m-%d")}].push_back(&b);
  std::vector<json> r;
  for (auto& [key, bids] : groups) {
    json j = statistics(bids);
    j["channel"] = key.first;
    j["day"] = key.second;
    std::string minute;
    for (const Bid* b : bids) minute = std::max(minute, utc(b->dateTime, "%H:%M"));
    j["minute"] = minute;
    r.push_back(j);
  }
  return r;
}

std::vector<json> ref_q21() {
  static const std::regex channel_id("(&|^)channel_id=([^&]*)");
  const std::map<std::string, std::string> hot = {
      {"apple", "0"}, {"google", "1"}, {"facebook", "2"}, {"baidu", "3"}};
  std::vector<json> r;
  for (const Bid& b : events().bids) {
    std::string lower = b.channel;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::smatch m;
    bool extracted = std::regex_search(b.url, m, channel_id);
    if (!hot.count(lower) && !extracted) continue;
    r.push_back({{"auction", b.auction},
                 {"bidder", b.bidder},
                 {"price", b.price},
                 {"channel", b.channel},
                 {"channel_id", hot.count(lower) ? hot.at(lower) : m[2].str()}});
  }
  return r;
}

std::vector<json> ref_q22() {
  std::vector<json> r;
  for (const Bid& b : events().bids) {
    std::vector<std::string> parts(1);
    for (char c : b.url) {
      if (c == '/')
        parts.emplace_back();
      else
        parts.back() += c;
    }
    auto dir = [&](size_t i) { return i < parts.size() ? json(parts[i]) : json(nullptr); };
    r.push_back({{"auction", b.auction},
                 {"bidder", b.bidder},
                 {"price", b.price},
                 {"channel", b.channel},
                 {"dir1", dir(3)},
                 {"dir2", dir(4)},
                 {"dir3", dir(5)}});
  }
  return r;
}

// ---- the comparisons ----

class NexmarkQuery : public ::testing::TestWithParam<int> {
 protected:
  void expect_same_rows(const std::string& query, const std::vector<json>& reference) {
    auto rows = run_job(query, GetParam());
    ASSERT_FALSE(reference.empty()) << query << ": the reference is empty; the test would prove nothing";
    EXPECT_EQ(sorted_dumps(rows), sorted_dumps(reference)) << query;
  }
};

TEST_P(NexmarkQuery, Q0PassesEveryBidThrough) {
  expect_same_rows("q0", ref_q0());
}
TEST_P(NexmarkQuery, Q1ConvertsPrices) {
  expect_same_rows("q1", ref_q1());
}
TEST_P(NexmarkQuery, Q2SelectsAuctions) {
  expect_same_rows("q2", ref_q2());
}
TEST_P(NexmarkQuery, Q3JoinsSellersInOrIdCa) {
  expect_same_rows("q3", ref_q3());
}
TEST_P(NexmarkQuery, Q5FindsHotItemsPerSlidingWindow) {
  expect_same_rows("q5", ref_q5());
}
TEST_P(NexmarkQuery, Q7FindsHighestBidsPerWindow) {
  expect_same_rows("q7", ref_q7());
}
TEST_P(NexmarkQuery, Q8JoinsNewUsersWithTheirAuctions) {
  expect_same_rows("q8", ref_q8());
}
TEST_P(NexmarkQuery, Q9FindsWinningBids) {
  expect_same_rows("q9", ref_q9());
}
TEST_P(NexmarkQuery, Q11CountsBidsPerSession) {
  expect_same_rows("q11", ref_q11());
}
TEST_P(NexmarkQuery, Q12CountsBidsPerProcessingTimeWindow) {
  expect_same_rows("q12", ref_q12());
}
TEST_P(NexmarkQuery, Q20JoinsBidsWithCategory10Auctions) {
  expect_same_rows("q20", ref_q20());
}

TEST_P(NexmarkQuery, Q10AddsPartitionColumns) {
  expect_same_rows("q10", ref_q10());
}
TEST_P(NexmarkQuery, Q13JoinsNexmarksDefaultSideInput) {
  std::multimap<int64_t, std::string> side;
  for (int64_t k = 0; k < 10000; ++k) side.emplace(k, std::to_string(k));
  expect_same_rows("q13", ref_q13(side));
}
TEST_P(NexmarkQuery, Q14CalculatesPricesTimeTypesAndCharCounts) {
  expect_same_rows("q14", ref_q14());
}
TEST_P(NexmarkQuery, Q21ExtractsChannelIds) {
  expect_same_rows("q21", ref_q21());
}
TEST_P(NexmarkQuery, Q22SplitsUrlDirectories) {
  expect_same_rows("q22", ref_q22());
}

TEST_P(NexmarkQuery, Q6AveragesEachSellersLastClosingPrices) {
  auto rows = run_job("q6", GetParam());
  EXPECT_EQ(rows.size(), winners().size());  // one update per closed auction with a winning bid
  auto reference = ref_q6_final();
  ASSERT_FALSE(reference.empty());
  EXPECT_EQ(sorted_dumps(last_per_key(rows, {"seller"})), sorted_dumps(reference));
}

TEST_P(NexmarkQuery, Q15CountsBidsBiddersAndAuctionsPerDay) {
  auto rows = run_job("q15", GetParam());
  EXPECT_EQ(rows.size(), events().bids.size());  // one update per bid
  EXPECT_EQ(sorted_dumps(last_per_key(rows, {"day"})), sorted_dumps(ref_q15_final()));
}

TEST_P(NexmarkQuery, Q16CountsBidsBiddersAndAuctionsPerChannelAndDay) {
  auto rows = run_job("q16", GetParam());
  EXPECT_EQ(rows.size(), events().bids.size());  // one update per bid
  EXPECT_EQ(sorted_dumps(last_per_key(rows, {"channel", "day"})), sorted_dumps(ref_q16_final()));
}

TEST_P(NexmarkQuery, Q4AveragesClosingPricesPerCategory) {
  auto rows = run_job("q4", GetParam());
  EXPECT_EQ(rows.size(), winners().size());  // one update per closed auction with a winning bid
  EXPECT_EQ(sorted_dumps(last_per_key(rows, {"category"})), sorted_dumps(ref_q4_final()));
}

TEST_P(NexmarkQuery, Q17KeepsDailyStatisticsPerAuction) {
  auto rows = run_job("q17", GetParam());
  EXPECT_EQ(rows.size(), events().bids.size());  // one update per bid
  EXPECT_EQ(sorted_dumps(last_per_key(rows, {"auction", "day"})), sorted_dumps(ref_q17_final()));
}

TEST_P(NexmarkQuery, Q18KeepsTheLastBidPerBidderAndAuction) {
  auto rows = run_job("q18", GetParam());
  EXPECT_EQ(sorted_dumps(last_per_key(rows, {"bidder", "auction"})), sorted_dumps(ref_q18_final()));
}

TEST_P(NexmarkQuery, Q19KeepsTheTop10BidsPerAuction) {
  auto rows = run_job("q19", GetParam());
  // Every final top-10 bid entered the top 10 when it arrived, so the best 10 rows emitted per
  // auction are its final top 10; their emitted ranks were right at the time of emission.
  std::vector<Bid> emitted;
  for (const auto& r : rows) {
    EXPECT_GE(r.at("rank_number").get<int64_t>(), 1);
    EXPECT_LE(r.at("rank_number").get<int64_t>(), 10);
    emitted.push_back({r.at("auction"), r.at("bidder"), r.at("price"), r.at("channel"), r.at("url"),
                       r.at("dateTime"), r.at("extra")});
  }
  std::map<int64_t, std::vector<const Bid*>> job_by_auction, ref_by_auction;
  for (const Bid& b : emitted) job_by_auction[b.auction].push_back(&b);
  for (const Bid& b : events().bids) ref_by_auction[b.auction].push_back(&b);
  EXPECT_EQ(top10(job_by_auction), top10(ref_by_auction));
}

INSTANTIATE_TEST_SUITE_P(Parallelism, NexmarkQuery, ::testing::Values(1, 4));

TEST_P(NexmarkQuery, Q13JoinsASideInputFile) {
  // Keys below 5000 (so half the bids find no row), key 7 twice, keys that never match, a quoted value.
  TempDir dir;
  auto file = dir.path / "side_input.txt";
  std::multimap<int64_t, std::string> side;
  {
    std::ofstream out(file);
    for (int64_t k = 0; k < 5000; ++k) {
      out << k << ",v" << k << "\n";
      side.emplace(k, "v" + std::to_string(k));
    }
    out << "7,\"seven, again\"\n\n-3,negative\n123456,too big\n";
    side.emplace(7, "seven, again");
  }
  auto rows = run_job("q13", GetParam(), file.string());
  auto reference = ref_q13(side);
  ASSERT_FALSE(reference.empty());
  EXPECT_EQ(sorted_dumps(rows), sorted_dumps(reference));
}

TEST(NexmarkQueries, Q13RefusesABadSideInputNamingTheLine) {
  TempDir dir;
  auto file = dir.path / "side_input.txt";
  std::ofstream(file) << "1,one\ntwo,2\n";
  QueryOptions o;
  o.side_input = file.string();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  try {
    build_query("q13", *env, o);
    FAIL() << "a bad side input should be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("two"), std::string::npos) << e.what();
  }
  o.side_input = (dir.path / "missing.txt").string();
  try {
    build_query("q13", *env, o);
    FAIL() << "a missing side input should be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos) << e.what();
  }
}

TEST(NexmarkQueries, Q10WritesEveryBidIntoItsTimePartition) {
  // file:DIR at parallelism 2: DIR/dt=yyyy-MM-dd/hm=HH:mm/part-*, each row in its own partition.
  TempDir dir;
  QueryOptions o;
  o.generator = test_config();
  o.generator.rate = 200;  // 30000 events over 150 s of event time: three or four minute partitions
  o.sink = SinkSpec::directory(dir.path.string());
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  build_query("q10", *env, o);
  env->execute("q10");

  std::vector<json> rows;
  std::set<std::string> partitions;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path)) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    ASSERT_TRUE(name.starts_with("part-")) << "unexpected file " << e.path();
    std::string hm = e.path().parent_path().filename().string();
    std::string dt = e.path().parent_path().parent_path().filename().string();
    ASSERT_EQ(e.path().parent_path().parent_path().parent_path(), dir.path);
    partitions.insert(dt + "/" + hm);
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      json r = json::parse(line);
      EXPECT_EQ("dt=" + r.at("dt").get<std::string>(), dt);
      EXPECT_EQ("hm=" + r.at("hm").get<std::string>(), hm);
      rows.push_back(r);
    }
  }
  std::vector<json> reference;
  std::set<std::string> reference_partitions;
  NexmarkGenerator gen(o.generator);
  for (int64_t n = 0; n < o.generator.events; ++n) {
    Event x = gen.generate(n);
    if (!x.is_bid()) continue;
    reference.push_back(q10_row(x.bid));
    reference_partitions.insert("dt=" + utc(x.bid.dateTime, "%Y-%m-%d") +
                                "/hm=" + utc(x.bid.dateTime, "%H:%M"));
  }
  EXPECT_GE(reference_partitions.size(), 3u);
  EXPECT_EQ(partitions, reference_partitions);
  EXPECT_EQ(sorted_dumps(rows), sorted_dumps(reference));
}

TEST(NexmarkQueries, SuiteListsEveryQueryInOrder) {
  std::vector<std::string> expected;
  for (int q = 0; q <= 22; ++q) expected.push_back("q" + std::to_string(q));
  EXPECT_EQ(query_names(), expected);
}

TEST(NexmarkQueries, UnknownQueryIsRefusedByName) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  try {
    build_query("q23", *env, {});
    FAIL() << "q23 should be refused";
  } catch (const JobDefinitionError& e) {
    EXPECT_NE(std::string(e.what()).find("q23"), std::string::npos);
  }
}

}  // namespace
}  // namespace weir::nexmark
