// The machinery behind the SDK's owning records (records.hpp, broker_records.hpp): a record's
// fields are declared once, as a list `F(type, name, initial value)`, and these macros turn the
// list into the struct's members, its ABI view, the copy in from an ABI struct, a visit of every
// field by name (for readers of JSON, rows or scenario files) and printing. Only `std::string`
// and `bool` differ between an owning field and its ABI field (mt5b_str, an integer 0/1).
#ifndef MT5BRIDGE_RECORD_FIELDS_HPP
#define MT5BRIDGE_RECORD_FIELDS_HPP

#include <mt5bridge/sdk.hpp>

#include <cstdio>
#include <ostream>
#include <string>
#include <type_traits>

namespace mt5b::sdk::records::detail {

// A printable form of a string: quoted, control bytes escaped, long ones cut to a prefix.
struct Shown {
  const std::string& text;
};
inline std::ostream& operator<<(std::ostream& out, Shown s) {
  constexpr size_t kMax = 60;
  out << '"';
  for (size_t i = 0; i < s.text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s.text[i]);
    if (c < 0x20 || c == '"' || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out << escaped;
    } else {
      out << s.text[i];
    }
  }
  out << '"';
  if (s.text.size() > kMax) out << "...(" << s.text.size() << " bytes)";
  return out;
}

// Owning value → ABI field. The ABI value borrows a string's bytes.
template <class T>
T to_abi(const T& value) noexcept {
  return value;
}
inline mt5b_str to_abi(const std::string& value) noexcept {
  return sdk::str(value);
}
inline uint32_t to_abi(bool value) noexcept {
  return value ? 1u : 0u;
}

// ABI field → owning value.
template <class T, class A>
void from_abi(T& out, const A& in) {
  out = static_cast<T>(in);
}
inline void from_abi(std::string& out, mt5b_str in) {
  out = sdk::copy(in);
}
template <class A>
void from_abi(bool& out, const A& in) {
  out = in != 0;
}

template <class T>
void print_value(std::ostream& out, const T& value) {
  if constexpr (std::is_same_v<T, std::string>)
    out << Shown{value};
  else if constexpr (std::is_same_v<T, bool>)
    out << (value ? "true" : "false");
  else
    out << value;
}

// A copy of an ABI record through read_struct, so fields an older plugin lacks read as zero.
template <class T>
T read(const T& record) {
  T out;
  sdk::read_struct(&record, out);
  return out;
}

}  // namespace mt5b::sdk::records::detail

// ---- one field list, expanded ----
#define MT5B_RECORD_MEMBER(type, name, init) type name = init;
#define MT5B_RECORD_TO_ABI(type, name, init) \
  abi_record.name = ::mt5b::sdk::records::detail::to_abi(name);
#define MT5B_RECORD_FROM_ABI(type, name, init) \
  ::mt5b::sdk::records::detail::from_abi(owned.name, abi_record.name);
#define MT5B_RECORD_VISIT(type, name, init) visit(#name, record.name);
#define MT5B_RECORD_PRINT(type, name, init) \
  out << separator << #name " ";            \
  separator = ", ";                         \
  ::mt5b::sdk::records::detail::print_value(out, r.name);

// Members, a visit of every field (`visit(name, field)`; on an owning record or, with the same
// names, on its ABI struct) and printing.
#define MT5B_RECORD_FIELDS(Name, FIELDS)                              \
  FIELDS(MT5B_RECORD_MEMBER)                                          \
  template <class Record, class Visit>                                \
  static void for_each_field(Record& record, Visit&& visit) {         \
    FIELDS(MT5B_RECORD_VISIT)                                         \
  }                                                                   \
  friend std::ostream& operator<<(std::ostream& out, const Name& r) { \
    const char* separator = "";                                       \
    out << #Name "{";                                                 \
    FIELDS(MT5B_RECORD_PRINT)                                         \
    return out << "}";                                                \
  }

// view(): the ABI record borrowing this one's strings; from(): an owning copy of an ABI record.
#define MT5B_RECORD_ABI(Name, Abi, FIELDS)                              \
  Abi view() const noexcept {                                           \
    auto abi_record = ::mt5b::sdk::make<Abi>();                         \
    FIELDS(MT5B_RECORD_TO_ABI)                                          \
    return abi_record;                                                  \
  }                                                                     \
  static Name from(const Abi& record) {                                 \
    const auto abi_record = ::mt5b::sdk::records::detail::read(record); \
    Name owned;                                                         \
    FIELDS(MT5B_RECORD_FROM_ABI)                                        \
    return owned;                                                       \
  }

// The usual whole: fields, ABI view and copy.
#define MT5B_RECORD(Name, Abi, FIELDS) \
  MT5B_RECORD_FIELDS(Name, FIELDS)     \
  MT5B_RECORD_ABI(Name, Abi, FIELDS)

#endif  // MT5BRIDGE_RECORD_FIELDS_HPP
