// Rows read back from PostgreSQL, owning their strings, and the ABI records that borrow them.
// Rows are read completely before any record is emitted, so the connection is back in the pool
// while the caller's emit runs (an emit may call the plugin again, e.g. key rotation).
#ifndef MT5B_STORAGE_POSTGRES_ROW_READERS_HPP
#define MT5B_STORAGE_POSTGRES_ROW_READERS_HPP

#include <mt5bridge/records.hpp>

#include <pqxx/row>

namespace mt5b::storage_postgres {

// The SDK's owning records (mt5bridge/records.hpp): view() gives the ABI record borrowing the
// row's strings. Each reader takes the columns in the order statements.cpp lists them.
using AccountRow = sdk::records::Account;
using CredentialRow = sdk::records::Credential;
using PositionRow = sdk::records::Position;
using TradeRow = sdk::records::Trade;
using DealRow = sdk::records::Deal;
using TransactionRow = sdk::records::Transaction;
using SyncLogRow = sdk::records::SyncLog;

AccountRow read_account_row(const pqxx::row& row);
CredentialRow read_credential_row(const pqxx::row& row);
PositionRow read_position_row(const pqxx::row& row);
TradeRow read_trade_row(const pqxx::row& row);
DealRow read_deal_row(const pqxx::row& row);
TransactionRow read_transaction_row(const pqxx::row& row);
SyncLogRow read_sync_log_row(const pqxx::row& row);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_ROW_READERS_HPP
