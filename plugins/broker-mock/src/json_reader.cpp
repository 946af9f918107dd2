#include "json_reader.hpp"

#include <mt5bridge/sdk.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

namespace mt5b::broker_mock {

void fail_at(std::string_view path, std::string_view problem) {
  std::string message(path);
  message += ' ';
  message += problem;
  throw sdk::Error(MT5B_INVALID_ARGUMENT, message);
}

std::string member_path(std::string_view parent, std::string_view key) {
  auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out(parent);
  if (!key.empty() && std::all_of(key.begin(), key.end(), plain)) {
    out += '.';
    out += key;
  } else {
    out += "[\"";
    for (char c : key) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"]";
  }
  return out;
}

std::string element_path(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string_view json_type_phrase(const rapidjson::Value& value) noexcept {
  switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return value.IsDouble() ? "a fractional number" : "an integer";
  }
  return "an unknown value";
}

namespace {

[[noreturn]] void fail_type(std::string_view path, std::string_view expected,
                            const rapidjson::Value& found) {
  fail_at(path,
          "must be " + std::string(expected) + ", not " + std::string(json_type_phrase(found)));
}

// Integers outside the target type's range are refused rather than wrapped.
[[noreturn]] void fail_range(std::string_view path, std::string_view type_phrase) {
  fail_at(path, "is out of range for " + std::string(type_phrase));
}

}  // namespace

ObjectReader::ObjectReader(const rapidjson::Value& value, std::string path)
    : value_(value), path_(std::move(path)) {
  if (!value_.IsObject()) fail_type(path_, "an object", value_);
}

const rapidjson::Value* ObjectReader::find(std::string_view key) const noexcept {
  rapidjson::Value name(rapidjson::StringRef(key.data(), key.size()));
  auto it = value_.FindMember(name);
  return it == value_.MemberEnd() ? nullptr : &it->value;
}

bool ObjectReader::read(std::string_view key, int32_t& out) const {
  const auto* v = find(key);
  if (v == nullptr) return false;
  if (!v->IsNumber() || v->IsDouble()) fail_type(path_of(key), "an integer", *v);
  if (!v->IsInt()) fail_range(path_of(key), "a 32-bit integer");
  out = v->GetInt();
  return true;
}

bool ObjectReader::read(std::string_view key, uint32_t& out) const {
  const auto* v = find(key);
  if (v == nullptr) return false;
  if (!v->IsNumber() || v->IsDouble()) fail_type(path_of(key), "an integer", *v);
  if (!v->IsUint()) fail_range(path_of(key), "an unsigned 32-bit integer");
  out = v->GetUint();
  return true;
}

bool ObjectReader::read(std::string_view key, int64_t& out) const {
  const auto* v = find(key);
  if (v == nullptr) return false;
  if (!v->IsNumber() || v->IsDouble()) fail_type(path_of(key), "an integer", *v);
  if (!v->IsInt64()) fail_range(path_of(key), "a 64-bit integer");
  out = v->GetInt64();
  return true;
}

bool ObjectReader::read(std::string_view key, uint64_t& out) const {
  const auto* v = find(key);
  if (v == nullptr) return false;
  if (!v->IsNumber() || v->IsDouble()) fail_type(path_of(key), "an integer", *v);
  if (!v->IsUint64()) fail_range(path_of(key), "an unsigned 64-bit integer");
  out = v->GetUint64();
  return true;
}

bool ObjectReader::read(std::string_view key, double& out) const {
  const auto* v = find(key);
  if (v == nullptr) return false;
  if (!v->IsNumber()) fail_type(path_of(key), "a number", *v);
  out = v->GetDouble();
  return true;
}

bool ObjectReader::read(std::string_view key, std::string& out) const {
  const auto* v = find(key);
  if (v == nullptr) return false;
  if (!v->IsString()) fail_type(path_of(key), "a string", *v);
  out.assign(v->GetString(), v->GetStringLength());
  return true;
}

bool ObjectReader::read(std::string_view key, mt5b_str& out, StringPool& pool) const {
  std::string text;
  if (!read(key, text)) return false;
  out = pool.keep(text);
  return true;
}

const rapidjson::Value* ObjectReader::optional_array(std::string_view key) const {
  const auto* v = find(key);
  if (v != nullptr && !v->IsArray()) fail_type(path_of(key), "an array", *v);
  return v;
}

void ObjectReader::refuse_unknown_keys(std::initializer_list<std::string_view> known) const {
  for (const auto& member : value_.GetObject()) {
    std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (key.starts_with('_')) continue;
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string allowed;
    for (auto k : known) {
      if (!allowed.empty()) allowed += ", ";
      allowed += k;
    }
    fail_at(path_of(key), "is not a known key here (allowed: " + allowed + ")");
  }
}

}  // namespace mt5b::broker_mock
