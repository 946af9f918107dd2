// Deals → closed trades and account transactions (MT5.md, "Deals → closed trades").
#pragma once

#include "normaliser/mt5_records.hpp"
#include "normaliser/pips.hpp"
#include "normaliser/server_clock.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

// One closed trade: a position's life (or, on netting accounts, one segment of it between
// reversals). Keyed by (position_id, segment).
struct ClosedTrade {
  int64_t ticket = 0;  // position_id for segment 0; the INOUT deal's ticket for later ones
  int64_t position_id = 0;
  int32_t segment = 0;
  std::string symbol;                           // as the broker names it
  std::string canonical_symbol;                 // without broker suffixes
  std::string type;                             // "buy" | "sell" (direction of the opening leg)
  double volume = 0;                            // total volume opened in this segment
  double open_price = 0;                        // volume-weighted over entries
  double close_price = 0;                       // volume-weighted over exits
  int64_t open_time_ms = 0, close_time_ms = 0;  // UTC
  int64_t open_time_broker_ms = 0, close_time_broker_ms = 0;  // broker clock
  double profit = 0, swap = 0, commission = 0, fee = 0;
  double net_profit = 0;  // profit + swap + commission + fee
  double points = 0;
  double pips = 0;
  double duration_hours = 0;
  std::string
      close_reason;  // from the last exit deal: client, mobile, web, expert, sl, tp, so, ...
  std::vector<int64_t> deal_tickets;
};

// A non-trade deal: deposit, withdrawal, credit, charge, correction, bonus, commission,
// interest, dividend, tax.
struct AccountTransaction {
  int64_t ticket = 0;
  int32_t deal_type = 0;
  std::string kind;   // "deposit" | "withdrawal" | "credit" | "charge" | "correction" | "bonus" |
                      // "commission" | "interest" | "dividend" | "tax"
  double amount = 0;  // profit + commission + swap + fee of the deal (signed)
  int64_t time_ms = 0, time_broker_ms = 0;
  std::string comment;
};

struct NormalisedHistory {
  std::vector<ClosedTrade> closed_trades;        // ordered by (close_time_ms, ticket)
  std::vector<AccountTransaction> transactions;  // ordered by (time_ms, ticket)
  // Positions still open at the end of the deals (their IN deals' commission belongs to the
  // open position: position_id → commission so far).
  std::vector<std::pair<int64_t, double>> open_position_commission;
};

struct NormaliseContext {
  const ServerClock* clock = nullptr;
  const PipRules* pip_rules = nullptr;
  // Symbol info by broker symbol name; nullopt when unknown (pips then use point = 10^-5).
  std::function<std::optional<Mt5SymbolInfo>(const std::string&)> symbol_info;
  // Every deal of one position (history_deals_get(position=)); called for a position whose
  // deals in the window have an exit but not its opening. May be empty: such groups are skipped.
  std::function<std::vector<Mt5Deal>(int64_t position_id)> fetch_position_deals;
};

// Groups deals by position_id (de-duplicated by ticket, ordered by (time_msc, ticket)), walks the
// running volume, splits netting reversals (INOUT) into segments, pairs close-by (OUT_BY) deals,
// excludes cancelled deals, and sums profit, swap, commission and fee over every deal.
NormalisedHistory normalise_deals(const std::vector<Mt5Deal>& deals, const NormaliseContext& ctx);

// "client" | "mobile" | "web" | "expert" | "sl" | "tp" | "so" | "rollover" | "vmargin" | "split"
std::string deal_reason_name(int32_t reason);

}  // namespace mt5b::host
