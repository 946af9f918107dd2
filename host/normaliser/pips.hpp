// Points and pips of a price move (MT5.md, "Pips").
#pragma once

#include "normaliser/mt5_records.hpp"

#include <map>
#include <optional>
#include <string>

namespace mt5b::host {

// Pip sizes for what has no standard. Keys of `per_symbol` are canonical symbols.
struct PipRules {
  double xau = 0.1;    // gold: XAU*
  double xag = 0.01;   // silver: XAG*
  double index = 1.0;  // SYMBOL_CALC_MODE CFDINDEX / FUTURES on index names
  double crypto = 1.0;
  std::map<std::string, double> per_symbol;
};

struct PriceMove {
  double points = 0;    // (close − open) / point × direction; always known
  double pips = 0;      // (close − open) / pip_size × direction
  double pip_size = 0;  // the pip size used
};

// direction: +1 for a buy, −1 for a sell. FX (calc mode FOREX or FOREX_NO_LEVERAGE): pip =
// 10 × point when digits is 3 or 5, else point; never guessed from the name. Metals, indices
// and crypto by `rules`; anything else: pip = point.
PriceMove price_move(const SymbolInfo& symbol, std::string_view canonical, double open,
                     double close, int direction, const PipRules& rules);

// The broker's symbol without its suffix or prefix: EURUSD.r, EURUSDm, EURUSD-pro, EURUSD_i,
// #EURUSD → EURUSD; XAUUSD.s → XAUUSD; US30.cash → US30. Upper-cased.
std::string canonical_symbol(std::string_view broker_symbol);

}  // namespace mt5b::host
