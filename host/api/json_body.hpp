// Strict reading of a JSON request body: each kind of bad input gets its own 400 code.
//   INVALID_JSON   the body is not a JSON object
//   UNKNOWN_FIELD  a field the endpoint does not accept
//   INVALID_TYPE   a field of the wrong JSON type
//   INVALID_INPUT  a well-typed value outside what the endpoint allows
#pragma once

#include "api/http_types.hpp"

#include <rapidjson/document.h>
#include <mt5bridge/secrets.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

class JsonBody {
 public:
  JsonBody(const std::string& body, const std::vector<std::string>& allowed_fields);

  std::optional<std::string> string(const char* field) const;
  // A string field holding a secret (a password), copied straight into a SecretString; empty
  // when absent.
  sdk::SecretString secret(const char* field) const;
  std::optional<int64_t> integer(const char* field) const;
  std::optional<bool> boolean(const char* field) const;
  bool has(const char* field) const;

 private:
  const rapidjson::Value* get(const char* field) const;
  rapidjson::Document doc_;
};

bool is_uuid(std::string_view text);
std::string new_uuid_v4();
// Throws 400 INVALID_UUID naming `what` unless `text` is a UUID; returns it lowercased.
std::string require_uuid(const std::string& text, const char* what);

}  // namespace mt5b::host
