#include "api/http_types.hpp"

#include <mt5bridge/sdk.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <strings.h>

namespace mt5b::host {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    size_t eq = part.find('=');
    std::string key = percent_decode(part.substr(0, eq), true);
    if (key == name)
      return eq == std::string_view::npos ? std::string{}
                                          : percent_decode(part.substr(eq + 1), true);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

Request copy_request(const mt5b_http_request& in) {
  mt5b_http_request raw;
  sdk::read_struct(&in, raw);
  Request r;
  r.method = sdk::copy(raw.method);
  r.path = sdk::copy(raw.path);
  r.query = sdk::copy(raw.query);
  r.body = sdk::copy(raw.body);
  r.client_ip = sdk::copy(raw.client_ip);
  r.headers.reserve(raw.header_count);
  for (uint32_t i = 0; i < raw.header_count; ++i)
    r.headers.emplace_back(sdk::copy(raw.headers[i].name), sdk::copy(raw.headers[i].value));
  r.raw = &in;
  return r;
}

std::string utf8_safe(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    auto c = static_cast<unsigned char>(in[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) >> 6) == 0x2;
    if (ok && len > 1) {
      // Refuse overlong forms and surrogates, as a strict decoder does.
      uint32_t cp = c & (0xff >> (len + 1));
      for (size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(in[i + k]) & 0x3f);
      ok = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
           !(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff;
    }
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

Response error_response(const ApiError& error, const std::string& request_id) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(false);
  w.Key("error_code");
  w.String(error.code());
  w.Key("error_message");
  w.String(utf8_safe(error.what()));
  w.Key("details");
  if (error.details())
    w.String(utf8_safe(*error.details()));
  else
    w.Null();
  w.Key("request_id");
  w.String(request_id);
  const auto* limited = dynamic_cast<const RateLimitError*>(&error);
  if (limited) {
    w.Key("error");
    w.String("Rate limit exceeded");
    w.Key("retry_after");
    w.Int64(limited->retry_after_s());
  }
  w.EndObject();
  Response r;
  r.status = error.status();
  r.body.assign(sb.GetString(), sb.GetSize());
  r.set_header("Content-Type", "application/json");
  if (limited) r.set_header("Retry-After", std::to_string(limited->retry_after_s()));
  return r;
}

}  // namespace mt5b::host
