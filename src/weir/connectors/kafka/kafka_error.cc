#include "weir/connectors/kafka/kafka_error.h"

#include <librdkafka/rdkafka.h>

namespace weir::kafka {

std::string kafka_error_name(int code) {
  return rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code));
}

std::string kafka_error_text(int code) {
  return rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(code));
}

std::string kafka_error_detail(int code) {
  return kafka_error_name(code) + ": " + kafka_error_text(code);
}

std::string describe_partition(const std::string& topic, int32_t partition) {
  return "topic '" + topic + "' partition " + std::to_string(partition);
}

}  // namespace weir::kafka
