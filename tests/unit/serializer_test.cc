#include <gtest/gtest.h>

#include "weir/common/formatter.h"
#include "weir/common/serializer.h"

namespace weir {
namespace {

struct Person {
  int64_t id = 0;
  std::string name;
  std::optional<std::string> city;
  std::vector<int32_t> scores;
  bool operator==(const Person&) const = default;
};
WEIR_STRUCT(Person, id, name, city, scores)

TEST(Serializer, RoundTripsBuiltInsAndStructs) {
  Person p{7, "ann", std::string("Boise"), {1, 2, 3}};
  auto bytes = serialize_to_string(p);
  Person q = deserialize_from_string<Person>(bytes);
  EXPECT_EQ(q.id, 7);
  EXPECT_EQ(q.name, "ann");
  EXPECT_EQ(q.city, "Boise");
  EXPECT_EQ(q.scores, (std::vector<int32_t>{1, 2, 3}));

  std::tuple<int, std::string, double> t{1, "x", 2.5};
  EXPECT_EQ(deserialize_from_string<decltype(t)>(serialize_to_string(t)), t);
  std::map<std::string, int64_t> m{{"a", 1}, {"b", 2}};
  EXPECT_EQ(deserialize_from_string<decltype(m)>(serialize_to_string(m)), m);
}

TEST(Serializer, TruncatedInputIsAClearError) {
  auto bytes = serialize_to_string(std::string("hello world"));
  bytes.resize(5);
  try {
    deserialize_from_string<std::string>(bytes);
    FAIL() << "expected SerializationError";
  } catch (const SerializationError& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected end of data"), std::string::npos);
  }
}

TEST(Serializer, ABoolByteOtherThanZeroOrOneIsRefused) {
  // Found by the data_plane fuzz target: loading byte 4 as a bool is undefined behaviour.
  EXPECT_TRUE(deserialize_from_string<bool>(std::string(1, '\1')));
  EXPECT_FALSE(deserialize_from_string<bool>(std::string(1, '\0')));
  try {
    deserialize_from_string<std::pair<bool, int32_t>>(std::string("\4\0\0\0\0", 5));
    FAIL() << "expected SerializationError";
  } catch (const SerializationError& e) {
    EXPECT_NE(std::string(e.what()).find("malformed bool: byte 4"), std::string::npos) << e.what();
  }
}

// Writes `records`, then reads them all back into one value as a network input does
// (runtime::TypedDispatcher), keeping a copy of what each read gave.
template <typename T>
std::vector<T> read_back_into_one_value(const std::vector<T>& records) {
  DataOutput out;
  for (const T& r : records) Serializer<T>::write(out, r);
  DataInput in(out.view());
  T into{};
  std::vector<T> got;
  for (size_t i = 0; i < records.size(); ++i) {
    read_into(in, into);
    got.push_back(into);
  }
  EXPECT_TRUE(in.at_end());
  return got;
}

TEST(Serializer, ReadIntoOneValueGivesEachRecordWhole) {
  // Nothing of a longer record may survive into a shorter one that follows it.
  std::vector<Person> records = {
      {1, std::string(100, 'a'), std::string("Boise"), {1, 2, 3, 4, 5}},
      {2, "bo", std::nullopt, {}},
      {3, std::string(40, 'c'), std::string("x"), {9}},
      {4, "", std::nullopt, {7, 8}},
  };
  EXPECT_EQ(read_back_into_one_value(records), records);

  using Nested = std::pair<std::vector<std::string>, std::string>;
  std::vector<Nested> nested = {
      {{"long string beyond the inline bytes", "b", "c"}, "first"}, {{"x"}, ""}, {{}, "third"}};
  EXPECT_EQ(read_back_into_one_value(nested), nested);
}

TEST(Formatter, PrintsTuplesAndStructsLikeFlink) {
  EXPECT_EQ(to_display_string(std::make_tuple(1, std::string("a"))), "(1,a)");
  Person p{1, "bo", std::nullopt, {}};
  EXPECT_EQ(to_display_string(p), "Person{id=1, name=bo, city=null, scores=[]}");
}

}  // namespace
}  // namespace weir
