#include "normaliser/deal_grouper.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace mt5b::host {

namespace {

// Volumes are lots as doubles (0.1 + 0.2 != 0.3): compare them with this tolerance.
constexpr double kVolumeTolerance = 1e-8;

int64_t broker_time_ms(const TradeDeal& d) {
  return d.time_msc != 0 ? d.time_msc : d.time * 1000;
}

bool earlier_deal(const TradeDeal& a, const TradeDeal& b) {
  return std::make_tuple(broker_time_ms(a), a.ticket) <
         std::make_tuple(broker_time_ms(b), b.ticket);
}

bool is_trade_deal(const TradeDeal& d) {
  return d.type == deal_type::kBuy || d.type == deal_type::kSell;
}

bool is_cancelled_deal(const TradeDeal& d) {
  return d.type == deal_type::kBuyCanceled || d.type == deal_type::kSellCanceled;
}

// Removes floating-point noise from sums and averages (-7.000000000000001 → -7) without
// rounding any digit a broker could have meant: money is emitted as given, not to 2 decimals.
double without_noise(double value) {
  constexpr double kScale = 1e10;
  if (std::fabs(value) * kScale > 1e15) return value;
  return std::round(value * kScale) / kScale + 0.0;
}

std::string transaction_kind(int32_t type, double amount) {
  using namespace deal_type;
  switch (type) {
    case kBalance: return amount >= 0 ? "deposit" : "withdrawal";
    case kCredit: return "credit";
    case kCharge: return "charge";
    case kCorrection: return "correction";
    case kBonus: return "bonus";
    case kCommission:
    case kCommissionDaily:
    case kCommissionMonthly:
    case kCommissionAgentDaily:
    case kCommissionAgentMonthly: return "commission";
    case kInterest: return "interest";
    case kDividend:
    case kDividendFranked: return "dividend";
    case kTax: return "tax";
    default: return "other";  // a type newer than MT5.md: kept so the balance still adds up
  }
}

// Appends the deals whose ticket is not yet in `seen`.
void append_unique(std::vector<TradeDeal>& into, std::set<int64_t>& seen,
                   const std::vector<TradeDeal>& deals) {
  for (const TradeDeal& d : deals) {
    if (seen.insert(d.ticket).second) into.push_back(d);
  }
}

// One segment of a position while its deals are walked.
struct OpenSegment {
  int64_t ticket = 0, position_id = 0;
  int32_t segment = 0;
  std::string symbol;
  int direction = 1;  // +1 buy, −1 sell
  double entry_volume = 0, entry_value = 0, exit_volume = 0, exit_value = 0;
  double open_volume = 0;
  double profit = 0, swap = 0, commission = 0, fee = 0;
  int64_t open_broker_ms = 0, close_broker_ms = 0;
  int32_t close_reason = 0;
  std::vector<int64_t> deal_tickets;

  // `cost_share`: the part of the deal's commission and fee booked here; `takes_result`:
  // whether its profit and swap are (both differ only for a reversal's two halves).
  void book(const TradeDeal& d, double cost_share, bool takes_result) {
    if (takes_result) {
      profit += d.profit;
      swap += d.swap;
    }
    commission += d.commission * cost_share;
    fee += d.fee * cost_share;
    deal_tickets.push_back(d.ticket);
  }
  void add_entry(const TradeDeal& d, double volume, double cost_share, bool takes_result) {
    entry_volume += volume;
    entry_value += volume * d.price;
    open_volume += volume;
    book(d, cost_share, takes_result);
  }
  void add_exit(const TradeDeal& d, double volume, double cost_share) {
    volume = std::min(volume, open_volume);  // never close more than is open
    exit_volume += volume;
    exit_value += volume * d.price;
    open_volume -= volume;
    close_broker_ms = broker_time_ms(d);
    close_reason = d.reason;
    book(d, cost_share, true);
  }
  bool is_flat() const { return open_volume <= kVolumeTolerance; }
};

// Turns finished segments into ClosedTrades; holds what every trade needs from the context.
class TradeFinisher {
 public:
  explicit TradeFinisher(const NormaliseContext& ctx)
      : ctx_(ctx),
        clock_(ctx.clock ? *ctx.clock : utc_clock_),
        rules_(ctx.pip_rules ? *ctx.pip_rules : default_rules_) {}

  TradeFinisher(const TradeFinisher&) = delete;
  TradeFinisher& operator=(const TradeFinisher&) = delete;

  const ServerClock& clock() const { return clock_; }

  ClosedTrade finish(const OpenSegment& s) {
    ClosedTrade t;
    t.ticket = s.ticket;
    t.position_id = s.position_id;
    t.segment = s.segment;
    t.symbol = s.symbol;
    t.canonical_symbol = canonical_symbol(s.symbol);
    t.type = s.direction > 0 ? "buy" : "sell";
    t.volume = without_noise(s.entry_volume);
    t.open_price = s.entry_volume > 0 ? without_noise(s.entry_value / s.entry_volume) : 0;
    t.close_price = s.exit_volume > 0 ? without_noise(s.exit_value / s.exit_volume) : 0;
    t.open_time_broker_ms = s.open_broker_ms;
    t.close_time_broker_ms = s.close_broker_ms;
    t.open_time_ms = clock_.broker_to_utc_ms(s.open_broker_ms);
    t.close_time_ms = clock_.broker_to_utc_ms(s.close_broker_ms);
    t.broker_offset_s = (t.close_time_broker_ms - t.close_time_ms) / 1000;  // in force at close
    t.profit = without_noise(s.profit);
    t.swap = without_noise(s.swap);
    t.commission = without_noise(s.commission);
    t.fee = without_noise(s.fee);
    t.net_profit = without_noise(s.profit + s.swap + s.commission + s.fee);
    const PriceMove move = price_move(symbol_info(s.symbol), t.canonical_symbol, t.open_price,
                                      t.close_price, s.direction, rules_);
    t.points = move.points;
    t.pips = move.pips;
    t.duration_hours = static_cast<double>(t.close_time_ms - t.open_time_ms) / 3'600'000.0;
    t.close_reason = deal_reason_name(s.close_reason);
    t.deal_tickets = s.deal_tickets;
    return t;
  }

 private:
  const SymbolInfo& symbol_info(const std::string& name) {
    auto it = symbols_.find(name);
    if (it == symbols_.end()) {
      std::optional<SymbolInfo> info;
      if (ctx_.symbol_info) info = ctx_.symbol_info(name);
      if (!info) {
        info = SymbolInfo{};  // unknown: a 5-digit quote, as the context's contract says
        info->name = name;
        info->digits = 5;
        info->point = 0.00001;
      }
      it = symbols_.emplace(name, *info).first;
    }
    return it->second;
  }

  const NormaliseContext& ctx_;
  ServerClock utc_clock_ = ServerClock::from_offset(0, OffsetSource::configured_offset);
  PipRules default_rules_;
  const ServerClock& clock_;
  const PipRules& rules_;
  std::map<std::string, SymbolInfo> symbols_;
};

// The deals of one position, sorted, starting with its opening deal; empty when the opening
// deal is outside the window and cannot be fetched (MT5.md, rule 6).
std::vector<TradeDeal> complete_position(int64_t position_id, std::vector<TradeDeal> deals,
                                         const NormaliseContext& ctx) {
  std::sort(deals.begin(), deals.end(), earlier_deal);
  if (deals.front().entry == deal_entry::kIn) return deals;
  if (!ctx.fetch_position_deals) return {};

  std::set<int64_t> seen;
  for (const TradeDeal& d : deals) seen.insert(d.ticket);
  std::vector<TradeDeal> fetched;
  for (TradeDeal& d : ctx.fetch_position_deals(position_id)) {
    if (is_trade_deal(d) && d.position_id == position_id) fetched.push_back(std::move(d));
  }
  append_unique(deals, seen, fetched);
  std::sort(deals.begin(), deals.end(), earlier_deal);
  if (deals.front().entry != deal_entry::kIn) return {};
  return deals;
}

// Walks one position's deals with a running volume (MT5.md, rules 3–5 and 7).
void walk_position(int64_t position_id, const std::vector<TradeDeal>& deals,
                   TradeFinisher& finisher, NormalisedHistory& out) {
  std::optional<OpenSegment> open;
  int32_t next_segment = 0;

  const auto start_segment = [&](const TradeDeal& d, int64_t ticket) {
    OpenSegment s;
    s.ticket = ticket;
    s.position_id = position_id;
    s.segment = next_segment++;
    s.symbol = d.symbol;
    s.direction = d.type == deal_type::kBuy ? 1 : -1;
    s.open_broker_ms = broker_time_ms(d);
    return s;
  };
  const auto add_entry_deal = [&](const TradeDeal& d) {
    if (!open) open = start_segment(d, next_segment == 0 ? position_id : d.ticket);
    open->add_entry(d, d.volume, 1.0, true);
  };
  const auto close_if_flat = [&] {
    if (open && open->is_flat()) {
      out.closed_trades.push_back(finisher.finish(*open));
      open.reset();
    }
  };
  const auto add_exit_deal = [&](const TradeDeal& d) {
    if (!open) return;  // an exit with nothing open: inconsistent history, nothing to close
    open->add_exit(d, d.volume, 1.0);
    close_if_flat();
  };
  // Netting reversal: the deal closes what is open and opens the remainder the other way as a
  // new segment. Profit and swap belong to the closing half (they were earned by the volume
  // that was held); commission and fee are charged on the deal's whole volume, so each half
  // gets its pro-rata share by volume.
  const auto reverse = [&](const TradeDeal& d) {
    const double closing = open->open_volume;
    const double opening = d.volume - closing;
    const double closing_share = closing / d.volume;
    open->add_exit(d, closing, closing_share);
    close_if_flat();
    open = start_segment(d, d.ticket);
    open->add_entry(d, opening, 1.0 - closing_share, false);
  };

  for (const TradeDeal& d : deals) {
    switch (d.entry) {
      case deal_entry::kIn: add_entry_deal(d); break;
      // Close-by: each position's OUT_BY deal closes it like an OUT; the pair's combined
      // profit may sit on one of the two deals, and each is booked as reported.
      case deal_entry::kOut:
      case deal_entry::kOutBy: add_exit_deal(d); break;
      case deal_entry::kInOut:
        if (!open) {
          add_entry_deal(d);
        } else if (d.volume <= open->open_volume + kVolumeTolerance) {
          add_exit_deal(d);  // reverses nothing: a plain close
        } else {
          reverse(d);
        }
        break;
      default: break;  // an entry kind newer than MT5.md: not ours to guess
    }
  }
  if (open) out.open_position_commission.emplace_back(position_id, without_noise(open->commission));
}

}  // namespace

std::string deal_reason_name(int32_t reason) {
  switch (reason) {
    case 0: return "client";
    case 1: return "mobile";
    case 2: return "web";
    case 3: return "expert";
    case 4: return "sl";
    case 5: return "tp";
    case 6: return "so";
    case 7: return "rollover";
    case 8: return "vmargin";
    case 9: return "split";
    default: return "unknown";
  }
}

NormalisedHistory normalise_deals(const std::vector<TradeDeal>& deals,
                                  const NormaliseContext& ctx) {
  std::vector<TradeDeal> unique;
  std::set<int64_t> seen;
  append_unique(unique, seen, deals);  // the padded window returns some deals twice (MT5.md)

  TradeFinisher finisher(ctx);
  NormalisedHistory out;
  std::map<int64_t, std::vector<TradeDeal>> positions;
  for (TradeDeal& d : unique) {
    if (is_cancelled_deal(d)) continue;  // retyped earlier deals: never trades (MT5.md, rule 1)
    if (is_trade_deal(d)) {
      positions[d.position_id].push_back(std::move(d));
      continue;
    }
    Transaction t;
    t.ticket = d.ticket;
    t.deal_type = d.type;
    t.amount = without_noise(d.profit + d.commission + d.swap + d.fee);
    t.kind = transaction_kind(d.type, t.amount);
    t.time_broker_ms = broker_time_ms(d);
    t.time_ms = finisher.clock().broker_to_utc_ms(t.time_broker_ms);
    t.comment = std::move(d.comment);
    out.transactions.push_back(std::move(t));
  }

  for (auto& [position_id, position_deals] : positions) {
    const std::vector<TradeDeal> complete =
        complete_position(position_id, std::move(position_deals), ctx);
    if (!complete.empty()) walk_position(position_id, complete, finisher, out);
  }

  std::sort(out.closed_trades.begin(), out.closed_trades.end(), [](const auto& a, const auto& b) {
    return std::tie(a.close_time_ms, a.ticket) < std::tie(b.close_time_ms, b.ticket);
  });
  std::sort(out.transactions.begin(), out.transactions.end(), [](const auto& a, const auto& b) {
    return std::tie(a.time_ms, a.ticket) < std::tie(b.time_ms, b.ticket);
  });
  return out;
}

}  // namespace mt5b::host
