#include "batch_json.hpp"

#include "statement_params.hpp"
#include "time_text.hpp"

#include <mt5bridge/sdk.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>

namespace mt5b::storage_postgres {
namespace {

using sdk::view;

// Writes one JSON object per record, checking values as it goes.
class RowWriter {
 public:
  // Every row names `account_id` first.
  explicit RowWriter(std::string_view account_id) : writer_(buffer_), account_id_(account_id) {
    writer_.StartArray();
  }

  void begin(std::string owner) {
    owner_ = std::move(owner);
    writer_.StartObject();
    writer_.Key("account_id");
    writer_.String(account_id_.data(), static_cast<rapidjson::SizeType>(account_id_.size()));
  }
  void end() { writer_.EndObject(); }

  void integer(const char* name, int64_t value) {
    writer_.Key(name);
    writer_.Int64(value);
  }
  void real(const char* name, double value) {
    if (!std::isfinite(value)) {
      throw sdk::Error(MT5B_INVALID_ARGUMENT, owner_ + " has " + name +
                                                  " that is not a finite number; send a real "
                                                  "value (0 when unknown)");
    }
    writer_.Key(name);
    writer_.Double(value);
  }
  // Required text: an empty string stays an empty string.
  void text(const char* name, mt5b_str value) {
    writer_.Key(name);
    writer_.String(value.data == nullptr ? "" : value.data,
                   static_cast<rapidjson::SizeType>(value.size));
  }
  // Optional text: empty is null, as storage-sqlite stores it.
  void optional_text(const char* name, mt5b_str value) {
    if (value.size == 0) {
      writer_.Key(name);
      writer_.Null();
      return;
    }
    text(name, value);
  }
  void time(const char* name, int64_t epoch_ms) {
    writer_.Key(name);
    auto value = time_param(epoch_ms, owner_ + " " + name);
    if (value) {
      writer_.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
    } else {
      writer_.Null();
    }
  }
  // A UTC time that is always present (0 is 1970-01-01, not "unknown").
  void required_time(const char* name, int64_t epoch_ms) {
    auto value = format_utc_ms(epoch_ms);
    if (!value) out_of_range(name, epoch_ms);
    writer_.Key(name);
    writer_.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
  }
  // A broker wall-clock time with its offset; 0 = unknown (null).
  void broker_time(const char* name, int64_t broker_ms, int64_t offset_s) {
    writer_.Key(name);
    if (broker_ms == 0) {
      writer_.Null();
      return;
    }
    auto value = format_broker_ms(broker_ms, offset_s);
    // An implausible offset must not lose the wall clock, which is what reads back.
    if (!value) value = format_broker_ms(broker_ms, 0);
    if (!value) out_of_range(name, broker_ms);
    writer_.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
  }

  // The rows without the array's brackets: "{...},{...}", or "" for none.
  std::string finish() {
    writer_.EndArray();
    return std::string(buffer_.GetString() + 1, buffer_.GetSize() - 2);
  }

 private:
  [[noreturn]] void out_of_range(const char* name, int64_t ms) const {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     owner_ + " has " + name + " = " + std::to_string(ms) +
                         " ms, outside the years 0001-9999; send Unix epoch milliseconds");
  }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
  std::string_view account_id_;
  std::string owner_;
};

// The broker's offset implied by a broker wall-clock time and the same instant in UTC, to the
// nearest second (MT5 sends whole hours; rounding keeps a stray millisecond out of the text).
int64_t implied_offset_s(int64_t broker_ms, int64_t utc_ms) {
  int64_t difference = 0;
  // Absurd inputs: no offset (format_broker_ms then refuses the time itself if it must).
  if (__builtin_sub_overflow(broker_ms, utc_ms, &difference)) return 0;
  if (difference > INT64_MAX - 500 || difference < INT64_MIN + 500) return 0;
  return (difference >= 0 ? difference + 500 : difference - 500) / 1000;
}

// TradeDeal's broker time in ms: time_msc, or the whole seconds of `time` when it has none.
int64_t deal_broker_ms(const mt5b_trade_deal& d) {
  if (d.time_msc != 0) return d.time_msc;
  int64_t ms = 0;
  return __builtin_mul_overflow(d.time, int64_t{1000}, &ms) ? INT64_MAX : ms;
}

}  // namespace

std::string deals_json(std::string_view account_id, std::span<const DealInput> deals) {
  RowWriter w(account_id);
  for (const DealInput& input : deals) {
    const mt5b_trade_deal& d = input.deal;
    w.begin("deal " + std::to_string(d.ticket));
    w.integer("ticket", d.ticket);
    w.integer("order_ticket", d.order);
    w.integer("position_id", d.position_id);
    w.text("symbol", d.symbol);
    w.integer("type", d.type);
    w.integer("entry", d.entry);
    w.integer("reason", d.reason);
    w.integer("magic", d.magic);
    w.real("volume", d.volume);
    w.real("price", d.price);
    w.real("profit", d.profit);
    w.real("swap", d.swap);
    w.real("commission", d.commission);
    w.real("fee", d.fee);
    w.required_time("deal_time", input.time_ms);
    const int64_t broker_ms = deal_broker_ms(d);
    w.broker_time("deal_time_broker", broker_ms, implied_offset_s(broker_ms, input.time_ms));
    w.integer("deal_time_msc", d.time_msc);
    w.optional_text("comment", d.comment);
    w.optional_text("external_id", d.external_id);
    w.end();
  }
  return w.finish();
}

std::string transactions_json(std::string_view account_id,
                              std::span<const mt5b_transaction_record> transactions) {
  RowWriter w(account_id);
  for (const mt5b_transaction_record& t : transactions) {
    w.begin("transaction " + std::to_string(t.ticket));
    w.integer("ticket", t.ticket);
    w.integer("deal_type", t.deal_type);
    w.text("type", t.kind);
    w.real("amount", t.amount);
    w.optional_text("comment", t.comment);
    w.required_time("transaction_time", t.time_ms);
    w.broker_time("transaction_time_broker", t.time_broker_ms,
                  implied_offset_s(t.time_broker_ms, t.time_ms));
    w.end();
  }
  return w.finish();
}

std::string trades_json(std::string_view account_id, std::span<const mt5b_trade_record> trades) {
  RowWriter w(account_id);
  for (const mt5b_trade_record& t : trades) {
    w.begin("trade " + std::to_string(t.position_id) + "/" + std::to_string(t.segment));
    w.integer("ticket", t.ticket);
    w.integer("position_id", t.position_id);
    w.integer("segment", t.segment);
    w.text("symbol", t.symbol);
    w.optional_text("canonical_symbol", t.canonical_symbol);
    w.text("type", t.type);
    w.real("volume", t.volume);
    w.real("open_price", t.open_price);
    w.real("close_price", t.close_price);
    w.time("open_time", t.open_time_ms);
    w.broker_time("open_time_broker", t.open_time_broker_ms, t.broker_offset_s);
    w.time("close_time", t.close_time_ms);
    w.broker_time("close_time_broker", t.close_time_broker_ms, t.broker_offset_s);
    w.real("profit", t.profit);
    w.real("swap", t.swap);
    w.real("commission", t.commission);
    w.real("fee", t.fee);
    w.real("net_profit", t.net_profit);
    w.real("pips", t.pips);
    w.real("points", t.points);
    w.optional_text("close_reason", t.close_reason);
    w.end();
  }
  return w.finish();
}

std::string positions_json(std::string_view account_id,
                           std::span<const mt5b_position_record> positions, int64_t now_ms) {
  RowWriter w(account_id);
  for (const mt5b_position_record& p : positions) {
    w.begin("position " + std::to_string(p.ticket));
    w.integer("ticket", p.ticket);
    w.text("symbol", p.symbol);
    w.optional_text("canonical_symbol", p.canonical_symbol);
    w.text("type", p.type);
    w.real("volume", p.volume);
    w.real("open_price", p.open_price);
    w.real("current_price", p.current_price);
    w.real("stop_loss", p.sl);
    w.real("take_profit", p.tp);
    w.real("profit", p.profit);
    w.real("swap", p.swap);
    w.real("commission", p.commission);
    w.integer("magic", p.magic);
    w.optional_text("comment", p.comment);
    w.time("open_time", p.open_time_ms);
    w.broker_time("open_time_broker", p.open_time_broker_ms, p.broker_offset_s);
    w.time("updated_at", p.updated_at_ms != 0 ? p.updated_at_ms : now_ms);
    w.end();
  }
  return w.finish();
}

namespace {

// Writes the members of one apply object (apply_json).
class ApplyWriter {
 public:
  ApplyWriter() : writer_(buffer_) { writer_.StartObject(); }

  void text(const char* name, std::string_view value) {
    writer_.Key(name);
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  void optional_text(const char* name, const std::optional<std::string>& value) {
    if (value) {
      text(name, *value);
    } else {
      null(name);
    }
  }
  void integer(const char* name, int64_t value) {
    writer_.Key(name);
    writer_.Int64(value);
  }
  void boolean(const char* name, bool value) {
    writer_.Key(name);
    writer_.Bool(value);
  }
  // NaN and the infinities as float8's own words (JSON has no numbers for them), so they are
  // stored as they were sent, as account_insert stores them.
  void real(const char* name, double value) {
    writer_.Key(name);
    if (std::isnan(value)) {
      writer_.String("NaN");
    } else if (std::isinf(value)) {
      writer_.String(value > 0 ? "Infinity" : "-Infinity");
    } else {
      writer_.Double(value);
    }
  }
  void null(const char* name) {
    writer_.Key(name);
    writer_.Null();
  }
  std::string finish() {
    writer_.EndObject();
    return std::string(buffer_.GetString(), buffer_.GetSize());
  }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace

ApplyRows apply_rows(const CheckedApply& checked, bool snapshot_valid, bool replace_positions,
                     int64_t now_ms) {
  const mt5b_account_record& a = checked.account;
  const std::string_view id = checked.account_id;
  ApplyRows rows;
  rows.deals = deals_json(id, checked.deals);
  rows.transactions = transactions_json(id, checked.transactions);
  rows.trades = trades_json(id, checked.trades);
  rows.positions = positions_json(id, checked.positions, now_ms);
  ApplyWriter w;
  w.text("account_id", id);
  w.boolean("replace_positions", replace_positions);
  w.optional_text("connection_status", storage_postgres::optional_text(a.connection_status));
  w.optional_text("last_connection_error",
                  storage_postgres::optional_text(a.last_connection_error));
  w.integer("sync_failure_count", a.sync_failure_count);
  w.optional_text("next_sync_at", time_param(a.next_sync_at_ms, "next_sync_at_ms"));
  w.optional_text("last_sync_at", time_param(a.last_sync_at_ms, "last_sync_at_ms"));
  w.optional_text("last_successful_sync_at",
                  time_param(a.last_successful_sync_at_ms, "last_successful_sync_at_ms"));
  w.integer("broker_server_time_offset", a.broker_server_time_offset_s);
  w.boolean("snapshot", snapshot_valid);
  if (snapshot_valid) {
    w.optional_text("currency", storage_postgres::optional_text(a.currency));
    w.integer("leverage", a.leverage);
    w.real("balance", a.balance);
    w.real("equity", a.equity);
    w.real("margin", a.margin);
    w.real("free_margin", a.free_margin);
    w.real("margin_level", a.margin_level);
    w.real("credit", a.credit);
    w.real("profit", a.profit);
  }
  if (checked.sync_log) {
    const mt5b_sync_log_record& log = *checked.sync_log;
    w.text("log_id", sdk::view(log.id));
    w.text("log_sync_type", sdk::view(log.sync_type));
    w.text("log_status", sdk::view(log.status));
    // A log always has a start; none given means "now".
    w.optional_text(
        "log_started_at",
        time_param(log.started_at_ms != 0 ? log.started_at_ms : now_ms, "started_at_ms"));
    w.optional_text("log_completed_at", time_param(log.completed_at_ms, "completed_at_ms"));
    w.integer("log_trades_synced", log.trades_synced);
    w.integer("log_deals_synced", log.deals_synced);
    w.integer("log_duration_ms", log.duration_ms);
    w.optional_text("log_error_message", storage_postgres::optional_text(log.error_message));
  }
  rows.account = w.finish();
  return rows;
}

void append_account(std::string& array, std::string_view account, std::string_view user_id) {
  array += array.size() > 1 ? "," : "";
  // apply_rows' object always has members, so "{" is followed by the first of them.
  array += "{\"user_id\":\"";
  array += user_id;  // a UUID read back from PostgreSQL: nothing to escape
  array += "\",";
  array += account.substr(1);
}

void append_rows(std::string& array, std::string_view rows) {
  if (rows.empty()) return;
  if (array.size() > 1) array += ',';
  array += rows;
}

}  // namespace mt5b::storage_postgres
