#include "record_copies.hpp"

namespace mt5b::storage_postgres::testing {

mt5b_status status_of(const std::function<void()>& call) {
  try {
    call();
    return MT5B_OK;
  } catch (const sdk::Error& error) {
    return error.status();
  }
}

AccountRow get_account(PostgresStorage& store, const std::string& id) {
  AccountRow out;
  store.account_get(id, [&](const mt5b_account_record& r) { out = AccountRow::from(r); });
  return out;
}

std::vector<AccountRow> list_accounts(PostgresStorage& store, const mt5b_account_query& query) {
  std::vector<AccountRow> out;
  store.account_list(query,
                     [&](const mt5b_account_record& r) { out.push_back(AccountRow::from(r)); });
  return out;
}

std::vector<CredentialRow> list_credentials(PostgresStorage& store) {
  std::vector<CredentialRow> out;
  store.credential_list(
      [&](const mt5b_credential_record& r) { out.push_back(CredentialRow::from(r)); });
  return out;
}

std::vector<AccountRow> lease(PostgresStorage& store, const mt5b_lease_request& request) {
  std::vector<AccountRow> out;
  store.lease_due(request,
                  [&](const mt5b_account_record& r) { out.push_back(AccountRow::from(r)); });
  return out;
}

#define MT5B_TEST_COLLECTOR(FUNCTION, SLOT, ROW, RECORD)                              \
  std::vector<ROW> FUNCTION(PostgresStorage& store, const mt5b_record_query& query) { \
    std::vector<ROW> out;                                                             \
    store.SLOT(query, [&](const RECORD& r) { out.push_back(ROW::from(r)); });         \
    return out;                                                                       \
  }
MT5B_TEST_COLLECTOR(list_positions, position_list, PositionRow, mt5b_position_record)
MT5B_TEST_COLLECTOR(list_trades, trade_list, TradeRow, mt5b_trade_record)
MT5B_TEST_COLLECTOR(list_deals, deal_list, DealRow, mt5b_deal_record)
MT5B_TEST_COLLECTOR(list_transactions, transaction_list, TransactionRow, mt5b_transaction_record)
MT5B_TEST_COLLECTOR(list_sync_logs, sync_log_list, SyncLogRow, mt5b_sync_log_record)
#undef MT5B_TEST_COLLECTOR

}  // namespace mt5b::storage_postgres::testing
