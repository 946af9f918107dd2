#include "json_file.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace storage_jsonfile {
namespace {

using mt5b::sdk::Error;

// Throws the failure of a system call as a sentence that says what to check.
void check(bool ok, const std::string& what, const std::string& path) {
  if (!ok) {
    throw Error(MT5B_FAILED, "cannot " + what + " " + path + ": " + std::strerror(errno) +
                                 "; check that the directory exists and the host may write it");
  }
}

}  // namespace

JsonFile::Lock::Lock(const std::string& path, int mode)
    : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  check(fd_ >= 0, "open the lock file", path);
  int locked;
  while ((locked = flock(fd_, mode)) != 0 && errno == EINTR) {
  }
  if (locked != 0) close(fd_);
  check(locked == 0, "lock", path);
}

JsonFile::Lock::~Lock() {
  close(fd_);
}  // closing the descriptor releases the lock

rapidjson::Document JsonFile::load() const {
  rapidjson::Document document;
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    document.Parse(R"({"schema_version": 0})");
    return document;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  // Full precision: the default parser may miss a double's last bit; 0.1 + 0.2 must come back
  // exactly as it was stored.
  document.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) {
    throw Error(MT5B_FAILED, "the store file " + path_ + " is not a JSON object (" +
                                 rapidjson::GetParseError_En(document.GetParseError()) +
                                 "); restore it from a backup or point path at a new file");
  }
  return document;
}

void JsonFile::save(const rapidjson::Document& document) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  document.Accept(writer);
  // Only the holder of the exclusive lock writes, so one temporary name is enough.
  const std::string temporary = path_ + ".tmp";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  check(fd >= 0, "create", temporary);
  const char* data = buffer.GetString();
  size_t left = buffer.GetSize();
  while (left > 0) {
    const ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data += n;
    left -= static_cast<size_t>(n);
  }
  const bool written = left == 0 && fsync(fd) == 0;  // on the disk before it replaces the old
  close(fd);
  check(written, "write", temporary);
  check(std::rename(temporary.c_str(), path_.c_str()) == 0, "replace", path_);
  // The rename itself is durable once the directory is flushed too.
  const auto directory = std::filesystem::absolute(path_).parent_path();
  if (const int dir = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    fsync(dir);
    close(dir);
  }
}

}  // namespace storage_jsonfile
