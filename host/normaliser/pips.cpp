#include "normaliser/pips.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <span>

namespace mt5b::host {

namespace {

constexpr int32_t kCalcModeForex = 0;
constexpr int32_t kCalcModeCfdIndex = 3;
constexpr int32_t kCalcModeForexNoLeverage = 5;

// Index CFDs brokers commonly list; matched as a prefix of the canonical name.
constexpr std::array<std::string_view, 18> kIndexNames = {
    "US30", "US100", "US500",  "USTEC", "NAS100", "SPX500", "GER40",  "GER30", "DE40",
    "DE30", "UK100", "JPN225", "FRA40", "EU50",   "ESP35",  "AUS200", "HK50",  "STOXX50"};
constexpr std::array<std::string_view, 4> kCryptoCodes = {"BTC", "ETH", "LTC", "XRP"};

bool starts_with_any(std::string_view name, std::span<const std::string_view> prefixes) {
  for (auto prefix : prefixes) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

bool contains_any(std::string_view name, std::span<const std::string_view> parts) {
  for (auto part : parts) {
    if (name.find(part) != std::string_view::npos) return true;
  }
  return false;
}

// Classification (MT5.md, "Pips"), first match wins:
//  1. rules.per_symbol[canonical] — an operator's override;
//  2. metals by name: XAU* gold, XAG* silver (brokers often give gold the FOREX calc mode, and
//     a gold pip is 0.1 whatever the digits, so the name must beat the calc mode here);
//  3. crypto by name: contains BTC, ETH, LTC or XRP (no ISO currency pair contains these);
//  4. index: calc mode CFDINDEX, or a known index name (US30, NAS100, SPX500, GER40, ...);
//  5. FX by calc mode FOREX / FOREX_NO_LEVERAGE only, never by name: 10 × point for 3 and 5
//     digits (fractional pips), else the point;
//  6. anything else: the point.
double pip_size(const SymbolInfo& symbol, std::string_view canonical, double point,
                const PipRules& rules) {
  if (const auto it = rules.per_symbol.find(std::string(canonical)); it != rules.per_symbol.end()) {
    return it->second;
  }
  if (canonical.starts_with("XAU")) return rules.xau;
  if (canonical.starts_with("XAG")) return rules.xag;
  if (contains_any(canonical, kCryptoCodes)) return rules.crypto;
  if (symbol.trade_calc_mode == kCalcModeCfdIndex || starts_with_any(canonical, kIndexNames)) {
    return rules.index;
  }
  if (symbol.trade_calc_mode == kCalcModeForex ||
      symbol.trade_calc_mode == kCalcModeForexNoLeverage) {
    return symbol.digits == 3 || symbol.digits == 5 ? 10 * point : point;
  }
  return point;
}

// Drops floating-point noise such as 31.999999999996 from a quotient of prices.
double without_noise(double value) {
  return std::round(value * 1e6) / 1e6 + 0.0;
}

bool is_upper_or_digit(char c) {
  return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}

}  // namespace

PriceMove price_move(const SymbolInfo& symbol, std::string_view canonical, double open,
                     double close, int direction, const PipRules& rules) {
  const double point = symbol.point > 0 ? symbol.point : std::pow(10.0, -symbol.digits);
  const double pip = pip_size(symbol, canonical, point, rules);
  const double move = (close - open) * direction;
  PriceMove result;
  result.points = without_noise(move / point);
  result.pip_size = pip;
  result.pips = pip > 0 ? without_noise(move / pip) : 0;
  return result;
}

std::string canonical_symbol(std::string_view broker_symbol) {
  // Prefixes such as "#" or "." go; the name ends at the first separator (".r", "-pro", "_i",
  // "+", ".cash").
  size_t begin = 0;
  while (begin < broker_symbol.size() &&
         !std::isalnum(static_cast<unsigned char>(broker_symbol[begin]))) {
    ++begin;
  }
  size_t end = begin;
  while (end < broker_symbol.size() &&
         std::isalnum(static_cast<unsigned char>(broker_symbol[end]))) {
    ++end;
  }
  std::string_view core = broker_symbol.substr(begin, end - begin);

  // A lower-case tail on an upper-case name is a suffix too: EURUSDm, EURUSDmicro; and a
  // capitalised word after digits: US30Cash. An all-lower-case name (eurusd) is kept whole.
  size_t cut = core.size();
  while (cut > 0 && std::islower(static_cast<unsigned char>(core[cut - 1]))) --cut;
  if (cut < core.size() && cut >= 3 &&
      std::all_of(core.begin(), core.begin() + cut, is_upper_or_digit)) {
    if (cut >= 4 && std::isupper(static_cast<unsigned char>(core[cut - 1])) &&
        std::isdigit(static_cast<unsigned char>(core[cut - 2]))) {
      --cut;
    }
    core = core.substr(0, cut);
  }

  std::string canonical(core.empty() ? broker_symbol : core);
  for (char& c : canonical) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return canonical;
}

}  // namespace mt5b::host
