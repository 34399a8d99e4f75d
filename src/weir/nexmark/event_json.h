#pragma once
// Nexmark events as JSON objects: `{"type":"bid",<the Bid's fields>}` (and "person", "auction"), the form
// `weir nexmark-gen` writes to stdout and to Kafka and the Kafka event source reads back.
#include <string>
#include <string_view>

#include "weir/connectors/nexmark/model.h"

namespace weir::nexmark {

//! Appends `e` as one JSON object (no newline): "type" first, then the active member's fields under their
//! Nexmark names.
void append_event_json(std::string& out, const connectors::nexmark::Event& e);

//! Reads an object append_event_json wrote (keys in any order; other keys are ignored) into `e`. Throws
//! SerializationError naming what is wrong: not JSON, no or an unknown "type", a missing field or one of the
//! wrong type.
void parse_event_json(std::string_view json, connectors::nexmark::Event& e);

}  // namespace weir::nexmark
