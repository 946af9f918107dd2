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
  RowWriter() : writer_(buffer_) { writer_.StartArray(); }

  void begin(std::string owner) {
    owner_ = std::move(owner);
    writer_.StartObject();
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

  std::string finish() {
    writer_.EndArray();
    return std::string(buffer_.GetString(), buffer_.GetSize());
  }

 private:
  [[noreturn]] void out_of_range(const char* name, int64_t ms) const {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     owner_ + " has " + name + " = " + std::to_string(ms) +
                         " ms, outside the years 0001-9999; send Unix epoch milliseconds");
  }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
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

std::string deals_json(std::span<const DealInput> deals) {
  RowWriter w;
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

std::string transactions_json(std::span<const mt5b_transaction_record> transactions) {
  RowWriter w;
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

std::string trades_json(std::span<const mt5b_trade_record> trades) {
  RowWriter w;
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

std::string positions_json(std::span<const mt5b_position_record> positions, int64_t now_ms) {
  RowWriter w;
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

std::string tickets_array(std::span<const mt5b_position_record> positions) {
  std::string out = "{";
  for (const mt5b_position_record& p : positions) {
    if (out.size() > 1) out += ',';
    out += std::to_string(p.ticket);
  }
  return out + "}";
}

}  // namespace mt5b::storage_postgres
