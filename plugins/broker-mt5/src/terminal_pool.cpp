#include "terminal_pool.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <tuple>

namespace mt5b::broker_mt5 {

using std::chrono::milliseconds;

namespace {

// How often the maintenance thread looks at the host clock for due probes and idle sessions.
constexpr milliseconds kMaintenanceTick{100};
// The cap of a data call's retries as a whole; each stage has its own timeout inside it.
constexpr std::chrono::hours kNoOverallDeadline{24};

std::string account_phrase(const AccountKey& a) {
  return "account " + std::to_string(a.login) + " on '" + a.server + "'";
}

std::string advice(mt5b_status status, FailureKind kind) {
  switch (status) {
    case MT5B_UNAUTHENTICATED:
      return "; check the login, password and server name before trying again (never retried "
             "automatically: brokers lock accounts that do)";
    case MT5B_TIMEOUT:
    case MT5B_RETRY: return "; the terminal is slow or busy, retry later";
    case MT5B_UNAVAILABLE:
      return kind == FailureKind::kCertificate
                 ? "; fix the terminal's TLS settings or the gateway's certificate"
                 : "; the pool probes terminals and reconnects by itself, retry later";
    case MT5B_FAILED:
      return kind == FailureKind::kAuth ? "" : "; this is not transient, see the gateway's log";
    default: return "";
  }
}

}  // namespace

Mt5Session::Mt5Session(TerminalPool& pool, AccountKey account, std::string_view password,
                       const PasswordDigest& digest)
    : pool_(pool),
      account_(std::move(account)),
      password_(SecretString::copy_of(password)),
      digest_(digest) {}

Mt5Session::~Mt5Session() {
  pool_.forget(*this);
}

TerminalPool::TerminalPool(sdk::Host host, PoolSettings settings)
    : host_(host), settings_(std::move(settings)) {
  if (RAND_bytes(digest_key_.data(), static_cast<int>(digest_key_.size())) != 1)
    throw sdk::Error(MT5B_FAILED, "cannot draw random bytes for the password digest key");
  for (const auto& t : settings_.terminals)
    terminals_.push_back(std::make_unique<Terminal>(host_, t, settings_));
  bound_sessions_.assign(terminals_.size(), 0);
  last_used_.assign(terminals_.size(), 0);
  for (size_t i = 0; i < terminals_.size(); ++i) publish_sessions(i);
  {
    // The first connects run in parallel so create takes one connect timeout, not N.
    std::vector<std::jthread> connecting;
    for (auto& terminal : terminals_) connecting.emplace_back([t = terminal.get()] { t->probe(); });
  }
  size_t up = 0;
  for (const auto& t : terminals_) up += t->state() == TerminalState::kConnected ? 1 : 0;
  host_.info("broker-mt5 pool of " + std::to_string(terminals_.size()) + " terminals, " +
             std::to_string(up) + " connected");
  // The first probes are due one interval after create, counted from now rather than from
  // whenever the thread gets to run.
  const int64_t first_probe_ns =
      host_.monotonic_ns() +
      std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.probe_interval).count();
  maintenance_ = std::jthread(
      [this, first_probe_ns](std::stop_token stop) { maintain(stop, first_probe_ns); });
}

TerminalPool::~TerminalPool() {
  maintenance_.request_stop();
  wake_.notify_all();
}

PasswordDigest TerminalPool::digest_of(std::string_view password) const {
  PasswordDigest out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), digest_key_.data(), static_cast<int>(digest_key_.size()),
       reinterpret_cast<const unsigned char*>(password.data()), password.size(), out.data(), &size);
  return out;
}

std::string TerminalPool::scrub(std::string text, std::string_view password) const {
  text = redact(std::move(text), {password});
  for (const auto& t : settings_.terminals) text = redact(std::move(text), {t.token->view()});
  return text;
}

std::unique_ptr<Mt5Session> TerminalPool::open_session(int64_t login, std::string_view server,
                                                       std::string_view password,
                                                       milliseconds timeout) {
  if (login <= 0)
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the login request needs a positive account number");
  if (server.empty())
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the login request needs a trade server name");
  auto until = Clock::now() + timeout;
  auto session = std::make_unique<Mt5Session>(*this, AccountKey{login, std::string(server)},
                                              password, digest_of(password));
  {
    std::lock_guard lock(mu_);
    session->last_used_ns_ = host_.monotonic_ns();
    sessions_.insert(session.get());
  }
  run(*session, until, nullptr);
  return session;
}

void TerminalPool::call(Mt5Session& session, const Terminal::Request& request) {
  run(session, Clock::now() + kNoOverallDeadline, &request);
}

void TerminalPool::run(Mt5Session& session, Deadline until, const Terminal::Request* request) {
  const std::string method(request != nullptr ? request->method : "login");
  auto credentials = session.credentials();
  for (int attempt = 0;; ++attempt) {
    size_t t = 0;
    try {
      {
        std::lock_guard lock(mu_);
        t = terminal_for(session);
      }
      terminals_[t]->use(credentials, until, request);
      mark_used(session, t);
      return;
    } catch (const CallFailure& f) {
      auto policy = policy_for(f.kind(), f.code());
      auto delay = settings_.backoff_before_retry(attempt);
      bool retry = policy.retry && attempt < settings_.max_retries && Clock::now() + delay < until;
      auto reason = scrub(f.what(), credentials.password);
      if (!retry) {
        std::string where = f.kind() == FailureKind::kNoTerminal
                                ? std::string()
                                : " on terminal '" + terminals_[t]->name() + "'";
        std::string attempts =
            attempt == 0 ? std::string() : " after " + std::to_string(attempt + 1) + " attempts";
        throw sdk::Error(policy.status, method + " for " + account_phrase(session.account()) +
                                            " failed" + where + attempts + ": " + reason +
                                            advice(policy.status, f.kind()));
      }
      host_.counter_add("mt5bridge_mt5_gateway_retries_total",
                        "terminal=\"" + terminals_[t]->name() + "\",method=\"" + method + "\"");
      host_.debug("retrying " + method + " for " + account_phrase(session.account()) + " in " +
                  std::to_string(delay.count()) + " ms after: " + reason);
      std::this_thread::sleep_for(delay);
    }
  }
}

size_t TerminalPool::terminal_for(Mt5Session& session) {
  if (session.terminal_) {
    size_t t = *session.terminal_;
    if (terminals_[t]->state() != TerminalState::kError) return t;
    // Its terminal is unhealthy: move to a healthy one if there is any, else keep trying here.
    try {
      size_t other = choose(session.account_, session.digest_);
      if (other != t) {
        host_.info("moving the session of " + account_phrase(session.account_) +
                   " from unhealthy terminal '" + terminals_[t]->name() + "' to '" +
                   terminals_[other]->name() + "'");
        unbind(session);
        bind(session, other);
      }
      return other;
    } catch (const CallFailure&) {
      return t;
    }
  }
  size_t t = choose(session.account_, session.digest_);
  bind(session, t);
  return t;
}

size_t TerminalPool::choose(const AccountKey& account, const PasswordDigest& digest) const {
  std::vector<TerminalState> states;
  for (const auto& t : terminals_) states.push_back(t->state());
  auto last = last_terminal_.find(account);
  if (last != last_terminal_.end()) {
    size_t t = last->second;
    if (states[t] != TerminalState::kError &&
        (bound_sessions_[t] == 0 || terminals_[t]->holds(account, digest)))
      return t;
  }
  std::optional<size_t> best;
  auto rank = [&](size_t i) {
    return std::make_tuple(states[i] == TerminalState::kConnected ? 0 : 1, bound_sessions_[i],
                           last_used_[i]);
  };
  for (size_t i = 0; i < terminals_.size(); ++i) {
    if (states[i] == TerminalState::kError) continue;
    if (!best || rank(i) < rank(*best)) best = i;
  }
  if (best) return *best;
  std::string detail;
  for (const auto& t : terminals_)
    detail += (detail.empty() ? "" : "; ") + t->name() + ": " + t->last_error();
  throw CallFailure(FailureKind::kNoTerminal, 0,
                    "all " + std::to_string(terminals_.size()) + " MT5 terminals are unhealthy (" +
                        detail + "); they are probed every " +
                        std::to_string(settings_.probe_interval.count()) + " s");
}

void TerminalPool::bind(Mt5Session& session, size_t terminal) {
  session.terminal_ = terminal;
  ++bound_sessions_[terminal];
  last_used_[terminal] = ++use_counter_;
  last_terminal_[session.account_] = terminal;
  publish_sessions(terminal);
}

void TerminalPool::unbind(Mt5Session& session) {
  if (!session.terminal_) return;
  size_t t = *session.terminal_;
  session.terminal_.reset();
  --bound_sessions_[t];
  publish_sessions(t);
}

void TerminalPool::mark_used(Mt5Session& session, size_t terminal) {
  std::lock_guard lock(mu_);
  last_used_[terminal] = ++use_counter_;
  session.last_used_ns_ = host_.monotonic_ns();
}

void TerminalPool::publish_sessions(size_t terminal) const {
  host_.gauge_set("mt5bridge_mt5_terminal_sessions",
                  "terminal=\"" + terminals_[terminal]->name() + "\"",
                  static_cast<double>(bound_sessions_[terminal]));
}

void TerminalPool::forget(Mt5Session& session) {
  std::lock_guard lock(mu_);
  unbind(session);
  sessions_.erase(&session);
}

std::vector<BackendView> TerminalPool::backends() const {
  std::vector<BackendView> out;
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < terminals_.size(); ++i)
    out.push_back({terminals_[i]->name(), terminals_[i]->state(), terminals_[i]->last_error(),
                   bound_sessions_[i]});
  return out;
}

void TerminalPool::release_idle(int64_t now_ns) {
  const int64_t cutoff =
      now_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.session_idle).count();
  {
    std::lock_guard lock(mu_);
    for (auto* s : sessions_) {
      if (!s->terminal_ || s->last_used_ns_ >= cutoff) continue;
      host_.info("released the idle session of " + account_phrase(s->account_) +
                 " from terminal '" + terminals_[*s->terminal_]->name() + "' after " +
                 std::to_string(settings_.session_idle.count()) +
                 " s; its next call picks a terminal again");
      unbind(*s);
    }
  }
  for (auto& t : terminals_) t->release_idle_login(cutoff);
}

void TerminalPool::maintain(std::stop_token stop, int64_t first_probe_ns) {
  const int64_t interval_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.probe_interval).count();
  std::vector<int64_t> next_probe_ns(terminals_.size(), first_probe_ns);
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, stop, kMaintenanceTick, [] { return false; });
    }
    if (stop.stop_requested()) break;
    const int64_t now = host_.monotonic_ns();
    {
      // Probes run side by side: a dead gateway's connect timeout must not delay the others.
      std::vector<std::jthread> probes;
      for (size_t i = 0; i < terminals_.size(); ++i) {
        if (now < next_probe_ns[i]) continue;
        next_probe_ns[i] = now + interval_ns;
        probes.emplace_back([t = terminals_[i].get()] { t->probe(); });
      }
    }
    release_idle(now);
  }
}

}  // namespace mt5b::broker_mt5
