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
      // The accounts of a group of applies, locked in id order (two hosts' groups never
      // deadlock), with each one's user and whether its lease is live. Missing rows: deleted.
      {kSyncLockAccounts,
       "SELECT id::text, user_id::text, lease_owner, lease_expires_at >= $2::timestamptz"
       " FROM trading_accounts WHERE id = ANY ($1::uuid[]) ORDER BY id FOR UPDATE"},
      // The same for a group of several: rows another transaction holds are passed over
      // (the group never waits for them; they are written alone afterwards).
      {kSyncLockAccountsSkip,
       "SELECT id::text, user_id::text, lease_owner, lease_expires_at >= $2::timestamptz"
       " FROM trading_accounts WHERE id = ANY ($1::uuid[]) ORDER BY id FOR UPDATE SKIP LOCKED"},
      // Everything of a group of syncs but the open positions, in ONE statement (one round
      // trip). $1: one json object per account (batch_json.hpp's ApplyRows::account with its
      // user_id); $2, $3, $4: the group's deals, transactions and closed trades, each a json
      // array of rows naming their account. The sub-statements touch different tables, or
      // different rows of `trades` than the positions statement that follows. json, not
      // jsonb: each is read once, so jsonb's conversion is pure cost. One row per account:
      // what it inserted.
      {kSyncWrite,
       "WITH input AS (SELECT * FROM json_to_recordset($1::json) AS a(account_id uuid,"
       " user_id uuid, connection_status text, last_connection_error text,"
       " sync_failure_count integer, next_sync_at timestamptz, last_sync_at timestamptz,"
       " last_successful_sync_at timestamptz, broker_server_time_offset integer,"
       " snapshot boolean, currency text, leverage bigint, balance float8, equity float8,"
       " margin float8, free_margin float8, margin_level float8, credit float8, profit float8,"
       " log_id uuid, log_sync_type text, log_status text, log_started_at timestamptz,"
       " log_completed_at timestamptz, log_trades_synced integer, log_deals_synced integer,"
       " log_duration_ms bigint, log_error_message text)),"
       " deals_in AS (INSERT INTO deals (account_id, ticket, order_ticket, position_id,"
       " symbol, type, entry, reason, magic, volume, price, profit, swap, commission, fee,"
       " deal_time, deal_time_broker, deal_time_msc, comment, external_id)"
       " SELECT r.* FROM json_to_recordset($2::json) AS r(account_id uuid, ticket bigint,"
       " order_ticket bigint, position_id bigint, symbol text, type integer, entry integer,"
       " reason integer, magic bigint, volume float8, price float8, profit float8, swap float8,"
       " commission float8, fee float8, deal_time timestamptz, deal_time_broker text,"
       " deal_time_msc bigint, comment text, external_id text)"
       " ON CONFLICT (account_id, ticket) DO NOTHING RETURNING account_id),"
       " transactions_in AS (INSERT INTO account_transactions (account_id, ticket, deal_type,"
       " type, amount, comment, transaction_time, transaction_time_broker)"
       " SELECT r.* FROM json_to_recordset($3::json) AS r(account_id uuid, ticket bigint,"
       " deal_type integer, type text, amount float8, comment text,"
       " transaction_time timestamptz, transaction_time_broker text)"
       " ON CONFLICT (account_id, ticket) DO NOTHING RETURNING account_id),"
       // Each incoming trade says whether it was closed before: new ones and open positions
       // that closed are counted as inserted. One probe of the unique index on (account_id,
       // position_id, segment) per trade; the LIMIT keeps it a probe: as a join or EXISTS, the
       // planner, which guesses 100 rows per json_to_recordset, would rather hash every
       // closed trade.
       " incoming AS (SELECT r.*, coalesce(c.closed, false) AS was_closed"
       " FROM json_to_recordset($4::json) AS r(account_id uuid, ticket bigint,"
       " position_id bigint, segment integer, symbol text, canonical_symbol text, type text,"
       " volume float8, open_price float8, close_price float8, open_time timestamptz,"
       " open_time_broker text, close_time timestamptz, close_time_broker text, profit float8,"
       " swap float8, commission float8, fee float8, net_profit float8, pips float8,"
       " points float8, close_reason text)"
       " LEFT JOIN LATERAL (SELECT t.status = 'closed' AS closed FROM trades t"
       " WHERE t.account_id = r.account_id AND t.position_id = r.position_id"
       " AND t.segment = r.segment LIMIT 1) c ON true),"
       " trades_in AS (INSERT INTO trades (account_id, user_id, ticket, position_id, segment,"
       " status, symbol, canonical_symbol, type, volume, open_price, close_price, open_time,"
       " open_time_broker, close_time, close_time_broker, profit, swap, commission, fee,"
       " net_profit, pips, points, close_reason, updated_at)"
       " SELECT i.account_id, a.user_id, i.ticket, i.position_id, i.segment, 'closed',"
       " i.symbol, i.canonical_symbol, i.type, i.volume, i.open_price, i.close_price,"
       " i.open_time, i.open_time_broker, i.close_time, i.close_time_broker, i.profit, i.swap,"
       " i.commission, i.fee, i.net_profit, i.pips, i.points, i.close_reason, $5::timestamptz"
       " FROM incoming i JOIN input a ON a.account_id = i.account_id"
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
       " RETURNING account_id, position_id, segment),"
       " account_rows AS (UPDATE trading_accounts t SET"
       " connection_status = coalesce(a.connection_status, t.connection_status),"
       " last_connection_error = a.last_connection_error,"
       " sync_failure_count = a.sync_failure_count, next_sync_at = a.next_sync_at,"
       " last_sync_at = a.last_sync_at, last_successful_sync_at = a.last_successful_sync_at,"
       " broker_server_time_offset = a.broker_server_time_offset, updated_at = $5::timestamptz,"
       " currency = CASE WHEN a.snapshot THEN a.currency ELSE t.currency END,"
       " leverage = CASE WHEN a.snapshot THEN a.leverage ELSE t.leverage END,"
       " balance = CASE WHEN a.snapshot THEN a.balance ELSE t.balance END,"
       " equity = CASE WHEN a.snapshot THEN a.equity ELSE t.equity END,"
       " margin = CASE WHEN a.snapshot THEN a.margin ELSE t.margin END,"
       " free_margin = CASE WHEN a.snapshot THEN a.free_margin ELSE t.free_margin END,"
       " margin_level = CASE WHEN a.snapshot THEN a.margin_level ELSE t.margin_level END,"
       " credit = CASE WHEN a.snapshot THEN a.credit ELSE t.credit END,"
       " profit = CASE WHEN a.snapshot THEN a.profit ELSE t.profit END"
       // $6, the group's ids, lets the planner find the rows by primary key.
       " FROM input a WHERE t.id = ANY ($6::uuid[]) AND t.id = a.account_id RETURNING t.id),"
       // The sync logs of the accounts that have one (log_id not null).
       " log_rows AS (INSERT INTO sync_logs (id, account_id, sync_type, status, started_at,"
       " completed_at, trades_synced, deals_synced, duration_ms, error_message)"
       " SELECT a.log_id, a.account_id, a.log_sync_type, a.log_status, a.log_started_at,"
       " a.log_completed_at, a.log_trades_synced, a.log_deals_synced, a.log_duration_ms,"
       " a.log_error_message FROM input a WHERE a.log_id IS NOT NULL"
       " ON CONFLICT (id) DO UPDATE SET account_id = EXCLUDED.account_id,"
       " sync_type = EXCLUDED.sync_type, status = EXCLUDED.status,"
       " started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at,"
       " trades_synced = EXCLUDED.trades_synced, deals_synced = EXCLUDED.deals_synced,"
       " duration_ms = EXCLUDED.duration_ms, error_message = EXCLUDED.error_message"
       " RETURNING 1),"
       // (Data-modifying CTEs run once whether or not the SELECT reads them.)
       " deal_counts AS (SELECT account_id, count(*) AS n FROM deals_in GROUP BY account_id),"
       " transaction_counts AS (SELECT account_id, count(*) AS n FROM transactions_in"
       " GROUP BY account_id),"
       " trade_counts AS (SELECT u.account_id, count(*) AS n FROM trades_in u JOIN incoming i"
       " ON i.account_id = u.account_id AND i.position_id = u.position_id"
       " AND i.segment = u.segment WHERE NOT i.was_closed GROUP BY u.account_id)"
       " SELECT a.account_id::text, coalesce(d.n, 0), coalesce(x.n, 0), coalesce(c.n, 0)"
       " FROM input a LEFT JOIN deal_counts d ON d.account_id = a.account_id"
       " LEFT JOIN transaction_counts x ON x.account_id = a.account_id"
       " LEFT JOIN trade_counts c ON c.account_id = a.account_id"},
      // The open positions of the same group, after the closed trades: $1 as above, $2 the
      // positions' rows, $3 the ids. A position already recorded as a closed trade stays
      // closed (a stale snapshot must not reopen history). An account with replace_positions
      // loses its other open positions in the same statement; the delete and the upsert touch
      // disjoint rows.
      {kSyncPositions,
       "WITH input AS (SELECT * FROM json_to_recordset($1::json) AS a(account_id uuid,"
       " user_id uuid, replace_positions boolean)),"
       " incoming AS (SELECT * FROM json_to_recordset($2::json) AS r(account_id uuid,"
       " ticket bigint, symbol text, canonical_symbol text, type text, volume float8,"
       " open_price float8, current_price float8, stop_loss float8, take_profit float8,"
       " profit float8, swap float8, commission float8, magic bigint, comment text,"
       " open_time timestamptz, open_time_broker text, updated_at timestamptz)),"
       " closed_positions AS (DELETE FROM trades t USING input a WHERE a.replace_positions"
       " AND t.account_id = ANY ($3::uuid[]) AND t.account_id = a.account_id"
       " AND t.status = 'open' AND NOT EXISTS (SELECT 1 FROM incoming r"
       " WHERE r.account_id = t.account_id AND r.ticket = t.ticket))"
       " INSERT INTO trades (account_id, user_id, ticket, position_id, segment, status, symbol,"
       " canonical_symbol, type, volume, open_price, current_price, stop_loss, take_profit,"
       " profit, swap, commission, magic, comment, open_time, open_time_broker, updated_at)"
       " SELECT r.account_id, a.user_id, r.ticket, r.ticket, 0, 'open', r.symbol,"
       " r.canonical_symbol, r.type, r.volume, r.open_price, r.current_price, r.stop_loss,"
       " r.take_profit, r.profit, r.swap, r.commission, r.magic, r.comment, r.open_time,"
       " r.open_time_broker, r.updated_at FROM incoming r JOIN input a"
       " ON a.account_id = r.account_id"
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
      // The accounts are locked in id order, as sync applies lock them, so the two never
      // deadlock over a user's several accounts.
      {kUserDeleteAccounts,
       "WITH gone AS (DELETE FROM trading_accounts WHERE id IN (SELECT id FROM trading_accounts"
       " WHERE user_id = $1::uuid ORDER BY id FOR UPDATE) RETURNING 1)"
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
