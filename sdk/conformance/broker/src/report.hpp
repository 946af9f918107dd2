// The suite's outcome, printed as TAP (https://testanything.org) lines as checks finish:
// "ok 3 - positions: account 5001234 on 'MetaQuotes-Demo'", "not ok ... # <why>", and skips.
#ifndef MT5B_CONFORMANCE_BROKER_REPORT_HPP
#define MT5B_CONFORMANCE_BROKER_REPORT_HPP

#include <iosfwd>
#include <mutex>
#include <set>
#include <string>

namespace mt5b::conformance::broker {

class Report {
 public:
  Report(std::ostream& out, std::set<std::string> skipped)
      : out_(out), skipped_(std::move(skipped)) {}

  // True when the user skipped `check` with --skip.
  bool skipped(const std::string& check) const { return skipped_.count(check) != 0; }

  void pass(const std::string& check, const std::string& subject);
  void fail(const std::string& check, const std::string& subject, const std::string& why);
  void skip(const std::string& check, const std::string& subject, const std::string& why);
  // pass when `why` is empty, else fail.
  void expect(const std::string& check, const std::string& subject, const std::string& why);

  // The plan line and totals; returns the exit code (0 when nothing failed).
  int finish();

 private:
  void line(const std::string& text);
  std::ostream& out_;
  std::set<std::string> skipped_;
  std::mutex mu_;
  int number_ = 0;
  int passed_ = 0;
  int failed_ = 0;
  int skips_ = 0;
};

}  // namespace mt5b::conformance::broker

#endif  // MT5B_CONFORMANCE_BROKER_REPORT_HPP
