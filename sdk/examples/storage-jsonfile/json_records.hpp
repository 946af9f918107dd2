// What storage_jsonfile.cpp builds on, none of it about the store's layout: small JSON and ABI
// helpers, and how each ABI record becomes a JSON object and back (for_each_field names every
// field of a record once; to_json and from_json walk it). A field missing from a stored object
// reads as zero, the ABI's own rule for fields an older producer lacks.
//
// from_json gives a record whose strings point INTO the JSON value: valid as long as the
// document is alive and unchanged, which is as long as an emit needs it.
#ifndef STORAGE_JSONFILE_JSON_RECORDS_HPP
#define STORAGE_JSONFILE_JSON_RECORDS_HPP

#include <mt5bridge/sdk.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace storage_jsonfile {

using Allocator = rapidjson::Document::AllocatorType;

// ---- small JSON helpers ----
// rapidjson refuses a null pointer even with length 0, which is what an empty mt5b_str may hold.
inline rapidjson::Value copy_of(std::string_view s, Allocator& a) {
  return rapidjson::Value(s.empty() ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}
inline rapidjson::Value key(std::string_view s) {  // borrows `s`: for lookups
  return rapidjson::Value(rapidjson::StringRef(s.empty() ? "" : s.data(), s.size()));
}
inline std::string_view text(const rapidjson::Value& object, const char* name) {
  const auto m = object.FindMember(name);
  if (m == object.MemberEnd() || !m->value.IsString()) return {};
  return {m->value.GetString(), m->value.GetStringLength()};
}
inline int64_t integer(const rapidjson::Value& object, const char* name) {
  const auto m = object.FindMember(name);
  return m != object.MemberEnd() && m->value.IsInt64() ? m->value.GetInt64() : 0;
}
inline void set(rapidjson::Value& object, const char* name, rapidjson::Value value, Allocator& a) {
  if (auto m = object.FindMember(name); m != object.MemberEnd()) {
    m->value = value;
  } else {
    object.AddMember(rapidjson::StringRef(name), value, a);
  }
}
// The element of `array` whose `keys` all equal those of `record`, or nullptr.
inline rapidjson::Value* find_same(rapidjson::Value& array, const rapidjson::Value& record,
                                   std::initializer_list<const char*> keys) {
  for (rapidjson::Value& element : array.GetArray()) {
    if (std::all_of(keys.begin(), keys.end(), [&](auto k) { return element[k] == record[k]; }))
      return &element;
  }
  return nullptr;
}

// The i-th record of an array the host passed: the producer's struct_size is the stride.
template <class R>
R element(const R* first, uint32_t i) {
  const auto* base = reinterpret_cast<const unsigned char*>(first);
  R out;
  mt5b::sdk::read_struct(reinterpret_cast<const R*>(base + size_t{i} * first->struct_size), out);
  return out;
}

// [offset, offset + limit) of `all`; limit 0 = no limit.
template <class T>
std::vector<T> page(std::vector<T> all, int64_t offset, int64_t limit) {
  if (offset < 0 || limit < 0)
    throw mt5b::sdk::Error(MT5B_INVALID_ARGUMENT,
                           "limit and offset must not be negative (limit 0 = all)");
  const size_t first = std::min(all.size(), static_cast<size_t>(offset));
  const size_t last =
      limit == 0 ? all.size() : std::min(all.size(), first + static_cast<size_t>(limit));
  return {all.begin() + first, all.begin() + last};
}

// The ciphertext is binary (NUL bytes included): stored hex-encoded.
inline std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {digits[c >> 4], digits[c & 15]};
  return out;
}
inline std::string unhex(std::string_view text) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out(text.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]));
  return out;
}
// Orders two JSON scalars of the same kind (strings or integers).
inline bool less(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsString() && b.IsString())
    return std::string_view(a.GetString(), a.GetStringLength()) <
           std::string_view(b.GetString(), b.GetStringLength());
  return a.IsInt64() && b.IsInt64() && a.GetInt64() < b.GetInt64();
}

// Calls f("name", field) for every field of the record (the credential's ciphertext is binary
// and stored by hand, hex-encoded). R is const when writing, mutable when reading.
template <class R, class F>
void for_each_field(R& r, F&& f) {
  using T = std::remove_const_t<R>;
  // clang-format off
  if constexpr (std::is_same_v<T, mt5b_account_record>) {
    f("id", r.id); f("user_id", r.user_id); f("login", r.login); f("server", r.server);
    f("broker_name", r.broker_name); f("broker_instance", r.broker_instance);
    f("is_active", r.is_active); f("connection_status", r.connection_status);
    f("last_connection_error", r.last_connection_error);
    f("sync_failure_count", r.sync_failure_count);
    f("broker_server_time_offset_s", r.broker_server_time_offset_s);
    f("currency", r.currency); f("leverage", r.leverage); f("balance", r.balance);
    f("equity", r.equity); f("margin", r.margin); f("free_margin", r.free_margin);
    f("margin_level", r.margin_level); f("credit", r.credit); f("profit", r.profit);
    f("created_at_ms", r.created_at_ms); f("updated_at_ms", r.updated_at_ms);
    f("last_sync_at_ms", r.last_sync_at_ms);
    f("last_successful_sync_at_ms", r.last_successful_sync_at_ms);
    f("next_sync_at_ms", r.next_sync_at_ms);  // ABI 1.1
  } else if constexpr (std::is_same_v<T, mt5b_credential_record>) {
    f("account_id", r.account_id); f("user_id", r.user_id); f("key_id", r.key_id);
    f("created_at_ms", r.created_at_ms);
  } else if constexpr (std::is_same_v<T, mt5b_position_record>) {
    f("account_id", r.account_id); f("ticket", r.ticket); f("symbol", r.symbol);
    f("canonical_symbol", r.canonical_symbol); f("type", r.type); f("volume", r.volume);
    f("open_price", r.open_price); f("current_price", r.current_price); f("sl", r.sl);
    f("tp", r.tp); f("profit", r.profit); f("swap", r.swap); f("commission", r.commission);
    f("magic", r.magic); f("comment", r.comment); f("open_time_ms", r.open_time_ms);
    f("open_time_broker_ms", r.open_time_broker_ms); f("broker_offset_s", r.broker_offset_s);
    f("updated_at_ms", r.updated_at_ms);
  } else if constexpr (std::is_same_v<T, mt5b_trade_record>) {
    f("segment", r.segment); f("account_id", r.account_id); f("ticket", r.ticket);
    f("position_id", r.position_id); f("symbol", r.symbol);
    f("canonical_symbol", r.canonical_symbol); f("type", r.type); f("volume", r.volume);
    f("open_price", r.open_price); f("close_price", r.close_price);
    f("open_time_ms", r.open_time_ms); f("close_time_ms", r.close_time_ms);
    f("open_time_broker_ms", r.open_time_broker_ms);
    f("close_time_broker_ms", r.close_time_broker_ms); f("broker_offset_s", r.broker_offset_s);
    f("profit", r.profit); f("swap", r.swap); f("commission", r.commission); f("fee", r.fee);
    f("net_profit", r.net_profit); f("points", r.points); f("pips", r.pips);
    f("duration_hours", r.duration_hours); f("close_reason", r.close_reason);
  } else if constexpr (std::is_same_v<T, mt5b_deal_record>) {
    f("account_id", r.account_id); f("time_ms", r.time_ms);  // + its mt5b_trade_deal
  } else if constexpr (std::is_same_v<T, mt5b_trade_deal>) {
    f("type", r.type); f("ticket", r.ticket); f("order", r.order); f("time", r.time);
    f("time_msc", r.time_msc); f("entry", r.entry); f("reason", r.reason); f("magic", r.magic);
    f("position_id", r.position_id); f("volume", r.volume); f("price", r.price);
    f("commission", r.commission); f("swap", r.swap); f("profit", r.profit); f("fee", r.fee);
    f("symbol", r.symbol); f("comment", r.comment); f("external_id", r.external_id);
  } else if constexpr (std::is_same_v<T, mt5b_transaction_record>) {
    f("deal_type", r.deal_type); f("account_id", r.account_id); f("ticket", r.ticket);
    f("kind", r.kind); f("amount", r.amount); f("time_ms", r.time_ms);
    f("time_broker_ms", r.time_broker_ms); f("comment", r.comment);
  } else if constexpr (std::is_same_v<T, mt5b_sync_log_record>) {
    f("id", r.id); f("account_id", r.account_id); f("sync_type", r.sync_type);
    f("status", r.status); f("started_at_ms", r.started_at_ms);
    f("completed_at_ms", r.completed_at_ms); f("trades_synced", r.trades_synced);
    f("deals_synced", r.deals_synced); f("duration_ms", r.duration_ms);
    f("error_message", r.error_message);
  } else {
    static_assert(std::is_same_v<T, mt5b_audit_record>, "a record without a field list");
    f("id", r.id); f("at_ms", r.at_ms); f("actor", r.actor); f("action", r.action);
    f("subject", r.subject); f("details_json", r.details_json);
  }
  // clang-format on
}

// Adds every field of `record` to the JSON object `out`, copying the strings.
template <class R>
void add_fields(const R& record, rapidjson::Value& out, Allocator& a) {
  for_each_field(record, [&](const char* name, const auto& field) {
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, mt5b_str>) {
      out.AddMember(rapidjson::StringRef(name), copy_of(mt5b::sdk::view(field), a), a);
    } else {
      out.AddMember(rapidjson::StringRef(name), rapidjson::Value(field), a);
    }
  });
  if constexpr (std::is_same_v<R, mt5b_deal_record>) {
    // A deal record and its TradeDeal are stored as one object (no field name is in both).
    mt5b_trade_deal deal;
    if (mt5b::sdk::read_struct(record.deal, deal)) add_fields(deal, out, a);
  }
}

template <class R>
rapidjson::Value to_json(const R& record, Allocator& a) {
  rapidjson::Value out(rapidjson::kObjectType);
  add_fields(record, out, a);
  return out;
}

// A zeroed record of our own struct_size, filled from `in`.
template <class R>
R from_json(const rapidjson::Value& in) {
  auto record = mt5b::sdk::make<R>();
  for_each_field(record, [&](const char* name, auto& field) {
    using Field = std::decay_t<decltype(field)>;
    const auto m = in.FindMember(name);
    if (m == in.MemberEnd()) return;  // not stored: stays zero
    if constexpr (std::is_same_v<Field, mt5b_str>) {
      if (m->value.IsString()) field = {m->value.GetString(), m->value.GetStringLength()};
    } else if constexpr (std::is_same_v<Field, double>) {
      if (m->value.IsNumber()) field = m->value.GetDouble();
    } else if (m->value.template Is<Field>()) {
      field = m->value.template Get<Field>();
    }
  });
  return record;
}

}  // namespace storage_jsonfile

#endif  // STORAGE_JSONFILE_JSON_RECORDS_HPP
