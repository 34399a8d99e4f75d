#include "weir/nexmark/event_json.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <type_traits>

#include "weir/common/error.h"
#include "weir/connectors/json_format.h"

namespace weir::nexmark {

namespace nx = connectors::nexmark;

namespace {

// Reads the flat JSON objects of Nexmark events without building a document: the Kafka source parses one per
// record, and a general JSON library's tree (allocations, a map per object) cost several times the rest of a
// query. Any JSON object is accepted (whitespace, keys in any order, escapes, unknown keys of any type are
// skipped); fields are strings or integers.
class EventReader {
 public:
  explicit EventReader(std::string_view s) : s_(s) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw SerializationError("not a JSON Nexmark event: " + what + " (at byte " + std::to_string(i_) + ")");
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool at_end() {
    ws();
    return i_ == s_.size();
  }
  size_t position() const { return i_; }
  void rewind(size_t i) { i_ = i; }

  //! A string; a view of the input when it has no escapes, else decoded into `scratch`.
  std::string_view string(std::string& scratch) {
    ws();
    if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string");
    size_t start = ++i_;
    while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\' && static_cast<unsigned char>(s_[i_]) >= 0x20)
      ++i_;
    if (i_ < s_.size() && s_[i_] == '"') return s_.substr(start, i_++ - start);
    scratch.assign(s_.data() + start, i_ - start);
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        return scratch;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        scratch += c;
        ++i_;
        continue;
      }
      if (++i_ >= s_.size()) fail("unterminated string");
      switch (s_[i_++]) {
        case '"':
          scratch += '"';
          break;
        case '\\':
          scratch += '\\';
          break;
        case '/':
          scratch += '/';
          break;
        case 'b':
          scratch += '\b';
          break;
        case 'f':
          scratch += '\f';
          break;
        case 'n':
          scratch += '\n';
          break;
        case 'r':
          scratch += '\r';
          break;
        case 't':
          scratch += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i_ + 1 >= s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') fail("unpaired surrogate");
            i_ += 2;
            uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate");
          }
          append_utf8(scratch, cp);
          break;
        }
        default:
          fail("bad escape in a string");
      }
    }
  }

  //! An integer (no fraction, no exponent).
  bool integer(int64_t& out) {
    ws();
    auto [end, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), out);
    if (ec != std::errc()) return false;
    size_t next = static_cast<size_t>(end - s_.data());
    if (next < s_.size() && (s_[next] == '.' || s_[next] == 'e' || s_[next] == 'E')) return false;
    i_ = next;
    return true;
  }

  //! Steps over any value.
  void skip_value(int depth = 0) {
    if (depth > 64) fail("nested too deeply");
    ws();
    if (i_ >= s_.size()) fail("expected a value");
    char c = s_[i_];
    if (c == '"') {
      std::string scratch;
      string(scratch);
    } else if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++i_;
      if (eat(close)) return;
      do {
        if (c == '{') {
          std::string scratch;
          string(scratch);
          expect(':');
        }
        skip_value(depth + 1);
      } while (eat(','));
      expect(close);
    } else {
      size_t start = i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
                                s_[i_] == '+' || s_[i_] == '.'))
        ++i_;
      if (i_ == start) fail("expected a value");
    }
  }

 private:
  uint32_t hex4() {
    if (i_ + 4 > s_.size()) fail("bad \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<uint32_t>(h - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return v;
  }
  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

// The value of the object's "type", scanning its keys from the reader's position (just after the '{').
std::string find_type(EventReader& r, std::string& scratch) {
  if (!r.eat('}')) {
    do {
      std::string_view key = r.string(scratch);
      r.expect(':');
      if (key == "type") return std::string(r.string(scratch));
      r.skip_value();
    } while (r.eat(','));
  }
  r.fail("no \"type\" (person, auction or bid)");
}

// The fields of `T` from the reader's position: behind a leading "type" value (`after_type`), or just after
// the '{' (then "type" is skipped like any key that is not a field).
template <DescribedStruct T>
void read_fields(EventReader& r, bool after_type, T& out, std::string& scratch) {
  const char* const* names = weir_struct_names(static_cast<const T*>(nullptr));
  constexpr size_t kFields = std::tuple_size_v<decltype(weir_struct_fields(static_cast<const T*>(nullptr)))>;
  static_assert(kFields <= 64);
  uint64_t seen = 0;
  bool more = after_type ? r.eat(',') : !r.eat('}');
  const bool closed = !after_type && !more;
  while (more) {
    std::string_view key = r.string(scratch);
    size_t index = 0;
    while (index < kFields && key != names[index]) ++index;
    r.expect(':');
    if (index == kFields) {
      r.skip_value();
    } else {
      seen |= uint64_t{1} << index;
      size_t i = 0;
      std::apply(
          [&](auto... member) {
            (
                [&] {
                  if (i++ != index) return;
                  using Field = std::decay_t<decltype(out.*member)>;
                  if constexpr (std::is_same_v<Field, std::string>) {
                    out.*member = r.string(scratch);
                  } else {
                    static_assert(std::is_same_v<Field, int64_t>, "Nexmark fields are strings or integers");
                    if (!r.integer(out.*member))
                      throw SerializationError(std::string("field '") + names[index] +
                                               "' of the event is not an integer");
                  }
                }(),
                ...);
          },
          weir_struct_fields(static_cast<const T*>(nullptr)));
    }
    more = r.eat(',');
  }
  if (!closed) r.expect('}');
  if (!r.at_end()) r.fail("text after the object");
  for (size_t i = 0; i < kFields; ++i)
    if (!(seen & (uint64_t{1} << i)))
      throw SerializationError(std::string("the event has no field '") + names[i] + "'");
}

}  // namespace

void append_event_json(std::string& out, const nx::Event& e) {
  out += "{\"type\":\"";
  out += nx::kind_name(e.kind);
  out += "\",";
  switch (e.kind) {
    case nx::EventKind::kPerson:
      connectors::append_json_fields(out, e.person);
      break;
    case nx::EventKind::kAuction:
      connectors::append_json_fields(out, e.auction);
      break;
    case nx::EventKind::kBid:
      connectors::append_json_fields(out, e.bid);
      break;
  }
  out += '}';
}

void parse_event_json(std::string_view json, nx::Event& e) {
  EventReader r(json);
  std::string scratch;
  r.expect('{');
  const size_t body = r.position();
  std::string type;
  bool type_first = false;
  // append_event_json writes "type" first: then the fields follow right behind it.
  if (!r.eat('}') && r.string(scratch) == "type") {
    r.expect(':');
    type = std::string(r.string(scratch));
    type_first = true;
  } else {
    r.rewind(body);
    type = find_type(r, scratch);
    r.rewind(body);
  }
  if (type == "bid") {
    e.kind = nx::EventKind::kBid;
    read_fields(r, type_first, e.bid, scratch);
  } else if (type == "auction") {
    e.kind = nx::EventKind::kAuction;
    read_fields(r, type_first, e.auction, scratch);
  } else if (type == "person") {
    e.kind = nx::EventKind::kPerson;
    read_fields(r, type_first, e.person, scratch);
  } else {
    throw SerializationError("not a JSON Nexmark event: unknown \"type\" '" + type +
                             "' (expected person, auction or bid)");
  }
}

}  // namespace weir::nexmark
