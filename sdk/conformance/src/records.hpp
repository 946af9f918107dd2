// The suite builds its inputs from the SDK's owning records (mt5bridge/records.hpp) and copies
// every record a plugin emits into one.
#ifndef MT5B_CONFORMANCE_RECORDS_HPP
#define MT5B_CONFORMANCE_RECORDS_HPP

#include <mt5bridge/records.hpp>

namespace mt5b::conformance {

using sdk::records::Account;
using sdk::records::Audit;
using sdk::records::Credential;
using sdk::records::Deal;
using sdk::records::Position;
using sdk::records::SyncLog;
using sdk::records::Trade;
using sdk::records::Transaction;

}  // namespace mt5b::conformance

#endif  // MT5B_CONFORMANCE_RECORDS_HPP
