#pragma once
// Lines read from a TCP server (Flink's socketTextStream). Runs with parallelism 1; ends when the
// server closes the connection.
#include <string>

#include "weir/functions/source_operator.h"

namespace weir::connectors {

class SocketTextReader final : public SourceReader<std::string> {
 public:
  SocketTextReader(std::string host, int port, char delimiter = '\n')
      : host_(std::move(host)), port_(port), delimiter_(delimiter) {}
  ~SocketTextReader() override;
  void open(const SourceContext& ctx) override;
  InputStatus poll_next(SourceOutput<std::string>& out, int max_records) override;
  void close() override;

 private:
  std::string host_;
  int port_;
  char delimiter_;
  int fd_ = -1;
  std::string pending_;
  bool eof_ = false;
};

}  // namespace weir::connectors
