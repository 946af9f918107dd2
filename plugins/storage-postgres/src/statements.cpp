#include "statements.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mt5b::storage_postgres {
namespace {

// A timestamptz column as epoch milliseconds (exact: extract returns numeric).
std::string ms(const std::string& column) {
  return "(extract(epoch FROM " + column + ") * 1000)::bigint";
}

// Matches row_readers.cpp's read_account_row, column for column.
std::string account_columns(const std::string& table = "") {
  const std::string t = table.empty() ? "" : table + ".";
  return t + "id::text, " + t + "user_id::text, " + t + "login, " + t + "server, " + t +
         "broker_name, " + t + "broker_instance, " + t + "is_active, " + t + "connection_status, " +
         t + "last_connection_error, " + t + "sync_failure_count, " + t +
         "broker_server_time_offset, " + t + "currency, " + t + "leverage, " + t + "balance, " + t +
         "equity, " + t + "margin, " + t + "free_margin, " + t + "margin_level, " + t + "credit, " +
         t + "profit, " + ms(t + "created_at") + ", " + ms(t + "updated_at") + ", " +
         ms(t + "last_sync_at") + ", " + ms(t + "last_successful_sync_at") + ", " +
         ms(t + "next_sync_at");
}

const std::string kCredentialColumns =
    "account_id::text, user_id::text, key_id, encrypted_password, " + ms("created_at");

// The filters every record listing shares: $1 account, $2 canonical symbol (NULL = any),
// $3/$4 inclusive time bounds (NULL = open), $5 limit (NULL = all), $6 offset.
std::string record_filter(const std::string& time_column, bool with_symbol) {
  // Records without a canonical symbol (raw deals) match on the broker's symbol. A table with
  // no symbol ignores $2, which is still named so that every listing takes the same parameters.
  return " WHERE account_id = $1::uuid" +
         std::string(
             with_symbol
                 ? " AND ($2::text IS NULL OR coalesce(canonical_symbol, symbol) = $2::text)"
                 : " AND ($2::text IS NULL OR TRUE)") +
         " AND ($3::timestamptz IS NULL OR " + time_column + " >= $3::timestamptz)" +
         " AND ($4::timestamptz IS NULL OR " + time_column + " <= $4::timestamptz)";
}
const std::string kPage = " LIMIT $5::bigint OFFSET $6::bigint";

std::vector<std::pair<const char*, std::string>> definitions() {
  using namespace statement;
  const std::string trade_columns =
      "ticket, position_id, segment, symbol, canonical_symbol, type, volume, open_price, "
      "close_price, " +
      ms("open_time") + ", open_time_broker, " + ms("close_time") +
      ", close_time_broker, profit, swap, commission, fee, net_profit, points, pips, "
      "close_reason, account_id::text";
  const std::string position_columns =
      "ticket, symbol, canonical_symbol, type, volume, open_price, current_price, stop_loss, "
      "take_profit, profit, swap, commission, magic, comment, " +
      ms("open_time") + ", open_time_broker, " + ms("updated_at") + ", account_id::text";
  const std::string deal_columns =
      "ticket, order_ticket, position_id, symbol, type, entry, reason, magic, volume, price, "
      "profit, swap, commission, fee, " +
      ms("deal_time") + ", deal_time_broker, deal_time_msc, comment, external_id, account_id::text";
  const std::string transaction_columns = "ticket, deal_type, type, amount, " +
                                          ms("transaction_time") +
                                          ", transaction_time_broker, comment, account_id::text";
  const std::string sync_log_columns = "id::text, account_id::text, sync_type, status, " +
                                       ms("started_at") + ", " + ms("completed_at") +
                                       ", trades_synced, deals_synced, duration_ms, error_message";
  const std::string due_order = " ORDER BY last_sync_at NULLS FIRST, id";

  return {
      {kAccountInsert,
       "INSERT INTO trading_accounts (id, user_id, login, server, broker_name, broker_instance, "
       "is_active, connection_status, last_connection_error, sync_failure_count, "
       "broker_server_time_offset, currency, leverage, balance, equity, margin, free_margin, "
       "margin_level, credit, profit, created_at, updated_at, last_sync_at, "
       "last_successful_sync_at, next_sync_at) VALUES ($1::uuid, $2::uuid, $3::bigint, $4::text, "
       "$5::text, $6::text, $7::boolean, $8::text, $9::text, $10::integer, $11::integer, "
       "$12::text, $13::bigint, $14::float8, $15::float8, $16::float8, $17::float8, $18::float8, "
       "$19::float8, $20::float8, $21::timestamptz, $22::timestamptz, $23::timestamptz, "
       "$24::timestamptz, $25::timestamptz)"},
      {kCredentialInsert,
       "INSERT INTO account_integrations (account_id, user_id, key_id, encrypted_password, "
       "created_at) VALUES ($1::uuid, $2::uuid, $3::text, $4::bytea, $5::timestamptz)"},
      {kAccountGet, "SELECT " + account_columns() + " FROM trading_accounts WHERE id = $1::uuid"},
      {kAccountListAll, "SELECT " + account_columns() +
                            " FROM trading_accounts WHERE (is_active OR NOT $1::boolean)"
                            " ORDER BY created_at, id LIMIT $2::bigint OFFSET $3::bigint"},
      {kAccountListUser, "SELECT " + account_columns() +
                             " FROM trading_accounts WHERE user_id = $1::uuid AND"
                             " (is_active OR NOT $2::boolean)"
                             " ORDER BY created_at, id LIMIT $3::bigint OFFSET $4::bigint"},
      {kAccountCountAll,
       "SELECT count(*) FROM trading_accounts WHERE (is_active OR NOT $1::boolean)"},
      {kAccountCountUser,
       "SELECT count(*) FROM trading_accounts WHERE user_id = $1::uuid AND"
       " (is_active OR NOT $2::boolean)"},
      // ON DELETE CASCADE takes the credential and every synced row with the account.
      {kAccountDelete, "DELETE FROM trading_accounts WHERE id = $1::uuid"},
      {kCredentialGet,
       "SELECT " + kCredentialColumns + " FROM account_integrations WHERE account_id = $1::uuid"},
      {kCredentialList,
       "SELECT " + kCredentialColumns + " FROM account_integrations ORDER BY account_id"},
      {kCredentialUpdate,
       "UPDATE account_integrations SET key_id = $2::text, encrypted_password = $3::bytea,"
       " created_at = coalesce($4::timestamptz, created_at) WHERE account_id = $1::uuid"},
      // SKIP LOCKED: a concurrent leaser's rows are passed over, not waited for, and the
      // re-check under the row lock (READ COMMITTED) drops rows another owner just leased.
      {kLeaseDue,
       "WITH due AS (SELECT id FROM trading_accounts WHERE is_active"
       " AND (next_sync_at IS NULL OR next_sync_at <= $2::timestamptz)"
       " AND (lease_expires_at IS NULL OR lease_expires_at < $2::timestamptz"
       " OR lease_owner = $1::text)" +
           due_order +
           " LIMIT $4::bigint FOR UPDATE SKIP LOCKED),"
           " leased AS (UPDATE trading_accounts a SET lease_owner = $1::text,"
           " lease_expires_at = $3::timestamptz FROM due WHERE a.id = due.id RETURNING a.*)"
           " SELECT " +
           account_columns() + " FROM leased" + due_order},
      // A manual sync's lease in one round trip: lock the row, take it unless another owner's
      // lease is live, and say which. No row: no such account.
      {kLeaseOne,
       "WITH target AS (SELECT id, lease_owner, lease_expires_at >= $3::timestamptz AS live"
       " FROM trading_accounts WHERE id = $1::uuid FOR UPDATE),"
       " taken AS (UPDATE trading_accounts a SET lease_owner = $2::text,"
       " lease_expires_at = $4::timestamptz FROM target t WHERE a.id = t.id"
       " AND (t.lease_owner IS NULL OR t.lease_owner = $2::text OR t.live IS NOT TRUE)"
       " RETURNING a.*)"
       " SELECT " +
           account_columns("taken") +
           ", t.lease_owner, taken.id IS NOT NULL FROM target t LEFT JOIN taken ON true"},
      {kLeaseRelease,
       "UPDATE trading_accounts SET lease_owner = NULL, lease_expires_at = NULL"
       " WHERE id = $1::uuid AND lease_owner = $2::text"},
      {kSyncLockAccount,
       "SELECT user_id::text, lease_owner, lease_expires_at >= $2::timestamptz"
       " FROM trading_accounts WHERE id = $1::uuid FOR UPDATE"},
      // Everything of a sync but the open positions, in ONE statement (one round trip): the
      // sub-statements touch different tables, or different rows of `trades` than the
      // positions statement that follows, and each batch is one json parameter. json, not
      // jsonb: it is read once, so jsonb's conversion is pure cost.
      {kSyncWrite,
       "WITH deals_in AS (INSERT INTO deals (account_id, ticket, order_ticket, position_id,"
       " symbol, type, entry, reason, magic, volume, price, profit, swap, commission, fee,"
       " deal_time, deal_time_broker, deal_time_msc, comment, external_id)"
       " SELECT $1::uuid, r.* FROM json_to_recordset($3::json) AS r(ticket bigint,"
       " order_ticket bigint, position_id bigint, symbol text, type integer, entry integer,"
       " reason integer, magic bigint, volume float8, price float8, profit float8, swap float8,"
       " commission float8, fee float8, deal_time timestamptz, deal_time_broker text,"
       " deal_time_msc bigint, comment text, external_id text)"
       " ON CONFLICT (account_id, ticket) DO NOTHING RETURNING 1),"
       " transactions_in AS (INSERT INTO account_transactions (account_id, ticket, deal_type,"
       " type, amount, comment, transaction_time, transaction_time_broker)"
       " SELECT $1::uuid, r.* FROM json_to_recordset($4::json) AS r(ticket bigint,"
       " deal_type integer, type text, amount float8, comment text,"
       " transaction_time timestamptz, transaction_time_broker text)"
       " ON CONFLICT (account_id, ticket) DO NOTHING RETURNING 1),"
       // Counts the trades that were not closed before: new ones and open positions that
       // closed.
       " incoming AS (SELECT * FROM json_to_recordset($5::json) AS r(ticket bigint,"
       " position_id bigint, segment integer, symbol text, canonical_symbol text, type text,"
       " volume float8, open_price float8, close_price float8, open_time timestamptz,"
       " open_time_broker text, close_time timestamptz, close_time_broker text, profit float8,"
       " swap float8, commission float8, fee float8, net_profit float8, pips float8,"
       " points float8, close_reason text)),"
       " closed_before AS (SELECT t.position_id, t.segment FROM trades t JOIN incoming i"
       " ON t.position_id = i.position_id AND t.segment = i.segment"
       " WHERE t.account_id = $1::uuid AND t.status = 'closed'),"
       " trades_in AS (INSERT INTO trades (account_id, user_id, ticket, position_id, segment,"
       " status, symbol, canonical_symbol, type, volume, open_price, close_price, open_time,"
       " open_time_broker, close_time, close_time_broker, profit, swap, commission, fee,"
       " net_profit, pips, points, close_reason, updated_at)"
       " SELECT $1::uuid, $2::uuid, i.ticket, i.position_id, i.segment, 'closed', i.symbol,"
       " i.canonical_symbol, i.type, i.volume, i.open_price, i.close_price, i.open_time,"
       " i.open_time_broker, i.close_time, i.close_time_broker, i.profit, i.swap, i.commission,"
       " i.fee, i.net_profit, i.pips, i.points, i.close_reason, $6::timestamptz FROM incoming i"
       " ON CONFLICT (account_id, position_id, segment) DO UPDATE SET ticket = EXCLUDED.ticket,"
       " user_id = EXCLUDED.user_id, status = 'closed', symbol = EXCLUDED.symbol,"
       " canonical_symbol = EXCLUDED.canonical_symbol, type = EXCLUDED.type,"
       " volume = EXCLUDED.volume, open_price = EXCLUDED.open_price,"
       " close_price = EXCLUDED.close_price, open_time = EXCLUDED.open_time,"
       " open_time_broker = EXCLUDED.open_time_broker, close_time = EXCLUDED.close_time,"
       " close_time_broker = EXCLUDED.close_time_broker, profit = EXCLUDED.profit,"
       " swap = EXCLUDED.swap, commission = EXCLUDED.commission, fee = EXCLUDED.fee,"
       " net_profit = EXCLUDED.net_profit, pips = EXCLUDED.pips, points = EXCLUDED.points,"
       " close_reason = EXCLUDED.close_reason, updated_at = EXCLUDED.updated_at"
       " RETURNING position_id, segment),"
       " account_row AS (UPDATE trading_accounts SET"
       " connection_status = coalesce($7::text, connection_status),"
       " last_connection_error = $8::text, sync_failure_count = $9::integer,"
       " next_sync_at = $10::timestamptz, last_sync_at = $11::timestamptz,"
       " last_successful_sync_at = $12::timestamptz, broker_server_time_offset = $13::integer,"
       " updated_at = $6::timestamptz,"
       " currency = CASE WHEN $14::boolean THEN $15::text ELSE currency END,"
       " leverage = CASE WHEN $14::boolean THEN $16::bigint ELSE leverage END,"
       " balance = CASE WHEN $14::boolean THEN $17::float8 ELSE balance END,"
       " equity = CASE WHEN $14::boolean THEN $18::float8 ELSE equity END,"
       " margin = CASE WHEN $14::boolean THEN $19::float8 ELSE margin END,"
       " free_margin = CASE WHEN $14::boolean THEN $20::float8 ELSE free_margin END,"
       " margin_level = CASE WHEN $14::boolean THEN $21::float8 ELSE margin_level END,"
       " credit = CASE WHEN $14::boolean THEN $22::float8 ELSE credit END,"
       " profit = CASE WHEN $14::boolean THEN $23::float8 ELSE profit END"
       " WHERE id = $1::uuid RETURNING 1),"
       // The sync log, when $24 (its id) is not null.
       " log_row AS (INSERT INTO sync_logs (id, account_id, sync_type, status, started_at,"
       " completed_at, trades_synced, deals_synced, duration_ms, error_message)"
       " SELECT $24::uuid, $1::uuid, $25::text, $26::text, $27::timestamptz, $28::timestamptz,"
       " $29::integer, $30::integer, $31::bigint, $32::text WHERE $24::uuid IS NOT NULL"
       " ON CONFLICT (id) DO UPDATE SET account_id = EXCLUDED.account_id,"
       " sync_type = EXCLUDED.sync_type, status = EXCLUDED.status,"
       " started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at,"
       " trades_synced = EXCLUDED.trades_synced, deals_synced = EXCLUDED.deals_synced,"
       " duration_ms = EXCLUDED.duration_ms, error_message = EXCLUDED.error_message"
       " RETURNING 1)"
       " SELECT (SELECT count(*) FROM deals_in), (SELECT count(*) FROM transactions_in),"
       " (SELECT count(*) FROM trades_in u WHERE NOT EXISTS (SELECT 1 FROM closed_before c"
       " WHERE c.position_id = u.position_id AND c.segment = u.segment)),"
       " (SELECT count(*) FROM account_row), (SELECT count(*) FROM log_row)"},
      // The open positions, after the closed trades: a position already recorded as a closed
      // trade stays closed (a stale snapshot must not reopen history). With $4 (replace), the
      // account's other open positions go in the same statement; the two touch disjoint rows.
      {kSyncPositions,
       "WITH closed_positions AS (DELETE FROM trades WHERE $4::boolean"
       " AND account_id = $1::uuid AND status = 'open' AND NOT (ticket = ANY ($5::bigint[])))"
       " INSERT INTO trades (account_id, user_id, ticket, position_id, segment, status, symbol,"
       " canonical_symbol, type, volume, open_price, current_price, stop_loss, take_profit,"
       " profit, swap, commission, magic, comment, open_time, open_time_broker, updated_at)"
       " SELECT $1::uuid, $2::uuid, r.ticket, r.ticket, 0, 'open', r.symbol, r.canonical_symbol,"
       " r.type, r.volume, r.open_price, r.current_price, r.stop_loss, r.take_profit, r.profit,"
       " r.swap, r.commission, r.magic, r.comment, r.open_time, r.open_time_broker, r.updated_at"
       " FROM json_to_recordset($3::json) AS r(ticket bigint, symbol text,"
       " canonical_symbol text, type text, volume float8, open_price float8,"
       " current_price float8, stop_loss float8, take_profit float8, profit float8, swap float8,"
       " commission float8, magic bigint, comment text, open_time timestamptz,"
       " open_time_broker text, updated_at timestamptz)"
       " ON CONFLICT (account_id, ticket) DO UPDATE SET user_id = EXCLUDED.user_id,"
       " symbol = EXCLUDED.symbol, canonical_symbol = EXCLUDED.canonical_symbol,"
       " type = EXCLUDED.type, volume = EXCLUDED.volume, open_price = EXCLUDED.open_price,"
       " current_price = EXCLUDED.current_price, stop_loss = EXCLUDED.stop_loss,"
       " take_profit = EXCLUDED.take_profit, profit = EXCLUDED.profit, swap = EXCLUDED.swap,"
       " commission = EXCLUDED.commission, magic = EXCLUDED.magic, comment = EXCLUDED.comment,"
       " open_time = EXCLUDED.open_time, open_time_broker = EXCLUDED.open_time_broker,"
       " updated_at = EXCLUDED.updated_at WHERE trades.status = 'open'"},
      {kSyncLogUpsert,
       "INSERT INTO sync_logs (id, account_id, sync_type, status, started_at, completed_at,"
       " trades_synced, deals_synced, duration_ms, error_message) VALUES ($1::uuid, $2::uuid,"
       " $3::text, $4::text, $5::timestamptz, $6::timestamptz, $7::integer, $8::integer,"
       " $9::bigint, $10::text) ON CONFLICT (id) DO UPDATE SET account_id = EXCLUDED.account_id,"
       " sync_type = EXCLUDED.sync_type, status = EXCLUDED.status,"
       " started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at,"
       " trades_synced = EXCLUDED.trades_synced, deals_synced = EXCLUDED.deals_synced,"
       " duration_ms = EXCLUDED.duration_ms, error_message = EXCLUDED.error_message"},
      {kSyncLogGet, "SELECT " + sync_log_columns + " FROM sync_logs WHERE id = $1::uuid"},
      {kSyncLogList, "SELECT " + sync_log_columns + " FROM sync_logs" +
                         record_filter("started_at", false) + " ORDER BY started_at DESC, id DESC" +
                         kPage},
      {kPositionList, "SELECT " + position_columns + " FROM trades" +
                          record_filter("open_time", true) + " AND status = 'open'" +
                          " ORDER BY ticket" + kPage},
      {kTradeList, "SELECT " + trade_columns + " FROM trades" + record_filter("close_time", true) +
                       " AND status = 'closed' ORDER BY close_time DESC, ticket DESC" + kPage},
      {kDealList, "SELECT " + deal_columns + " FROM deals" + record_filter("deal_time", true) +
                      " ORDER BY deal_time, ticket" + kPage},
      {kTransactionList, "SELECT " + transaction_columns + " FROM account_transactions" +
                             record_filter("transaction_time", false) +
                             " ORDER BY transaction_time, ticket" + kPage},
      {kUserDeleteIntegrations, "DELETE FROM account_integrations WHERE user_id = $1::uuid"},
      {kUserDeleteAccounts,
       "WITH gone AS (DELETE FROM trading_accounts WHERE user_id = $1::uuid RETURNING 1)"
       " SELECT count(*) FROM gone"},
      {kAuditInsert,
       "INSERT INTO audit_log (id, at, actor, action, subject, details) VALUES"
       " (coalesce($1::uuid, gen_random_uuid()), $2::timestamptz, $3::text, $4::text, $5::text,"
       " $6::jsonb)"},
  };
}

}  // namespace

void prepare_statements(pqxx::connection& connection) {
  static const std::vector<std::pair<const char*, std::string>> kDefinitions = definitions();
  for (const auto& [name, sql] : kDefinitions) connection.prepare(name, sql);
}

}  // namespace mt5b::storage_postgres
