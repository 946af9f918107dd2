// Deals → closed trades and account transactions (MT5.md, "Deals → closed trades").
#pragma once

#include "normaliser/mt5_records.hpp"
#include "normaliser/pips.hpp"
#include "normaliser/server_clock.hpp"

#include <mt5bridge/records.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

// One closed trade (sdk::records::Trade; the syncer sets account_id): a position's life (or,
// on netting accounts, one segment of it between reversals), keyed by (position_id, segment),
// with the tickets of the deals it was built from. `ticket` is the position_id for segment 0
// and the INOUT deal's ticket for later ones; `type` the direction of the opening leg; `volume`
// the total opened in the segment; prices volume-weighted; `close_reason` from the last exit
// deal (client, mobile, web, expert, sl, tp, so, ...).
struct ClosedTrade : sdk::records::Trade {
  std::vector<int64_t> deal_tickets;
};

// A non-trade deal (sdk::records::Transaction): deposit, withdrawal, credit, charge,
// correction, bonus, commission, interest, dividend, tax; `amount` is profit + commission +
// swap + fee of the deal (signed).
using sdk::records::Transaction;

struct NormalisedHistory {
  std::vector<ClosedTrade> closed_trades;  // ordered by (close_time_ms, ticket)
  std::vector<Transaction> transactions;   // ordered by (time_ms, ticket)
  // Positions still open at the end of the deals (their IN deals' commission belongs to the
  // open position: position_id → commission so far).
  std::vector<std::pair<int64_t, double>> open_position_commission;
};

struct NormaliseContext {
  const ServerClock* clock = nullptr;
  const PipRules* pip_rules = nullptr;
  // Symbol info by broker symbol name; nullopt when unknown (pips then use point = 10^-5).
  std::function<std::optional<SymbolInfo>(const std::string&)> symbol_info;
  // Every deal of one position (history_deals_get(position=)); called for a position whose
  // deals in the window have an exit but not its opening. May be empty: such groups are skipped.
  std::function<std::vector<TradeDeal>(int64_t position_id)> fetch_position_deals;
};

// Groups deals by position_id (de-duplicated by ticket, ordered by (time_msc, ticket)), walks the
// running volume, splits netting reversals (INOUT) into segments, pairs close-by (OUT_BY) deals,
// excludes cancelled deals, and sums profit, swap, commission and fee over every deal.
NormalisedHistory normalise_deals(const std::vector<TradeDeal>& deals, const NormaliseContext& ctx);

// "client" | "mobile" | "web" | "expert" | "sl" | "tp" | "so" | "rollover" | "vmargin" | "split"
std::string deal_reason_name(int32_t reason);

}  // namespace mt5b::host
