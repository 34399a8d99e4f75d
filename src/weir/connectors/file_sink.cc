#include "weir/connectors/file_sink.h"

#include <cerrno>
#include <cstring>

namespace weir::connectors {

void FilePartWriter::open(const std::string& dir, int subtask) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw WeirError("file sink: cannot create directory '" + dir + "': " + ec.message());
  tmp_ = std::filesystem::path(dir) / (".part-" + std::to_string(subtask) + ".inprogress");
  final_ = std::filesystem::path(dir) / ("part-" + std::to_string(subtask));
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) throw WeirError("file sink: cannot open '" + tmp_.string() + "': " + std::strerror(errno));
  std::setvbuf(f_, nullptr, _IOFBF, 1 << 16);
}

void FilePartWriter::write_line(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fputc('\n', f_);
}

void FilePartWriter::commit() {
  if (!f_) return;
  if (std::fflush(f_) != 0 || std::fclose(f_) != 0)
    throw WeirError("file sink: cannot write '" + tmp_.string() + "': " + std::strerror(errno));
  f_ = nullptr;
  std::error_code ec;
  std::filesystem::rename(tmp_, final_, ec);
  if (ec) throw WeirError("file sink: cannot publish '" + final_.string() + "': " + ec.message());
}

FilePartWriter::~FilePartWriter() {
  if (f_) std::fclose(f_);
}

}  // namespace weir::connectors
