#include "config/option_validator.hpp"

#include <mt5bridge/sdk.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>

namespace mt5b::host {

namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

// Inside OBJECT options the plugin's table cannot mark single keys secret, so names that say
// so (token, password, secret, api_key, ...) are redacted from logs like secret options.
bool secret_name(const std::string& key) {
  std::string k;
  for (char c : key) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"token", "password", "secret", "api_key", "apikey", "private_key"})
    if (k.find(word) != std::string::npos && k.find("_file") == std::string::npos) return true;
  return false;
}

// A YAML subtree (OBJECT / OBJECT_LIST options) as JSON, inferring scalar types the way YAML's
// core schema does, except that quoted scalars always stay strings.
Value to_json(const YAML::Node& n, const std::string& path, YamlReader& reader, bool secret,
              Alloc& a) {
  if (!n || n.IsNull()) return Value(rapidjson::kNullType);
  if (n.IsMap()) {
    Value obj(rapidjson::kObjectType);
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      obj.AddMember(Value(key.c_str(), a),
                    to_json(kv.second, path + "." + key, reader, secret || secret_name(key), a), a);
    }
    return obj;
  }
  if (n.IsSequence()) {
    Value arr(rapidjson::kArrayType);
    for (size_t i = 0; i < n.size(); ++i)
      arr.PushBack(to_json(n[i], path + "[" + std::to_string(i) + "]", reader, secret, a), a);
    return arr;
  }
  std::string text = reader.scalar(n, path, secret);
  if (!YamlReader::quoted(n)) {
    int64_t i = 0;
    double d = 0;
    bool b = false;
    if (text == "null" || text == "~") return Value(rapidjson::kNullType);
    if (parse_bool(text, b)) return Value(b);
    if (parse_int64(text, i)) return Value(i);
    if (parse_double(text, d)) return Value(d);
  }
  return Value(text.c_str(), a);
}

std::string type_phrase(uint32_t type) {
  switch (type) {
    case MT5B_OPT_STRING: return "a string";
    case MT5B_OPT_INT: return "a whole number";
    case MT5B_OPT_DOUBLE: return "a number";
    case MT5B_OPT_BOOL: return "true or false";
    case MT5B_OPT_STRING_LIST: return "a list of strings";
    case MT5B_OPT_OBJECT: return "a mapping";
    case MT5B_OPT_OBJECT_LIST: return "a list of mappings";
  }
  return "a value";
}

}  // namespace

std::string OptionValidator::validate(const YAML::Node& instance, const std::string& path,
                                      const mt5b_plugin_descriptor& d,
                                      const std::vector<std::string>& reserved) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  std::vector<mt5b_option> options;
  for (uint32_t i = 0; i < d.option_count; ++i) options.push_back(sdk::option_at(d, i));

  std::vector<std::string> allowed = reserved;
  for (const auto& o : options) allowed.emplace_back(o.name);
  for (const auto& kv : instance) {
    std::string key = kv.first.Scalar();
    bool ok = false;
    for (const auto& k : allowed) ok = ok || k == key;
    if (!ok) {
      std::string list;
      for (const auto& o : options) list += (list.empty() ? "" : ", ") + std::string(o.name);
      reader_.problem(kv.first, path + "." + key,
                      "unknown key '" + key + "' for plugin " + d.name +
                          "; its options are: " + (list.empty() ? "(none)" : list));
    }
  }

  for (const auto& o : options) {
    const std::string opt_path = path + "." + o.name;
    const YAML::Node n = instance[o.name];
    const bool secret = (o.flags & MT5B_OPT_SECRET) != 0;
    if (!n || n.IsNull()) {
      if (o.flags & MT5B_OPT_REQUIRED) {
        reader_.problem(instance, opt_path,
                        std::string("missing required option '") + o.name + "' of plugin " +
                            d.name +
                            (o.description ? std::string(" (") + o.description + ")" : ""));
      } else if (o.default_json) {
        rapidjson::Document def(&a);
        def.Parse(o.default_json);
        if (!def.HasParseError()) out.AddMember(Value(o.name, a), Value(def, a), a);
      }
      continue;
    }
    auto wrong_type = [&] {
      reader_.problem(n, opt_path,
                      std::string("option '") + o.name + "' must be " + type_phrase(o.type));
    };
    Value v;
    switch (o.type) {
      case MT5B_OPT_STRING:
        if (!n.IsScalar()) {
          wrong_type();
          continue;
        }
        v.SetString(reader_.scalar(n, opt_path, secret).c_str(), a);
        break;
      case MT5B_OPT_INT: {
        int64_t i = 0;
        if (!n.IsScalar() || !parse_int64(reader_.scalar(n, opt_path), i)) {
          wrong_type();
          continue;
        }
        v.SetInt64(i);
        break;
      }
      case MT5B_OPT_DOUBLE: {
        double x = 0;
        if (!n.IsScalar() || !parse_double(reader_.scalar(n, opt_path), x)) {
          wrong_type();
          continue;
        }
        v.SetDouble(x);
        break;
      }
      case MT5B_OPT_BOOL: {
        bool b = false;
        if (!n.IsScalar() || !parse_bool(reader_.scalar(n, opt_path), b)) {
          wrong_type();
          continue;
        }
        v.SetBool(b);
        break;
      }
      case MT5B_OPT_STRING_LIST: {
        if (!n.IsSequence()) {
          wrong_type();
          continue;
        }
        v.SetArray();
        for (const auto& s : reader_.string_list(n, opt_path, secret))
          v.PushBack(Value(s.c_str(), a), a);
        break;
      }
      case MT5B_OPT_OBJECT:
        if (!n.IsMap()) {
          wrong_type();
          continue;
        }
        v = to_json(n, opt_path, reader_, secret, a);
        break;
      case MT5B_OPT_OBJECT_LIST: {
        bool ok = n.IsSequence();
        for (size_t i = 0; ok && i < n.size(); ++i) ok = n[i].IsMap();
        if (!ok) {
          wrong_type();
          continue;
        }
        v = to_json(n, opt_path, reader_, secret, a);
        break;
      }
      default: wrong_type(); continue;
    }
    out.AddMember(Value(o.name, a), v, a);
  }
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  out.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace mt5b::host
