#include "api/json_body.hpp"

#include <openssl/rand.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace mt5b::host {

namespace {
constexpr int kMaxDepth = 32;

// The deepest nesting of arrays and objects outside strings; a request never needs more than a
// few levels, and refusing deep ones keeps hostile bodies cheap.
int nesting_depth(const std::string& body) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

// The first member name that appears twice in one object, searched through the whole tree.
// Parsers disagree on which duplicate wins (RapidJSON's FindMember takes the first, many
// others the last), so a body with duplicates could mean one thing to a proxy or validator in
// front and another here: it is refused instead (RFC 8259 section 4, "names SHOULD be unique").
std::optional<std::string> duplicate_member(const rapidjson::Value& value) {
  if (value.IsArray()) {
    for (const auto& item : value.GetArray())
      if (auto found = duplicate_member(item)) return found;
    return std::nullopt;
  }
  if (!value.IsObject()) return std::nullopt;
  std::vector<std::string_view> names;
  names.reserve(value.MemberCount());
  for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
    names.emplace_back(it->name.GetString(), it->name.GetStringLength());
    if (auto found = duplicate_member(it->value)) return found;
  }
  std::sort(names.begin(), names.end());
  auto twice = std::adjacent_find(names.begin(), names.end());
  if (twice != names.end()) return std::string(*twice);
  return std::nullopt;
}
}  // namespace

JsonBody::JsonBody(const std::string& body, const std::vector<std::string>& allowed) {
  if (nesting_depth(body) > kMaxDepth)
    throw ApiError(400, "INVALID_JSON",
                   "The request body nests deeper than " + std::to_string(kMaxDepth) +
                       " levels; send a flat JSON object.");
  if (body.starts_with("\xEF\xBB\xBF"))
    throw ApiError(400, "INVALID_JSON",
                   "The request body starts with a byte order mark; send JSON without one "
                   "(RFC 8259 section 8.1).");
  // Strings must be valid UTF-8: what is stored is served again to clients whose strict JSON
  // parsers would fail on the whole listing because of one bad byte.
  // No kParseFullPrecisionFlag: RapidJSON 1.1's full-precision number path (internal/diyfp.h)
  // overflows a signed int and calls clz(0) on numbers such as 0.111…e-333 (found by the
  // json_body fuzzer, corpus/json_body/full_precision_ub). No body field is a fraction.
  doc_.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.c_str(),
                                                                                     body.size());
  if (doc_.HasParseError() && doc_.GetParseError() == rapidjson::kParseErrorStringInvalidEncoding)
    throw ApiError(400, "INVALID_JSON",
                   "The request body is not valid UTF-8 (at byte " +
                       std::to_string(doc_.GetErrorOffset()) +
                       "); send every string as UTF-8 text.");
  if (doc_.HasParseError())
    throw ApiError(400, "INVALID_JSON", "The request body is not valid JSON; send a JSON object.",
                   std::string(rapidjson::GetParseError_En(doc_.GetParseError())) + " at byte " +
                       std::to_string(doc_.GetErrorOffset()));
  if (!doc_.IsObject())
    throw ApiError(400, "INVALID_JSON", "The request body must be a JSON object.");
  if (auto name = duplicate_member(doc_))
    throw ApiError(400, "INVALID_JSON",
                   "The field '" + *name + "' appears twice in one object; send each field once.",
                   *name);
  for (auto it = doc_.MemberBegin(); it != doc_.MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == name;
    if (!ok) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw ApiError(400, "UNKNOWN_FIELD",
                     "The field '" + name + "' is not accepted here; allowed fields: " + list + ".",
                     name);
    }
  }
}

const rapidjson::Value* JsonBody::get(const char* field) const {
  auto it = doc_.FindMember(field);
  if (it == doc_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

bool JsonBody::has(const char* field) const {
  return get(field) != nullptr;
}

std::optional<std::string> JsonBody::string(const char* field) const {
  const auto* v = get(field);
  if (!v) return std::nullopt;
  if (!v->IsString())
    throw ApiError(400, "INVALID_TYPE", std::string("The field '") + field + "' must be a string.",
                   field);
  return std::string(v->GetString(), v->GetStringLength());
}

sdk::SecretString JsonBody::secret(const char* field) const {
  const auto* v = get(field);
  if (!v) return {};
  if (!v->IsString())
    throw ApiError(400, "INVALID_TYPE", std::string("The field '") + field + "' must be a string.",
                   field);
  return sdk::SecretString::copy_of(std::string_view(v->GetString(), v->GetStringLength()));
}

std::optional<int64_t> JsonBody::integer(const char* field) const {
  const auto* v = get(field);
  if (!v) return std::nullopt;
  if (!v->IsInt64())
    throw ApiError(400, "INVALID_TYPE",
                   std::string("The field '") + field + "' must be a whole number.", field);
  return v->GetInt64();
}

std::optional<bool> JsonBody::boolean(const char* field) const {
  const auto* v = get(field);
  if (!v) return std::nullopt;
  if (!v->IsBool())
    throw ApiError(400, "INVALID_TYPE",
                   std::string("The field '") + field + "' must be true or false.", field);
  return v->GetBool();
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;  // ASCII only, whatever the locale: account ids are on every request's path
    }
  }
  return true;
}

std::string require_uuid(const std::string& text, const char* what) {
  if (!is_uuid(text))
    throw ApiError(400, "INVALID_UUID",
                   std::string("The ") + what +
                       " must be a UUID such as 123e4567-e89b-42d3-a456-426614174000.",
                   text.size() > 64 ? text.substr(0, 64) : text);
  std::string out = text;
  for (auto& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string new_uuid_v4() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("the system random generator failed");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[b[i] >> 4];
    out += hex[b[i] & 0xf];
  }
  return out;
}

}  // namespace mt5b::host
