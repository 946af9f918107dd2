// libFuzzer target: the host's JSON request bodies (host/api/json_body.cpp), with the fields of
// every route that takes a body (POST /api/mt5/accounts, POST .../sync). A body is either
// refused with a 400 ApiError or read field by field; nothing else may happen.
#include "api/json_body.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using mt5b::host::ApiError;
using mt5b::host::JsonBody;

namespace {

void read_fields(const std::string& body, const std::vector<std::string>& fields) {
  try {
    JsonBody json(body, fields);
    for (const auto& f : fields) {
      try {
        (void)json.string(f.c_str());
      } catch (const ApiError& e) {
        if (e.status() != 400) std::abort();
      }
      try {
        (void)json.integer(f.c_str());
      } catch (const ApiError& e) {
        if (e.status() != 400) std::abort();
      }
      try {
        (void)json.boolean(f.c_str());
      } catch (const ApiError& e) {
        if (e.status() != 400) std::abort();
      }
    }
  } catch (const ApiError& e) {
    if (e.status() != 400) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  read_fields(body, {"user_id", "login", "password", "server", "broker_name"});
  read_fields(body, {"sync_type", "sync_history", "history_days"});
  return 0;
}
