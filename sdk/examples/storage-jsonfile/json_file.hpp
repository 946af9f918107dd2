// The whole store is one JSON document in one file. Every call reads the file under a lock; a
// call that changes something writes a new file and renames it over the old one. So:
//  - a reader never sees half a file, and a call that throws before the rename changes nothing
//    (that is all the "transaction" an atomic sync apply needs here);
//  - the lock is flock(2) on `<path>.lock`, taken per call through a fresh open(): it excludes
//    other threads of this process as well as other processes (two hosts on one file), and
//    nothing stays open between calls, so a forked child starts clean.
#ifndef STORAGE_JSONFILE_JSON_FILE_HPP
#define STORAGE_JSONFILE_JSON_FILE_HPP

#include <mt5bridge/sdk.hpp>

#include <rapidjson/document.h>
#include <sys/file.h>

#include <string>

namespace storage_jsonfile {

class JsonFile {
 public:
  explicit JsonFile(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // The document as it is now; a file that does not exist yet reads as {"schema_version": 0}.
  rapidjson::Document read() const {
    Lock lock(path_ + ".lock", LOCK_SH);
    return load();
  }

  // Reads the document, lets `change` modify it and writes it back, under one exclusive lock.
  // If `change` throws, the file stays as it was. Returns the document as written.
  template <class Change>
  rapidjson::Document update(Change&& change) const {
    Lock lock(path_ + ".lock", LOCK_EX);
    rapidjson::Document document = load();
    change(document);
    save(document);
    return document;
  }

 private:
  class Lock {  // holds flock(2) on a file while it lives
   public:
    Lock(const std::string& path, int mode);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    int fd_;
  };

  rapidjson::Document load() const;
  void save(const rapidjson::Document& document) const;

  std::string path_;
};

}  // namespace storage_jsonfile

#endif  // STORAGE_JSONFILE_JSON_FILE_HPP
