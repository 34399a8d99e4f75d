#pragma once
// Errors of the Kafka connector. A message names what failed and where: the brokers (bootstrap servers), the
// topic and partition, the offset, and librdkafka's error name (e.g. `_TRANSPORT`, `UNKNOWN_TOPIC_OR_PART`).
#include <cstdint>
#include <string>

#include "weir/common/error.h"

namespace weir::kafka {

class KafkaError : public WeirError {
 public:
  //! `code` is librdkafka's rd_kafka_resp_err_t (0 when the error is Weir's own, e.g. a bad option).
  KafkaError(const std::string& message, int code = 0) : WeirError(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

//! librdkafka's name of an error code, e.g. "UNKNOWN_TOPIC_OR_PART" or "_TIMED_OUT".
std::string kafka_error_name(int code);
//! librdkafka's description of an error code.
std::string kafka_error_text(int code);
//! "NAME: description", the form every KafkaError message ends with.
std::string kafka_error_detail(int code);
//! "topic 'orders' partition 3", how messages name a partition.
std::string describe_partition(const std::string& topic, int32_t partition);

}  // namespace weir::kafka
