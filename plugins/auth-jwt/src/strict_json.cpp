#include "strict_json.hpp"

#include <string_view>
#include <unordered_set>

namespace mt5b::auth_jwt {
namespace {

enum class Shape { kFine, kDuplicateMember, kTooDeep };

Shape check_shape(const rapidjson::Value& value, int depth) {
  if (depth > kMaxJsonDepth) return Shape::kTooDeep;
  if (value.IsObject()) {
    std::unordered_set<std::string_view> names;
    for (const auto& member : value.GetObject()) {
      std::string_view name(member.name.GetString(), member.name.GetStringLength());
      if (!names.insert(name).second) return Shape::kDuplicateMember;
      if (Shape inner = check_shape(member.value, depth + 1); inner != Shape::kFine) return inner;
    }
  } else if (value.IsArray()) {
    for (const auto& element : value.GetArray())
      if (Shape inner = check_shape(element, depth + 1); inner != Shape::kFine) return inner;
  }
  return Shape::kFine;
}

}  // namespace

const char* parse_strict_json_object(std::string_view text, rapidjson::Document& out) {
  // Iterative parsing keeps hostile nesting off the call stack; the depth check below then
  // refuses it. No flag relaxes the grammar (no comments, NaN or trailing commas), and text
  // after the value is an error.
  if (text.empty()) return "is empty";
  constexpr unsigned kFlags =
      rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
  out.Parse<kFlags>(text.data(), text.size());
  if (out.HasParseError()) return "is not valid JSON";
  if (!out.IsObject()) return "is not a JSON object";
  switch (check_shape(out, 1)) {
    case Shape::kFine: return nullptr;
    case Shape::kDuplicateMember: return "repeats a member name";
    case Shape::kTooDeep: return "is nested too deeply";
  }
  return "is not valid JSON";
}

}  // namespace mt5b::auth_jwt
