// A JSON response from a RapidJSON buffer.
#pragma once

#include "api/http_types.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mt5b::host {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline Response json_response(uint16_t status, const rapidjson::StringBuffer& sb) {
  Response r;
  r.status = status;
  r.headers.reserve(4);  // Content-Type here, X-Request-ID and maybe CORS ones later
  r.body.assign(sb.GetString(), sb.GetSize());
  r.set_header("Content-Type", "application/json");
  return r;
}

}  // namespace mt5b::host
