// Parses the JSON of a JWT header or payload, refusing what lenient parsers let through.
#ifndef MT5BRIDGE_AUTH_JWT_STRICT_JSON_HPP
#define MT5BRIDGE_AUTH_JWT_STRICT_JSON_HPP

#include <rapidjson/document.h>

#include <string_view>

namespace mt5b::auth_jwt {

// Parses `text` as one JSON object into `out`. Returns nullptr on success, otherwise a short
// phrase saying what is wrong ("is not valid JSON", "repeats a member name", ...).
// Duplicate member names are refused at every depth: parsers disagree on which copy wins, and
// a token saying `"role":"anon", "role":"authenticated"` must not mean different things to
// different readers. Invalid UTF-8 and nesting deeper than kMaxDepth are refused too.
const char* parse_strict_json_object(std::string_view text, rapidjson::Document& out);

inline constexpr int kMaxJsonDepth = 16;

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_STRICT_JSON_HPP
