// StorageClient's ABI 1.1 side: leases, the atomic sync apply, record lists, audit, credential
// rotation and migrations. Conversions between host types and mt5b_* records live here only.
#include "runtime/storage_client.hpp"

#include "runtime/sync_records.hpp"

namespace mt5b::host {

using sdk::copy;
using sdk::str;

namespace {

mt5b_record_query to_query(const RecordQuery& q) {
  auto r = sdk::make<mt5b_record_query>();
  r.account_id = str(q.account_id);
  r.symbol = str(q.symbol);
  r.from_ms = q.from_ms;
  r.to_ms = q.to_ms;
  r.limit = q.limit;
  r.offset = q.offset;
  return r;
}

mt5b_sync_log_record to_record(const SyncLog& l) {
  auto r = sdk::make<mt5b_sync_log_record>();
  r.id = str(l.id);
  r.account_id = str(l.account_id);
  r.sync_type = str(l.sync_type);
  r.status = str(l.status);
  r.started_at_ms = l.started_at_ms;
  r.completed_at_ms = l.completed_at_ms;
  r.trades_synced = l.trades_synced;
  r.deals_synced = l.deals_synced;
  r.duration_ms = l.duration_ms;
  r.error_message = str(l.error_message);
  return r;
}

SyncLog from_record(const mt5b_sync_log_record* in) {
  mt5b_sync_log_record r;
  sdk::read_struct(in, r);
  return SyncLog{copy(r.id),      copy(r.account_id),   copy(r.sync_type), copy(r.status),
                 r.started_at_ms, r.completed_at_ms,    r.trades_synced,   r.deals_synced,
                 r.duration_ms,   copy(r.error_message)};
}

mt5b_audit_record to_record(const AuditEvent& a) {
  auto r = sdk::make<mt5b_audit_record>();
  r.id = str(a.id);
  r.at_ms = a.at_ms;
  r.actor = str(a.actor);
  r.action = str(a.action);
  r.subject = str(a.subject);
  r.details_json = str(a.details_json);
  return r;
}

mt5b_position_record to_record(const std::string& account_id, const OpenPosition& p,
                               int64_t now_ms) {
  auto r = sdk::make<mt5b_position_record>();
  r.account_id = str(account_id);
  r.ticket = p.ticket;
  r.symbol = str(p.symbol);
  r.canonical_symbol = str(p.canonical_symbol);
  r.type = str(p.type);
  r.volume = p.volume;
  r.open_price = p.open_price;
  r.current_price = p.current_price;
  r.sl = p.sl;
  r.tp = p.tp;
  r.profit = p.profit;
  r.swap = p.swap;
  r.commission = p.commission;
  r.magic = p.magic;
  r.comment = str(p.comment);
  r.open_time_ms = p.open_time_ms;
  r.open_time_broker_ms = p.open_time_broker_ms;
  r.broker_offset_s = p.broker_offset_s;
  r.updated_at_ms = now_ms;
  return r;
}

OpenPosition from_record(const mt5b_position_record* in) {
  mt5b_position_record r;
  sdk::read_struct(in, r);
  OpenPosition p;
  p.ticket = r.ticket;
  p.symbol = copy(r.symbol);
  p.canonical_symbol = copy(r.canonical_symbol);
  p.type = copy(r.type);
  p.volume = r.volume;
  p.open_price = r.open_price;
  p.current_price = r.current_price;
  p.sl = r.sl;
  p.tp = r.tp;
  p.profit = r.profit;
  p.swap = r.swap;
  p.commission = r.commission;
  p.magic = r.magic;
  p.comment = copy(r.comment);
  p.open_time_ms = r.open_time_ms;
  p.open_time_broker_ms = r.open_time_broker_ms;
  p.broker_offset_s = r.broker_offset_s;
  return p;
}

mt5b_trade_record to_record(const std::string& account_id, const ClosedTrade& t) {
  auto r = sdk::make<mt5b_trade_record>();
  r.segment = t.segment;
  r.account_id = str(account_id);
  r.ticket = t.ticket;
  r.position_id = t.position_id;
  r.symbol = str(t.symbol);
  r.canonical_symbol = str(t.canonical_symbol);
  r.type = str(t.type);
  r.volume = t.volume;
  r.open_price = t.open_price;
  r.close_price = t.close_price;
  r.open_time_ms = t.open_time_ms;
  r.close_time_ms = t.close_time_ms;
  r.open_time_broker_ms = t.open_time_broker_ms;
  r.close_time_broker_ms = t.close_time_broker_ms;
  r.broker_offset_s = (t.close_time_broker_ms - t.close_time_ms) / 1000;
  r.profit = t.profit;
  r.swap = t.swap;
  r.commission = t.commission;
  r.fee = t.fee;
  r.net_profit = t.net_profit;
  r.points = t.points;
  r.pips = t.pips;
  r.duration_hours = t.duration_hours;
  r.close_reason = str(t.close_reason);
  return r;
}

ClosedTrade from_record(const mt5b_trade_record* in) {
  mt5b_trade_record r;
  sdk::read_struct(in, r);
  ClosedTrade t;
  t.segment = r.segment;
  t.ticket = r.ticket;
  t.position_id = r.position_id;
  t.symbol = copy(r.symbol);
  t.canonical_symbol = copy(r.canonical_symbol);
  t.type = copy(r.type);
  t.volume = r.volume;
  t.open_price = r.open_price;
  t.close_price = r.close_price;
  t.open_time_ms = r.open_time_ms;
  t.close_time_ms = r.close_time_ms;
  t.open_time_broker_ms = r.open_time_broker_ms;
  t.close_time_broker_ms = r.close_time_broker_ms;
  t.profit = r.profit;
  t.swap = r.swap;
  t.commission = r.commission;
  t.fee = r.fee;
  t.net_profit = r.net_profit;
  t.points = r.points;
  t.pips = r.pips;
  t.duration_hours = r.duration_hours;
  t.close_reason = copy(r.close_reason);
  return t;
}

mt5b_trade_deal to_abi(const Mt5Deal& d) {
  auto r = sdk::make<mt5b_trade_deal>();
  r.type = d.type;
  r.ticket = d.ticket;
  r.order = d.order;
  r.time = d.time;
  r.time_msc = d.time_msc;
  r.entry = d.entry;
  r.reason = d.reason;
  r.magic = d.magic;
  r.position_id = d.position_id;
  r.volume = d.volume;
  r.price = d.price;
  r.commission = d.commission;
  r.swap = d.swap;
  r.profit = d.profit;
  r.fee = d.fee;
  r.symbol = str(d.symbol);
  r.comment = str(d.comment);
  r.external_id = str(d.external_id);
  return r;
}

StoredDeal from_record(const mt5b_deal_record* in) {
  mt5b_deal_record r;
  sdk::read_struct(in, r);
  StoredDeal out;
  out.time_ms = r.time_ms;
  if (r.deal) {
    mt5b_trade_deal d;
    sdk::read_struct(r.deal, d);
    auto& o = out.deal;
    o.ticket = d.ticket;
    o.order = d.order;
    o.time = d.time;
    o.time_msc = d.time_msc;
    o.type = d.type;
    o.entry = d.entry;
    o.reason = d.reason;
    o.magic = d.magic;
    o.position_id = d.position_id;
    o.volume = d.volume;
    o.price = d.price;
    o.commission = d.commission;
    o.swap = d.swap;
    o.profit = d.profit;
    o.fee = d.fee;
    o.symbol = copy(d.symbol);
    o.comment = copy(d.comment);
    o.external_id = copy(d.external_id);
  }
  return out;
}

mt5b_transaction_record to_record(const std::string& account_id, const AccountTransaction& t) {
  auto r = sdk::make<mt5b_transaction_record>();
  r.deal_type = t.deal_type;
  r.account_id = str(account_id);
  r.ticket = t.ticket;
  r.kind = str(t.kind);
  r.amount = t.amount;
  r.time_ms = t.time_ms;
  r.time_broker_ms = t.time_broker_ms;
  r.comment = str(t.comment);
  return r;
}

AccountTransaction from_record(const mt5b_transaction_record* in) {
  mt5b_transaction_record r;
  sdk::read_struct(in, r);
  AccountTransaction t;
  t.ticket = r.ticket;
  t.deal_type = r.deal_type;
  t.kind = copy(r.kind);
  t.amount = r.amount;
  t.time_ms = r.time_ms;
  t.time_broker_ms = r.time_broker_ms;
  t.comment = copy(r.comment);
  return t;
}

// Collects records of one kind through an emit callback.
template <class Host, class Record>
struct Collector {
  static void emit(void* ctx, const Record* r) {
    static_cast<std::vector<Host>*>(ctx)->push_back(from_record(r));
  }
};

}  // namespace

template <class F>
F StorageClient::slot(F mt5b_storage_vtable::*member, const char* name) const {
  F f = v_.*member;
  if (!f)
    throw PluginCallError(MT5B_NOT_SUPPORTED,
                          "storage plugin " + instance_.plugin().name() + " lacks " + name +
                              " (plugin ABI 1.1); upgrade it to use this feature");
  return f;
}

std::vector<std::string> StorageClient::missing_sync_slots() const {
  std::vector<std::string> out;
  if (!v_.on_lease_due) out.push_back("on_lease_due");
  if (!v_.on_lease_release) out.push_back("on_lease_release");
  if (!v_.on_sync_apply) out.push_back("on_sync_apply");
  if (!v_.on_sync_log_put) out.push_back("on_sync_log_put");
  if (!v_.on_sync_log_get) out.push_back("on_sync_log_get");
  return out;
}

std::vector<Account> StorageClient::lease_due(const std::string& owner,
                                              const std::string& account_id, int64_t now_ms,
                                              int64_t lease_ttl_ms, int64_t limit) {
  auto f = slot(&mt5b_storage_vtable::on_lease_due, "on_lease_due");
  auto q = sdk::make<mt5b_lease_request>();
  q.owner = str(owner);
  q.account_id = str(account_id);
  q.now_ms = now_ms;
  q.lease_ttl_ms = lease_ttl_ms;
  q.limit = limit;
  std::vector<Account> out;
  instance_.check(f(
                      instance_.handle(), &q,
                      [](void* ctx, const mt5b_account_record* r) {
                        static_cast<std::vector<Account>*>(ctx)->push_back(account_from_record(r));
                      },
                      &out),
                  "lease");
  return out;
}

void StorageClient::lease_release(const std::string& account_id, const std::string& owner) {
  auto f = slot(&mt5b_storage_vtable::on_lease_release, "on_lease_release");
  instance_.check(f(instance_.handle(), str(account_id), str(owner)), "lease release");
}

SyncApplyResult StorageClient::sync_apply(const SyncApply& apply) {
  auto f = slot(&mt5b_storage_vtable::on_sync_apply, "on_sync_apply");
  const std::string& id = apply.account.id;
  int64_t now = apply.account.updated_at_ms;
  auto account = account_to_record(apply.account);
  std::vector<mt5b_position_record> positions;
  for (const auto& p : apply.positions) positions.push_back(to_record(id, p, now));
  std::vector<mt5b_trade_record> trades;
  for (const auto& t : apply.trades) trades.push_back(to_record(id, t));
  std::vector<mt5b_trade_deal> raw_deals;
  raw_deals.reserve(apply.deals.size());
  for (const auto& d : apply.deals) raw_deals.push_back(to_abi(d.deal));
  std::vector<mt5b_deal_record> deals;
  for (size_t i = 0; i < apply.deals.size(); ++i) {
    auto r = sdk::make<mt5b_deal_record>();
    r.account_id = str(id);
    r.deal = &raw_deals[i];
    r.time_ms = apply.deals[i].time_ms;
    deals.push_back(r);
  }
  std::vector<mt5b_transaction_record> transactions;
  for (const auto& t : apply.transactions) transactions.push_back(to_record(id, t));
  std::optional<mt5b_sync_log_record> log;
  if (apply.log) log = to_record(*apply.log);

  auto a = sdk::make<mt5b_sync_apply>();
  a.snapshot_valid = apply.snapshot_valid ? 1 : 0;
  a.lease_owner = str(apply.lease_owner);
  a.account = &account;
  a.positions = positions.data();
  a.position_count = static_cast<uint32_t>(positions.size());
  a.replace_positions = apply.replace_positions ? 1 : 0;
  a.trades = trades.data();
  a.trade_count = static_cast<uint32_t>(trades.size());
  a.deals = deals.data();
  a.deal_count = static_cast<uint32_t>(deals.size());
  a.transactions = transactions.data();
  a.transaction_count = static_cast<uint32_t>(transactions.size());
  a.sync_log = log ? &*log : nullptr;
  auto result = sdk::make<mt5b_sync_apply_result>();
  instance_.check(f(instance_.handle(), &a, &result), "sync apply");
  return SyncApplyResult{result.deals_inserted, result.trades_inserted,
                         result.transactions_inserted};
}

void StorageClient::sync_log_put(const SyncLog& log) {
  auto f = slot(&mt5b_storage_vtable::on_sync_log_put, "on_sync_log_put");
  auto r = to_record(log);
  instance_.check(f(instance_.handle(), &r), "sync log write");
}

std::optional<SyncLog> StorageClient::sync_log_get(const std::string& sync_id) {
  auto f = slot(&mt5b_storage_vtable::on_sync_log_get, "on_sync_log_get");
  std::vector<SyncLog> out;
  mt5b_status s =
      f(instance_.handle(), str(sync_id), &Collector<SyncLog, mt5b_sync_log_record>::emit, &out);
  if (s == MT5B_NOT_FOUND) return std::nullopt;
  instance_.check(s, "sync log read");
  if (out.empty()) return std::nullopt;
  return out.front();
}

#define MT5B_LIST(METHOD, SLOT, HOST, RECORD, WHAT)                                         \
  std::vector<HOST> StorageClient::METHOD(const RecordQuery& query) {                       \
    auto f = slot(&mt5b_storage_vtable::SLOT, #SLOT);                                       \
    auto q = to_query(query);                                                               \
    std::vector<HOST> out;                                                                  \
    instance_.check(f(instance_.handle(), &q, &Collector<HOST, RECORD>::emit, &out), WHAT); \
    return out;                                                                             \
  }
MT5B_LIST(sync_log_list, on_sync_log_list, SyncLog, mt5b_sync_log_record, "sync log list")
MT5B_LIST(position_list, on_position_list, OpenPosition, mt5b_position_record, "position list")
MT5B_LIST(trade_list, on_trade_list, ClosedTrade, mt5b_trade_record, "trade list")
MT5B_LIST(deal_list, on_deal_list, StoredDeal, mt5b_deal_record, "deal list")
MT5B_LIST(transaction_list, on_transaction_list, AccountTransaction, mt5b_transaction_record,
          "transaction list")
#undef MT5B_LIST

std::vector<Credential> StorageClient::credential_list() {
  auto f = slot(&mt5b_storage_vtable::on_credential_list, "on_credential_list");
  std::vector<Credential> out;
  instance_.check(f(
                      instance_.handle(),
                      [](void* ctx, const mt5b_credential_record* in) {
                        mt5b_credential_record r;
                        sdk::read_struct(in, r);
                        static_cast<std::vector<Credential>*>(ctx)->push_back(
                            Credential{copy(r.account_id), copy(r.user_id), copy(r.key_id),
                                       copy(r.ciphertext), r.created_at_ms});
                      },
                      &out),
                  "credential list");
  return out;
}

void StorageClient::credential_update(const Credential& c) {
  auto f = slot(&mt5b_storage_vtable::on_credential_update, "on_credential_update");
  auto r = sdk::make<mt5b_credential_record>();
  r.account_id = str(c.account_id);
  r.user_id = str(c.user_id);
  r.key_id = str(c.key_id);
  r.ciphertext = str(c.ciphertext);
  r.created_at_ms = c.created_at_ms;
  instance_.check(f(instance_.handle(), &r), "credential update");
}

int64_t StorageClient::user_delete(const std::string& user_id, const AuditEvent& audit) {
  auto f = slot(&mt5b_storage_vtable::on_user_delete, "on_user_delete");
  auto a = to_record(audit);
  int64_t n = 0;
  instance_.check(f(instance_.handle(), str(user_id), &a, &n), "user data delete");
  return n;
}

void StorageClient::audit_append(const AuditEvent& audit) {
  auto f = slot(&mt5b_storage_vtable::on_audit_append, "on_audit_append");
  auto a = to_record(audit);
  instance_.check(f(instance_.handle(), &a), "audit append");
}

int64_t StorageClient::migrate_to(int64_t target_version) {
  auto f = slot(&mt5b_storage_vtable::on_migrate_to, "on_migrate_to");
  int64_t version = 0;
  instance_.check(f(instance_.handle(), target_version, &version), "migration");
  return version;
}

}  // namespace mt5b::host
