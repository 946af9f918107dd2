// Typed reading of a scenario's JSON objects, where every failure names the JSON path
// ("$.accounts[0].deals[2].price must be a number, not a string") so a scenario author finds
// the mistake without reading the loader.
#ifndef MT5B_BROKER_MOCK_JSON_READER_HPP
#define MT5B_BROKER_MOCK_JSON_READER_HPP

#include "scenario.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace mt5b::broker_mock {

// Throws sdk::Error(MT5B_INVALID_ARGUMENT) with "<path> <problem>".
[[noreturn]] void fail_at(std::string_view path, std::string_view problem);

// "$.a" + "b" -> "$.a.b"; keys that are not plain identifiers are quoted: $.ticks["US30.cash"].
std::string member_path(std::string_view parent, std::string_view key);
// "$.a" + 2 -> "$.a[2]".
std::string element_path(std::string_view parent, size_t index);
// "a string", "an array", ... for error messages.
std::string_view json_type_phrase(const rapidjson::Value& value) noexcept;

// One JSON object of the scenario, with its path. The reader borrows the value.
class ObjectReader {
 public:
  // Fails unless `value` is an object.
  ObjectReader(const rapidjson::Value& value, std::string path);

  const std::string& path() const noexcept { return path_; }
  std::string path_of(std::string_view key) const { return member_path(path_, key); }
  const rapidjson::Value* find(std::string_view key) const noexcept;
  const rapidjson::Value& object() const noexcept { return value_; }

  // Each read leaves `out` unchanged and returns false when the key is absent, and fails
  // naming the key's path when the value has the wrong type or does not fit `out`.
  bool read(std::string_view key, int32_t& out) const;
  bool read(std::string_view key, uint32_t& out) const;
  bool read(std::string_view key, int64_t& out) const;
  bool read(std::string_view key, uint64_t& out) const;
  bool read(std::string_view key, double& out) const;
  bool read(std::string_view key, std::string& out) const;
  bool read(std::string_view key, mt5b_str& out, StringPool& pool) const;

  template <class T>
  T required(std::string_view key) const {
    T out{};
    if (!read(key, out)) fail_at(path_of(key), "is required");
    return out;
  }

  // The array under `key`; nullptr when absent; fails when present but not an array.
  const rapidjson::Value* optional_array(std::string_view key) const;

  // Structural objects (not MT5 records) refuse keys they do not know, so a misspelt knob
  // fails loudly instead of silently doing nothing. Keys starting with '_' are comments.
  void refuse_unknown_keys(std::initializer_list<std::string_view> known) const;

 private:
  const rapidjson::Value& value_;
  std::string path_;
};

}  // namespace mt5b::broker_mock

#endif  // MT5B_BROKER_MOCK_JSON_READER_HPP
